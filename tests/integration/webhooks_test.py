"""Webhooks (issue 20): endpoints per account, events pushed signed as Standard Webhooks
specifies and checked by its reference library (npm `standardwebhooks`) in a real HTTPS
receiver; retries after a 500 and after the receiver was down, each event counted once;
an endpoint that keeps failing disabled and its owner told; the delivery log and
redelivery; secret rotation with two valid secrets; endpoints refused where they would
reach internal addresses."""
import json
import os
import re
import time
import unittest

import harness
import peers
from console_test import ConsoleUsers
from forms_test import INTAKE, multipart, solve
from harness import Sealpost

MESSAGE = {"from": "dr@clinic.example", "to": ["pat@example.net"], "subject": "Lab results 42",
           "text": "Your results are ready.",
           "options": {"escrow": {"question": "Year of birth?", "answer": "1956"}}}
ALL_TYPES = ["message.accepted", "message.delivered", "message.deferred", "message.bounced",
             "message.notice_delivered", "message.viewed", "message.replied", "message.locked",
             "message.retracted", "message.expired"]


def wait_for(what, check, timeout=30):
    deadline = time.time() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


class WebhooksTest(ConsoleUsers, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.receiver = peers.WebhookReceiver().start()
        # Short retries, so a day's schedule plays out in seconds; the receiver is on
        # loopback, which an administrator must allow.
        cls.server = Sealpost(settings={
            "webhooks.allow_internal": "true",
            "min_fill_seconds": "0",
            "webhooks.retry_seconds": "[1, 2, 2]",
            "trusted_ca_file": f'"{cls.receiver.cert}"'})
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        cls.receiver.cleanup()

    # --- helpers -------------------------------------------------------------------
    def create(self, name, events=("message.accepted",), **fields):
        body = {"url": self.receiver.url(name), "events": list(events), **fields}
        r = self.server.api("POST", "/api/v1/webhooks", json.dumps(body))
        self.assertEqual(r.status, 201, r.text)
        made = json.loads(r.body)
        self.server.keep_secret(made["secret"])
        self.assertRegex(made["secret"], r"^whsec_[A-Za-z0-9+/]{43}=$")
        self.assertEqual(r.header("cache-control"), "no-store")
        self.receiver.control(name, secret=made["secret"])
        return made

    def send(self, message=MESSAGE):
        r = self.server.api("POST", "/api/v1/messages", json.dumps(message))
        self.assertEqual(r.status, 202, r.text)
        return json.loads(r.body)["id"]

    def delivered_for(self, name, message_id, type_="message.accepted"):
        seen = self.receiver.seen(name)
        return [d for d in seen["delivered"].values()
                if d["payload"]["data"]["message_id"] == message_id
                and d["payload"]["type"] == type_]

    def log(self, endpoint, query=""):
        r = self.server.api("GET", f"/api/v1/webhooks/{endpoint}/deliveries{query}")
        self.assertEqual(r.status, 200, r.text)
        return json.loads(r.body)

    def delivery_of(self, endpoint, message_id, type_="message.accepted"):
        for d in self.log(endpoint)["deliveries"]:
            if d["message_id"] == message_id and d["type"] == type_:
                return d
        return None

    # --- tests ---------------------------------------------------------------------
    def test_a_form_submission_is_announced_without_what_was_sent(self):
        self.create("forms", events=["form.submitted"])
        r = self.server.api("POST", "/api/v1/forms", json.dumps(
            {"name": "contact", "account": "default", "definition": INTAKE}))
        self.assertEqual(r.status, 201, r.text)
        page = self.server.get("/f/contact")
        challenge = re.search(r'name="sp-challenge" value="([^"]+)"', page.text).group(1)
        content_type, body = multipart([
            ("sp-challenge", challenge), ("sp-nonce", solve(challenge)), ("your-website", ""),
            ("full_name", "Marge Bouvier"), ("born", "1956-03-19"), ("reason", "New patient"),
            ("sp-consent", "yes")])
        r = self.server.request("POST", "/f/contact", data=body,
                                headers=[f"Content-Type: {content_type}"])
        self.assertEqual(r.status, 303, r.text)
        submission, message_id = self.server.sql(
            "SELECT id, message_id FROM form_submissions")[0]
        got = wait_for("form.submitted", lambda: self.delivered_for(
            "forms", message_id, "form.submitted"))
        data = got[0]["payload"]["data"]
        self.assertEqual((data["form"], data["submission_id"], data["account"]),
                         ("contact", submission, "default"))
        self.assertNotIn("Marge", json.dumps(got[0]["payload"]))

        # A form that asks for its answers on the webhook gets them, made as each delivery
        # leaves: the outbox never holds them.
        r = self.server.api("POST", "/api/v1/forms", json.dumps(
            {"name": "callback", "account": "default",
             "definition": dict(INTAKE, webhook_values=True)}))
        self.assertEqual(r.status, 201, r.text)
        page = self.server.get("/f/callback")
        challenge = re.search(r'name="sp-challenge" value="([^"]+)"', page.text).group(1)
        content_type, body = multipart([
            ("sp-challenge", challenge), ("sp-nonce", solve(challenge)), ("your-website", ""),
            ("full_name", "Selma Bouvier"), ("born", "1950-01-01"), ("reason", "New patient"),
            ("sp-consent", "yes")])
        r = self.server.request("POST", "/f/callback", data=body,
                                headers=[f"Content-Type: {content_type}"])
        self.assertEqual(r.status, 303, r.text)
        message_id = self.server.sql("SELECT s.message_id FROM form_submissions s JOIN forms f "
                                     "ON f.id = s.form_id WHERE f.name = 'callback'")[0][0]
        got = wait_for("form.submitted with values", lambda: self.delivered_for(
            "forms", message_id, "form.submitted"))
        self.assertEqual(got[0]["payload"]["data"]["values"]["full_name"], "Selma Bouvier")
        stored = self.server.sql("SELECT payload FROM webhook_deliveries WHERE message_id = ?",
                                 (message_id,))
        self.assertNotIn("Selma", stored[0][0])

    def test_events_arrive_signed_with_ids_statuses_and_times_but_no_content(self):
        made = self.create("plain", events=ALL_TYPES)
        r = self.server.api("GET", f"/api/v1/webhooks/{made['id']}")
        self.assertEqual(r.status, 200)
        shown = json.loads(r.body)
        self.assertNotIn("secret", shown)
        self.assertEqual(shown["events"], ALL_TYPES)
        self.assertTrue(shown["enabled"])
        listed = json.loads(self.server.api("GET", "/api/v1/webhooks").body)["webhooks"]
        self.assertIn(made["id"], [w["id"] for w in listed])

        message_id = self.send()
        accepted = wait_for("message.accepted", lambda: self.delivered_for("plain", message_id))
        payload = accepted[0]["payload"]
        self.assertEqual(payload["data"]["account"], "default")
        self.assertRegex(payload["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        body = json.dumps(payload)
        for content in ("Lab results 42", "Your results are ready", "1956", "Year of birth"):
            self.assertNotIn(content, body)
        self.assertNotIn("subject", payload["data"])
        # The notice leaves for the recipient's outbox: its own event, with the status.
        notice = wait_for("message.notice_delivered", lambda: self.delivered_for(
            "plain", message_id, "message.notice_delivered"))
        self.assertEqual(notice[0]["payload"]["data"]["method"], "escrow")
        self.assertTrue(notice[0]["payload"]["data"]["recipient_id"])
        # Retraction is pushed too; every attempt verified, every event counted once.
        r = self.server.api("POST", f"/api/v1/messages/{message_id}/retract", "{}")
        self.assertIn(r.status, (200, 202), r.text)
        wait_for("message.retracted",
                 lambda: self.delivered_for("plain", message_id, "message.retracted"))
        seen = self.receiver.seen("plain")
        self.assertTrue(all(a["verified"] for a in seen["attempts"]), seen["attempts"])
        self.assertTrue(all(d["count"] == 1 for d in seen["delivered"].values()))

    def test_subject_only_for_an_endpoint_that_asks(self):
        self.create("subjects", with_subject=True)
        message_id = self.send()
        got = wait_for("message.accepted", lambda: self.delivered_for("subjects", message_id))
        self.assertEqual(got[0]["payload"]["data"].get("subject"), "Lab results 42")

    def test_a_500_is_retried_and_the_event_counted_once(self):
        made = self.create("flaky")
        self.receiver.control("flaky", fail_next=2)
        message_id = self.send()
        wait_for("the third attempt", lambda: self.delivered_for("flaky", message_id))
        d = wait_for("the log", lambda: (self.delivery_of(made["id"], message_id) or {}).get(
            "state") == "delivered" and self.delivery_of(made["id"], message_id))
        self.assertEqual([a["status"] for a in d["attempts"]], [500, 500, 204])
        self.assertEqual(self.delivered_for("flaky", message_id)[0]["count"], 1)
        ids = {a["id"] for a in self.receiver.seen("flaky")["attempts"]}
        self.assertIn(d["id"], ids)  # one webhook-id for every attempt

    def test_an_endpoint_gets_a_bounded_number_of_deliveries_at_once(self):
        self.create("slow")
        self.receiver.control("slow", delay_ms=600)
        try:
            sent = [self.send() for _ in range(12)]
            wait_for("all twelve", lambda: all(self.delivered_for("slow", m) for m in sent),
                     timeout=60)
        finally:
            self.receiver.control("slow", delay_ms=0)
        # webhooks.max_in_flight_per_endpoint is 4: the queue of twelve was worked four
        # at a time, never more.
        self.assertEqual(self.receiver.seen("slow")["max_in_flight"], 4)

    def test_a_receiver_that_was_down_gets_the_event_once_it_is_back(self):
        receiver = peers.WebhookReceiver(same_certificate_as=self.receiver)
        try:
            url = receiver.url("later")
            r = self.server.api("POST", "/api/v1/webhooks", json.dumps(
                {"url": url, "events": ["message.accepted"]}))
            self.assertEqual(r.status, 201, r.text)
            made = json.loads(r.body)
            self.server.keep_secret(made["secret"])
            message_id = self.send()
            failed = wait_for("a failed attempt", lambda: (
                self.delivery_of(made["id"], message_id) or {}).get("attempts"))
            self.assertIsNone(failed[0]["status"])
            self.assertIn("cannot connect", failed[0]["error"])
            receiver.start(secrets={"later": made["secret"]})
            got = wait_for("the event after the receiver came back",
                           lambda: [d for d in receiver.seen("later")["delivered"].values()
                                    if d["payload"]["data"]["message_id"] == message_id])
            self.assertEqual(got[0]["count"], 1)
        finally:
            receiver.cleanup()

    def test_an_endpoint_that_keeps_failing_is_disabled_and_its_owner_told(self):
        dead = peers.free_port()
        r = self.server.api("POST", "/api/v1/webhooks", json.dumps(
            {"url": f"https://127.0.0.1:{dead}/gone", "events": ["message.accepted"],
             "notify": "ops@clinic.example", "description": "EHR bridge"}))
        self.assertEqual(r.status, 201, r.text)
        made = json.loads(r.body)
        self.server.keep_secret(made["secret"])
        message_id = self.send()
        # 1 + 3 retries (1, 2, 2 s apart), then the delivery fails and the endpoint goes off.
        shown = wait_for("the endpoint disabled", lambda: (lambda w: not w["enabled"] and w)(
            json.loads(self.server.api("GET", f"/api/v1/webhooks/{made['id']}").body)))
        self.assertIn("every delivery failed", shown["disabled_reason"])
        d = self.delivery_of(made["id"], message_id)
        self.assertEqual(d["state"], "failed")
        self.assertEqual(len(d["attempts"]), 4)
        mail = wait_for("the owner's mail", lambda: [
            text for text in map(peers.read_text, self.server.notices())
            if "To: <ops@clinic.example>" in text])
        text = mail[0]
        self.assertIn(f"Webhook endpoint {made['id']} was disabled", text)
        self.assertNotIn("/gone", text)  # the URL's path may hold a token: not in mail
        trail = json.loads(self.server.api("GET", "/api/v1/audit?action=webhook.disabled").body)
        self.assertIn(made["id"], [r["subject"] for r in trail["records"]])
        # Nothing new is queued while it is off; pointed at a working receiver, enabled,
        # and the failed delivery sent again, it arrives.
        self.receiver.control("revived", secret=made["secret"])
        r = self.server.api("PATCH", f"/api/v1/webhooks/{made['id']}", json.dumps(
            {"url": self.receiver.url("revived"), "enabled": True}))
        self.assertEqual(r.status, 200, r.text)
        self.assertIsNone(json.loads(r.body)["disabled_reason"])
        failed = self.log(made["id"], "?state=failed")["deliveries"]
        self.assertEqual([f["id"] for f in failed], [d["id"]])
        r = self.server.api("POST", f"/api/v1/webhooks/{made['id']}/deliveries/{d['id']}/redeliver")
        self.assertEqual(r.status, 202, r.text)
        wait_for("the redelivered event", lambda: self.delivered_for("revived", message_id))
        r = self.server.api("POST", f"/api/v1/webhooks/{made['id']}/deliveries/nope/redeliver")
        self.assertEqual(r.status, 404)

    def test_the_console_shows_each_try_and_sends_a_failed_delivery_again(self):
        """Issue 22: an organisation administrator reads an endpoint's delivery log in the
        console — each try and what it got — and sends a failed delivery again."""
        for args in (("account", "create", "Hooks"),
                     ("domain", "create", "hooks.example", "--account", "Hooks")):
            code, _, err = self.server.admin(*args)
            self.assertEqual(code, 0, err)
        admin = "ops@hooks.example"
        self.invite_and_sign_in(admin, "org-admin")
        dead = peers.free_port()
        r = self.server.api("POST", "/api/v1/webhooks", json.dumps(
            {"url": f"https://127.0.0.1:{dead}/down", "events": ["message.accepted"]}))
        self.assertEqual(r.status, 201, r.text)
        made = json.loads(r.body)
        self.server.keep_secret(made["secret"])
        message_id = self.send()
        wait_for("the endpoint disabled", lambda: not json.loads(
            self.server.api("GET", f"/api/v1/webhooks/{made['id']}").body)["enabled"])
        d = self.delivery_of(made["id"], message_id)
        page = self.page(admin, "GET", f"/console/webhooks/{made['id']}?state=failed")
        self.assertEqual(page.status, 200, page.text[:300])
        self.assertIn("1 deliver(ies)", page.text)
        self.assertIn(message_id, page.text)
        self.assertEqual(len(re.findall(r"<li>\d{4}-\d\d-\d\d [^<]*: [^<]+ \(\d+ ms\)</li>",
                                        page.text)), 4)
        self.assertIn(f"/deliveries/{d['id']}/redeliver", page.text)
        self.assertIn("0 deliver(ies)",
                      self.page(admin, "GET", f"/console/webhooks/{made['id']}?state=delivered").text)
        # Pointed at a working receiver and on again, the failed one goes again from the log.
        self.receiver.control("from-console", secret=made["secret"])
        r = self.server.api("PATCH", f"/api/v1/webhooks/{made['id']}", json.dumps(
            {"url": self.receiver.url("from-console"), "enabled": True}))
        self.assertEqual(r.status, 200, r.text)
        csrf = self.form_csrf(page, f"/console/webhooks/{made['id']}/deliveries/{d['id']}/redeliver")
        r = self.page(admin, "POST",
                      f"/console/webhooks/{made['id']}/deliveries/{d['id']}/redeliver",
                      form=[("csrf", csrf)])
        self.assertEqual(r.status, 200, r.text[:400])
        self.assertIn("goes again now", r.text)
        wait_for("the event sent again", lambda: self.delivered_for("from-console", message_id))
        r = self.page(admin, "POST", f"/console/webhooks/{made['id']}/deliveries/nope/redeliver",
                      form=[("csrf", csrf)])
        self.assertEqual(r.status, 404)
        self.assertEqual(self.page(admin, "GET", "/console/webhooks/nope").status, 404)
        rows = self.server.sql("SELECT result, details FROM audit_log WHERE action = "
                               "'console.POST /console/webhooks/{id}/deliveries/{delivery}/"
                               "redeliver' AND actor = ? ORDER BY seq", (admin,))
        self.assertEqual([r for r, _ in rows], ["ok", "refused"])
        self.assertEqual(json.loads(rows[0][1]), {"webhook": made["id"], "delivery": d["id"]})

    def test_rotation_keeps_the_old_secret_valid_for_the_grace_period_only(self):
        made = self.create("rotating")
        old = made["secret"]
        r = self.server.api("POST", f"/api/v1/webhooks/{made['id']}/rotate",
                            json.dumps({"grace_minutes": 60}))
        self.assertEqual(r.status, 200, r.text)
        rotated = json.loads(r.body)
        new = rotated["secret"]
        self.server.keep_secret(new)
        self.assertNotEqual(new, old)
        self.assertEqual(r.header("cache-control"), "no-store")
        self.assertTrue(rotated["previous_valid_until"])
        # A receiver that still has the old secret verifies; one with the new does too.
        first = self.send()
        wait_for("verified with the old secret", lambda: self.delivered_for("rotating", first))
        self.receiver.control("rotating", secret=new)
        second = self.send()
        wait_for("verified with the new secret", lambda: self.delivered_for("rotating", second))
        # With no grace period the old secret stops at once: the receiver that keeps it
        # refuses the signature (400), and the attempts are retried.
        r = self.server.api("POST", f"/api/v1/webhooks/{made['id']}/rotate",
                            json.dumps({"grace_minutes": 0}))
        self.assertEqual(r.status, 200, r.text)
        newest = json.loads(r.body)["secret"]
        self.server.keep_secret(newest)
        third = self.send()
        refused = wait_for("a refused signature", lambda: [
            a for a in self.receiver.seen("rotating")["attempts"] if not a["verified"]])
        self.assertEqual(refused[0]["status"], 400)
        self.receiver.control("rotating", secret=newest)
        wait_for("verified with the newest secret", lambda: self.delivered_for("rotating", third))

    def test_bad_endpoints_are_refused_naming_the_field(self):
        cases = [
            ({"url": "http://127.0.0.1/x", "events": ["message.accepted"]}, "url"),
            ({"url": "https://user:pw@hooks.example.org/", "events": ["message.accepted"]}, "url"),
            ({"url": self.receiver.url("x"), "events": ["message.read"]}, "events"),
            ({"url": self.receiver.url("x"), "events": []}, "events"),
            ({"url": self.receiver.url("x")}, "events"),
            ({"url": self.receiver.url("x"), "events": ["message.accepted"], "notify": "nobody"},
             "notify"),
            ({"url": self.receiver.url("x"), "events": ["message.accepted"], "account": "Nope"},
             "account"),
            ({"url": self.receiver.url("x"), "events": ["message.accepted"], "colour": "red"},
             "colour"),
        ]
        for body, field in cases:
            r = self.server.api("POST", "/api/v1/webhooks", json.dumps(body))
            self.assertEqual(r.status, 400, (body, r.text))
            problem = json.loads(r.body)
            self.assertEqual(r.header("content-type"), "application/problem+json")
            self.assertIn(field, [p["name"] for p in problem["invalid-params"]], (body, problem))
        made = self.create("log-queries")
        for query, field in (("?limit=0", "limit"), ("?limit=201", "limit"), ("?limit=x", "limit"),
                             ("?state=lost", "state")):
            r = self.server.api("GET", f"/api/v1/webhooks/{made['id']}/deliveries{query}")
            self.assertEqual(r.status, 400, (query, r.text))
            self.assertEqual([p["name"] for p in json.loads(r.body)["invalid-params"]], [field])
        self.assertEqual(self.server.api("GET", "/api/v1/webhooks/nope").status, 404)
        self.assertEqual(self.server.api("DELETE", "/api/v1/webhooks/nope").status, 404)

    def test_a_token_in_the_url_stays_out_of_the_audit_trail_and_the_log(self):
        made = self.create("tokened")
        token = "receiver-token-" + made["id"]
        self.server.keep_secret(token)
        r = self.server.api("PATCH", f"/api/v1/webhooks/{made['id']}", json.dumps(
            {"url": self.receiver.url("tokened") + "?token=" + token, "description": "CRM"}))
        self.assertEqual(r.status, 200, r.text)
        self.assertTrue(json.loads(r.body)["url"].endswith(token))  # administrators see it
        trail = self.server.api("GET", "/api/v1/audit?limit=1000").text
        self.assertIn('"changed":["url","description"]', trail.replace('\\"', '"'))
        self.assertNotIn(token, trail)

    def test_an_account_has_at_most_fifty_endpoints(self):
        r = self.server.api("POST", "/api/v1/accounts", json.dumps({"name": "Busy"}))
        self.assertEqual(r.status, 201, r.text)
        body = {"url": self.receiver.url("busy"), "events": ["message.accepted"],
                "account": "Busy"}
        for _ in range(50):
            r = self.server.api("POST", "/api/v1/webhooks", json.dumps(body))
            self.assertEqual(r.status, 201, r.text)
            self.server.keep_secret(json.loads(r.body)["secret"])
        r = self.server.api("POST", "/api/v1/webhooks", json.dumps(body))
        self.assertEqual(r.status, 409, r.text)
        self.assertIn("at most 50", json.loads(r.body)["detail"])
        listed = json.loads(self.server.api("GET", "/api/v1/webhooks?account=Busy").body)
        self.assertEqual(len(listed["webhooks"]), 50)

    def test_deleting_an_endpoint_stops_its_deliveries(self):
        made = self.create("deleted")
        r = self.server.api("DELETE", f"/api/v1/webhooks/{made['id']}")
        self.assertEqual(r.status, 204)
        self.assertEqual(self.server.api("GET", f"/api/v1/webhooks/{made['id']}").status, 404)
        self.assertEqual(
            self.server.sql(f"SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = "
                            f"'{made['id']}'")[0][0], 0)


class InternalTargetsTest(unittest.TestCase):
    """Without allow_internal (the default), no endpoint reaches the gateway's own
    network: loopback, private, link-local (cloud metadata) addresses are refused."""

    @classmethod
    def setUpClass(cls):
        cls.dns = peers.Unbound(["inside.example. IN A 10.0.0.7",
                                 "meta.example. IN A 169.254.169.254",
                                 "loop.example. IN A 127.0.0.1",
                                 "outside.example. IN A 192.0.2.80"]).start()
        cls.server = Sealpost(settings={"resolver": f'"{cls.dns.address}"',
                                        "dnssec_trust_anchor": '""'}).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        cls.dns.cleanup()

    def test_names_that_resolve_to_internal_addresses_are_refused(self):
        for host in ("inside.example", "meta.example", "loop.example"):
            r = self.server.api("POST", "/api/v1/webhooks", json.dumps(
                {"url": f"https://{host}/hook", "events": ["message.accepted"]}))
            self.assertEqual(r.status, 400, (host, r.text))
            self.assertIn("resolves to an internal address", json.loads(r.body)["detail"])
        r = self.server.api("POST", "/api/v1/webhooks", json.dumps(
            {"url": "https://outside.example/hook", "events": ["message.accepted"]}))
        self.assertEqual(r.status, 201, r.text)
        self.server.keep_secret(json.loads(r.body)["secret"])

    def test_internal_addresses_are_refused(self):
        for host in ("127.0.0.1", "10.0.0.8", "169.254.169.254", "192.168.1.10", "[::1]",
                     "[::ffff:127.0.0.1]", "0.0.0.0"):
            r = self.server.api("POST", "/api/v1/webhooks", json.dumps(
                {"url": f"https://{host}:8443/hook", "events": ["message.accepted"]}))
            self.assertEqual(r.status, 400, (host, r.text))
            problem = json.loads(r.body)
            self.assertIn("internal address", problem["detail"], host)
            self.assertEqual([p["name"] for p in problem["invalid-params"]], ["url"])


if __name__ == "__main__":
    unittest.main()
