"""Issue 25: campaigns through the one road, to a real receiving Postfix.

- A template that carries health data, to 1,000 contacts: every one gets an escrow
  notice (never the results in clear); sealpost is killed with SIGKILL mid-way and
  restarted, and it finishes with one message per contact.
- A newsletter goes TLS-only where the sender's settings ask for it, with RFC 8058's
  List-Unsubscribe header fields; a one-click POST to that link takes the contact off
  the list, and the next campaign does not write to them.
- Contacts, lists, segments and templates from the command line, with their refusals.
"""
import os
import re
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
                               domains=["tls.example"]).start()
        cls.port = port

    @classmethod
    def tearDownClass(cls):
        cls.mx.cleanup()

    def setUp(self):
        self.server = Sealpost(settings={"mode": '"smtp"',
                                         "transport": f'["tls.example = 127.0.0.2:{self.port}"]',
                                         "first_retry_seconds": "1", "max_retry_seconds": "2"})
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
        wait_for(lambda: len({a for a, _ in self.received_by(marker)}) == CONTACTS,
                 timeout=300, what="every notice at the receiving server")
        received = self.received_by(marker)
        duplicates = len(received) - CONTACTS
        self.assertLessEqual(duplicates, 20)
        for _, raw in received:
            self.assertNotIn(PHI.encode(), raw)
            self.assertNotIn(b"6.1 percent", raw)
        print(f"campaigns_test: {at_kill} sent before the kill, {duplicates} notices twice")

    def test_a_newsletter_goes_tls_only_and_one_click_unsubscribe_stops_the_next(self):
        self.import_contacts([("ann@tls.example", "Ann", "5.0"), ("bob@tls.example", "Bob", "5.5"),
                              ("cy@tls.example", "Cy", "7.2")])
        self.admin_ok("segment", "save", "all", "--account", ACCOUNT, "--list", "patients")
        text = self.write("news.txt", "Hello {{first_name}}, our flu clinic opens Monday.\n"
                                      "Stop these: {{@unsubscribe_url}}\n")
        html = self.write("news.html", "<p>Hello {{first_name}}</p>"
                                       "<p><a href=\"{{@unsubscribe_url}}\">Unsubscribe</a></p>")
        self.admin_ok("template", "save", "news", "--account", ACCOUNT,
                      "--subject", "Flu clinic, {{first_name}}", "--text", text, "--html", html)
        self.campaign("flu-1", "all", "news")
        self.server.start()
        wait_for(lambda: len(self.received_by("flu clinic opens Monday")) == 3, timeout=120,
                 what="three newsletters")
        self.assertEqual({s[2] for s in self.sends("flu-1")}, {"tls-only"})
        raw = dict(self.received_by("flu clinic opens Monday"))["bob@tls.example"]
        self.assertIn(b"Subject: Flu clinic, Bob", raw)
        self.assertIn(b"List-Unsubscribe-Post: List-Unsubscribe=One-Click", raw)
        url = re.search(rb"^List-Unsubscribe: <(https://[^>]+)>", raw, re.M).group(1).decode()
        path = "/" + url.split("/", 3)[3]
        self.assertTrue(path.startswith("/u/"), path)
        # The page offers the button; a forged token is no one's; the one-click POST works.
        page = self.server.get(path)
        self.assertEqual(page.status, 200)
        self.assertIn("Unsubscribe", page.text)
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

        self.campaign("flu-2", "all", "news")
        wait_for(lambda: self.server.sql(
            "SELECT state FROM campaigns WHERE name = 'flu-2'")[0][0] == "done",
            timeout=120, what="the second campaign")
        self.assertEqual(sorted(s[0] for s in self.sends("flu-2")),
                         ["ann@tls.example", "cy@tls.example"])

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
