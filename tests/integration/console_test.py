"""The web console (issue 22): organisation users invited by an administrator choose a
password from a mailed link, sign in, and reach what their role reaches — checked by
the server on every request, walked here over every console route with every role."""
import email
import html
import email.policy
import json
import os
import re
import sqlite3
import subprocess
import unittest

import time

import harness
from harness import Sealpost
from operations_test import sample, scrape
from portal_accounts_test import totp

PASSWORD = "correct horse battery staple"
HEADER = ("Received: from mail.sender.example (mail.sender.example [192.0.2.10])\n"
          "\tby mx.clinic.example (Postfix) with ESMTPS id 4AbC\n"
          "\t(version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 bits=256/256)\n"
          "\tfor <dr@clinic.example>; Tue, 1 Dec 2026 10:00:05 +0000\n")

# Every console route with what each role gets; a route the server has and this table
# lacks fails test_every_route_is_walked. "open": reached without signing in.
ROLES = ("sender", "auditor", "domain-admin", "org-admin")
SENDERS = ("sender", "domain-admin", "org-admin")  # an auditor only reads
ADMINS = ("domain-admin", "org-admin")
ROUTES = {
    ("GET", "/console/sign-in"): "open",
    ("POST", "/console/sign-in"): "open",
    ("GET", "/console/reset"): "open",
    ("POST", "/console/reset"): "open",
    ("GET", "/console/reset/{token}"): "open",
    ("POST", "/console/reset/{token}"): "open",
    ("POST", "/console/code"): "open",
    ("POST", "/console/passkey/challenge"): "open",
    ("POST", "/console/passkey/sign-in"): "open",
    ("GET", "/console"): ROLES,
    ("POST", "/console/sign-out"): ROLES,
    ("GET", "/console/two-step"): ROLES,
    ("POST", "/console/two-step/start"): ROLES,
    ("POST", "/console/two-step/confirm"): ROLES,
    ("POST", "/console/two-step/off"): ROLES,
    ("POST", "/console/passkeys/challenge"): ROLES,
    ("POST", "/console/passkeys"): ROLES,
    ("POST", "/console/passkeys/delete"): ROLES,
    ("GET", "/console/tools/received"): ROLES,
    ("POST", "/console/tools/received"): ROLES,
    ("GET", "/console/audit"): ("auditor", "org-admin"),
    ("GET", "/console/audit/export"): ("auditor", "org-admin"),
    ("GET", "/console/tls-reports"): ("auditor", "org-admin"),
    ("GET", "/console/compose"): SENDERS,
    ("POST", "/console/compose"): SENDERS,
    ("POST", "/console/compose/preview"): SENDERS,
    ("GET", "/console/compose/{id}"): SENDERS,
    ("POST", "/console/compose/{id}/send"): SENDERS,
    ("POST", "/console/compose/{id}/discard"): SENDERS,
    ("GET", "/console/sent"): SENDERS,
    ("GET", "/console/sent/{id}"): SENDERS,
    ("POST", "/console/sent/{id}/retract"): SENDERS,
    ("POST", "/console/sent/{id}/extend"): SENDERS,
    ("GET", "/console/address-book"): SENDERS,
    ("POST", "/console/address-book"): SENDERS,
    ("POST", "/console/address-book/remove"): SENDERS,
    ("GET", "/console/dashboard"): ADMINS,
    ("GET", "/console/organisation"): ("org-admin",),
    ("GET", "/console/queue"): ("org-admin",),
    ("GET", "/console/queue/{id}"): ("org-admin",),
    ("POST", "/console/queue/{id}/retry"): ("org-admin",),
    ("POST", "/console/queue/{id}/delete"): ("org-admin",),
    ("POST", "/console/organisation/accounts"): ("org-admin",),
    ("POST", "/console/organisation/domains"): ("org-admin",),
    ("POST", "/console/organisation/delete"): ("org-admin",),
    ("GET", "/console/users"): ADMINS,
    ("POST", "/console/users/delete"): ADMINS,
    ("POST", "/console/users"): ADMINS,
    ("POST", "/console/users/{address}/role"): ADMINS,
    ("GET", "/console/settings/{level}/{name}"): ADMINS,
    ("POST", "/console/settings/{level}/{name}"): ADMINS,
    ("GET", "/console/namespaces"): ("org-admin",),
    ("POST", "/console/namespaces"): ("org-admin",),
    ("GET", "/console/new-namespace"): ("org-admin",),
    ("GET", "/console/namespaces/{name}"): ("org-admin",),
    ("POST", "/console/namespaces/{name}"): ("org-admin",),
    ("GET", "/console/brand-preview.css"): ("org-admin",),
    ("GET", "/console/clients"): ("org-admin",),
    ("POST", "/console/clients"): ("org-admin",),
    ("POST", "/console/clients/{id}/rotate"): ("org-admin",),
    ("POST", "/console/clients/{id}/revoke"): ("org-admin",),
    ("GET", "/console/webhooks"): ("org-admin",),
    ("POST", "/console/webhooks"): ("org-admin",),
    ("POST", "/console/webhooks/{id}/enabled"): ("org-admin",),
    ("POST", "/console/webhooks/{id}/rotate"): ("org-admin",),
    ("POST", "/console/webhooks/{id}/delete"): ("org-admin",),
    ("GET", "/console/webhooks/{id}"): ("org-admin",),
    ("POST", "/console/webhooks/{id}/deliveries/{delivery}/redeliver"): ("org-admin",),
    ("GET", "/console/forms"): ("org-admin",),
    ("POST", "/console/forms"): ("org-admin",),
    ("GET", "/console/forms/{name}"): ("org-admin",),
    ("POST", "/console/forms/{name}"): ("org-admin",),
    ("POST", "/console/forms/{name}/delete"): ("org-admin",),
    ("GET", "/console/submissions"): SENDERS,
    ("GET", "/console/submissions/{form}"): SENDERS,
    ("GET", "/console/submissions/{form}/{id}"): SENDERS,
    ("GET", "/console/submissions/{form}/{id}/files/{n}"): SENDERS,
    ("POST", "/console/submissions/{form}/{id}/delete"): SENDERS,
    ("GET", "/console/requests"): SENDERS,
    ("POST", "/console/requests"): SENDERS,
    ("GET", "/console/requests/{id}"): SENDERS,
    ("GET", "/console/requests/{id}/files/{n}"): SENDERS,
    ("GET", "/console/campaigns"): ADMINS,
    ("POST", "/console/segments"): ADMINS,
    ("GET", "/console/campaigns/{name}"): ADMINS,
    ("GET", "/console/campaigns/{name}/report.csv"): ADMINS,
    ("POST", "/console/campaigns/{name}/{action}"): ADMINS,
    ("GET", "/console/automations/{name}"): ADMINS,
    ("GET", "/console/automations/{name}/report.csv"): ADMINS,
    ("GET", "/console/templates/{name}"): ADMINS,
    ("GET", "/console/keys"): ("org-admin",),
    ("POST", "/console/keys/dkim"): ("org-admin",),
    ("POST", "/console/keys/dkim/delete"): ("org-admin",),
    ("POST", "/console/keys/identities"): ("org-admin",),
    ("GET", "/console/keys/identities/{scope}/{kind}"): ("org-admin",),
    ("GET", "/console/books"): ADMINS,
    ("GET", "/console/books/{book}"): ADMINS,
    ("POST", "/console/books/{book}"): ADMINS,
    ("POST", "/console/books/{book}/import"): ADMINS,
    ("POST", "/console/books/{book}/keys"): ADMINS,
}


class ConsoleUsers:
    """Console users signed in from their own browsers (cookie jars) on `cls.server`."""
    @classmethod
    def invite(cls, address, role):
        code, out, err = cls.server.admin("user", "create", address)
        assert code == 0 or "already exists" in err, err
        before = len(cls.server.notices())
        code, out, err = cls.server.admin("user", "console", address, role)
        assert code == 0, err
        assert "mailed" in out, out
        return cls.link_for(address, before)

    @classmethod
    def link_for(cls, address, before):
        found = cls.server.wait_for_notices(before + 1)
        for path in reversed(found):
            with open(path, "rb") as f:
                msg = email.message_from_bytes(f.read(), policy=email.policy.default)
            if msg["To"] == address:
                text = msg.get_body(preferencelist=("plain",)).get_content()
                token = re.search(r"/console/reset/([A-Za-z0-9_-]{43})", text).group(1)
                cls.server.keep_secret(token)
                return msg, token
        raise AssertionError("no invitation for " + address)

    @classmethod
    def as_user(cls, address):
        """Requests from `address`'s own browser (its own cookie jar)."""
        cls.server.cookie_jar = os.path.join(cls.server.tmp, "jar-" + address)
        return cls.server

    @classmethod
    def set_password(cls, address, token, password=PASSWORD):
        s = cls.as_user(address)
        page = s.get(f"/console/reset/{token}", cookies=True)
        assert page.status == 200, page.text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        return s.post(f"/console/reset/{token}", cookies=True,
                      form=[("csrf", csrf), ("password", password), ("password2", password)])

    @classmethod
    def sign_in(cls, address, password=PASSWORD):
        s = cls.as_user(address)
        page = s.get("/console/sign-in", cookies=True)
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        return s.post("/console/sign-in", cookies=True,
                      form=[("csrf", csrf), ("address", address), ("password", password)])

    @classmethod
    def invite_and_sign_in(cls, address, role):
        _, token = cls.invite(address, role)
        r = cls.set_password(address, token)
        assert r.status == 200 and "Your password is set" in r.text, r.text
        r = cls.sign_in(address)
        assert r.status == 303 and r.header("location") == "/console", (r.status, r.text)

    def page(self, address, method, path, **kw):
        return self.as_user(address).request(method, path, cookies=True, **kw)

    def sign_out_form(self, address):
        home = self.page(address, "GET", "/console")
        return re.search(r'action="/console/sign-out".*?name="csrf" value="([^"]+)"',
                         home.text, re.S).group(1)


    def form_csrf(self, page, action):
        return re.search(r'action="' + re.escape(action) + r'".*?name="csrf" value="([^"]+)"',
                         page.text, re.S).group(1)


class ConsoleTest(ConsoleUsers, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Sealpost()
        # The organisation's own account ("default", as API clients know it) and another.
        for args in (("account", "create", "default"),
                     ("domain", "create", "clinic.example", "--account", "default"),
                     ("account", "create", "Branch"),
                     ("domain", "create", "branch.example", "--account", "Branch")):
            code, _, err = cls.server.admin(*args)
            assert code == 0, err
        cls.server.start()
        cls.jars = {}
        for role in ROLES:
            cls.invite_and_sign_in(f"{role}@clinic.example", role)

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    # --- tests ---------------------------------------------------------------------
    def test_the_invitation_names_the_console_and_works_once(self):
        msg, token = self.invite("newcomer@clinic.example", "sender")
        self.assertIn("console", msg["Subject"])
        self.assertEqual(msg["To"], "newcomer@clinic.example")
        # Not a recipient's reset link: the portal's page does not take it.
        self.assertEqual(self.server.get(f"/account/reset/{token}").status, 404)
        # Until a password is chosen, no password signs in.
        self.assertEqual(self.sign_in("newcomer@clinic.example", "").status, 400)
        self.assertEqual(self.sign_in("newcomer@clinic.example", PASSWORD).status, 401)
        short = self.set_password("newcomer@clinic.example", token, "short")
        self.assertEqual(short.status, 400)
        self.assertIn("at least", short.text)
        self.assertEqual(self.set_password("newcomer@clinic.example", token).status, 200)
        again = self.as_user("newcomer@clinic.example").get(f"/console/reset/{token}",
                                                            cookies=True)
        self.assertEqual(again.status, 404)  # used up
        r = self.sign_in("newcomer@clinic.example")
        self.assertEqual(r.status, 303)
        home = self.page("newcomer@clinic.example", "GET", "/console")
        self.assertEqual(home.status, 200)
        self.assertIn("newcomer@clinic.example", home.text)
        self.assertIn("sender", home.text)

    def test_wrong_passwords_are_refused_and_recorded(self):
        r = self.sign_in("sender@clinic.example", "not the password at all")
        self.assertEqual(r.status, 401)
        self.assertIn("do not match", r.text)
        r = self.sign_in("nobody@clinic.example", "not the password at all")
        self.assertEqual(r.status, 401)  # the same answer for an address without a sign-in
        rows = self.server.sql("SELECT actor_kind, actor, result FROM audit_log "
                               "WHERE action = 'auth.console.password' ORDER BY seq")
        self.assertIn(("user", "sender@clinic.example", "refused"), rows)
        self.assertIn(("user", "sender@clinic.example", "ok"), rows)
        self.assertIn(("user", "nobody@clinic.example", "refused"), rows)
        # Counted apart from recipients' sign-ins.
        status, metrics = scrape(self.server, token=None)
        self.assertEqual(status, 200)
        self.assertGreaterEqual(sample(metrics, "sealpost_portal_sign_ins_total", who="console",
                                       step="password", outcome="wrong"), 2)
        self.assertIsNone(sample(metrics, "sealpost_portal_sign_ins_total", who="portal",
                                 step="password", outcome="wrong"))
        # A form from elsewhere (no token bound to this browser) is refused.
        s = self.as_user("forger")
        r = s.post("/console/sign-in", cookies=True,
                   form=[("csrf", "x"), ("address", "sender@clinic.example"),
                         ("password", PASSWORD)])
        self.assertEqual(r.status, 403)

    def test_every_route_is_walked(self):
        other = Sealpost()
        try:
            run = subprocess.run([harness.BIN, "serve", "--config", other.config,
                                  "--print-routes"], capture_output=True, text=True, timeout=120)
        finally:
            other.cleanup()
        self.assertEqual(run.returncode, 0, run.stderr[-2000:])
        served = {tuple(line.split(" ", 1)) for line in run.stdout.splitlines()
                  if " /console" in line}
        self.assertEqual(served, set(ROUTES))

    def test_each_role_reaches_its_routes_only(self):
        bodies = {"/console/tools/received": [("headers", HEADER)]}
        for (method, path), who in ROUTES.items():
            if who == "open" or path == "/console/sign-out":
                continue
            # Nobody signed in: to the sign-in page.
            r = self.as_user("stranger").request(method, path, cookies=True,
                                                 form=bodies.get(path, ()))
            self.assertEqual((r.status, r.header("location")), (303, "/console/sign-in"),
                             (method, path))
            for role in ROLES:
                r = self.page(f"{role}@clinic.example", method, path, form=bodies.get(path, ()))
                if role not in who:
                    self.assertEqual(r.status, 403, (role, method, path))
                    self.assertIn("Not for your role", r.text)
                    continue
                # Reached: a page (none is called "{id}"), or the form's own refusal
                # (these carry no CSRF token).
                self.assertNotIn("Not for your role", r.text)
                want = (404 if "{" in path else 200) if method == "GET" else r.status
                self.assertEqual(r.status, want, (role, method, path, r.text[:300]))
                self.assertLess(r.status, 500, (role, method, path))
        # Each refusal is in the audit trail, with the role that was refused.
        refused = self.server.sql("SELECT actor, details FROM audit_log WHERE action = "
                                  "'console.GET /console/audit' AND result = 'refused'")
        self.assertIn(("sender@clinic.example", '{"role":"sender"}'), refused)
        # What a role cannot reach is not offered either.
        self.assertNotIn("/console/audit", self.page("sender@clinic.example", "GET",
                                                     "/console").text)
        self.assertIn("/console/audit", self.page("auditor@clinic.example", "GET",
                                                  "/console").text)

    def test_the_header_tool_in_the_console(self):
        r = self.page("sender@clinic.example", "POST", "/console/tools/received",
                      form=[("headers", HEADER)])
        self.assertEqual(r.status, 200)
        self.assertIn("Encrypted between servers", r.text)
        self.assertIn("TLSv1.3", r.text)
        self.assertIn('action="/console/tools/received"', r.text)
        r = self.page("sender@clinic.example", "POST", "/console/tools/received",
                      form=[("headers", "")])
        self.assertEqual(r.status, 400)
        self.assertIn("Paste the header", r.text)

    def test_an_accounts_auditor_reads_its_account_only(self):
        self.invite_and_sign_in("auditor@branch.example", "auditor")
        # Something of the Branch account's, and something of the organisation's.
        code, _, err = self.server.admin("settings", "set", "account", "Branch",
                                         "default_expiry_days=9")
        self.assertEqual(code, 0, err)
        code, _, err = self.server.admin("settings", "set", "account", "default",
                                         "default_expiry_days=11")
        self.assertEqual(code, 0, err)
        mine = self.page("auditor@branch.example", "GET", "/console/audit")
        self.assertEqual(mine.status, 200)
        self.assertIn("The records of the account Branch", mine.text)
        self.assertIn("Branch", mine.text)
        self.assertNotIn("auth.console.password", mine.text)  # sign-ins are the organisation's
        everything = self.page("auditor@clinic.example", "GET",
                               "/console/audit?action=auth&result=ok")
        self.assertIn("Every record of the organisation", everything.text)
        self.assertIn("auth.console.password", everything.text)
        self.assertNotIn("<td>refused</td>", everything.text)
        self.assertIn("<td>sender@clinic.example<br>", everything.text)  # users by address

    def test_the_audit_trail_pages_back_through_older_records(self):
        # More records than one page holds (50): refusals are recorded, so ask for some.
        while self.server.sql("SELECT count(*) FROM audit_log")[0][0] <= 60:
            self.page("sender@clinic.example", "GET", "/console/audit")
        first = self.page("org-admin@clinic.example", "GET", "/console/audit")
        self.assertIn("<caption>50 record(s)</caption>", first.text)
        older = re.search(r'href="(/console/audit\?action=&amp;result=&amp;before=(\d+))"',
                          first.text)
        self.assertIsNotNone(older, "no link to older records")
        oldest_shown = int(older.group(2))
        second = self.page("org-admin@clinic.example", "GET",
                           older.group(1).replace("&amp;", "&"))
        self.assertEqual(second.status, 200)
        rows = re.findall(r"<tr><td>", second.text)
        self.assertGreater(len(rows), 0)
        # The second page holds what comes before the first page's last record, no more.
        want = self.server.sql(f"SELECT count(*) FROM audit_log WHERE seq < {oldest_shown}")
        self.assertEqual(len(rows), min(50, want[0][0]))

    def test_the_audit_trail_is_exported_as_filtered_and_the_export_recorded(self):
        auditor = "auditor@clinic.example"
        before = self.server.sql("SELECT max(seq) FROM audit_log")[0][0]
        csv = self.page(auditor, "GET", "/console/audit/export?format=csv&action=auth&result=ok")
        self.assertEqual(csv.status, 200)
        self.assertIn("text/csv", csv.header("content-type"))
        self.assertIn("attachment", csv.header("content-disposition"))
        lines = csv.text.strip().splitlines()
        self.assertTrue(lines[0].startswith("seq,"), lines[0])
        self.assertGreater(len(lines), 1)
        self.assertTrue(all(",auth." in line for line in lines[1:]), lines[1:3])
        jsonl = self.page(auditor, "GET", "/console/audit/export?format=jsonl&result=refused")
        records = [json.loads(line) for line in jsonl.text.splitlines()]
        self.assertTrue(records)
        self.assertTrue(all(r["result"] == "refused" for r in records))
        self.assertEqual(self.page(auditor, "GET", "/console/audit/export?format=xml").status,
                         400)
        rows = self.server.sql("SELECT details FROM audit_log WHERE action = "
                               "'console.GET /console/audit/export' AND actor = "
                               f"'{auditor}' AND seq > {before} ORDER BY seq")
        self.assertEqual(json.loads(rows[0][0]), {"format": "csv", "action": "auth",
                                                  "result": "ok"})
        self.assertEqual(len(rows), 2)
        # An account's auditor exports their account's records only.
        self.invite_and_sign_in("auditor2@branch.example", "auditor")
        theirs = self.page("auditor2@branch.example", "GET", "/console/audit/export?format=jsonl")
        accounts = {json.loads(line)["account"] for line in theirs.text.splitlines()}
        self.assertLessEqual(accounts, {"Branch"})

    def test_sign_out_and_a_role_taken_away_end_the_session(self):
        self.invite_and_sign_in("leaver@clinic.example", "sender")
        jar = self.as_user("leaver@clinic.example").cookie_jar
        with open(jar) as f:
            kept = f.read()  # a copy of the cookie, as a thief would keep it
        csrf = self.sign_out_form("leaver@clinic.example")
        r = self.page("leaver@clinic.example", "POST", "/console/sign-out",
                      form=[("csrf", csrf)])
        self.assertEqual(r.status, 200)
        with open(jar, "w") as f:
            f.write(kept)
        r = self.page("leaver@clinic.example", "GET", "/console")
        self.assertEqual((r.status, r.header("location")), (303, "/console/sign-in"))

        self.assertEqual(self.sign_in("leaver@clinic.example").status, 303)
        code, out, err = self.server.admin("user", "console", "leaver@clinic.example", "none")
        self.assertEqual(code, 0, err)
        r = self.page("leaver@clinic.example", "GET", "/console")
        self.assertEqual(r.status, 403)
        self.assertIn("no longer have the console", r.text)
        self.assertEqual(self.sign_in("leaver@clinic.example").status, 403)
        # Given back, the password still holds: no new invitation.
        code, out, err = self.server.admin("user", "console", "leaver@clinic.example", "auditor")
        self.assertEqual(code, 0, err)
        self.assertIn("sign in with their password", out)
        self.assertEqual(self.sign_in("leaver@clinic.example").status, 303)
        # Deleted, the user's console sign-in goes with them.
        code, _, err = self.server.admin("user", "delete", "leaver@clinic.example")
        self.assertEqual(code, 0, err)
        self.assertEqual(self.page("leaver@clinic.example", "GET", "/console").status, 403)
        self.assertEqual(self.server.sql("SELECT count(*) FROM portal_accounts WHERE "
                                         "namespace = '@console' AND address = "
                                         "'leaver@clinic.example'"), [(0,)])

    def test_two_step_sign_in(self):
        address = "careful@clinic.example"
        self.invite_and_sign_in(address, "sender")
        self.assertIn("Two-step sign-in</a>: off", self.page(address, "GET", "/console").text)
        page = self.page(address, "GET", "/console/two-step")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        setup = self.page(address, "POST", "/console/two-step/start", form=[("csrf", csrf)])
        self.assertEqual(setup.status, 200, setup.text)
        self.assertEqual(setup.header("cache-control"), "no-store")
        key = re.search(r'<code class="key">([A-Z2-7]+)</code>', setup.text).group(1)
        self.server.keep_secret(key)
        wrong = self.page(address, "POST", "/console/two-step/confirm",
                          form=[("csrf", csrf), ("code", "000000")])
        self.assertEqual(wrong.status, 401)
        self.assertIn(key, wrong.text)  # the same secret again
        done = self.page(address, "POST", "/console/two-step/confirm",
                         form=[("csrf", csrf), ("code", totp(key))])
        self.assertEqual(done.status, 200, done.text)
        recovery = re.findall(r"<li><code>([a-z2-7]{5}-[a-z2-7]{5})</code></li>", done.text)
        self.assertEqual(len(recovery), 10)
        for code in recovery:
            self.server.keep_secret(code)

        # The password alone now opens nothing: a code page, half signed in.
        half = self.sign_in(address)
        self.assertEqual(half.status, 200)
        self.assertIn('action="/console/code"', half.text)
        self.assertEqual(self.page(address, "GET", "/console").status, 303)
        csrf = re.search(r'name="csrf" value="([^"]+)"', half.text).group(1)
        code = totp(key, time.time() + 30)  # the next step's: the window takes it
        r = self.page(address, "POST", "/console/code", form=[("csrf", csrf), ("code", "123456")])
        self.assertEqual(r.status, 401)
        self.assertIn("not right", r.text)
        r = self.page(address, "POST", "/console/code", form=[("csrf", csrf), ("code", code)])
        self.assertEqual((r.status, r.header("location")), (303, "/console"))
        self.assertIn("Two-step sign-in</a>: on", self.page(address, "GET", "/console").text)
        # Once only: the same code again is refused; a recovery code works, once.
        half = self.sign_in(address)
        csrf = re.search(r'name="csrf" value="([^"]+)"', half.text).group(1)
        r = self.page(address, "POST", "/console/code", form=[("csrf", csrf), ("code", code)])
        self.assertEqual(r.status, 401)
        self.assertIn("already used", r.text)
        r = self.page(address, "POST", "/console/code",
                      form=[("csrf", csrf), ("code", recovery[0])])
        self.assertEqual(r.status, 303)
        rows = self.server.sql("SELECT result FROM audit_log WHERE action = 'auth.console.code' "
                               f"AND actor = '{address}' ORDER BY seq")
        self.assertEqual(rows, [("refused",), ("ok",), ("refused",), ("ok",)])
        # Off again, with the password.
        page = self.page(address, "GET", "/console/two-step")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        r = self.page(address, "POST", "/console/two-step/off",
                      form=[("csrf", csrf), ("password", "not my password at all")])
        self.assertEqual(r.status, 401)
        r = self.page(address, "POST", "/console/two-step/off",
                      form=[("csrf", csrf), ("password", PASSWORD)])
        self.assertEqual(r.status, 200)
        self.assertEqual(self.sign_in(address).status, 303)

    def test_an_account_can_require_two_step_sign_in(self):
        for args in (("account", "create", "Strict"),
                     ("domain", "create", "strict.example", "--account", "Strict")):
            code, _, err = self.server.admin(*args)
            self.assertEqual(code, 0, err)
        address = "nurse@strict.example"
        self.invite_and_sign_in(address, "sender")
        self.assertEqual(self.page(address, "GET", "/console").status, 200)
        code, _, err = self.server.admin("settings", "set", "account", "Strict",
                                         "console_two_step=on")
        self.assertEqual(code, 0, err)
        # From the next request, only the set-up is open (and signing out).
        for path in ("/console", "/console/tools/received"):
            r = self.page(address, "GET", path)
            self.assertEqual((r.status, r.header("location")), (303, "/console/two-step"), path)
        page = self.page(address, "GET", "/console/two-step")
        self.assertEqual(page.status, 200)
        self.assertIn("requires two-step sign-in", page.text)
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        setup = self.page(address, "POST", "/console/two-step/start", form=[("csrf", csrf)])
        key = re.search(r'<code class="key">([A-Z2-7]+)</code>', setup.text).group(1)
        self.server.keep_secret(key)
        done = self.page(address, "POST", "/console/two-step/confirm",
                         form=[("csrf", csrf), ("code", totp(key))])
        self.assertEqual(done.status, 200, done.text)
        for code in re.findall(r"<li><code>([a-z2-7]{5}-[a-z2-7]{5})</code></li>", done.text):
            self.server.keep_secret(code)
        self.assertEqual(self.page(address, "GET", "/console").status, 200)
        # It cannot be turned off while the account requires it; no form offers it.
        page = self.page(address, "GET", "/console/two-step")
        self.assertNotIn("/console/two-step/off", page.text)
        r = self.page(address, "POST", "/console/two-step/off",
                      form=[("csrf", csrf), ("password", PASSWORD)])
        self.assertEqual(r.status, 403)
        self.assertIn("required", r.text)
        # Other accounts' people are not asked.
        self.assertEqual(self.page("sender@clinic.example", "GET", "/console").status, 200)

    # --- sending -------------------------------------------------------------------
    def compose(self, address, fields, files=()):
        """Posts the compose form as a browser would (multipart, with files)."""
        form = self.page(address, "GET", "/console/compose")
        self.assertEqual(form.status, 200)
        csrf = re.search(r'action="/console/compose".*?name="csrf" value="([^"]+)"', form.text,
                         re.S).group(1)
        specs = [f"csrf={csrf}"] + [f"{name}={value}" for name, value in fields]
        specs += [f"files=@{path}" for path in files]
        return self.page(address, "POST", "/console/compose", files=specs)

    def review(self, address, fields, files=()):
        r = self.compose(address, fields, files)
        self.assertEqual(r.status, 303, r.text[:500])
        location = r.header("location")
        self.assertRegex(location, r"^/console/compose/[A-Za-z0-9_-]{24}$")
        page = self.page(address, "GET", location)
        self.assertEqual(page.status, 200, page.text[:500])
        return location, page

    def send(self, address, location, page, form=()):
        csrf = re.search(r'action="[^"]+/send".*?name="csrf" value="([^"]+)"', page.text,
                         re.S).group(1)
        return self.page(address, "POST", location + "/send", form=[("csrf", csrf), *form])

    def sent_id(self, response):
        self.assertEqual(response.status, 303, response.text[:500])
        found = re.match(r"^/console/sent/([A-Za-z0-9_-]+)\?", response.header("location"))
        self.assertIsNotNone(found, response.header("location"))
        return found.group(1)

    def test_a_sender_sends_to_a_new_recipient_answering_the_question(self):
        sender = "sender@clinic.example"
        report = os.path.join(self.server.tmp, "report.txt")
        with open(report, "w") as f:
            f.write("Haemoglobin 14.1 g/dL\n")
        location, review = self.review(sender, [
            ("to", "pat@home.example"), ("bcc", "records@home.example"),
            ("subject", "Your results"), ("text", "Dear Pat, your results are attached."),
            ("read_receipt", "yes")], files=[report])
        # How each will get it, and why, before anything is sent; a question is needed.
        self.assertIn("pat@home.example", review.text)
        self.assertIn("records@home.example", review.text)
        self.assertIn("after answering your question", review.text)
        self.assertIn("report.txt", review.text)
        self.assertIn('name="question"', review.text)
        self.assertEqual(self.server.sql("SELECT count(*) FROM messages WHERE sender = "
                                         f"'{sender}'"), [(0,)])
        # Without the question it does not go, and says for whom it is needed.
        r = self.send(sender, location, review)
        self.assertEqual(r.status, 422)
        self.assertIn("Give a question and its answer for pat@home.example, "
                      "records@home.example", r.text)
        r = self.send(sender, location, review, [("question", "Your first pet's name?"),
                                                  ("answer", "   ")])
        self.assertEqual(r.status, 422)
        self.assertIn("The answer must be", r.text)
        self.assertIn("Your first pet&#39;s name?", r.text)  # kept for the next try
        r = self.send(sender, location, review, [("question", "Your first pet's name?"),
                                                  ("answer", "Biscuit"), ("save_answer", "yes")])
        message_id = self.sent_id(r)
        self.assertIn("saved=1", r.header("location"))
        # Sent once: the review is gone.
        self.assertEqual(self.send(sender, location, review).status, 404)
        page = self.page(sender, "GET", r.header("location"))
        self.assertIn("Sent.", page.text)
        self.assertIn("saved in your address book", page.text)
        self.assertIn("notice_queued", page.text)
        self.assertIn("<span class=\"small\">bcc</span>", page.text)

        # The recipient answers in the portal; nothing there names the blind copy.
        self.as_user("pat@home.example")
        rid, question = self.server.open_notice("pat@home.example")
        self.assertIn("Your first pet&#39;s name?", question.text)
        opened = self.server.answer(rid, question, "biscuit")
        self.assertEqual(opened.status, 303)
        message = self.server.get(opened.header("location"), cookies=True)
        self.assertIn("Dear Pat, your results are attached.", message.text)
        self.assertIn("report.txt", message.text)
        self.assertNotIn("records@home.example", message.text)
        # The sender sees it viewed, and gets the receipt they asked for.
        page = self.page(sender, "GET", f"/console/sent/{message_id}")
        self.assertRegex(page.text, r"pat@home.example<br>.*?<td class=\"status\">viewed</td>")
        self.server.notice_for(sender)
        listed = self.page(sender, "GET", "/console/sent")
        self.assertIn(f'href="/console/sent/{message_id}"', listed.text)
        self.assertIn("1 viewed", listed.text)
        # On record as the console user who did it, with the book change.
        rows = self.server.sql("SELECT actor_kind, action FROM audit_log WHERE actor = "
                               f"'{sender}' AND message_id = '{message_id}'")
        self.assertIn(("user", "book.answers_saved"), rows)
        # The next message to them asks nothing: the book has their question.
        _, again = self.review(sender, [("to", "pat@home.example"), ("text", "A follow-up.")])
        self.assertIn("after answering the question “Your first pet&#39;s name?”", again.text)
        self.assertNotIn('name="question"', again.text)

    def test_a_senders_messages_are_their_own_to_see_and_control(self):
        sender = "sender@clinic.example"
        location, review = self.review(sender, [("to", "kim@home.example"),
                                                ("text", "Please call us.")])
        # Another's review and sent message answer as missing ones.
        self.assertEqual(self.page("org-admin@clinic.example", "GET", location).status, 404)
        r = self.send(sender, location, review, [("question", "Your town?"),
                                                  ("answer", "Shelbyville")])
        message_id = self.sent_id(r)
        other = "org-admin@clinic.example"
        self.assertEqual(self.page(other, "GET", f"/console/sent/{message_id}").status, 404)
        csrf = re.search(r'name="csrf" value="([^"]+)"',
                         self.page(other, "GET", "/console/sent").text).group(1)
        self.assertEqual(self.page(other, "POST", f"/console/sent/{message_id}/retract",
                                   form=[("csrf", csrf)]).status, 404)
        self.assertNotIn(message_id, self.page(other, "GET", "/console/sent").text)

        page = self.page(sender, "GET", f"/console/sent/{message_id}")
        csrf = re.search(r'action="/console/sent/[^"]+/extend".*?name="csrf" value="([^"]+)"',
                         page.text, re.S).group(1)
        r = self.page(sender, "POST", f"/console/sent/{message_id}/extend",
                      form=[("csrf", csrf), ("days", "0")])
        self.assertEqual(r.status, 422)
        self.assertIn("must be", r.text)
        r = self.page(sender, "POST", f"/console/sent/{message_id}/extend",
                      form=[("csrf", csrf), ("days", "3")])
        self.assertEqual(r.status, 303)
        expires = self.server.sql(f"SELECT expires_at - created_at FROM messages "
                                  f"WHERE id = '{message_id}'")[0][0]
        self.assertAlmostEqual(expires, 3 * 86400, delta=120)
        r = self.page(sender, "POST", f"/console/sent/{message_id}/retract",
                      form=[("csrf", "forged")])
        self.assertEqual(r.status, 403)
        r = self.page(sender, "POST", f"/console/sent/{message_id}/retract",
                      form=[("csrf", csrf)])
        self.assertEqual(r.status, 303)
        page = self.page(sender, "GET", f"/console/sent/{message_id}")
        self.assertIn("Withdrawn", page.text)
        self.assertIn("retracted", page.text)
        self.assertNotIn("/retract", page.text)  # nothing left to control
        r = self.page(sender, "POST", f"/console/sent/{message_id}/retract",
                      form=[("csrf", csrf)])
        self.assertEqual(r.status, 409)
        self.as_user("kim@home.example")
        _, gone = self.server.open_notice("kim@home.example")
        self.assertEqual(gone.status, 410)
        rows = self.server.sql("SELECT actor_kind, actor FROM audit_log WHERE action = "
                               f"'message.retracted' AND message_id = '{message_id}'")
        self.assertEqual(rows, [("user", sender)])

    def test_a_sender_keeps_their_own_address_book(self):
        sender = "domain-admin@clinic.example"  # administrators send too
        book = self.page(sender, "GET", "/console/address-book")
        self.assertEqual(book.status, 200)
        self.assertIn("user:domain-admin@clinic.example:default", book.text)
        self.assertIn("0 entr(ies)", book.text)
        csrf = self.form_csrf(book, "/console/address-book")
        r = self.page(sender, "POST", "/console/address-book",
                      form=[("csrf", csrf), ("address", "not an address"),
                            ("question", "Q?"), ("answer", "Something")])
        again = r
        self.assertEqual(again.status, 422)
        self.assertIn("is not an email address", again.text)
        r = self.page(sender, "POST", "/console/address-book",
                      form=[("csrf", csrf), ("address", "ivy@home.example"),
                            ("question", "Your first car?"), ("answer", "Beetle1969")])
        self.assertEqual((r.status, r.header("location")), (303, "/console/address-book"))
        book = self.page(sender, "GET", "/console/address-book")
        self.assertIn("1 entr(ies)", book.text)
        self.assertIn("<td>ivy@home.example</td>", book.text)
        self.assertNotIn("Beetle1969", book.text)
        # A message to them now asks nothing: the book has their question.
        _, review = self.review(sender, [("to", "ivy@home.example"), ("text", "Hello")])
        self.assertIn("after answering the question “Your first car?”", review.text)
        r = self.page(sender, "POST", "/console/address-book/remove",
                      form=[("csrf", csrf), ("address", "ivy@home.example")])
        self.assertEqual(r.status, 303)
        self.assertIn("0 entr(ies)", self.page(sender, "GET", "/console/address-book").text)
        rows = self.server.sql("SELECT action, result FROM audit_log WHERE actor = "
                               f"'{sender}' AND subject = 'ivy@home.example' ORDER BY seq")
        self.assertEqual(rows, [("console.POST /console/address-book", "ok"),
                                ("console.POST /console/address-book/remove", "ok")])

    def test_compose_refuses_what_it_cannot_send_and_says_why(self):
        sender = "domain-admin@clinic.example"
        r = self.compose(sender, [("to", "pat@home.example, not an address"),
                                  ("cc", "x@"), ("expires_in_days", "0"), ("text", "Hello")])
        self.assertEqual(r.status, 422)
        self.assertIn("To: “not” is not an email address", r.text)
        self.assertIn("Cc: “x@” is not an email address", r.text)
        self.assertIn("The expiry must be", r.text)
        self.assertIn('value="pat@home.example, not an address"', r.text)  # kept to fix
        r = self.compose(sender, [("to", ""), ("text", "Hello")])
        self.assertEqual(r.status, 422)
        self.assertIn("Name at least one recipient", r.text)
        r = self.compose(sender, [("to", "pat@home.example")])
        self.assertEqual(r.status, 422)
        self.assertIn("Write a message, or attach a file", r.text)
        # A form from elsewhere is refused, and nothing is held for it.
        r = self.page(sender, "POST", "/console/compose",
                      files=["csrf=forged", "to=pat@home.example", "text=Hello"])
        self.assertEqual(r.status, 403)
        # Discarded, a review is gone.
        location, review = self.review(sender, [("to", "pat@home.example"), ("text", "Hi")])
        csrf = re.search(r'action="[^"]+/discard".*?name="csrf" value="([^"]+)"', review.text,
                         re.S).group(1)
        r = self.page(sender, "POST", location + "/discard", form=[("csrf", csrf)])
        self.assertEqual((r.status, r.header("location")), (303, "/console/compose"))
        self.assertEqual(self.page(sender, "GET", location).status, 404)

    def test_the_compose_page_previews_each_recipients_method_as_it_is_written(self):
        sender = "domain-admin@clinic.example"
        page = self.page(sender, "GET", "/console/compose")
        # The one page with a script, from this origin only; no other page runs one.
        self.assertIn("script-src 'self'", page.header("content-security-policy"))
        self.assertIn('<script src="/static/console-compose.js" defer></script>', page.text)
        self.assertNotIn("script-src", self.page(sender, "GET", "/console").header(
            "content-security-policy"))
        script = self.server.get("/static/console-compose.js")
        self.assertEqual(script.status, 200)
        self.assertTrue(script.header("content-type").startswith("text/javascript"))
        self.assertIn("textContent", script.text)  # the server's words go in as text
        csrf = self.form_csrf(page, "/console/compose")
        r = self.page(sender, "POST", "/console/compose/preview",
                      form=[("csrf", csrf), ("to", "new.patient@home.example"),
                            ("cc", "x@"), ("bcc", ""), ("subject", "Results"), ("text", "Hi")])
        self.assertEqual(r.status, 200, r.text[:300])
        plan = json.loads(r.text)
        # What the review will say: the same planner, whatever the settings are by now.
        (row,) = plan["recipients"]
        self.assertEqual(row["address"], "new.patient@home.example")
        self.assertTrue(row["how"].startswith("Secure portal, after answering"), row)
        _, review = self.review(sender, [("to", "new.patient@home.example"), ("text", "Hi")])
        self.assertIn(row["how"], html.unescape(review.text))
        self.assertEqual(len(plan["problems"]), 1)
        self.assertTrue(plan["problems"][0].startswith("Cc: “x@” is not an email address"))
        self.assertIsNone(plan["refused"])
        # Nothing is held or sent for a preview, and a form from elsewhere gets nothing.
        self.assertEqual(self.server.sql("SELECT count(*) FROM recipients WHERE address = "
                                         "'new.patient@home.example'"), [(0,)])
        r = self.page(sender, "POST", "/console/compose/preview",
                      form=[("csrf", "forged"), ("to", "new.patient@home.example")])
        self.assertEqual(r.status, 403)
        self.assertNotIn("new.patient", r.text)

    # --- administering --------------------------------------------------------------
    def test_an_administrator_sets_up_accounts_domains_and_users(self):
        admin = "org-admin@clinic.example"
        page = self.page(admin, "GET", "/console/organisation")
        self.assertEqual(page.status, 200)
        csrf = self.form_csrf(page, "/console/organisation/accounts")
        r = self.page(admin, "POST", "/console/organisation/accounts",
                      form=[("csrf", csrf), ("name", "Springfield Clinic")])
        self.assertEqual((r.status, r.header("location")), (303, "/console/organisation"))
        r = self.page(admin, "POST", "/console/organisation/accounts",
                      form=[("csrf", csrf), ("name", "Springfield Clinic")])
        self.assertEqual(r.status, 409)
        self.assertIn("The account was not made", r.text)
        r = self.page(admin, "POST", "/console/organisation/domains",
                      form=[("csrf", csrf), ("domain", "not a domain"),
                            ("account", "Springfield Clinic")])
        self.assertEqual(r.status, 422)
        self.assertIn("The domain was not added", r.text)
        r = self.page(admin, "POST", "/console/organisation/domains",
                      form=[("csrf", csrf), ("domain", "Springfield.example"),
                            ("account", "Springfield Clinic")])
        self.assertEqual(r.status, 303)
        page = self.page(admin, "GET", "/console/organisation")
        self.assertIn('href="/console/settings/domain/springfield.example"', page.text)
        self.assertIn('href="/console/settings/account/Springfield%20Clinic"', page.text)

        # A user with a role is invited by mail; the change and the refusals are on record.
        users = self.page(admin, "GET", "/console/users")
        csrf = self.form_csrf(users, "/console/users")
        before = len(self.server.notices())
        r = self.page(admin, "POST", "/console/users",
                      form=[("csrf", csrf), ("address", "dr.hibbert@springfield.example"),
                            ("role", "sender")])
        self.assertEqual(r.status, 303, r.text[:300])
        self.link_for("dr.hibbert@springfield.example", before)
        users = self.page(admin, "GET", "/console/users")
        self.assertIn("dr.hibbert@springfield.example", users.text)
        rows = self.server.sql("SELECT actor_kind, actor, result FROM audit_log WHERE action = "
                               "'console.POST /console/users' AND subject = "
                               "'dr.hibbert@springfield.example'")
        self.assertEqual(rows, [("user", admin, "ok")])
        rows = self.server.sql("SELECT result FROM audit_log WHERE action = "
                               "'console.POST /console/organisation/accounts' AND subject = "
                               "'Springfield Clinic' ORDER BY seq")
        self.assertEqual(rows, [("ok",), ("refused",)])

        # A domain administrator reaches their own domain's people only, and never
        # makes an organisation administrator.
        domain_admin = "domain-admin@clinic.example"
        users = self.page(domain_admin, "GET", "/console/users")
        self.assertIn("The users of clinic.example", users.text)
        self.assertNotIn("dr.hibbert@springfield.example", users.text)
        self.assertNotIn('value="org-admin"', users.text)
        csrf = self.form_csrf(users, "/console/users")
        r = self.page(domain_admin, "POST", "/console/users",
                      form=[("csrf", csrf), ("address", "x@springfield.example"),
                            ("role", "sender")])
        self.assertEqual(r.status, 422)
        self.assertIn("You add users to clinic.example only", r.text)
        r = self.page(domain_admin, "POST", "/console/users",
                      form=[("csrf", csrf), ("address", "boss@clinic.example"),
                            ("role", "org-admin")])
        self.assertEqual(r.status, 422)
        self.assertIn("not a role you can give", r.text)
        r = self.page(domain_admin, "POST", "/console/users/org-admin%40clinic.example/role",
                      form=[("csrf", csrf), ("role", "none")])
        self.assertEqual(r.status, 403)
        self.assertEqual(self.server.sql("SELECT console_role FROM users WHERE address = "
                                         "'org-admin@clinic.example'"), [("org-admin",)])
        r = self.page(domain_admin, "POST", "/console/users/sender%40clinic.example/role",
                      form=[("csrf", csrf), ("role", "auditor")])
        self.assertEqual(r.status, 200)
        self.assertIn("sender@clinic.example is now auditor", r.text)
        self.page(domain_admin, "POST", "/console/users/sender%40clinic.example/role",
                  form=[("csrf", csrf), ("role", "sender")])
        # Each role change on record with what it was and became.
        changes = [json.loads(d) for (d,) in self.server.sql(
            "SELECT details FROM audit_log WHERE action = 'console.POST "
            "/console/users/{address}/role' AND result = 'ok' AND subject = "
            "'sender@clinic.example' ORDER BY seq")][-2:]
        self.assertEqual(changes, [
            {"before": {"console_role": "sender"}, "after": {"console_role": "auditor"}},
            {"before": {"console_role": "auditor"}, "after": {"console_role": "sender"}}])

    def test_api_clients_are_made_given_new_secrets_and_revoked(self):
        admin = "org-admin@clinic.example"
        page = self.page(admin, "GET", "/console/clients")
        self.assertEqual(page.status, 200)
        csrf = self.form_csrf(page, "/console/clients")
        for fields, status, words in (
                ([("name", "EHR"), ("account", "default")], 422, "a client needs at least one scope"),
                ([("name", ""), ("account", "default"), ("scope", "admin")], 422,
                 "say what the client is for"),
                ([("name", "EHR"), ("account", "default"), ("scope", "boss")], 422,
                 "unknown scope"),
                ([("name", "EHR"), ("account", "Branch"), ("user", "sender@clinic.example"),
                  ("scope", "messages:send")], 422, "is a user of account default"),
                ([("name", "EHR"), ("account", "default"), ("scope", "admin"), ("rate", "lots")],
                 422, "a whole number of requests a minute")):
            r = self.page(admin, "POST", "/console/clients", form=[("csrf", csrf)] + fields)
            self.assertEqual(r.status, status, fields)
            self.assertIn(words, r.text, fields)
        r = self.page(admin, "POST", "/console/clients",
                      form=[("csrf", csrf), ("name", "Lab interface"), ("account", "default"),
                            ("scope", "messages:read"), ("scope", "admin"), ("rate", "600")])
        self.assertEqual(r.status, 200, r.text[:400])
        self.assertEqual(r.header("cache-control"), "no-store")
        first = re.search(r'<code id="credentials"[^>]*>([0-9a-f]{32}:[A-Za-z0-9_-]{43})</code>',
                          r.text).group(1)
        self.server.keep_secret(first.split(":")[1])
        client_id = first.split(":")[0]
        # The credentials work at the API, with the scopes chosen.
        self.assertEqual(self.server.api("GET", "/api/v1/clients", key=first).status, 200)
        listed = json.loads(self.server.api("GET", f"/api/v1/clients/{client_id}").text)
        self.assertEqual((listed["name"], listed["scopes"], listed["rate_limit_per_minute"]),
                         ("Lab interface", ["messages:read", "admin"], 600))
        page = self.page(admin, "GET", "/console/clients")
        self.assertIn(client_id, page.text)
        self.assertNotIn(first.split(":")[1], page.text)

        # A new secret, the old one kept for a while; then revoked, nothing works.
        r = self.page(admin, "POST", f"/console/clients/{client_id}/rotate",
                      form=[("csrf", csrf), ("grace", "99999")])
        self.assertEqual(r.status, 422)
        r = self.page(admin, "POST", f"/console/clients/{client_id}/rotate",
                      form=[("csrf", csrf), ("grace", "60")])
        self.assertEqual(r.status, 200, r.text[:400])
        self.assertIn("The old secret keeps working until", r.text)
        second = re.search(r'<code id="credentials"[^>]*>([0-9a-f]{32}:[A-Za-z0-9_-]{43})</code>',
                           r.text).group(1)
        self.server.keep_secret(second.split(":")[1])
        self.assertNotEqual(first, second)
        for key in (first, second):
            self.assertEqual(self.server.api("GET", "/api/v1/clients", key=key).status, 200)
        r = self.page(admin, "POST", f"/console/clients/{client_id}/revoke", form=[("csrf", csrf)])
        self.assertEqual(r.status, 422)
        r = self.page(admin, "POST", f"/console/clients/{client_id}/revoke",
                      form=[("csrf", csrf), ("confirm", "yes")])
        self.assertEqual(r.status, 200)
        self.assertIn("The client is revoked", r.text)
        self.assertEqual(self.server.api("GET", "/api/v1/clients", key=second).status, 401)
        r = self.page(admin, "POST", f"/console/clients/{client_id}/rotate",
                      form=[("csrf", csrf), ("grace", "0")])
        self.assertEqual(r.status, 404)

        rows = self.server.sql("SELECT action, subject, result, details FROM audit_log WHERE "
                               "action LIKE 'console.POST /console/clients%' AND actor = "
                               f"'{admin}' AND result = 'ok' ORDER BY seq")
        self.assertEqual([(a, s) for a, s, _, _ in rows],
                         [("console.POST /console/clients", "Lab interface"),
                          ("console.POST /console/clients/{id}/rotate", client_id),
                          ("console.POST /console/clients/{id}/revoke", client_id)])
        self.assertEqual(json.loads(rows[0][3]),
                         {"client": client_id, "scopes": "messages:read admin"})
        for _, _, _, details in rows:
            self.assertNotIn(first.split(":")[1], details or "")
            self.assertNotIn(second.split(":")[1], details or "")

    def test_webhooks_are_made_switched_given_new_secrets_and_deleted(self):
        admin = "org-admin@clinic.example"
        page = self.page(admin, "GET", "/console/webhooks")
        self.assertEqual(page.status, 200)
        csrf = self.form_csrf(page, "/console/webhooks")
        good = [("account", "Branch"), ("event", "message.viewed"), ("event", "message.locked")]
        for fields, status, words in (
                ([("url", "https://127.0.0.1/hook")] + good, 422, "Url: "),
                ([("url", "http://192.0.2.10/hook")] + good, 422, "Url: "),
                ([("url", "https://192.0.2.10/hook"), ("account", "Branch")], 422, "Events: "),
                ([("url", "https://192.0.2.10/hook"), ("account", "Nowhere"),
                  ("event", "message.viewed")], 422, "no account Nowhere"),
                ([("url", "https://192.0.2.10/hook"), ("notify", "not an address")] + good, 422,
                 "Notify: an email address")):
            r = self.page(admin, "POST", "/console/webhooks", form=[("csrf", csrf)] + fields)
            self.assertEqual(r.status, status, fields)
            self.assertIn(words, r.text, fields)
        r = self.page(admin, "POST", "/console/webhooks",
                      form=[("csrf", csrf), ("url", "https://192.0.2.10/hook"),
                            ("description", "Branch EHR"), ("with_subject", "yes")] + good)
        self.assertEqual(r.status, 200, r.text[:400])
        self.assertEqual(r.header("cache-control"), "no-store")
        secret = re.search(r'<code id="credentials"[^>]*>(whsec_[A-Za-z0-9+/=]+)</code>',
                           r.text).group(1)
        self.server.keep_secret(secret)
        (endpoint,) = self.server.sql("SELECT id FROM webhook_endpoints WHERE account = 'Branch'")[0]
        # What the API shows is what the console made.
        shown = json.loads(self.server.api("GET", f"/api/v1/webhooks/{endpoint}").text)
        self.assertEqual((shown["url"], shown["events"], shown["with_subject"], shown["enabled"]),
                         ("https://192.0.2.10/hook", ["message.viewed", "message.locked"], True,
                          True))
        page = self.page(admin, "GET", "/console/webhooks")
        self.assertIn("Branch EHR", page.text)
        self.assertNotIn(secret, page.text)

        r = self.page(admin, "POST", f"/console/webhooks/{endpoint}/enabled",
                      form=[("csrf", csrf), ("to", "off")])
        self.assertEqual(r.status, 200)
        self.assertIn("The webhook is off", r.text)
        self.assertFalse(json.loads(
            self.server.api("GET", f"/api/v1/webhooks/{endpoint}").text)["enabled"])
        r = self.page(admin, "POST", f"/console/webhooks/{endpoint}/rotate",
                      form=[("csrf", csrf), ("grace", "20000")])
        self.assertEqual(r.status, 422)
        r = self.page(admin, "POST", f"/console/webhooks/{endpoint}/rotate",
                      form=[("csrf", csrf), ("grace", "60")])
        self.assertEqual(r.status, 200, r.text[:400])
        self.assertIn("The old secret signs too until", r.text)
        second = re.search(r'<code id="credentials"[^>]*>(whsec_[A-Za-z0-9+/=]+)</code>',
                           r.text).group(1)
        self.server.keep_secret(second)
        self.assertNotEqual(secret, second)
        r = self.page(admin, "POST", f"/console/webhooks/{endpoint}/delete", form=[("csrf", csrf)])
        self.assertEqual(r.status, 422)
        r = self.page(admin, "POST", f"/console/webhooks/{endpoint}/delete",
                      form=[("csrf", csrf), ("confirm", "yes")])
        self.assertEqual(r.status, 200)
        self.assertEqual(self.server.api("GET", f"/api/v1/webhooks/{endpoint}").status, 404)
        r = self.page(admin, "POST", f"/console/webhooks/{endpoint}/rotate",
                      form=[("csrf", csrf), ("grace", "0")])
        self.assertEqual(r.status, 404)

        rows = self.server.sql("SELECT action, details FROM audit_log WHERE action LIKE "
                               "'console.POST /console/webhooks%' AND result = 'ok' AND actor = "
                               f"'{admin}' ORDER BY seq")
        self.assertEqual([a for a, _ in rows],
                         ["console.POST /console/webhooks",
                          "console.POST /console/webhooks/{id}/enabled",
                          "console.POST /console/webhooks/{id}/rotate",
                          "console.POST /console/webhooks/{id}/delete"])
        self.assertEqual(json.loads(rows[1][1]), {"webhook": endpoint, "changed": ["enabled"]})
        for _, details in rows:
            self.assertNotIn(secret, details or "")
            self.assertNotIn("192.0.2.10", details or "")

    def test_campaigns_segments_templates_and_reports_in_the_console(self):
        admin = "domain-admin@clinic.example"
        tmp = self.server.tmp
        with open(os.path.join(tmp, "patients.csv"), "w") as f:
            f.write("email,first_name,last_visit\n" + "".join(
                f"c{i}@example.net,Pat{i},{'2025-01-01' if i % 2 else '2026-11-20'}\n"
                for i in range(6)))
        with open(os.path.join(tmp, "recall.txt"), "w") as f:
            f.write("Dear {{first_name}}, it is time for a visit.\n{{@unsubscribe_url}}\n")
        for args in (("contacts", "new-list", "recall-list", "--account", "default"),
                     ("contacts", "import", os.path.join(tmp, "patients.csv"), "--account",
                      "default", "--list", "recall-list", "--consent", "intake"),
                     ("template", "save", "recall", "--account", "default", "--subject",
                      "A visit, {{first_name}}", "--text", os.path.join(tmp, "recall.txt")),
                     ("segment", "save", "lapsed", "--account", "default", "--list",
                      "recall-list", "--condition", "last_visit < 6 months ago"),
                     ("campaign", "create", "winter-recall", "--account", "default", "--segment",
                      "lapsed", "--template", "recall", "--from", "office@clinic.example")):
            code, out, err = self.server.admin(*args)
            self.assertEqual(code, 0, (args, out, err))
        page = self.page(admin, "GET", "/console/campaigns")
        self.assertEqual(page.status, 200)
        self.assertIn('href="/console/campaigns/winter-recall"', page.text)
        self.assertIn('href="/console/templates/recall"', page.text)
        self.assertIn("recall-list: 6 subscribed", page.text)
        # A condition counted as it is written, before it is saved; a bad one says where.
        csrf = self.form_csrf(page, "/console/segments")
        r = self.page(admin, "POST", "/console/segments",
                      form=[("csrf", csrf), ("name", "recent"), ("list", "recall-list"),
                            ("condition", "last_visit > 6 months ago"), ("action", "count")])
        self.assertEqual(r.status, 200, r.text[:300])
        self.assertRegex(r.text, r"Of 6 on the list, the condition matches <strong>3</strong>")
        self.assertEqual(self.server.sql("SELECT count(*) FROM segments WHERE name = 'recent'"),
                         [(0,)])
        r = self.page(admin, "POST", "/console/segments",
                      form=[("csrf", csrf), ("name", "recent"), ("list", "recall-list"),
                            ("condition", "last_visit >> 6"), ("action", "count")])
        self.assertEqual(r.status, 422, r.text[:300])
        self.assertIn("at character", r.text)
        r = self.page(admin, "POST", "/console/segments",
                      form=[("csrf", csrf), ("name", "recent"), ("list", "recall-list"),
                            ("condition", "last_visit > 6 months ago"), ("action", "save")])
        self.assertEqual(r.status, 200, r.text[:300])
        self.assertIn("The segment recent is saved.", r.text)
        self.assertEqual(self.server.sql("SELECT count(*) FROM audit_log WHERE action = "
                                         "'console.POST /console/segments' AND result = 'ok'"),
                         [(1,)])
        # A template as one contact gets it: on the trail first.
        r = self.page(admin, "GET", "/console/templates/recall?contact=c1%40example.net")
        self.assertEqual(r.status, 200, r.text[:300])
        self.assertIn("Dear Pat1, it is time for a visit.", r.text)
        self.assertEqual(self.server.sql(
            "SELECT actor, recipient FROM audit_log WHERE action = 'campaign.template.previewed'"),
            [(admin, "c1@example.net")])
        # The campaign: its progress, its report (a chart, tables, the CSV), paused and
        # cancelled from its page.
        r = self.page(admin, "GET", "/console/campaigns/winter-recall")
        self.assertEqual(r.status, 200, r.text[:300])
        self.assertIn("<dd>draft</dd>", r.text)
        self.assertIn("<svg", r.text)
        self.assertIn('href="/console/campaigns/winter-recall/report.csv"', r.text)
        csv = self.page(admin, "GET", "/console/campaigns/winter-recall/report.csv")
        self.assertEqual(csv.status, 200)
        self.assertEqual(csv.header("content-type"), "text/csv; charset=utf-8")
        self.assertEqual(csv.text.splitlines()[0],
                         "by,name,sent,delivered,bounced,opened,clicked,unsubscribed,complained")
        csrf = self.form_csrf(r, "/console/campaigns/winter-recall/cancel")
        r = self.page(admin, "POST", "/console/campaigns/winter-recall/resume",
                      form=[("csrf", csrf)])
        self.assertEqual(r.status, 409, r.text[:300])
        self.assertIn("only a paused campaign resumes", r.text)
        r = self.page(admin, "POST", "/console/campaigns/winter-recall/cancel",
                      form=[("csrf", csrf)])
        self.assertEqual((r.status, r.header("location")),
                         (303, "/console/campaigns/winter-recall"))
        self.assertIn("<dd>cancelled</dd>",
                      self.page(admin, "GET", "/console/campaigns/winter-recall").text)
        # A name with a space: the page's links percent-encode it, and it is found.
        code, out, err = self.server.admin(
            "campaign", "create", "spring recall", "--account", "default", "--segment", "lapsed",
            "--template", "recall", "--from", "office@clinic.example")
        self.assertEqual(code, 0, (out, err))
        self.assertIn('href="/console/campaigns/spring%20recall"',
                      self.page(admin, "GET", "/console/campaigns").text)
        r = self.page(admin, "GET", "/console/campaigns/spring%20recall")
        self.assertEqual(r.status, 200, r.text[:300])
        self.assertIn("Campaign spring recall", r.text)
        self.assertEqual(self.page(admin, "GET",
                                   "/console/campaigns/spring%20recall/report.csv").status, 200)
        # Another account's people see none of it.
        self.invite_and_sign_in("domain-admin@branch.example", "domain-admin")
        self.assertEqual(self.page("domain-admin@branch.example", "GET",
                                   "/console/campaigns/winter-recall").status, 404)

    def test_forms_are_made_changed_and_deleted_from_their_definitions(self):
        admin = "org-admin@clinic.example"
        page = self.page(admin, "GET", "/console/forms")
        self.assertEqual(page.status, 200)
        csrf = self.form_csrf(page, "/console/forms")
        definition = {"title": "Contact us", "recipients": ["desk@clinic.example"],
                      "steps": [{"fields": [{"name": "message", "type": "long_text",
                                             "label": "Your message", "required": True}]}]}
        bad = json.dumps(dict(definition, steps=[{"fields": [
            {"name": "Your Message", "type": "long_text", "label": "Message"}]}]))
        r = self.page(admin, "POST", "/console/forms",
                      form=[("csrf", csrf), ("name", "contact"), ("account", "default"),
                            ("definition", bad)])
        self.assertEqual(r.status, 422, r.text[:300])
        self.assertIn("The form was not made: Definition.steps[0].fields[0].name: ", r.text)
        self.assertIn(bad, html.unescape(r.text))  # what was written, back in the box
        self.assertIn('value="contact"', r.text)
        r = self.page(admin, "POST", "/console/forms",
                      form=[("csrf", csrf), ("name", "contact"), ("account", "default"),
                            ("definition", json.dumps(definition))])
        self.assertEqual((r.status, r.header("location")), (303, "/console/forms/contact"))
        page = self.page(admin, "GET", "/console/forms/contact")
        self.assertEqual(page.status, 200)
        self.assertIn("<dd>Contact us</dd>", page.text)
        self.assertIn("<dd>desk@clinic.example</dd>", page.text)
        self.assertIn("1 in 1 step(s)", page.text)
        self.assertIn('"title": "Contact us"', html.unescape(page.text))  # indented to read
        # Published: its page, and what a website puts in to link to it; no site frames it
        # until the definition names one.
        link = f"{self.server.base}/f/contact"
        self.assertIn(f'<a href="{link}">Contact us</a>', html.unescape(page.text))
        self.assertIn("allowed_origins", page.text)
        self.assertNotIn("&lt;iframe", page.text)
        self.assertIn('href="/console/forms/contact"',
                      self.page(admin, "GET", "/console/forms").text)
        # Saved without "it takes submissions": off, as the API shows it.
        csrf = self.form_csrf(page, "/console/forms/contact")
        r = self.page(admin, "POST", "/console/forms/contact",
                      form=[("csrf", csrf), ("namespace", ""),
                            ("definition", json.dumps(definition))])
        self.assertEqual(r.status, 200, r.text[:300])
        self.assertIn("The form is saved.", r.text)
        self.assertFalse(json.loads(self.server.api("GET", "/api/v1/forms/contact").text)
                         ["enabled"])
        framed = dict(definition, allowed_origins=["https://www.clinic.example"])
        csrf = self.form_csrf(r, "/console/forms/contact")
        r = self.page(admin, "POST", "/console/forms/contact",
                      form=[("csrf", csrf), ("namespace", ""), ("definition", json.dumps(framed))])
        self.assertEqual(r.status, 200, r.text[:300])
        self.assertIn(f'<iframe src="{link}" title="Contact us"', html.unescape(r.text))
        self.assertIn("inside a page of https://www.clinic.example", r.text)
        r = self.page(admin, "POST", "/console/forms/contact",
                      form=[("csrf", csrf), ("definition", "{not json")])
        self.assertEqual(r.status, 422)
        self.assertIn("Nothing was saved: Definition: is not valid JSON at line 1, column 2", r.text)
        self.assertIn("{not json", html.unescape(r.text))
        r = self.page(admin, "POST", "/console/forms/contact/delete", form=[("csrf", csrf)])
        self.assertEqual(r.status, 422)
        r = self.page(admin, "POST", "/console/forms/contact/delete",
                      form=[("csrf", csrf), ("confirm", "yes")])
        self.assertEqual(r.status, 200)
        self.assertIn("The form contact is deleted.", r.text)
        self.assertEqual(self.page(admin, "GET", "/console/forms/contact").status, 404)
        rows = self.server.sql("SELECT action, result FROM audit_log WHERE action LIKE "
                               "'console.POST /console/forms%' AND actor = ? ORDER BY seq",
                               (admin,))
        self.assertEqual(rows, [("console.POST /console/forms", "refused"),
                                ("console.POST /console/forms", "ok"),
                                ("console.POST /console/forms/{name}", "ok"),
                                ("console.POST /console/forms/{name}", "ok"),
                                ("console.POST /console/forms/{name}", "refused"),
                                ("console.POST /console/forms/{name}/delete", "ok")])

    def test_accounts_domains_and_users_are_deleted_when_empty_and_confirmed(self):
        for args in (("account", "create", "Closing"),
                     ("domain", "create", "closing.example", "--account", "Closing"),
                     ("user", "create", "leaver@closing.example")):
            code, _, err = self.server.admin(*args)
            self.assertEqual(code, 0, err)
        self.invite_and_sign_in("leaver@closing.example", "sender")
        admin = "org-admin@clinic.example"
        page = self.page(admin, "GET", "/console/organisation")
        self.assertIn('<option value="account:Closing">', page.text)
        self.assertNotIn('value="account:default"', page.text)
        csrf = self.form_csrf(page, "/console/organisation/delete")
        r = self.page(admin, "POST", "/console/organisation/delete",
                      form=[("csrf", csrf), ("what", "account:Closing"), ("confirm", "yes")])
        self.assertEqual(r.status, 409)
        self.assertIn("still has domains", r.text)
        r = self.page(admin, "POST", "/console/organisation/delete",
                      form=[("csrf", csrf), ("what", "domain:closing.example")])
        self.assertEqual(r.status, 422)
        self.assertIn("Tick “Yes, delete it”", r.text)
        r = self.page(admin, "POST", "/console/organisation/delete",
                      form=[("csrf", csrf), ("what", "domain:closing.example"), ("confirm", "yes")])
        self.assertEqual(r.status, 409)
        self.assertIn("still has users", r.text)

        # A domain administrator deletes their own domain's users only, and never an
        # organisation administrator or themselves.
        domain_admin = "domain-admin@clinic.example"
        users = self.page(domain_admin, "GET", "/console/users")
        self.assertNotIn('<option value="org-admin@clinic.example">', users.text)
        csrf_d = self.form_csrf(users, "/console/users/delete")
        for address, status, words in (
                ("leaver@closing.example", 403, "You delete the users of clinic.example only"),
                ("org-admin@clinic.example", 403, "not yours to delete"),
                ("domain-admin@clinic.example", 403, "Another administrator deletes your own")):
            r = self.page(domain_admin, "POST", "/console/users/delete",
                          form=[("csrf", csrf_d), ("address", address), ("confirm", "yes")])
            self.assertEqual(r.status, status, address)
            self.assertIn(words, r.text)
        self.assertEqual(self.server.sql(
            "SELECT count(*) FROM users WHERE address = 'org-admin@clinic.example'"), [(1,)])

        users = self.page(admin, "GET", "/console/users")
        csrf_u = self.form_csrf(users, "/console/users/delete")
        r = self.page(admin, "POST", "/console/users/delete",
                      form=[("csrf", csrf_u), ("address", "leaver@closing.example"),
                            ("confirm", "yes")])
        self.assertEqual(r.status, 200, r.text[:300])
        self.assertIn("leaver@closing.example was deleted", r.text)
        # Their session ends with them (told so once, then the sign-in page), and their
        # console sign-in is gone.
        r = self.page("leaver@closing.example", "GET", "/console")
        self.assertEqual(r.status, 403)
        self.assertIn("You no longer have the console", r.text)
        self.assertEqual(self.page("leaver@closing.example", "GET", "/console").status, 303)
        self.assertEqual(self.server.sql("SELECT count(*) FROM portal_accounts WHERE "
                                         "address = 'leaver@closing.example'"), [(0,)])
        for what in ("domain:closing.example", "account:Closing"):
            r = self.page(admin, "POST", "/console/organisation/delete",
                          form=[("csrf", csrf), ("what", what), ("confirm", "yes")])
            self.assertEqual((r.status, r.header("location")), (303, "/console/organisation"), what)
        page = self.page(admin, "GET", "/console/organisation")
        self.assertNotIn("closing.example", page.text)
        rows = self.server.sql("SELECT subject, result, details FROM audit_log WHERE action IN ("
                               "'console.POST /console/users/delete', "
                               "'console.POST /console/organisation/delete') ORDER BY seq")
        self.assertEqual([(s, r) for s, r, _ in rows],
                         [("account:Closing", "refused"), ("domain:closing.example", "refused"),
                          ("org-admin@clinic.example", "refused"),
                          ("leaver@closing.example", "ok"), ("domain:closing.example", "ok"),
                          ("account:Closing", "ok")])
        self.assertEqual(json.loads(rows[3][2])["before"]["console_role"], "sender")
        self.assertEqual(json.loads(rows[4][2])["before"]["account"], "Closing")

    def test_settings_show_where_each_value_comes_from(self):
        admin = "org-admin@clinic.example"
        page = self.page(admin, "GET", "/console/settings/domain/clinic.example")
        self.assertEqual(page.status, 200)
        self.assertRegex(page.text, r"<td>default_expiry_days</td><td>\d+ days</td>")
        csrf = self.form_csrf(page, "/console/settings/domain/clinic.example")
        r = self.page(admin, "POST", "/console/settings/domain/clinic.example",
                      form=[("csrf", csrf), ("setting", "default_expiry_days"),
                            ("value", "12")])
        self.assertEqual(r.status, 303)
        r = self.page(admin, "POST", "/console/settings/domain/clinic.example",
                      form=[("csrf", csrf), ("setting", "default_question"),
                            ("value", "Your home town?"), ("answer", "Shelbyville")])
        self.assertEqual(r.status, 303)
        page = self.page(admin, "GET", "/console/settings/domain/clinic.example")
        self.assertIn("<td>default_expiry_days</td><td>12 days</td><td>set here</td>", page.text)
        self.assertIn("Your home town? (answer set)", page.text)
        self.assertNotIn("Shelbyville", page.text)
        user = self.page(admin, "GET", "/console/settings/user/sender%40clinic.example")
        self.assertIn("<td>default_expiry_days</td><td>12 days</td><td>from the domain</td>",
                      user.text)
        # A value that is not right: said, and nothing changed.
        r = self.page(admin, "POST", "/console/settings/domain/clinic.example",
                      form=[("csrf", csrf), ("setting", "default_expiry_days"),
                            ("value", "forever")])
        again = r  # said on the page itself, never in a link
        self.assertEqual(again.status, 422)
        self.assertIn("Not changed", again.text)
        self.assertIn("<td>12 days</td>", again.text)
        # A link cannot put words on the page.
        spoof = self.page(admin, "GET", "/console/settings/domain/clinic.example?error=Call+us")
        self.assertNotIn("Call us", spoof.text)
        # On record with what it was and became, never the answer.
        rows = self.server.sql("SELECT details FROM audit_log WHERE action = "
                               "'console.POST /console/settings/{level}/{name}' AND result = 'ok'")
        self.assertTrue(any('"default_expiry_days"' in d for (d,) in rows), rows)
        self.assertFalse(any("Shelbyville" in d for (d,) in rows))
        # Others' settings are not this domain administrator's to see.
        domain_admin = "domain-admin@clinic.example"
        self.assertEqual(self.page(domain_admin, "GET",
                                   "/console/settings/domain/clinic.example").status, 200)
        self.assertEqual(self.page(domain_admin, "GET",
                                   "/console/settings/domain/branch.example").status, 404)
        self.assertEqual(self.page(domain_admin, "GET",
                                   "/console/settings/account/default").status, 404)

    def test_a_book_is_imported_with_the_refused_lines_listed(self):
        admin = "domain-admin@clinic.example"
        r = self.page(admin, "GET", "/console/books?level=domain&owner=clinic.example"
                      "&name=patients")
        self.assertEqual(r.status, 303)
        book = self.page(admin, "GET", r.header("location"))
        self.assertEqual(book.status, 200)
        self.assertIn("There is no such book yet", book.text)
        location = r.header("location")
        csrf = self.form_csrf(book, location)
        r = self.page(admin, "POST", location, form=[("csrf", csrf)])
        self.assertEqual((r.status, r.header("location")), (303, location))
        book = self.page(admin, "GET", location)
        self.assertIn("0 entr(ies); 0 here", book.text)
        csrf = self.form_csrf(book, location + "/import")
        csv = os.path.join(self.server.tmp, "book.csv")
        with open(csv, "w") as f:
            f.write("address,question,answer\n"
                    "ann@home.example,Your first school?,Hillside\n"
                    "not an address,Q?,A1234567\n"
                    "bob@home.example,Your street?,\n"
                    "cy@home.example,Your pet?,Whiskers\n")
        self.server.keep_secret("Hillside")
        self.server.keep_secret("Whiskers")
        r = self.page(admin, "POST", location + "/import",
                      files=[f"csrf={csrf}", f"file=@{csv};type=text/csv"])
        self.assertEqual(r.status, 422, r.text[:500])
        self.assertIn("2 entr(ies) imported; 2 line(s) refused", r.text)
        self.assertRegex(r.text, r"<tr><td>3</td><td>[^<]*address")
        self.assertRegex(r.text, r"<tr><td>4</td><td>")
        self.assertNotIn("Hillside", r.text)
        # The page's script asks for the report as JSON (to show it under its progress bar).
        self.assertIn("script-src 'self'", book.header("content-security-policy"))
        with open(csv, "w") as f:
            f.write("address,question,answer\n"
                    "dee@home.example,Your first pet?,Whiskers\n"
                    "nobody,Q?,A1234567\n")
        r = self.page(admin, "POST", location + "/import", headers=["Accept: application/json"],
                      files=[f"csrf={csrf}", f"file=@{csv};type=text/csv"])
        self.assertEqual(r.status, 422, r.text[:300])
        report = json.loads(r.text)
        self.assertEqual((report["imported"], report["refused"], report["more"]), (1, 1, 0))
        self.assertEqual(report["problems"][0]["line"], 3)
        self.assertNotIn("Whiskers", r.text)
        r = self.page(admin, "POST", location + "/import", headers=["Accept: application/json"],
                      files=["csrf=forged", f"file=@{csv};type=text/csv"])
        self.assertEqual(r.status, 403)
        self.assertEqual(json.loads(r.text)["title"], "Not imported")
        book = self.page(admin, "GET", "/console/books/domain%3Aclinic.example%3Apatients")
        self.assertIn("ann@home.example", book.text)
        self.assertIn("cy@home.example", book.text)
        self.assertIn("3 entr(ies); 3 here", book.text)
        rows = self.server.sql("SELECT actor, details FROM audit_log WHERE action = "
                               "'console.POST /console/books/{book}/import' AND result = 'ok'")
        self.assertEqual(rows, [(admin, '{"imported":2,"refused":2}'),
                                (admin, '{"imported":1,"refused":1}')])
        # Another domain's book is not theirs.
        self.assertEqual(self.page(admin, "GET",
                                   "/console/books/domain%3Abranch.example%3Apatients").status,
                         404)

    def test_keys_and_certificates_are_added_with_a_verdict_per_file(self):
        folder = os.path.join(self.server.tmp, "keys")
        home = os.path.join(self.server.tmp, "gnupg")
        os.makedirs(folder)
        os.makedirs(home, mode=0o700)

        def gpg(*args):
            return subprocess.run(["gpg", "--homedir", home, "--batch", "--yes", "--pinentry-mode",
                                   "loopback", "--passphrase", "", *args], capture_output=True,
                                  check=True, timeout=120).stdout

        def write(name, data):
            with open(os.path.join(folder, name), "wb") as f:
                f.write(data)
            return f"keys=@{os.path.join(folder, name)}"

        gpg("--quick-gen-key", "Pat <pat@home.example>", "default", "default", "never")
        pat = gpg("--armor", "--export", "pat@home.example")
        gpg("--faked-system-time", "20200101T000000", "--quick-gen-key", "Old <old@home.example>",
            "default", "default", "1d")
        subprocess.run(["openssl", "req", "-x509", "-new", "-newkey", "rsa:2048", "-nodes",
                        "-days", "30", "-subj", "/CN=Sam", "-keyout",
                        os.path.join(self.server.tmp, "sam.key"), "-out",
                        os.path.join(folder, "sam@home.example.pem"), "-addext",
                        "subjectAltName=email:sam@home.example", "-addext",
                        "keyUsage=critical,digitalSignature,keyEncipherment", "-addext",
                        "extendedKeyUsage=emailProtection"], capture_output=True, check=True,
                       timeout=60)
        parts = [write("pat@home.example.asc", pat),
                 write("old@home.example.asc", gpg("--armor", "--export", "old@home.example")),
                 f"keys=@{os.path.join(folder, 'sam@home.example.pem')}",
                 write("wrong@home.example.asc", pat),
                 write("notes.txt", b"not a key")]

        admin = "org-admin@clinic.example"
        location = "/console/books/domain%3Aclinic.example%3Akeys"
        book = self.page(admin, "GET", location)
        r = self.page(admin, "POST", location,
                      form=[("csrf", self.form_csrf(book, location))])
        self.assertEqual(r.status, 303)
        book = self.page(admin, "GET", location)
        csrf = self.form_csrf(book, location + "/keys")
        r = self.page(admin, "POST", location + "/keys", files=[f"csrf={csrf}"] + parts)
        self.assertEqual(r.status, 422, r.text[:500])
        self.assertIn("2 file(s) imported; 3 refused", r.text)
        verdicts = dict(re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td></tr>", r.text))
        self.assertEqual(verdicts["pat@home.example.asc"], "Imported for pat@home.example.")
        self.assertEqual(verdicts["sam@home.example.pem"], "Imported for sam@home.example.")
        self.assertRegex(verdicts["old@home.example.asc"], r"^Not imported: .*expired")
        self.assertRegex(verdicts["wrong@home.example.asc"], r"^Not imported: .*wrong@home\.example")
        self.assertIn("name it by its address", verdicts["notes.txt"])
        book = self.page(admin, "GET", location)
        self.assertIn("2 entr(ies)", book.text)
        rows = self.server.sql("SELECT actor, result FROM audit_log WHERE action = "
                               "'console.POST /console/books/{book}/keys' AND subject = "
                               "'domain:clinic.example:keys'")
        self.assertEqual(rows, [(admin, "ok")])

    def test_a_namespace_is_branded_with_a_preview_and_the_contrast_checked(self):
        admin = "org-admin@clinic.example"
        page = self.page(admin, "GET", "/console/new-namespace")
        self.assertEqual(page.status, 200)
        csrf = self.form_csrf(page, "/console/namespaces")
        logo = os.path.join(self.server.tmp, "logo.svg")
        with open(logo, "w") as f:
            f.write('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
        fields = [f"csrf={csrf}", "name=springfield", "display_name=Springfield Clinic",
                  "support=Call 555-0100", "hosts=secure.springfield.test"]
        # Too light for white text: said before anything is saved.
        r = self.page(admin, "POST", "/console/namespaces",
                      files=fields + ["colour=#ffdd00", "do=save"])
        self.assertEqual(r.status, 422)
        self.assertIn("Not saved: colour", r.text)
        self.assertIn("too hard to read", r.text)
        # A preview, with the logo: shown, and nothing saved.
        r = self.page(admin, "POST", "/console/namespaces",
                      files=fields + ["colour=#1e6b2f", "do=preview", f"logo=@{logo}"])
        self.assertEqual(r.status, 200)
        self.assertIn("nothing is saved yet", r.text)
        self.assertIn("easy to read", r.text)
        self.assertIn('src="data:image/svg+xml;base64,', r.text)
        self.assertIn("/console/brand-preview.css?colour=%231e6b2f", r.text)
        carried = re.search(r'name="logo_carried" value="([^"]+)"', r.text).group(1)
        self.assertEqual(self.server.sql("SELECT count(*) FROM namespaces WHERE name = "
                                         "'springfield'"), [(0,)])
        css = self.page(admin, "GET", "/console/brand-preview.css?colour=%231e6b2f")
        self.assertEqual(css.text, ".brand-preview { --accent: #1e6b2f; }\n")
        self.assertIn("text/css", css.header("content-type"))
        odd = self.page(admin, "GET", "/console/brand-preview.css?colour=red%3B%7Dbody%7Bx%3Ay")
        self.assertNotIn("body", odd.text)
        # Saved with the previewed logo carried along.
        r = self.page(admin, "POST", "/console/namespaces",
                      files=fields + ["colour=#1e6b2f", "do=save", f"logo_carried={carried}"])
        self.assertEqual((r.status, r.header("location")), (303, "/console/namespaces/springfield"))
        self.assertEqual(self.server.sql("SELECT display_name, colour, length(logo) FROM "
                                         "namespaces WHERE name = 'springfield'"),
                         [("Springfield Clinic", "#1e6b2f", os.path.getsize(logo))])
        listed = self.page(admin, "GET", "/console/namespaces")
        self.assertIn('href="/console/namespaces/springfield"', listed.text)
        self.assertIn("secure.springfield.test", listed.text)
        # Its portal wears it at once.
        css = self.server.get("/brand/springfield/style.css")
        self.assertIn("#1e6b2f", css.text)
        # Edited: on record with what it was and became.
        page = self.page(admin, "GET", "/console/namespaces/springfield")
        self.assertIn('src="/brand/springfield/logo"', page.text)
        csrf = self.form_csrf(page, "/console/namespaces/springfield")
        r = self.page(admin, "POST", "/console/namespaces/springfield",
                      files=[f"csrf={csrf}", "display_name=Springfield Family Clinic",
                             "colour=#1e6b2f", "hosts=secure.springfield.test", "do=save"])
        self.assertEqual(r.status, 303)
        rows = self.server.sql("SELECT details FROM audit_log WHERE action = "
                               "'console.POST /console/namespaces/{name}'")
        self.assertEqual(len(rows), 1)
        details = json.loads(rows[0][0])
        self.assertEqual(details["before"]["display_name"], "Springfield Clinic")
        self.assertEqual(details["after"]["display_name"], "Springfield Family Clinic")
        self.assertEqual(details["after"]["logo"]["content_type"], "image/svg+xml")

    def make_wait(self, message_id, rcpt):
        """Makes `rcpt`'s notice wait for its server (once the runner is done with it, and
        until long after the test); returns its queue id."""
        deadline = time.time() + 30
        query = (f"SELECT state FROM queue WHERE message_id = '{message_id}' AND "
                 f"rcpt_to = '{rcpt}'")
        while self.server.sql(query) != [("delivered",)] and time.time() < deadline:
            time.sleep(0.05)
        db = sqlite3.connect(os.path.join(self.server.data, "sealpost.db"), timeout=30)
        with db:
            db.execute("UPDATE queue SET state = 'deferred', next_attempt_at = 9999999999, "
                       "last_error = '451 4.7.0 try again later' "
                       f"WHERE message_id = '{message_id}' AND rcpt_to = '{rcpt}'")
        db.close()
        return self.server.sql(f"SELECT id FROM queue WHERE message_id = '{message_id}' AND "
                               f"rcpt_to = '{rcpt}'")[0][0]

    def test_tls_reports_show_what_sessions_came_to_per_domain(self):
        today = time.strftime("%Y-%m-%d", time.gmtime())
        yesterday = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400))
        long_ago = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 40 * 86400))
        db = sqlite3.connect(os.path.join(self.server.data, "sealpost.db"), timeout=30)
        with db:
            db.executemany("INSERT INTO tls_sessions VALUES (?,?,?,?,?,?,?,?)", [
                (today, "lab.example", "sts", "[]", "mx.lab.example", "192.0.2.7", "", 5),
                (today, "lab.example", "sts", "[]", "mx.lab.example", "192.0.2.7",
                 "certificate-host-mismatch", 2)])
            db.executemany("INSERT INTO tls_reported VALUES (?,?,?,?,?)", [
                (yesterday, "bank.example", "tlsa", "", 9),
                (long_ago, "old.example", "tlsa", "", 4)])
        db.close()
        page = self.page("auditor@clinic.example", "GET", "/console/tls-reports")
        self.assertEqual(page.status, 200)
        rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>(\d+)</td>"
                          r"<td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", page.text)
        self.assertEqual(rows, [
            (today, "lab.example", "MTA-STS", "5", "2", "certificate-host-mismatch (2)",
             "being counted"),
            (yesterday, "bank.example", "DANE", "9", "0", "", "reported")])
        self.assertIn("<strong>14</strong> sessions succeeded, <strong>2</strong> failed",
                      page.text)
        self.assertIn("<svg", page.text)  # the failures by domain, drawn
        self.assertNotIn("old.example", page.text)
        # A gateway that writes to many domains gets a page of bounded length.
        db = sqlite3.connect(os.path.join(self.server.data, "sealpost.db"), timeout=30)
        with db:
            db.executemany("INSERT INTO tls_reported VALUES (?,?,?,?,?)",
                           [(yesterday, f"d{i:04}.example", "sts", "", 1) for i in range(600)])
        db.close()
        page = self.page("auditor@clinic.example", "GET", "/console/tls-reports")
        self.assertEqual(page.status, 200)
        self.assertEqual(page.text.count("<tr><td>"), 500)
        self.assertIn("… and 102 more rows", page.text)
        self.assertIn("<strong>614</strong> sessions succeeded", page.text)

    def test_the_queue_is_listed_retried_and_emptied(self):
        admin = "org-admin@clinic.example"
        location, review = self.review("sender@clinic.example",
                                       [("to", "una@slow.example, vic@slow.example"),
                                        ("text", "Your letter.")])
        message_id = self.sent_id(self.send("sender@clinic.example", location, review,
                                            [("question", "Your town?"),
                                             ("answer", "Capital City")]))
        una = self.make_wait(message_id, "una@slow.example")
        vic = self.make_wait(message_id, "vic@slow.example")
        listed = self.page(admin, "GET", "/console/queue?state=deferred")
        self.assertEqual(listed.status, 200)
        self.assertIn(f'<a href="/console/queue/{una}">una@slow.example</a>', listed.text)
        self.assertIn("451 4.7.0 try again later", listed.text)
        entry = self.page(admin, "GET", f"/console/queue/{una}")
        self.assertIn("<dd>deferred</dd>", entry.text)
        self.assertIn("<dt>Outcome</dt><dd>delivered</dd>", entry.text)  # its last report
        self.assertNotIn("Your letter", entry.text)  # never the content
        csrf = self.form_csrf(entry, f"/console/queue/{una}/retry")
        r = self.page(admin, "POST", f"/console/queue/{una}/retry", form=[("csrf", csrf)])
        self.assertEqual(r.status, 303)
        # Due now, where it was due in centuries.
        due = self.server.sql(f"SELECT next_attempt_at FROM queue WHERE id = '{una}'")[0][0]
        self.assertLessEqual(due, time.time() + 1)
        r = self.page(admin, "POST", f"/console/queue/{vic}/delete", form=[("csrf", csrf)])
        self.assertEqual((r.status, r.header("location")), (303, "/console/queue"))
        self.assertNotIn(vic, self.page(admin, "GET", "/console/queue?state=deferred").text)
        rows = self.server.sql("SELECT action, result FROM audit_log WHERE actor = "
                               f"'{admin}' AND subject IN ('{una}', '{vic}') ORDER BY seq")
        self.assertEqual(rows, [("console.POST /console/queue/{id}/retry", "ok"),
                                ("console.POST /console/queue/{id}/delete", "ok")])
        # What is gone cannot be deleted again.
        r = self.page(admin, "POST", f"/console/queue/{vic}/delete", form=[("csrf", csrf)])
        self.assertIn(r.status, (404, 409))

    def test_the_dashboard_counts_what_was_sent_and_what_waits(self):
        admin = "org-admin@clinic.example"

        def figures():
            page = self.page(admin, "GET", "/console/dashboard?recount=1")
            self.assertEqual(page.status, 200)
            sent = int(re.search(r"<strong>(\d+)</strong> messages sent", page.text).group(1))
            today = re.findall(r"<tr><th scope=\"row\">[^<]+</th>((?:<td>\d+</td>)+)</tr>",
                               page.text)[-1]
            portal = int(re.findall(r"<td>(\d+)</td>", today)[0])  # the first method column
            return page, sent, portal

        _, sent, portal = figures()
        location, review = self.review("sender@clinic.example",
                                       [("to", "lee@waiting.example, max@home.example"),
                                        ("text", "Your appointment is confirmed.")])
        message_id = self.sent_id(self.send("sender@clinic.example", location, review,
                                            [("question", "Your town?"),
                                             ("answer", "Ogdenville")]))
        self.make_wait(message_id, "lee@waiting.example")
        page, sent_after, portal_after = figures()
        self.assertEqual(sent_after, sent + 1)
        self.assertEqual(portal_after, portal + 2)
        self.assertIn('<svg xmlns="http://www.w3.org/2000/svg" class="chart"', page.text)
        self.assertIn("Recipients per day, by how they got it", page.text)
        self.assertIn("<td>waiting.example</td><td>1</td>", page.text)
        self.assertIn("the whole organisation", page.text)
        # Counted at most once a minute, unless asked: the count of a moment ago.
        cached = self.page(admin, "GET", "/console/dashboard")
        self.assertIn(f"<strong>{sent_after}</strong> messages sent", cached.text)
        # A domain administrator sees their account's.
        mine = self.page("domain-admin@clinic.example", "GET", "/console/dashboard?recount=1")
        self.assertIn("the account default", mine.text)
        self.assertIn("<td>waiting.example</td><td>1</td>", mine.text)

    def test_bad_roles_are_refused_by_the_cli(self):
        code, _, err = self.server.admin("user", "console", "sender@clinic.example", "admin")
        self.assertEqual(code, 2)
        self.assertIn("role", err)
        code, _, err = self.server.admin("user", "console", "ghost@clinic.example", "sender")
        self.assertEqual(code, 2)
        self.assertIn("no user", err)


if __name__ == "__main__":
    unittest.main()
