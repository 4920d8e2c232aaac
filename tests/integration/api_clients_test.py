"""API clients and every way they authenticate (issue 20): X-API-Key, HTTP Basic and OAuth
2.0 bearer tokens (client credentials, password grant), with scopes, rotation and
revocation observed on the next request. Real curl against the real server."""
import base64
import hashlib
import hmac
import json
import re
import subprocess
import time
import unittest
import uuid

import harness
from harness import Sealpost

MESSAGE = {"from": "dr@clinic.example", "to": ["pat@example.net"], "subject": "Results",
           "text": "Your results are ready.",
           "options": {"escrow": {"question": "Year of birth?", "answer": "1956"}}}


class ApiClientsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Sealpost()
        for args in (("account", "create", "Clinic"),
                     ("domain", "create", "clinic.example", "--account", "Clinic"),
                     ("user", "create", "dr@clinic.example"),
                     ("user", "create", "nurse@clinic.example"),
                     ("account", "create", "Lab"),
                     ("domain", "create", "lab.example", "--account", "Lab"),
                     ("user", "create", "tech@lab.example")):
            code, _, err = cls.server.admin(*args)
            assert code == 0, err
        cls.passwords = {}
        for user in ("dr@clinic.example", "tech@lab.example"):
            code, out, err = cls.server.admin("user", "smtp-password", user)
            assert code == 0, err
            cls.passwords[user] = out.strip().split()[-1]
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    # --- helpers -------------------------------------------------------------------
    def create_client(self, name, account="Clinic", scopes=("messages:send", "messages:read"),
                      user=None):
        body = {"name": name, "account": account, "scopes": list(scopes)}
        if user:
            body["user"] = user
        r = self.server.api("POST", "/api/v1/clients", json.dumps(body))
        self.assertEqual(r.status, 201, r.text)
        made = json.loads(r.body)
        self.server.keep_secret(made["secret"])
        self.server.keep_secret(made["credentials"])
        self.assertEqual(made["credentials"], made["id"] + ":" + made["secret"])
        self.assertEqual(r.header("cache-control"), "no-store")
        return made

    def call(self, method, path, auth_header, body=None):
        headers = [auth_header]
        if body is not None:
            headers.append("Content-Type: application/json")
        return self.server.request(method, path, headers=headers, data=body)

    def basic(self, credentials):
        return "Authorization: Basic " + base64.b64encode(credentials.encode()).decode()

    def token(self, form, auth=None):
        headers = [auth] if auth else []
        r = self.server.request("POST", "/api/v1/oauth/token", headers=headers, form=form)
        doc = json.loads(r.body) if r.body else {}
        if r.status == 200:
            self.server.keep_secret(doc["access_token"])
        return r, doc

    def audit(self, action):
        return self.server.sql(
            f"SELECT actor_kind, actor, subject, result, details FROM audit_log "
            f"WHERE action = '{action}' ORDER BY seq")

    # --- tests ---------------------------------------------------------------------
    def test_every_api_call_with_each_role_reaches_what_its_scopes_reach(self):
        """Issue 22's walk, for the API: each console role as an API client holds it (a
        sender: messages:send and messages:read; an auditor: audit:read; an
        administrator: admin) calls every route the server answers under /api/v1; a call
        outside the role's scopes is 403 "Insufficient scope", and no other call is. Its
        own server: the administrator's calls change things."""
        server = Sealpost()
        try:
            run = subprocess.run([harness.BIN, "serve", "--config", server.config,
                                  "--print-routes"], capture_output=True, text=True, timeout=120)
            self.assertEqual(run.returncode, 0, run.stderr[-2000:])
            routes = sorted({tuple(line.split(" ", 1)) for line in run.stdout.splitlines()
                             if " /api/v1/" in line})
            self.assertGreater(len(routes), 60)
            server.start()
            roles = {"sender": ("messages:send", "messages:read"), "auditor": ("audit:read",),
                     "administrator": ("admin",), "marketer": ("campaigns",)}
            keys = {}
            for role, scopes in roles.items():
                r = server.api("POST", "/api/v1/clients", json.dumps(
                    {"name": "walk " + role, "account": "default", "scopes": list(scopes)}))
                self.assertEqual(r.status, 201, r.text)
                keys[role] = json.loads(r.body)["credentials"]
                server.keep_secret(keys[role])

            def needed(method, route):  # as the server's ScopeFor says
                if route == "/api/v1/messages" or route.startswith("/api/v1/messages/"):
                    return "messages:read" if method == "GET" else "messages:send"
                if route == "/api/v1/requests" or route.startswith("/api/v1/requests/"):
                    return "messages:read" if method == "GET" else "messages:send"
                if route == "/api/v1/tools/received-headers":
                    return "messages:read"
                if route == "/api/v1/audit" or route.startswith("/api/v1/audit/"):
                    return "audit:read"
                if route in ("/api/v1/sessions", "/api/v1/sessions/{id}"):
                    return None
                for noun in ("/api/v1/lists", "/api/v1/contacts", "/api/v1/suppressions",
                             "/api/v1/segments", "/api/v1/templates", "/api/v1/campaigns",
                             "/api/v1/automations"):
                    if route == noun or route.startswith(noun + "/"):
                        return "campaigns"
                return "admin"

            walked = 0
            for method, route in routes:
                path = re.sub(r"\{[^}]+\}", "walk-nothing", route)
                body = None  # no body: the scope is checked before any is read
                # Open to anyone (the document, OAuth's own endpoints): no scope to walk.
                if server.request(method, path, data=body).status != 401:
                    continue
                walked += 1
                for role, scopes in roles.items():
                    r = server.request(method, path, data=body,
                                       headers=[f"X-API-Key: {keys[role]}",
                                                "Content-Type: application/json"])
                    need = needed(method, route)
                    refused = r.status == 403 and "Insufficient scope" in r.text
                    self.assertEqual(refused, need is not None and need not in scopes,
                                     (role, method, route, r.status, r.text[:200]))
                    self.assertLess(r.status, 500, (role, method, route, r.text[:200]))
            self.assertGreater(walked, 55)
        finally:
            server.cleanup()

    def test_key_and_basic_reach_one_client_and_scopes_decide(self):
        sender = self.create_client("EHR", scopes=("messages:send",))
        r = self.call("POST", "/api/v1/messages", f"X-API-Key: {sender['credentials']}",
                      json.dumps(MESSAGE))
        self.assertEqual(r.status, 202, r.text)
        mid = json.loads(r.body)["id"]
        r = self.call("POST", "/api/v1/messages", self.basic(sender["credentials"]),
                      json.dumps(MESSAGE))
        self.assertEqual(r.status, 202, r.text)
        # A browser's cross-site request carrying the Basic credentials it keeps: refused.
        r = self.server.request("POST", "/api/v1/messages", data=json.dumps(MESSAGE), headers=[
            self.basic(sender["credentials"]), "Content-Type: application/json",
            "Sec-Fetch-Site: cross-site"])
        self.assertEqual(r.status, 403, r.text)
        self.assertEqual(json.loads(r.body)["title"], "Cross-site request refused")
        # messages:read is not among its scopes: 403, naming the scope, before any body.
        r = self.call("GET", f"/api/v1/messages/{mid}", self.basic(sender["credentials"]))
        self.assertEqual(r.status, 403, r.text)
        self.assertIn('"messages:read"', json.loads(r.body)["detail"])
        self.assertEqual(r.header("content-type"), "application/problem+json")
        r = self.call("GET", "/api/v1/namespaces", f"X-API-Key: {sender['credentials']}")
        self.assertEqual(r.status, 403)
        refused = [row for row in self.audit("api.GET /api/v1/namespaces") if row[1] == sender["id"]]
        self.assertEqual(refused[-1][3], "refused")
        self.assertIn('"needs":"admin"', refused[-1][4])
        # The client's last use is kept (to the minute), never its secret.
        shown = json.loads(self.server.api("GET", f"/api/v1/clients/{sender['id']}").body)
        self.assertIsNotNone(shown["last_used_at"])
        self.assertNotIn("secret", shown)
        self.assertEqual(shown["scopes"], ["messages:send"])
        # Who sent it is on record by client id.
        accepted = self.server.sql(f"SELECT actor_kind, actor FROM audit_log WHERE "
                                   f"action = 'message.accepted' AND message_id = '{mid}'")
        self.assertEqual(accepted, [("api_client", sender["id"])])

    def test_wrong_credentials_get_401_naming_the_schemes(self):
        client = self.create_client("Billing")
        for header in (f"X-API-Key: {client['id']}:wrong", self.basic(client["id"] + ":wrong"),
                       "Authorization: Basic !!!", "Authorization: Bearer spt_unknown",
                       "Authorization: Digest username=x"):
            r = self.call("GET", "/api/v1/messages/x", header)
            self.assertEqual(r.status, 401, header)
            challenge = r.header("www-authenticate")
            for scheme in ("Basic realm=\"sealpost\"", "Bearer realm=\"sealpost\"", "X-API-Key"):
                self.assertIn(scheme, challenge)
            self.assertEqual(json.loads(r.body)["status"], 401)
        r = self.call("GET", "/api/v1/messages/x", "Authorization: Bearer spt_unknown")
        self.assertTrue(r.header("www-authenticate").startswith(
            'Bearer realm="sealpost", error="invalid_token"'))
        r = self.server.request("GET", "/api/v1/messages/x")
        self.assertEqual(r.status, 401)
        refused = self.audit("auth.basic")
        self.assertIn(("api_client", client["id"], client["id"], "refused", ""), refused)

    def test_rotation_and_revocation_take_effect_on_the_next_request(self):
        client = self.create_client("CRM")
        key = f"X-API-Key: {client['credentials']}"
        self.assertEqual(self.call("GET", "/api/v1/messages/none", key).status, 404)
        r = self.server.api("POST", f"/api/v1/clients/{client['id']}/rotate",
                            json.dumps({"grace_minutes": 5}))
        self.assertEqual(r.status, 200, r.text)
        rotated = json.loads(r.body)
        self.server.keep_secret(rotated["secret"])
        self.assertIsNotNone(rotated["previous_valid_until"])
        new_key = f"X-API-Key: {rotated['credentials']}"
        self.assertEqual(self.call("GET", "/api/v1/messages/none", key).status, 404)  # grace
        self.assertEqual(self.call("GET", "/api/v1/messages/none", new_key).status, 404)
        r = self.server.api("POST", f"/api/v1/clients/{client['id']}/rotate", "{}")
        newest = json.loads(r.body)
        self.server.keep_secret(newest["secret"])
        self.assertEqual(self.call("GET", "/api/v1/messages/none", new_key).status, 401)
        newest_key = f"X-API-Key: {newest['credentials']}"
        self.assertEqual(self.call("GET", "/api/v1/messages/none", newest_key).status, 404)
        # A token it holds dies with it.
        r, tok = self.token({"grant_type": "client_credentials"}.items(),
                            self.basic(newest["credentials"]))
        self.assertEqual(r.status, 200, r.text)
        bearer = f"Authorization: Bearer {tok['access_token']}"
        self.assertEqual(self.call("GET", "/api/v1/messages/none", bearer).status, 404)
        r = self.server.api("DELETE", f"/api/v1/clients/{client['id']}")
        self.assertEqual(r.status, 200, r.text)
        self.assertIsNotNone(json.loads(r.body)["revoked_at"])
        self.assertEqual(self.call("GET", "/api/v1/messages/none", newest_key).status, 401)
        self.assertEqual(self.call("GET", "/api/v1/messages/none", bearer).status, 401)
        self.assertEqual(self.server.api("DELETE", "/api/v1/clients/nope").status, 404)
        self.assertEqual(
            self.server.api("POST", f"/api/v1/clients/{client['id']}/rotate", "{}").status, 409)
        actions = self.server.sql(
            f"SELECT action, result FROM audit_log WHERE subject = '{client['id']}' "
            f"AND action LIKE 'api.%' ORDER BY seq")
        self.assertEqual(actions, [("api.POST /api/v1/clients/{id}/rotate", "ok")] * 2 +
                         [("api.DELETE /api/v1/clients/{id}", "ok"),
                          ("api.POST /api/v1/clients/{id}/rotate", "refused")])

    def test_client_validation_and_listing(self):
        bad = [({"name": "x", "account": "Nowhere"}, 404, None),
               ({"name": "x", "account": "Clinic", "scopes": ["bogus"]}, 400, "scopes"),
               ({"name": "x", "account": "Clinic", "user": "dr@clinic.example",
                 "scopes": ["admin"]}, 400, "scopes"),
               ({"name": "x", "account": "Lab", "user": "dr@clinic.example"}, 400, "user"),
               ({"name": "", "account": "Clinic"}, 400, "name"),
               ({"name": "x", "account": "Clinic", "colour": "red"}, 400, "colour")]
        for body, status, field in bad:
            r = self.server.api("POST", "/api/v1/clients", json.dumps(body))
            self.assertEqual(r.status, status, (body, r.text))
            if field:
                self.assertEqual(json.loads(r.body)["invalid-params"][0]["name"], field)
        lab = self.create_client("LIS", account="Lab")
        listed = json.loads(self.server.api("GET", "/api/v1/clients?account=Lab").body)["clients"]
        self.assertEqual([c["id"] for c in listed], [lab["id"]])
        self.assertNotIn(lab["secret"], json.dumps(listed))
        # The CLI sees the same clients, and makes them too.
        code, out, _ = self.server.admin("client", "list", "--account", "Lab")
        self.assertEqual(code, 0)
        self.assertIn(lab["id"], out)
        code, out, err = self.server.admin("client", "create", "Portal sync", "--account", "Lab",
                                           "--scopes", "messages:read audit:read")
        self.assertEqual(code, 0, err)
        credentials = re.search(r"keep them safe\): (\S+)", out).group(1)
        self.assertEqual(self.call("GET", "/api/v1/audit?limit=1",
                                   f"X-API-Key: {credentials}").status, 200)
        code, _, err = self.server.admin("client", "create", "x", "--account", "Lab",
                                         "--scopes", "messages:sned")
        self.assertEqual(code, 2)
        self.assertIn("--scopes", err)
        # Only administrators manage clients.
        r = self.call("GET", "/api/v1/clients", f"X-API-Key: {lab['credentials']}")
        self.assertEqual(r.status, 403)

    def test_oauth_client_credentials(self):
        client = self.create_client("Scheduler", scopes=("messages:send", "messages:read",
                                                         "admin"))
        # Basic client authentication; the scope narrowed to what is asked.
        r, tok = self.token([("grant_type", "client_credentials"), ("scope", "messages:read")],
                            self.basic(client["credentials"]))
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(tok["token_type"], "Bearer")
        self.assertEqual(tok["expires_in"], 900)
        self.assertEqual(tok["scope"], "messages:read")
        self.assertEqual(r.header("cache-control"), "no-store")
        self.assertTrue(tok["access_token"].startswith("spt_"))
        bearer = f"Authorization: Bearer {tok['access_token']}"
        self.assertEqual(self.call("GET", "/api/v1/messages/none", bearer).status, 404)
        r = self.call("POST", "/api/v1/messages", bearer, json.dumps(MESSAGE))
        self.assertEqual(r.status, 403)
        self.assertIn('error="insufficient_scope"', r.header("www-authenticate"))
        # Body client authentication, every scope the client holds.
        r, full = self.token([("grant_type", "client_credentials"),
                              ("client_id", client["id"]), ("client_secret", client["secret"])])
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(full["scope"], "messages:send messages:read admin")
        full_bearer = f"Authorization: Bearer {full['access_token']}"
        r = self.call("POST", "/api/v1/messages", full_bearer, json.dumps(MESSAGE))
        self.assertEqual(r.status, 202, r.text)
        # Introspection (RFC 7662), for administrators.
        r = self.server.request("POST", "/api/v1/oauth/introspect",
                                headers=[f"X-API-Key: {self.server.api_key}"],
                                form=[("token", tok["access_token"])])
        self.assertEqual(r.status, 200, r.text)
        seen = json.loads(r.body)
        self.assertTrue(seen["active"])
        self.assertEqual(seen["client_id"], client["id"])
        self.assertEqual(seen["scope"], "messages:read")
        r = self.server.request("POST", "/api/v1/oauth/introspect", headers=[bearer],
                                form=[("token", tok["access_token"])])
        self.assertEqual(r.status, 403)
        # Revocation (RFC 7009): the next request is refused; unknown tokens answer alike.
        r = self.server.request("POST", "/api/v1/oauth/revoke",
                                headers=[self.basic(client["credentials"])],
                                form=[("token", tok["access_token"])])
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(self.call("GET", "/api/v1/messages/none", bearer).status, 401)
        r = self.server.request("POST", "/api/v1/oauth/revoke",
                                headers=[self.basic(client["credentials"])],
                                form=[("token", "spt_never_issued")])
        self.assertEqual(r.status, 200)
        r = self.server.request("POST", "/api/v1/oauth/introspect",
                                headers=[f"X-API-Key: {self.server.api_key}"],
                                form=[("token", tok["access_token"])])
        self.assertEqual(json.loads(r.body), {"active": False})
        # The other token is untouched; tokens are sign-ins on record, never themselves.
        self.assertEqual(self.call("GET", "/api/v1/messages/none", full_bearer).status, 404)
        issued = [row for row in self.audit("auth.oauth.token") if row[1] == client["id"]]
        self.assertEqual(len(issued), 2)
        self.assertIn('"grant_type":"client_credentials"', issued[0][4])
        dump = json.dumps(self.server.sql("SELECT * FROM audit_log"), default=str)
        self.assertNotIn(tok["access_token"], dump)

    def test_oauth_errors_follow_rfc_6749(self):
        client = self.create_client("Errors")
        auth = self.basic(client["credentials"])
        cases = [
            ([("grant_type", "client_credentials")], self.basic(client["id"] + ":bad"), 401,
             "invalid_client"),
            ([("grant_type", "client_credentials")], None, 401, "invalid_client"),
            ([("grant_type", "authorization_code")], auth, 400, "unsupported_grant_type"),
            ([], auth, 400, "invalid_request"),
            ([("grant_type", "client_credentials"), ("scope", "admin")], auth, 400,
             "invalid_scope"),
            ([("grant_type", "client_credentials"), ("grant_type", "password")], auth, 400,
             "invalid_request"),
            ([("grant_type", "client_credentials"), ("client_secret", client["secret"])], auth,
             401, "invalid_client"),
        ]
        for form, header, status, error in cases:
            r, doc = self.token(form, header)
            self.assertEqual((r.status, doc.get("error")), (status, error), (form, r.text))
            self.assertEqual(doc["status"], status)  # a problem document too
            if status == 401:
                self.assertEqual(r.header("www-authenticate"), 'Basic realm="sealpost"')
        r = self.server.request("POST", "/api/v1/oauth/token", headers=[auth,
                                "Content-Type: application/json"],
                                data='{"grant_type": "client_credentials"}')
        self.assertEqual(json.loads(r.body)["error"], "invalid_request")

    def test_oauth_password_grant_is_off_until_turned_on(self):
        clinic = self.create_client("Patient app", scopes=("messages:send", "messages:read",
                                                           "admin"))
        auth = self.basic(clinic["credentials"])
        form = [("grant_type", "password"), ("username", "dr@clinic.example"),
                ("password", self.passwords["dr@clinic.example"])]
        r, doc = self.token(form, auth)
        self.assertEqual((r.status, doc["error"]), (400, "unauthorized_client"), r.text)
        self.assertIn("api_password_grant", doc["error_description"])
        code, _, err = self.server.admin("settings", "set", "account", "Clinic",
                                         "api_password_grant=on")
        self.assertEqual(code, 0, err)
        r, doc = self.token(form, auth)
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(doc["scope"], "messages:send messages:read")  # never admin
        bearer = f"Authorization: Bearer {doc['access_token']}"
        # The token acts as that user: it sends as dr@, not as anyone else.
        r = self.call("POST", "/api/v1/messages", bearer, json.dumps(MESSAGE))
        self.assertEqual(r.status, 202, r.text)
        other = dict(MESSAGE, **{"from": "nurse@clinic.example"})
        r = self.call("POST", "/api/v1/messages", bearer, json.dumps(other))
        self.assertEqual(r.status, 403, r.text)
        r = self.server.request("POST", "/api/v1/oauth/introspect",
                                headers=[f"X-API-Key: {self.server.api_key}"],
                                form=[("token", doc["access_token"])])
        self.assertEqual(json.loads(r.body)["username"], "dr@clinic.example")
        # Wrong password, unknown user, a user of another account: one answer.
        for username, password in (("dr@clinic.example", "wrong-password-1"),
                                   ("nobody@clinic.example", "wrong-password-1"),
                                   ("tech@lab.example", self.passwords["tech@lab.example"])):
            r, doc = self.token([("grant_type", "password"), ("username", username),
                                 ("password", password)], auth)
            self.assertEqual((r.status, doc["error"]), (400, "invalid_grant"), username)
            self.assertEqual(doc["error_description"], "The username or password is wrong.")
        sign_ins = self.audit("auth.oauth.password")
        self.assertEqual([row[3] for row in sign_ins[-3:]], ["refused", "refused", "ok"])
        # A client bound to a user cannot ask for another's token.
        bound = self.create_client("dr's script", user="dr@clinic.example")
        r, doc = self.token(form, self.basic(bound["credentials"]))
        self.assertEqual(doc["error"], "unauthorized_client")

    def test_the_message_list_filters_pages_and_keeps_senders_apart(self):
        account = self.create_client("Lister", scopes=("messages:send", "messages:read"))
        dr = self.create_client("dr's list", user="dr@clinic.example")
        key = f"X-API-Key: {account['credentials']}"
        sent = []
        for sender, to in (("dr@clinic.example", "a@example.net"),
                           ("nurse@clinic.example", "b@example.net"),
                           ("dr@clinic.example", "b@example.net")):
            body = dict(MESSAGE, **{"from": sender, "to": [to]})
            r = self.call("POST", "/api/v1/messages", key, json.dumps(body))
            self.assertEqual(r.status, 202, r.text)
            sent.append(json.loads(r.body)["id"])

        def listed(query, header=key):
            r = self.call("GET", "/api/v1/messages" + query, header)
            self.assertEqual(r.status, 200, r.text)
            return json.loads(r.body)

        everything = [m["id"] for m in listed("?limit=200")["messages"]]
        self.assertEqual([i for i in everything if i in sent], sent[::-1])  # newest first
        self.assertEqual([m["id"] for m in listed("?recipient=B@example.net")["messages"]
                          if m["id"] in sent], [sent[2], sent[1]])
        self.assertEqual([m["id"] for m in listed("?sender=nurse@clinic.example")["messages"]],
                         [sent[1]])
        doc = listed("?recipient=a@example.net&method=escrow")
        self.assertEqual([m["id"] for m in doc["messages"]], [sent[0]])
        self.assertEqual(doc["messages"][0]["recipients"][0]["method"], "escrow")
        # Nobody has opened them (their notices may be queued or delivered by now).
        self.assertEqual([m for m in listed("?status=viewed")["messages"] if m["id"] in sent], [])
        self.assertEqual(listed("?recipient=a@example.net&method=pgp")["messages"], [])
        # A sender's client sees that sender's messages only, whatever it asks.
        mine = [m["id"] for m in listed("?limit=200", f"X-API-Key: {dr['credentials']}")["messages"]]
        self.assertIn(sent[0], mine)
        self.assertNotIn(sent[1], mine)
        self.assertEqual(listed("?sender=nurse@clinic.example",
                                f"X-API-Key: {dr['credentials']}")["messages"], [])
        # Pages: a cursor continues where the last page ended.
        first = listed("?limit=1&recipient=b@example.net")
        self.assertEqual([m["id"] for m in first["messages"]], [sent[2]])
        second = listed(f"?limit=1&recipient=b@example.net&cursor={first['next_cursor']}")
        self.assertEqual([m["id"] for m in second["messages"]], [sent[1]])
        for bad, field in (("?status=happy", "status"), ("?limit=0", "limit"),
                           ("?since=yesterday", "since"), ("?colour=red", "colour"),
                           ("?cursor=abc", "cursor")):
            r = self.call("GET", "/api/v1/messages" + bad, key)
            self.assertEqual(r.status, 400, bad)
            self.assertEqual(json.loads(r.body)["invalid-params"][0]["name"], field)

    def test_the_organisation_by_api(self):
        def post(path, body):
            return self.server.api("POST", path, json.dumps(body))
        self.assertEqual(post("/api/v1/accounts", {"name": "Radiology"}).status, 201)
        self.assertEqual(post("/api/v1/accounts", {"name": "radiology"}).status, 409)
        self.assertEqual(post("/api/v1/domains", {"name": "xray.example",
                                                  "account": "Radiology"}).status, 201)
        self.assertEqual(post("/api/v1/domains", {"name": "ct.example",
                                                  "account": "Nowhere"}).status, 404)
        self.assertEqual(post("/api/v1/users", {"address": "rad@xray.example"}).status, 201)
        self.assertEqual(post("/api/v1/users", {"address": "rad@unknown.example"}).status, 404)
        r = post("/api/v1/users", {"address": "rad@xray.example", "role": "boss"})
        self.assertEqual(json.loads(r.body)["invalid-params"][0]["name"], "role")
        r = post("/api/v1/accounts", {})
        self.assertEqual(json.loads(r.body)["invalid-params"][0]["name"], "name")
        accounts = [a["name"] for a in json.loads(self.server.api("GET", "/api/v1/accounts").body)["accounts"]]
        self.assertIn("Radiology", accounts)
        self.assertEqual(accounts, sorted(accounts))
        domains = json.loads(self.server.api("GET", "/api/v1/domains?account=Radiology").body)
        self.assertEqual([d["name"] for d in domains["domains"]], ["xray.example"])
        users = json.loads(self.server.api("GET", "/api/v1/users?account=Clinic").body)["users"]
        self.assertEqual({u["address"]: u["smtp_login"] for u in users},
                         {"dr@clinic.example": True, "nurse@clinic.example": False})
        self.assertNotIn("hash", json.dumps(users))
        # The CLI lists the same.
        code, out, _ = self.server.admin("user", "list", "--domain", "xray.example")
        self.assertEqual((code, out.split("\t")[0]), (0, "rad@xray.example"))
        code, out, _ = self.server.admin("domain", "list", "--account", "Radiology")
        self.assertTrue(out.startswith("xray.example\tRadiology"))
        code, out, _ = self.server.admin("account", "list")
        self.assertIn("Radiology\t", out)
        # Administrators only; each change on record.
        sender = self.create_client("not an admin")
        r = self.call("GET", "/api/v1/users", f"X-API-Key: {sender['credentials']}")
        self.assertEqual(r.status, 403)
        made = self.server.sql("SELECT subject, result FROM audit_log WHERE action = "
                               "'api.POST /api/v1/accounts' ORDER BY seq")
        self.assertEqual([row[1] for row in made[-3:]], ["ok", "refused", "refused"])

    def test_show_change_and_delete_the_organisation(self):
        def call(method, path, body=None):
            r = self.server.api(method, path, None if body is None else json.dumps(body))
            return r, (json.loads(r.body) if r.body else None)
        for path, body in (("/api/v1/accounts", {"name": "Pharmacy"}),
                           ("/api/v1/domains", {"name": "rx.example", "account": "Pharmacy"}),
                           ("/api/v1/users", {"address": "ph@rx.example"}),
                           ("/api/v1/address-books", {"book": "account:Pharmacy:shared"})):
            r, _ = call("POST", path, body)
            self.assertEqual(r.status, 201, r.text)
        user_client = self.create_client("till", account="Pharmacy", user="ph@rx.example")
        account_client = self.create_client("stock", account="Pharmacy", scopes=("messages:read",))
        sent = dict(MESSAGE, **{"from": "ph@rx.example"})
        r = self.call("POST", "/api/v1/messages", f"X-API-Key: {user_client['credentials']}",
                      json.dumps(sent))
        self.assertEqual(r.status, 202, r.text)
        mid = json.loads(r.body)["id"]

        # Show and change.
        r, shown = call("GET", "/api/v1/accounts/Pharmacy")
        self.assertEqual((r.status, shown["domains"], shown["settings"]), (200, ["rx.example"], {}))
        r, changed = call("PATCH", "/api/v1/accounts/Pharmacy", {"settings": {"default_expiry_days": 30}})
        self.assertEqual((r.status, changed["settings"]), (200, {"default_expiry_days": 30}), r.text)
        self.assertEqual(call("GET", "/api/v1/settings/account/Pharmacy")[1], {"default_expiry_days": 30})
        r, problem = call("PATCH", "/api/v1/accounts/Pharmacy", {"settings": {"default_expiry_days": "soon"}})
        self.assertEqual((r.status, problem["invalid-params"][0]["name"]), (400, "default_expiry_days"))
        r, problem = call("PATCH", "/api/v1/domains/rx.example", {"account": "Clinic"})
        self.assertEqual((r.status, problem["invalid-params"][0]["name"]), (400, "account"))
        r, shown = call("GET", "/api/v1/domains/rx.example")
        self.assertEqual((shown["account"], shown["users"]), ("Pharmacy", 1))
        self.assertEqual(call("GET", "/api/v1/domains/none.example")[0].status, 404)
        self.assertEqual(call("PATCH", "/api/v1/accounts/Nowhere", {})[0].status, 404)
        r, made = call("POST", "/api/v1/users/ph@rx.example/smtp-password")
        self.assertEqual((r.status, r.header("cache-control")), (201, "no-store"))
        self.server.keep_secret(made["password"])
        self.assertGreaterEqual(len(made["password"]), 20)
        self.assertTrue(call("GET", "/api/v1/users/ph%40rx.example")[1]["smtp_login"])
        r, problem = call("PATCH", "/api/v1/users/ph@rx.example", {"smtp_login": True})
        self.assertEqual((r.status, problem["invalid-params"][0]["name"]), (400, "smtp_login"))
        r, changed = call("PATCH", "/api/v1/users/ph@rx.example", {"smtp_login": False})
        self.assertEqual((r.status, changed["smtp_login"]), (200, False))
        self.assertNotIn(made["password"], json.dumps(self.server.sql("SELECT details FROM audit_log")))

        # Book links.
        book = "/api/v1/users/ph@rx.example/books/account:Pharmacy:shared"
        r, linked = call("PUT", book, {"role": "preferred"})
        self.assertEqual((r.status, linked["role"]), (200, "preferred"), r.text)
        self.assertEqual(call("GET", "/api/v1/users/ph@rx.example/books")[1]["books"],
                         [{"book": "account:Pharmacy:shared", "role": "preferred"}])
        code, out, _ = self.server.admin("book", "links", "ph@rx.example")
        self.assertEqual((code, out), (0, "account:Pharmacy:shared\tpreferred\n"))
        r, problem = call("PUT", book, {"role": "favourite"})
        self.assertEqual((r.status, problem["invalid-params"][0]["name"]), (400, "role"))
        self.assertEqual(call("PUT", "/api/v1/users/nobody@rx.example/books/account:Pharmacy:shared",
                              {"role": "default"})[0].status, 404)
        self.assertEqual(call("DELETE", book)[0].status, 204)
        self.assertEqual(call("DELETE", book)[0].status, 404)
        self.assertEqual(call("PUT", book, {"role": "default"})[0].status, 200)
        code, out, err = self.server.admin("book", "unlink", "ph@rx.example", "account:Pharmacy:shared")
        self.assertEqual((code, out), (0, "ph@rx.example: account:Pharmacy:shared unlinked\n"), err)
        self.assertEqual(call("GET", "/api/v1/users/ph@rx.example/books")[1]["books"], [])

        # Deletion goes from the bottom up; what is above refuses while something is below.
        r, problem = call("DELETE", "/api/v1/accounts/Pharmacy")
        self.assertEqual((r.status, problem["title"]), (409, "Conflict"))
        self.assertIn("still has domains", problem["detail"])
        r, problem = call("DELETE", "/api/v1/domains/rx.example")
        self.assertEqual((r.status, problem["title"]), (409, "Conflict"))
        self.assertEqual(call("DELETE", "/api/v1/users/ph@rx.example")[0].status, 204)
        self.assertEqual(call("GET", "/api/v1/users/ph@rx.example")[0].status, 404)
        self.assertEqual(call("DELETE", "/api/v1/users/ph@rx.example")[0].status, 404)
        # The user's client is refused on its next request; the account's still works.
        r = self.call("GET", f"/api/v1/messages/{mid}", f"X-API-Key: {user_client['credentials']}")
        self.assertEqual(r.status, 401, r.text)
        r = self.call("GET", f"/api/v1/messages/{mid}", f"X-API-Key: {account_client['credentials']}")
        self.assertEqual(r.status, 200, r.text)
        code, out, err = self.server.admin("domain", "delete", "rx.example")
        self.assertEqual((code, out), (0, "domain rx.example deleted\n"), err)
        self.assertEqual(call("DELETE", "/api/v1/accounts/Pharmacy")[0].status, 204)
        r = self.call("GET", f"/api/v1/messages/{mid}", f"X-API-Key: {account_client['credentials']}")
        self.assertEqual(r.status, 401, r.text)
        # The message stays, and its account's name with it: a new account of that name
        # would otherwise see it.
        self.assertEqual(self.server.sql(f"SELECT account FROM messages WHERE id = '{mid}'"),
                         [("Pharmacy",)])
        r, problem = call("POST", "/api/v1/accounts", {"name": "Pharmacy"})
        self.assertEqual(r.status, 409)
        self.assertIn("its messages are still kept", problem["detail"])
        r, problem = call("DELETE", "/api/v1/accounts/default")
        self.assertEqual(r.status, 409)
        code, _, err = self.server.admin("user", "delete", "ghost@rx.example")
        self.assertNotEqual(code, 0)
        self.assertIn("no user ghost@rx.example", err)
        deleted = self.server.sql("SELECT result FROM audit_log WHERE action = "
                                  "'api.DELETE /api/v1/accounts/{name}' ORDER BY seq")
        self.assertEqual([row[0] for row in deleted], ["refused", "ok", "refused"])
        # Each deletion's record keeps what was deleted (issue 21: before and after).
        [(user_details,)] = self.server.sql(
            "SELECT details FROM audit_log WHERE action = 'api.DELETE /api/v1/users/{address}' "
            "AND result = 'ok'")
        self.assertEqual(json.loads(user_details)["before"],
                         {"settings": {}, "domain": "rx.example", "smtp_login": False,
                          "console_role": ""})
        [(domain_details,)] = self.server.sql(
            "SELECT details FROM audit_log WHERE action = 'admin.domain.delete' AND result = 'ok'")
        self.assertEqual(json.loads(domain_details)["before"]["account"], "Pharmacy")

    def test_an_accounts_client_reads_its_accounts_audit_trail_only(self):
        for path, body in (("/api/v1/accounts", {"name": "Pathology"}),
                           ("/api/v1/domains", {"name": "path.example", "account": "Pathology"}),
                           ("/api/v1/users", {"address": "doc@path.example"})):
            r = self.server.api("POST", path, json.dumps(body))
            self.assertEqual(r.status, 201, r.text)
        lab_sender = self.create_client("LIMS", account="Pathology", scopes=("messages:send",))
        sent = dict(MESSAGE, **{"from": "doc@path.example"})
        r = self.call("POST", "/api/v1/messages", f"X-API-Key: {lab_sender['credentials']}",
                      json.dumps(sent))
        self.assertEqual(r.status, 202, r.text)
        lab_mid = json.loads(r.body)["id"]
        r = self.server.api("POST", "/api/v1/messages", json.dumps(MESSAGE))  # the organisation's
        self.assertEqual(r.status, 202, r.text)
        auditor = self.create_client("Pathology auditor", account="Pathology", scopes=("audit:read",))
        key = f"X-API-Key: {auditor['credentials']}"
        r = self.call("GET", "/api/v1/audit?limit=1000", key)
        self.assertEqual(r.status, 200, r.text)
        records = json.loads(r.body)["records"]
        self.assertEqual({rec["account"] for rec in records}, {"Pathology"})
        self.assertIn(lab_mid, {rec["message_id"] for rec in records})
        r = self.call("GET", "/api/v1/audit?account=default", key)
        self.assertEqual(r.status, 403, r.text)
        self.assertIn("its own account only", json.loads(r.body)["detail"])
        r = self.call("GET", "/api/v1/audit/export?format=jsonl&account=default", key)
        self.assertEqual(r.status, 403, r.text)
        r = self.call("GET", "/api/v1/audit/export?format=jsonl", key)
        self.assertEqual(r.status, 200, r.text)
        lines = [json.loads(line) for line in r.text.splitlines() if line]
        self.assertTrue(lines)
        self.assertEqual({rec["account"] for rec in lines}, {"Pathology"})
        # The organisation's own administrator sees every account's.
        r = self.server.api("GET", "/api/v1/audit?limit=1000")
        accounts = {rec["account"] for rec in json.loads(r.body)["records"]}
        self.assertTrue({"Pathology", "default"} <= accounts, accounts)

    def test_each_client_has_its_rate(self):
        body = {"name": "Chatty", "account": "Clinic", "scopes": ["messages:read"],
                "rate_limit_per_minute": 3}
        r = self.server.api("POST", "/api/v1/clients", json.dumps(body))
        self.assertEqual(r.status, 201, r.text)
        made = json.loads(r.body)
        self.server.keep_secret(made["credentials"])
        self.assertEqual(made["rate_limit_per_minute"], 3)
        key = f"X-API-Key: {made['credentials']}"
        for left in (2, 1, 0):
            r = self.call("GET", "/api/v1/messages/none", key)
            self.assertEqual(r.status, 404)
            self.assertEqual(r.header("ratelimit-policy"), '"client";q=3;w=60')
            self.assertTrue(r.header("ratelimit").startswith(f'"client";r={left};t='), r.header("ratelimit"))
        r = self.call("GET", "/api/v1/messages/none", key)
        self.assertEqual(r.status, 429, r.text)
        self.assertEqual(json.loads(r.body)["status"], 429)
        self.assertTrue(1 <= int(r.header("retry-after")) <= 20, r.header("retry-after"))
        self.assertTrue(r.header("ratelimit").startswith('"client";r=0;t='))
        # Other clients keep their own (the configured default, 600 a minute).
        r = self.server.api("GET", "/api/v1/clients/" + made["id"])
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("ratelimit-policy"), '"client";q=600;w=60')
        code, _, err = self.server.admin("client", "create", "x", "--account", "Clinic",
                                         "--rate-limit", "-1")
        self.assertEqual(code, 2)
        self.assertIn("--rate-limit", err)


def signed_headers(method, url, session, body=None, created=None, nonce=None,
                   content_type="application/json"):
    """RFC 9421 §2.5 and §3.1 and RFC 9530, written here from the RFCs and independently of
    the server: HMAC-SHA256 over @method, @target-uri and (with a body) content-digest."""
    headers = {}
    components = ["@method", "@target-uri"]
    if body is not None:
        headers["content-type"] = content_type
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        headers["content-digest"] = f"sha-256=:{digest}:"
        components.append("content-digest")
    created = int(time.time()) if created is None else created
    nonce = nonce or uuid.uuid4().hex
    params = "(" + " ".join(f'"{c}"' for c in components) + ")" + \
        f';created={created};nonce="{nonce}";keyid="{session["id"]}";alg="hmac-sha256"'
    values = {"@method": method, "@target-uri": url}
    lines = [f'"{c}": {values[c] if c.startswith("@") else headers[c]}' for c in components]
    lines.append(f'"@signature-params": {params}')
    key = base64.b64decode(session["key"])
    signature = base64.b64encode(hmac.new(key, "\n".join(lines).encode(),
                                          hashlib.sha256).digest()).decode()
    headers["signature-input"] = f"sig1={params}"
    headers["signature"] = f"sig1=:{signature}:"
    return [f"{k}: {v}" for k, v in headers.items()]


class SignedRequestsTest(unittest.TestCase):
    """Signed requests (RFC 9421), built by the test's own implementation of the RFC."""

    @classmethod
    def setUpClass(cls):
        cls.server = Sealpost()
        for args in (("account", "create", "Clinic"),
                     ("domain", "create", "clinic.example", "--account", "Clinic"),
                     ("user", "create", "dr@clinic.example")):
            code, _, err = cls.server.admin(*args)
            assert code == 0, err
        cls.server.start()
        r = cls.server.api("POST", "/api/v1/clients", json.dumps(
            {"name": "Signer", "account": "Clinic", "scopes": ["messages:send", "messages:read"]}))
        cls.client = json.loads(r.body)
        cls.server.keep_secret(cls.client["secret"])

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def open_session(self):
        r = self.server.request("POST", "/api/v1/sessions",
                                headers=[f"X-API-Key: {self.client['credentials']}"])
        self.assertEqual(r.status, 201, r.text)
        self.assertEqual(r.header("cache-control"), "no-store")
        session = json.loads(r.body)
        self.server.keep_secret(session["key"])
        self.assertEqual(session["algorithm"], "hmac-sha256")
        return session

    def send(self, method, path, session, body=None, **kw):
        url = self.server.base + path
        return self.server.request(method, path, data=body,
                                   headers=signed_headers(method, url, session, body, **kw))

    def test_signed_calls_replays_and_skew(self):
        session = self.open_session()
        r = self.send("GET", "/api/v1/messages/none", session)
        self.assertEqual(r.status, 404, r.text)  # through the gate: the message is not there
        r = self.send("POST", "/api/v1/messages", session, json.dumps(MESSAGE))
        self.assertEqual(r.status, 202, r.text)
        mid = json.loads(r.body)["id"]
        self.assertEqual(self.send("GET", f"/api/v1/messages/{mid}", session).status, 200)
        accepted = self.server.sql(f"SELECT actor FROM audit_log WHERE action = "
                                   f"'message.accepted' AND message_id = '{mid}'")
        self.assertEqual(accepted, [(self.client["id"],)])
        # The same request again: a replay.
        url = self.server.base + "/api/v1/messages/none"
        headers = signed_headers("GET", url, session)
        self.assertEqual(self.server.request("GET", "/api/v1/messages/none",
                                             headers=headers).status, 404)
        r = self.server.request("GET", "/api/v1/messages/none", headers=headers)
        self.assertEqual(r.status, 401)
        self.assertIn("nonce was used already", json.loads(r.body)["detail"])
        # Outside the five-minute window, either way.
        for skew in (-400, 400):
            r = self.send("GET", "/api/v1/messages/none", session, created=int(time.time()) + skew)
            self.assertEqual(r.status, 401, skew)
            self.assertIn("5 minutes", json.loads(r.body)["detail"])
        # Signed for one target, sent to another.
        r = self.server.request("GET", "/api/v1/messages/other",
                                headers=signed_headers("GET", url, session))
        self.assertEqual(r.status, 401)
        self.assertIn("does not match", json.loads(r.body)["detail"])
        # A body that is not the one its digest (and so the signature) names.
        good = json.dumps(MESSAGE)
        headers = signed_headers("POST", self.server.base + "/api/v1/messages", session, good)
        r = self.server.request("POST", "/api/v1/messages", headers=headers,
                                data=good.replace("ready", "READY"))
        self.assertEqual(r.status, 400, r.text)
        self.assertIn("Content-Digest", r.text)
        # A body without a covered digest.
        r = self.server.request("POST", "/api/v1/messages", data=good,
                                headers=signed_headers("POST", self.server.base +
                                                       "/api/v1/messages", session) +
                                ["Content-Type: application/json"])
        self.assertEqual(r.status, 401)
        self.assertIn("content-digest", json.loads(r.body)["detail"])
        refused = self.server.sql("SELECT actor FROM audit_log WHERE action = 'auth.signature' "
                                  "AND result = 'refused'")
        self.assertGreaterEqual(len(refused), 5)
        self.assertIn((self.client["id"],), refused)

    def test_rotation_without_grace_ends_sessions_and_tokens_with_grace_not(self):
        r = self.server.api("POST", "/api/v1/clients", json.dumps(
            {"name": "Rotated", "account": "Clinic"}))
        client = json.loads(r.body)
        self.server.keep_secret(client["secret"])

        def session_and_token(credentials):
            r = self.server.request("POST", "/api/v1/sessions",
                                    headers=[f"X-API-Key: {credentials}"])
            self.assertEqual(r.status, 201, r.text)
            session = json.loads(r.body)
            self.server.keep_secret(session["key"])
            basic = "Authorization: Basic " + base64.b64encode(credentials.encode()).decode()
            r = self.server.request("POST", "/api/v1/oauth/token", headers=[basic],
                                    form=[("grant_type", "client_credentials")])
            self.assertEqual(r.status, 200, r.text)
            return session, f"Authorization: Bearer {json.loads(r.body)['access_token']}"

        # A planned rotation (grace): what the old secret opened goes on working.
        session, bearer = session_and_token(client["credentials"])
        r = self.server.api("POST", f"/api/v1/clients/{client['id']}/rotate",
                            json.dumps({"grace_minutes": 5}))
        self.assertEqual(r.status, 200, r.text)
        rotated = json.loads(r.body)
        self.server.keep_secret(rotated["secret"])
        self.assertEqual(self.send("GET", "/api/v1/messages/none", session).status, 404)
        self.assertEqual(self.server.request("GET", "/api/v1/messages/none",
                                             headers=[bearer]).status, 404)
        # A rotation without grace (a leaked secret): sessions and tokens end with it.
        session, bearer = session_and_token(rotated["credentials"])
        r = self.server.api("POST", f"/api/v1/clients/{client['id']}/rotate", "{}")
        self.assertEqual(r.status, 200, r.text)
        self.server.keep_secret(json.loads(r.body)["secret"])
        self.assertEqual(self.send("GET", "/api/v1/messages/none", session).status, 401)
        self.assertEqual(self.server.request("GET", "/api/v1/messages/none",
                                             headers=[bearer]).status, 401)

    def test_sessions_are_revoked_one_or_all(self):
        first, second, third = self.open_session(), self.open_session(), self.open_session()
        for s in (first, second, third):
            self.assertEqual(self.send("GET", "/api/v1/messages/none", s).status, 404)
        r = self.send("DELETE", f"/api/v1/sessions/{first['id']}", second)
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(self.send("GET", "/api/v1/messages/none", first).status, 401)
        self.assertEqual(self.send("GET", "/api/v1/messages/none", second).status, 404)
        # Another client cannot end this client's sessions.
        other = json.loads(self.server.api("POST", "/api/v1/clients", json.dumps(
            {"name": "Other", "account": "Clinic"})).body)
        self.server.keep_secret(other["secret"])
        r = self.server.request("DELETE", f"/api/v1/sessions/{second['id']}",
                                headers=[f"X-API-Key: {other['credentials']}"])
        self.assertEqual(r.status, 404)
        r = self.server.request("DELETE", "/api/v1/sessions",
                                headers=[f"X-API-Key: {self.client['credentials']}"])
        self.assertEqual(json.loads(r.body)["revoked"], 2)
        self.assertEqual(self.send("GET", "/api/v1/messages/none", second).status, 401)
        self.assertEqual(self.send("GET", "/api/v1/messages/none", third).status, 401)
        # An access token (perhaps a user's, with fewer scopes) cannot become a session.
        r = self.server.request("POST", "/api/v1/oauth/token",
                                headers=["Authorization: Basic " + base64.b64encode(
                                    self.client["credentials"].encode()).decode()],
                                form=[("grant_type", "client_credentials")])
        token = json.loads(r.body)["access_token"]
        self.server.keep_secret(token)
        r = self.server.request("POST", "/api/v1/sessions",
                                headers=[f"Authorization: Bearer {token}"])
        self.assertEqual(r.status, 403, r.text)
        # An administrator ends all of a client's sessions at once.
        fourth = self.open_session()
        r = self.server.api("DELETE", f"/api/v1/clients/{self.client['id']}/sessions")
        self.assertEqual(json.loads(r.body)["revoked"], 1)
        self.assertEqual(self.send("GET", "/api/v1/messages/none", fourth).status, 401)
        opened = self.server.sql("SELECT count(*) FROM audit_log WHERE action = "
                                 "'api.POST /api/v1/sessions' AND result = 'ok'")
        self.assertGreaterEqual(opened[0][0], 4)


class SignedAcrossARestartTest(unittest.TestCase):
    """Nonces reach the database every 50 ms; a crash may lose the last of them, so what
    was signed before a start is refused after it (its own server: it is killed)."""

    def test_a_crash_leaves_nothing_signed_before_it_replayable(self):
        server = Sealpost()
        self.addCleanup(server.cleanup)
        server.start()
        r = server.api("POST", "/api/v1/clients", json.dumps(
            {"name": "Signer", "account": "default", "scopes": ["messages:read"]}))
        client = json.loads(r.body)
        server.keep_secret(client["secret"])
        r = server.request("POST", "/api/v1/sessions",
                           headers=[f"X-API-Key: {client['credentials']}"])
        session = json.loads(r.body)
        server.keep_secret(session["key"])
        url = server.base + "/api/v1/messages/none"
        signed_at = int(time.time())
        sent = signed_headers("GET", url, session, created=signed_at,
                              nonce="sent-before-the-crash")
        self.assertEqual(server.request("GET", "/api/v1/messages/none", headers=sent).status,
                         404)
        # Its nonce is written within 50 ms of it, by the server's worker.
        deadline = time.time() + 10
        while server.sql("SELECT count(*) FROM request_nonces WHERE nonce = "
                         "'sent-before-the-crash'") != [(1,)]:
            self.assertLess(time.time(), deadline, "the nonce was never written")
            time.sleep(0.05)
        held = signed_headers("GET", url, session, created=signed_at, nonce="held-back")
        server.proc.kill()
        server.proc.wait(timeout=10)
        # The rule is by created time, in whole seconds: the new start is in a later one
        # (a restart within the same second is the window the rule leaves, see README).
        while int(time.time()) <= signed_at:
            time.sleep(0.05)
        server.start()
        for headers in (sent, held):
            r = server.request("GET", "/api/v1/messages/none", headers=headers)
            self.assertEqual(r.status, 401, r.text)
            self.assertIn("created before the server started", json.loads(r.body)["detail"])
        # The session outlives the crash: signed again, the request passes.
        fresh = signed_headers("GET", url, session)
        self.assertEqual(server.request("GET", "/api/v1/messages/none", headers=fresh).status,
                         404)


class FailedSignInsTest(unittest.TestCase):
    """An address whose sign-ins keep failing is refused, with every method (its own server:
    it ends up refusing this host)."""

    def test_an_address_that_keeps_failing_is_told_to_wait(self):
        server = Sealpost(settings={"max_auth_failures_per_address_per_hour": 3})
        try:
            server.start()
            good = f"X-API-Key: {server.api_key}"
            self.assertEqual(server.request("GET", "/api/v1/clients", headers=[good]).status, 200)
            # No credentials at all guess nothing, and do not count.
            for _ in range(5):
                self.assertEqual(server.request("GET", "/api/v1/clients").status, 401)
            for header in ("X-API-Key: 0123456789abcdef0123456789abcdef:wrong",
                           "Authorization: Bearer spt_wrong"):
                self.assertEqual(server.request("GET", "/api/v1/clients",
                                                headers=[header]).status, 401)
            r = server.request("POST", "/api/v1/oauth/token",
                               headers=["Authorization: Basic " +
                                        base64.b64encode(b"0123456789abcdef0123456789abcdef:x").decode()],
                               form=[("grant_type", "client_credentials")])
            self.assertEqual(r.status, 401)
            # The cap: even good credentials wait now, told how long, by every way in.
            r = server.request("GET", "/api/v1/clients", headers=[good])
            self.assertEqual(r.status, 429, r.text)
            self.assertGreater(int(r.header("retry-after")), 0)
            self.assertEqual(json.loads(r.body)["title"], "Too many failed sign-ins")
            r = server.request("POST", "/api/v1/oauth/token", headers=[good],
                               form=[("grant_type", "client_credentials")])
            self.assertEqual(r.status, 429)
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
