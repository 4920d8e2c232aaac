"""Issue 25: campaigns through the one road, to a real receiving Postfix.

- A template that carries health data, to 1,000 contacts: every one gets an escrow
  notice (never the results in clear); sealpost is killed with SIGKILL mid-way and
  restarted, and it finishes with one message per contact.
- A newsletter goes TLS-only where the sender's settings ask for it, with RFC 8058's
  List-Unsubscribe header fields; its pixel and tracked link count an open and a click,
  pushed signed to the account's webhook endpoint; the preferences page; a one-click POST
  to that link takes the contact off the list; an ARF complaint by SMTP to the feedback
  address suppresses another; the report counts it all; the next campaign writes to
  neither.
- Contacts, lists, segments and templates from the command line, with their refusals.
"""
import email
import email.policy
import json
import os
import re
import smtplib
import time
import unittest

import peers
from harness import Sealpost
from smtp_test import wait_for

ACCOUNT = "Clinic"
SENDER = "office@clinic.example"
CONTACTS = 1000
PHI = "HbA1c 6.1 percent"


class CampaignsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        port = peers.free_port()
        cls.mx = peers.Postfix(address="127.0.0.2", port=port, name="mx.tls.example",
                               domains=["tls.example"],
                               access={"gone@tls.example": "550 5.1.1 no such user"}).start()
        cls.port = port
        cls.receiver = peers.WebhookReceiver().start()

    @classmethod
    def tearDownClass(cls):
        cls.mx.cleanup()
        cls.receiver.cleanup()

    def setUp(self):
        self.server = Sealpost(settings={"mode": '"smtp"',
                                         "transport": f'["tls.example = 127.0.0.2:{self.port}"]',
                                         "first_retry_seconds": "1", "max_retry_seconds": "2",
                                         "feedback_address": '"fbl@clinic.example"',
                                         "trusted_networks": '["127.0.0.1/32"]',
                                         "webhooks.allow_internal": "true",
                                         "trusted_ca_file": f'"{self.receiver.cert}"'})
        for args in (["account", "create", ACCOUNT],
                     ["domain", "create", "clinic.example", "--account", ACCOUNT],
                     ["user", "create", SENDER],
                     ["settings", "set", "user", SENDER, "tls_only=true"],
                     ["mx", "set", "tls.example", "--tls", "yes", "--host", "mx.tls.example"],
                     ["contacts", "new-list", "patients", "--account", ACCOUNT]):
            code, _, err = self.server.admin(*args)
            self.assertEqual(code, 0, (args, err))

    def tearDown(self):
        self.server.cleanup()

    def admin_ok(self, *args):
        code, out, err = self.server.admin(*args)
        self.assertEqual(code, 0, (args, out, err))
        return out

    def write(self, name, text):
        path = os.path.join(self.server.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def import_contacts(self, rows):
        csv = self.write("contacts.csv", "email,first_name,hba1c\n" + "".join(
            f"{address},{name},{value}\n" for address, name, value in rows))
        return self.admin_ok("contacts", "import", csv, "--account", ACCOUNT, "--list", "patients",
                             "--consent", "clinic intake form")

    def received_by(self, marker):
        """Addresses (X-Original-To) of the messages Postfix filed that contain `marker`."""
        out = []
        box = os.path.join(self.mx.mail, "box", "new")
        for path in sorted(os.listdir(box)) if os.path.isdir(box) else []:
            try:
                with open(os.path.join(self.mx.mail, "box", "new", path), "rb") as f:
                    raw = f.read()
            except FileNotFoundError:
                continue
            if marker.encode() in raw:
                m = re.search(rb"^X-Original-To: (\S+)$", raw, re.M)
                out.append((m.group(1).decode() if m else "", raw))
        return out

    def campaign(self, name, segment, template):
        self.admin_ok("campaign", "create", name, "--account", ACCOUNT, "--segment", segment,
                      "--template", template, "--from", SENDER, "--per-minute", "100000",
                      "--per-domain", "100000")
        self.admin_ok("campaign", "schedule", name, "--account", ACCOUNT)

    def sends(self, name):
        return self.server.sql(
            "SELECT s.address, s.state, s.method, s.message_id FROM campaign_sends s JOIN "
            "campaigns c ON c.id = s.campaign_id WHERE c.name = ?", (name,))

    def test_health_data_goes_by_escrow_to_a_thousand_and_a_kill_sends_no_one_twice(self):
        out = self.import_contacts(
            [(f"p{i}@tls.example", f"P{i}", f"6.{i % 10}") for i in range(CONTACTS)])
        self.assertIn(f"added {CONTACTS}, updated 0; 0 rows refused", out)
        self.admin_ok("segment", "save", "everyone", "--account", ACCOUNT, "--list", "patients")
        text = self.write("results.txt", "Dear {{first_name}}, your " + PHI.split()[0] +
                          " is {{hba1c}} percent. " + PHI + "\n")
        self.admin_ok("template", "save", "results", "--account", ACCOUNT,
                      "--subject", "Your results", "--text", text, "--phi")
        self.campaign("results-december", "everyone", "results")
        marker = "clinic.example"  # every notice names the sender

        def notices():  # this campaign's: other tests write to the same server
            return [(a, raw) for a, raw in self.received_by(marker)
                    if re.fullmatch(r"p\d+@tls\.example", a)]
        self.server.start()
        wait_for(lambda: self.server.sql(
            "SELECT count(*) FROM campaign_sends WHERE state = 'sent'")[0][0] >= 100,
            timeout=300, what="100 sends")
        self.server.proc.kill()
        self.server.proc.wait(timeout=30)
        at_kill = self.server.sql("SELECT count(*) FROM campaign_sends WHERE state = 'sent'")[0][0]
        self.assertLess(at_kill, CONTACTS, "the kill came after every send: no test")

        self.server.start()
        wait_for(lambda: self.server.sql(
            "SELECT state FROM campaigns WHERE name = 'results-december'")[0][0] == "done",
            timeout=600, what="the campaign to finish")
        sends = self.sends("results-december")
        self.assertEqual(len(sends), CONTACTS)
        self.assertEqual({s[1] for s in sends}, {"sent"})
        self.assertEqual({s[2] for s in sends}, {"escrow"})  # health data: never in clear
        # One message per contact, each to that contact alone.
        self.assertEqual(len({s[3] for s in sends}), CONTACTS)
        rows = self.server.sql("SELECT r.address, count(*) FROM recipients r JOIN campaign_sends s "
                               "ON s.message_id = r.message_id GROUP BY r.address")
        self.assertEqual(len(rows), CONTACTS)
        self.assertEqual({n for _, n in rows}, {1})
        # Every notice arrives; only what was in flight at the kill may arrive twice.
        wait_for(lambda: len({a for a, _ in notices()}) == CONTACTS,
                 timeout=300, what="every notice at the receiving server")
        received = notices()
        duplicates = len(received) - CONTACTS
        self.assertLessEqual(duplicates, 20)
        for _, raw in received:
            self.assertNotIn(PHI.encode(), raw)
            self.assertNotIn(b"6.1 percent", raw)
            # The notice is what the mail program sees: it carries the way out too.
            self.assertIn(b"\nList-Unsubscribe-Post: List-Unsubscribe=One-Click", raw)
            self.assertRegex(raw, rb"\nList-Unsubscribe: <https://[^>]+/u/[^>]+>")
        print(f"campaigns_test: {at_kill} sent before the kill, {duplicates} notices twice")

    def test_a_newsletter_goes_tls_only_and_one_click_unsubscribe_stops_the_next(self):
        self.import_contacts([("ann@tls.example", "Ann", "5.0"), ("bob@tls.example", "Bob", "5.5"),
                              ("cy@tls.example", "Cy", "7.2"), ("gone@tls.example", "Gone", "1")])
        self.admin_ok("segment", "save", "all", "--account", ACCOUNT, "--list", "patients")
        text = self.write("news.txt", "Hello {{first_name}}, our flu clinic opens Monday.\n"
                                      "Stop these: {{@unsubscribe_url}}\n")
        html = self.write("news.html", "<html><body><p>Hello {{first_name}}</p>"
                                       "<p><a href=\"https://clinic.example/flu?who=patient\">"
                                       "Book</a></p><p><a href=\"{{@unsubscribe_url}}\">"
                                       "Unsubscribe</a></p></body></html>")
        self.admin_ok("template", "save", "news", "--account", ACCOUNT,
                      "--subject", "Flu clinic, {{first_name}}", "--text", text, "--html", html)
        self.campaign("flu-1", "all", "news")
        self.server.start()
        # The account's webhook endpoint asks for the engagement events.
        r = self.server.api("POST", "/api/v1/clients", json.dumps(
            {"name": "hooks", "account": ACCOUNT, "scopes": ["admin"]}))
        self.assertEqual(r.status, 201, r.text)
        hooks = json.loads(r.body)
        self.server.keep_secret(hooks["secret"])
        r = self.server.api("POST", "/api/v1/webhooks", json.dumps(
            {"url": self.receiver.url("engagement"),
             "events": ["message.opened", "message.clicked", "message.unsubscribed"]}),
            key=hooks["credentials"])
        self.assertEqual(r.status, 201, r.text)
        endpoint = json.loads(r.body)
        self.server.keep_secret(endpoint["secret"])
        self.receiver.control("engagement", secret=endpoint["secret"])
        wait_for(lambda: len(self.received_by("flu clinic opens Monday")) == 3, timeout=120,
                 what="three newsletters")
        self.assertEqual({s[2] for s in self.sends("flu-1")}, {"tls-only"})
        wait_for(lambda: self.server.sql(
            "SELECT state FROM campaigns WHERE name = 'flu-1'")[0][0] == "done",
            timeout=60, what="flu-1 done")
        # The server refused gone@: the address is suppressed, with the server's reply.
        suppressed = wait_for(lambda: self.server.sql(
            "SELECT reason, detail FROM suppressions WHERE address = 'gone@tls.example'"),
            timeout=60, what="the bounce on the suppression list")
        self.assertEqual(suppressed[0][0], "bounced")
        self.assertIn("550 5.1.1", suppressed[0][1])
        out = self.admin_ok("campaign", "show", "flu-1", "--account", ACCOUNT)
        self.assertIn("campaign flu-1: done", out)
        self.assertRegex(out, r"sent 3, bounced 1, skipped 0, failed 0, waiting 0 \(of 4\)")
        self.assertIn("by tls-only: 3", out)
        raw = dict(self.received_by("flu clinic opens Monday"))["bob@tls.example"]
        self.assertIn(b"Subject: Flu clinic, Bob", raw)
        self.assertIn(b"List-Unsubscribe-Post: List-Unsubscribe=One-Click", raw)
        url = re.search(rb"^List-Unsubscribe: <(https://[^>]+)>", raw, re.M).group(1).decode()
        path = "/" + url.split("/", 3)[3]
        self.assertTrue(path.startswith("/u/"), path)
        # Opens and clicks go through us: the pixel (counted once), the link (to where it
        # was written, never anywhere a token does not carry).
        html_part = next(p for p in email.message_from_bytes(raw, policy=email.policy.default)
                         .walk() if p.get_content_type() == "text/html").get_content()
        self.assertNotIn("clinic.example/flu", html_part)
        pixel = re.search(r'src="https://[^/]+(/t/o/[^"]+)"', html_part).group(1)
        click = re.search(r'href="https://[^/]+(/t/c/[^"]+)"', html_part).group(1)
        for _ in range(2):
            r = self.server.get(pixel)
            self.assertEqual((r.status, r.header("content-type")), (200, "image/gif"))
        r = self.server.get(click)
        self.assertEqual(r.status, 302)
        self.assertEqual(r.header("location"), "https://clinic.example/flu?who=patient")
        self.assertEqual(r.header("referrer-policy"), "no-referrer")
        forged_click = click[:-3] + ("AAA" if not click.endswith("AAA") else "BBB")
        self.assertEqual(self.server.get(forged_click).status, 404)
        bob_id = [s[3] for s in self.sends("flu-1") if s[0] == "bob@tls.example"][0]
        events = [e[0] for e in self.server.sql(
            "SELECT type FROM events WHERE message_id = ? ORDER BY id", (bob_id,))]
        self.assertEqual(events.count("opened"), 1, events)
        self.assertEqual(events.count("clicked"), 1, events)
        clicked = self.server.sql("SELECT detail FROM events WHERE message_id = ? AND type = "
                                  "'clicked'", (bob_id,))[0][0]
        self.assertIn("clinic.example/flu", clicked)
        self.assertNotIn("patient", clicked)  # a link's query is never recorded
        # Pushed, signed, to the account's endpoint, naming the campaign; once each.
        def pushed(type_):
            return [d for d in self.receiver.seen("engagement")["delivered"].values()
                    if d["payload"]["type"] == type_
                    and d["payload"]["data"]["message_id"] == bob_id]
        for type_ in ("message.opened", "message.clicked"):
            got = wait_for(lambda: pushed(type_), timeout=60, what=type_)
            self.assertEqual(got[0]["payload"]["data"]["campaign"], "flu-1")
            self.assertEqual(got[0]["count"], 1)
            self.assertNotIn("patient", json.dumps(got[0]["payload"]))
        # The preferences page, in the portal's frame, names the list; a forged token is
        # no one's; the one-click POST works.
        page = self.server.get(path)
        self.assertEqual(page.status, 200)
        self.assertIn("Your email preferences", page.text)
        self.assertIn("patients", page.text)
        self.assertIn("bob@tls.example", page.text)
        self.assertEqual(self.server.get("/u/" + "a" * 300).status, 404)  # no token is that long
        forged = self.server.post(path[:-2] + ("AA" if not path.endswith("AA") else "BB"),
                                  data="List-Unsubscribe=One-Click",
                                  headers=["Content-Type: application/x-www-form-urlencoded"])
        self.assertEqual(forged.status, 404)
        r = self.server.post(path, data="List-Unsubscribe=One-Click",
                             headers=["Content-Type: application/x-www-form-urlencoded"])
        self.assertEqual(r.status, 200, r.text)
        self.assertIn("You are unsubscribed", r.text)
        trail = self.server.sql("SELECT actor_kind, account, subject, result FROM audit_log "
                                "WHERE action = 'contact.unsubscribed'")
        self.assertEqual([tuple(r) for r in trail], [("recipient", ACCOUNT, "bob@tls.example", "ok")])
        out = self.admin_ok("contacts", "show", "bob@tls.example", "--account", ACCOUNT)
        self.assertRegex(out, r"list:\s+patients \(consented .*: clinic intake form; left ")

        # A complaint through the feedback loop, by SMTP to the feedback address: cy is
        # suppressed as "complained", and the report is delivered to no one.
        cy = dict(self.received_by("flu clinic opens Monday"))["cy@tls.example"]
        cy_headers = cy.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0].decode()
        arf = ("From: fbl@mailbox.example\r\nTo: fbl@clinic.example\r\n"
               "Subject: complaint\r\nMIME-Version: 1.0\r\n"
               "Content-Type: multipart/report; report-type=feedback-report; boundary=\"b\"\r\n"
               "\r\n--b\r\nContent-Type: text/plain\r\n\r\nAn abuse report.\r\n"
               "--b\r\nContent-Type: message/feedback-report\r\n\r\n"
               "Feedback-Type: abuse\r\nVersion: 1\r\nUser-Agent: test/1\r\n\r\n"
               "--b\r\nContent-Type: text/rfc822-headers\r\n\r\n" +
               cy_headers.replace("\r\n", "\n").replace("\n", "\r\n") + "\r\n\r\n--b--\r\n")
        with smtplib.SMTP("127.0.0.1", self.server.smtp_port, timeout=30) as smtp:
            smtp.sendmail("fbl@mailbox.example", ["fbl@clinic.example"], arf.encode())
        complained = wait_for(lambda: self.server.sql(
            "SELECT reason, detail FROM suppressions WHERE address = 'cy@tls.example'"),
            timeout=60, what="the complaint on the suppression list")
        self.assertEqual(complained[0][0], "complained")
        self.assertIn("abuse", complained[0][1])
        wait_for(lambda: self.server.spool_sql("SELECT count(*) FROM inbound")[0][0] == 0,
                 timeout=60, what="the report taken off the inbound queue")
        self.assertEqual(self.server.sql(
            "SELECT count(*) FROM queue WHERE rcpt_to = 'fbl@clinic.example'")[0][0], 0)

        # The report: by method and domain, as text and as CSV.
        out = self.admin_ok("campaign", "report", "flu-1", "--account", ACCOUNT)
        self.assertRegex(out, r"sent 4, delivered 3 .*, bounced 1, opened 1 .*, clicked 1 .*, "
                              r"unsubscribed 1, complaints 1")
        self.assertIn("by method: tls-only 4", out)
        self.assertIn("tls.example: sent 4", out)
        csv = self.admin_ok("campaign", "report", "flu-1", "--account", ACCOUNT, "--csv")
        self.assertEqual(csv.splitlines()[1], "all,,4,3,1,1,1,1,1")

        self.campaign("flu-2", "all", "news")
        wait_for(lambda: self.server.sql(
            "SELECT state FROM campaigns WHERE name = 'flu-2'")[0][0] == "done",
            timeout=120, what="the second campaign")
        self.assertEqual(sorted(s[0] for s in self.sends("flu-2")), ["ann@tls.example"])

    def client(self, account, scopes):
        r = self.server.api("POST", "/api/v1/clients", json.dumps(
            {"name": "engagement " + account, "account": account, "scopes": scopes}))
        self.assertEqual(r.status, 201, r.text)
        made = json.loads(r.body)
        self.server.keep_secret(made["secret"])
        return made["credentials"]

    def test_the_api_keeps_contacts_segments_templates_and_runs_a_campaign(self):
        self.server.start()
        key = self.client(ACCOUNT, ["campaigns"])

        def call(method, path, body=None, content_type="application/json"):
            r = self.server.api(method, path, body if body is None or isinstance(body, str)
                                else json.dumps(body), content_type=content_type, key=key)
            return r, (json.loads(r.body) if r.body and r.body[:1] in (b"{", b"[") else None)

        def invalid(r):
            self.assertEqual(r.status, 400, r.text)
            return {p["name"]: p["reason"] for p in json.loads(r.body)["invalid-params"]}

        r, made = call("POST", "/api/v1/lists", {"name": "reminders"})
        self.assertEqual(r.status, 201, r.text)
        r, _ = call("POST", "/api/v1/lists", {"name": "patients"})
        self.assertEqual(r.status, 409, r.text)  # made by setUp, from the command line
        soon = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 2 * 86400))
        r, contact = call("POST", "/api/v1/contacts", {
            "address": "Dana@TLS.example", "attributes": {"first_name": "Dana", "appointment": soon,
                                                         "age": 52},
            "lists": ["reminders"], "consent": "web form, 2026-12-06"})
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(contact["address"], "dana@tls.example")
        self.assertEqual(contact["attributes"], {"age": 52, "appointment": soon, "first_name": "Dana"})
        self.assertEqual(contact["lists"][0]["consent"], "web form, 2026-12-06")
        self.assertIn("consent", invalid(call("POST", "/api/v1/contacts", {
            "address": "eve@tls.example", "lists": ["reminders"]})[0]))
        self.assertIn("attributes.Age", invalid(call("POST", "/api/v1/contacts", {
            "address": "eve@tls.example", "attributes": {"Age": 3}})[0]))
        r, report = call("POST", "/api/v1/contacts/import?list=reminders&consent=import",
                         f"email,first_name,appointment\neve@tls.example,Eve,{soon}\n"
                         "broken,X,2026-01-01\nfay@tls.example,Fay,2027-05-01\n",
                         content_type="text/csv")
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual((report["added"], report["updated"]), (2, 0))
        self.assertEqual([p["line"] for p in report["problems"]], [3])

        # Reading a contact shows attributes: on record, naming the reader.
        r, shown = call("GET", "/api/v1/contacts/eve%40tls.example")
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(shown["attributes"]["first_name"], "Eve")
        trail = self.server.sql("SELECT actor_kind, subject FROM audit_log WHERE action = "
                                "'api.GET /api/v1/contacts/{address}'")
        self.assertEqual([tuple(t) for t in trail], [("api_client", "eve@tls.example")])
        # Another account's client sees nothing of it.
        self.admin_ok("account", "create", "Other")
        other = self.client("Other", ["campaigns"])
        r = self.server.api("GET", "/api/v1/contacts/eve%40tls.example", key=other)
        self.assertEqual(r.status, 404, r.text)

        self.assertIn("condition", invalid(call("PUT", "/api/v1/segments/soon", {
            "list": "reminders", "condition": "appointment ="})[0]))
        r, _ = call("PUT", "/api/v1/segments/soon",
                    {"list": "reminders", "condition": "appointment = 2 days from now"})
        self.assertEqual(r.status, 200, r.text)
        r, count = call("GET", "/api/v1/segments/soon/count")
        self.assertEqual(count, {"subscribed": 3, "matched": 2, "suppressed": 0, "reached": 2})
        r, _ = call("POST", "/api/v1/suppressions", {"address": "eve@tls.example",
                                                     "reason": "complained"})
        self.assertEqual(r.status, 204, r.text)
        r, count = call("GET", "/api/v1/segments/soon/count")
        self.assertEqual(count["reached"], 1)
        r, listed = call("GET", "/api/v1/suppressions?limit=10")
        self.assertEqual([(x["address"], x["reason"]) for x in listed["suppressions"]],
                         [("eve@tls.example", "complained")])
        self.assertIn("reason", invalid(call("POST", "/api/v1/suppressions",
                                             {"address": "x@tls.example", "reason": "bored"})[0]))
        r, _ = call("POST", "/api/v1/suppressions", {"address": "fay@tls.example"})
        self.assertEqual(r.status, 204, r.text)
        r, _ = call("DELETE", "/api/v1/suppressions/fay%40tls.example")
        self.assertEqual(r.status, 204, r.text)
        r, _ = call("DELETE", "/api/v1/suppressions/fay%40tls.example")
        self.assertEqual(r.status, 404, r.text)

        self.assertIn("html", invalid(call("PUT", "/api/v1/templates/reminder", {
            "subject": "x", "text": "x", "html": "<a href='{{site}}'>x</a>"})[0]))
        r, _ = call("PUT", "/api/v1/templates/reminder", {
            "subject": "See you {{appointment | date}}",
            "text": "Dear {{first_name}}, see you on {{appointment | date}}."})
        self.assertEqual(r.status, 200, r.text)
        r, preview = call("POST", "/api/v1/templates/reminder/preview",
                          {"contact": "dana@tls.example"})
        self.assertEqual(r.status, 200, r.text)
        self.assertTrue(preview["text"].startswith("Dear Dana, see you on "), preview)
        # It showed Dana's attributes: on record.
        trail = self.server.sql("SELECT subject FROM audit_log WHERE action = "
                                "'api.POST /api/v1/templates/{name}/preview'")
        self.assertEqual([t[0] for t in trail], ["reminder/dana@tls.example"])

        # A test send, rendered for Dana, to a colleague: by the one road, marked as a test.
        r, tested = call("POST", "/api/v1/templates/reminder/test",
                         {"contact": "dana@tls.example", "from": SENDER, "to": "nurse@tls.example"})
        self.assertEqual((r.status, tested), (202, {"to": "nurse@tls.example", "method": "tls-only"}),
                         r.text)
        wait_for(lambda: [raw for a, raw in self.received_by("Dear Dana, see you on")
                          if a == "nurse@tls.example" and b"Subject: [Test] See you" in raw],
                 timeout=60, what="the test send")

        r, campaign = call("POST", "/api/v1/campaigns", {
            "name": "reminders-soon", "segment": "soon", "template": "reminder", "from": SENDER})
        self.assertEqual(r.status, 201, r.text)
        self.assertEqual(campaign["state"], "draft")
        r, _ = call("POST", "/api/v1/campaigns/reminders-soon/pause")
        self.assertEqual(r.status, 409, r.text)
        r, campaign = call("POST", "/api/v1/campaigns/reminders-soon/schedule", {})
        self.assertEqual(r.status, 200, r.text)
        wait_for(lambda: call("GET", "/api/v1/campaigns/reminders-soon")[1]["state"] == "done",
                 timeout=120, what="the campaign to finish")
        _, campaign = call("GET", "/api/v1/campaigns/reminders-soon")
        self.assertEqual(campaign["sends"], {"sent": 1})
        self.assertEqual(campaign["sent_by_method"], {"tls-only": 1})
        wait_for(lambda: [a for a, _ in self.received_by("Dear Dana, see you on")
                          if a == "dana@tls.example"], timeout=60, what="Dana's reminder")
        self.assertEqual(self.received_by("Dear Eve"), [])  # suppressed

        r, _ = call("DELETE", "/api/v1/contacts/eve%40tls.example")
        self.assertEqual(r.status, 204, r.text)
        self.assertEqual(call("GET", "/api/v1/contacts/eve%40tls.example")[0].status, 404)
        _, listed = call("GET", "/api/v1/suppressions")
        self.assertEqual([x["address"] for x in listed["suppressions"]], ["eve@tls.example"])

        # An automation started by an event the clinic's systems report: once per event id.
        r, _ = call("PUT", "/api/v1/automations/after-order", {
            "segment": "soon", "from": SENDER, "trigger": {"event": "order"},
            "steps": [{"template": "reminder", "wait_days": 0}]})
        self.assertEqual(r.status, 200, r.text)
        r, problem = call("PUT", "/api/v1/automations/x", {
            "segment": "soon", "from": SENDER, "trigger": {"event": "order"},
            "steps": [{"template": "nope"}]})
        self.assertEqual(r.status, 404, r.text)
        self.assertIn("no template nope", problem["detail"])
        self.assertIn("steps[0].unless_opened", invalid(call("PUT", "/api/v1/automations/x", {
            "segment": "soon", "from": SENDER, "trigger": {"event": "order"},
            "steps": [{"template": "reminder", "unless_opened": True}]})[0]))
        r, started = call("POST", "/api/v1/automations/after-order/events",
                          {"contact": "dana@tls.example", "id": "order-17"})
        self.assertEqual((r.status, started), (201, {"started": True}), r.text)
        r, started = call("POST", "/api/v1/automations/after-order/events",
                          {"contact": "dana@tls.example", "id": "order-17"})
        self.assertEqual((r.status, started), (200, {"started": False}), r.text)
        r, _ = call("POST", "/api/v1/automations/after-order/events",
                    {"contact": "fay@tls.example", "id": "order-18"})
        self.assertEqual(r.status, 404, r.text)  # not in the segment (no appointment soon)
        wait_for(lambda: len([a for a, _ in self.received_by("Dear Dana, see you on")
                              if a == "dana@tls.example"]) == 2, timeout=60,
                 what="the automation's message")
        r, shown = call("GET", "/api/v1/automations/after-order")
        self.assertEqual([(p["key"], p["state"]) for p in shown["places"]],
                         [("event:order-17", "done")])


    def test_the_command_line_says_what_is_wrong_and_where(self):
        bad = self.write("bad.csv", "email,first_name\nnot-an-address,X\nok@tls.example,Ok\n")
        code, out, err = self.server.admin("contacts", "import", bad, "--account", ACCOUNT)
        self.assertEqual(code, 2)
        self.assertIn(f"{bad}:2: not an email address", err)
        self.assertIn("added 1, updated 0; 1 row refused", out)
        code, _, err = self.server.admin("contacts", "import", bad, "--account", "Nobody")
        self.assertEqual(code, 2)
        self.assertIn("there is no account Nobody", err)
        code, _, err = self.server.admin("segment", "save", "x", "--account", ACCOUNT,
                                         "--list", "patients", "--condition", "age >")
        self.assertEqual(code, 2)
        self.assertIn("at character 6: the condition ends where a value was expected", err)
        html = self.write("bad.html", "<p>\n<a href=\"{{website}}\">x</a></p>")
        text = self.write("ok.txt", "Hello\n")
        code, _, err = self.server.admin("template", "save", "t", "--account", ACCOUNT,
                                         "--subject", "S", "--text", text, "--html", html)
        self.assertEqual(code, 2)
        self.assertIn(f"{html}: html: line 2, column 10: a contact's value may not go inside "
                      "an HTML tag", err)
        code, _, err = self.server.admin("campaign", "create", "c", "--account", ACCOUNT,
                                         "--segment", "nope", "--template", "t", "--from", SENDER)
        self.assertEqual(code, 2)
        self.assertIn("no segment called nope", err)
        # The trail records each change, naming attributes and never a value.
        trail = self.server.sql("SELECT action, details FROM audit_log WHERE action LIKE "
                                "'admin.contacts%' OR action LIKE 'admin.segment%'")
        self.assertTrue(any(a == "admin.contacts.import" for a, _ in trail), trail)
        for _, details in trail:
            self.assertNotIn("Ok,", details or "")


if __name__ == "__main__":
    unittest.main()
