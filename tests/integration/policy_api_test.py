"""The policy engine decides each API recipient's method, from the sender's settings,
and every decision's reason comes back in the API ("why")."""
import base64
import datetime
import json
import os
import re
import subprocess
import unittest

import harness
from harness import Sealpost


class PolicyApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Sealpost()
        for args in (("account", "create", "Springfield"),
                     ("domain", "create", "clinic.example", "--account", "Springfield"),
                     ("settings", "set", "account", "Springfield", "tls_only=true",
                      "default_question=Your year of birth?|1956", "default_expiry_days=9"),
                     ("mx", "set", "tls.example", "--tls", "yes", "--host", "mx.tls.example")):
            subprocess.run([harness.BIN, "admin", "--config", cls.server.config, *args],
                           check=True, capture_output=True, timeout=60)
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def send(self, body):
        r = self.server.api("POST", "/api/v1/messages", json.dumps(body))
        self.assertEqual(r.status, 202, r.text)
        return json.loads(r.body)

    def test_defaults_come_from_the_senders_account(self):
        sent = self.send({"from": "dr@clinic.example", "to": ["pat@tls.example", "kid@plain.example"],
                          "text": "Results attached."})
        why = {r["address"]: r["why"] for r in sent["recipients"]}
        self.assertIn("tls-only would apply (mx.tls.example offers STARTTLS) but is not available "
                      "here: re-planned", why["pat@tls.example"])
        self.assertIn("default question (account)", why["pat@tls.example"])
        self.assertIn("TLS support of plain.example not known", why["kid@plain.example"])
        self.assertTrue(why["kid@plain.example"].endswith("→ escrow/question"))

        status = json.loads(self.server.api("GET", f"/api/v1/messages/{sent['id']}").body)
        self.assertEqual({r["address"]: r["why"] for r in status["recipients"]}, why)
        # Expiry from the account's default_expiry_days (9), not the server's 30.
        created = datetime.datetime.fromisoformat(status["created_at"].replace("Z", "+00:00"))
        expires = datetime.datetime.fromisoformat(status["expires_at"].replace("Z", "+00:00"))
        self.assertEqual((expires - created).days, 9)

        # The recipient answers the account's default question.
        rid, page = self.server.open_notice("kid@plain.example")
        self.assertIn("Your year of birth?", page.text)
        self.assertEqual(self.server.answer(rid, page, "1956").status, 303)
        self.assertIn("Results attached.", self.server.get(f"/r/{rid}", cookies=True).text)

    def test_a_users_key_sends_only_as_that_user(self):
        for args in (("user", "create", "dr@clinic.example"),):
            subprocess.run([harness.BIN, "admin", "--config", self.server.config, *args],
                           check=True, capture_output=True, timeout=60)
        out = subprocess.run([harness.BIN, "admin", "--config", self.server.config, "user",
                              "api-key", "dr@clinic.example"], check=True, capture_output=True,
                             text=True, timeout=60).stdout
        key = re.search(r"keep it safe\): (\S+)", out).group(1)
        body = {"from": "dr@clinic.example", "to": ["lou@plain.example"], "text": "x"}
        r = self.server.api("POST", "/api/v1/messages", json.dumps(body), key=key)
        self.assertEqual(r.status, 202, r.text)
        r = self.server.api("POST", "/api/v1/messages",
                            json.dumps({**body, "from": "boss@clinic.example"}), key=key)
        self.assertEqual(r.status, 403, r.text)
        self.assertIn("dr@clinic.example", r.text)
        code = subprocess.run([harness.BIN, "admin", "--config", self.server.config, "user",
                               "api-key", "nobody@clinic.example"], capture_output=True,
                              timeout=60).returncode
        self.assertEqual(code, 2)

    def user_key(self, address):
        admin = [harness.BIN, "admin", "--config", self.server.config]
        subprocess.run(admin + ["user", "create", address], check=True, capture_output=True,
                       timeout=60)
        out = subprocess.run(admin + ["user", "api-key", address], check=True,
                             capture_output=True, text=True, timeout=60).stdout
        return re.search(r"keep it safe\): (\S+)", out).group(1)

    def test_a_users_key_reaches_only_that_users_messages(self):
        # Issue 18.5: a sender's key read events of, extended and retracted any message of
        # its account. Now a colleague's message answers exactly as a missing one.
        gp, np = self.user_key("gp@clinic.example"), self.user_key("np@clinic.example")
        r = self.server.api("POST", "/api/v1/messages", json.dumps(
            {"from": "gp@clinic.example", "to": ["lou@plain.example"], "text": "x"}), key=gp)
        self.assertEqual(r.status, 202, r.text)
        mid = json.loads(r.body)["id"]
        missing = "0" * len(mid)
        calls = (("GET", "", None), ("GET", "/events", None),
                 ("POST", "/extend", '{"expires_in_days": 3}'), ("POST", "/retract", "{}"))
        for method, what, body in calls:
            theirs = self.server.api(method, f"/api/v1/messages/{mid}{what}", body,
                                     content_type="application/json" if body else None, key=np)
            absent = self.server.api(method, f"/api/v1/messages/{missing}{what}", body,
                                     content_type="application/json" if body else None, key=np)
            self.assertEqual(theirs.status, 404, (what, theirs.text))
            self.assertEqual(json.loads(theirs.body), json.loads(absent.body), what)
            self.assertEqual(theirs.header("content-type"), "application/problem+json")
        # Nothing happened to it, and its own sender still reaches it.
        r = self.server.api("GET", f"/api/v1/messages/{mid}", content_type=None, key=gp)
        self.assertEqual(r.status, 200, r.text)
        self.assertNotIn("retracted_at", json.loads(r.body))
        events = json.loads(self.server.api("GET", f"/api/v1/messages/{mid}/events",
                                            content_type=None, key=gp).body)["events"]
        self.assertNotIn("expiry_changed", [e["type"] for e in events])
        r = self.server.api("POST", f"/api/v1/messages/{mid}/retract", "{}", key=gp)
        self.assertEqual(r.status, 200, r.text)

    def test_the_address_book_supplies_the_question(self):
        admin = [harness.BIN, "admin", "--config", self.server.config]
        csv_path = os.path.join(self.server.tmp, "book.csv")
        with open(csv_path, "w") as f:
            f.write("address,question,answer\nbooked@plain.example,Favourite colour?,Teal\n")
        for args in (("user", "create", "nurse@clinic.example"),
                     ("book", "create", "user:nurse@clinic.example:personal"),
                     ("book", "link", "nurse@clinic.example", "user:nurse@clinic.example:personal",
                      "--role", "default"),
                     ("book", "import-questions", "user:nurse@clinic.example:personal", csv_path)):
            subprocess.run(admin + list(args), check=True, capture_output=True, timeout=60)
        sent = self.send({"from": "nurse@clinic.example", "to": ["booked@plain.example"], "text": "Hi"})
        self.assertIn("address book user:nurse@clinic.example:personal: question",
                      sent["recipients"][0]["why"])
        rid, page = self.server.open_notice("booked@plain.example")
        self.assertIn("Favourite colour?", page.text)
        self.assertEqual(self.server.answer(rid, page, "teal").status, 303)
        # The book's answer was stretched once (issue 18.3): a second message reuses it —
        # the same parameters and salt, no new Argon2id — and still needs the answer.
        again = self.send({"from": "nurse@clinic.example", "to": ["booked@plain.example"],
                           "text": "Again"})
        kdfs = self.server.sql("SELECT answer_kdf, answer_hash FROM recipients WHERE address = "
                               "'booked@plain.example'")
        self.assertEqual(len(kdfs), 2)
        self.assertEqual(kdfs[0], kdfs[1])
        self.assertEqual(kdfs[0][0].count("$"), 3)  # the kept answer's own salt
        self.assertEqual(kdfs[0][1], "")
        self.assertGreaterEqual(self.server.sql("SELECT count(*) FROM answer_keys")[0][0], 1)
        self.assertIn("address book user:nurse@clinic.example:personal: question",
                      again["recipients"][0]["why"])

    def test_saved_answers_are_used_for_the_next_message(self):
        first = self.send({"from": "sec@elsewhere.example", "to": ["repeat@plain.example"],
                           "text": "1", "options": {"escrow": {"question": "Code?",
                                                               "answer": "lemon", "save": True}}})
        self.assertEqual(first["answers_saved_to"], "user:sec@elsewhere.example:default")
        second = self.send({"from": "sec@elsewhere.example", "to": ["repeat@plain.example"],
                            "text": "2"})
        self.assertIn("address book user:sec@elsewhere.example:default: question",
                      second["recipients"][0]["why"])

    def test_the_messages_own_question_wins_over_the_default(self):
        sent = self.send({"from": "dr@clinic.example", "to": ["lou@plain.example"], "text": "x",
                          "options": {"escrow": {"question": "Code word?", "answer": "lemon"}}})
        self.assertIn("question given with the message", sent["recipients"][0]["why"])

    def test_unknown_sender_domains_use_built_in_defaults(self):
        r = self.server.api("POST", "/api/v1/messages", json.dumps(
            {"from": "someone@elsewhere.example", "to": ["lou@plain.example"], "text": "x"}))
        self.assertEqual(r.status, 422)  # no default question anywhere: ask the sender
        self.assertEqual(json.loads(r.body)["recipients"], ["lou@plain.example"])
        sent = self.send({"from": "someone@elsewhere.example", "to": ["lou@plain.example"],
                          "text": "x", "options": {"escrow": {"question": "Q?", "answer": "A"}}})
        self.assertIn("built-in defaults", sent["recipients"][0]["why"])

    def test_content_rules_that_do_not_match_are_replanned_to_escrow(self):
        # Its own domain, so the other tests' settings stay as they were.
        rules = os.path.join(self.server.tmp, "rules.json")
        with open(rules, "w") as f:
            json.dump({"content_rules": [{"keyword": "biopsy"}],
                       "default_question": {"question": "Q?", "answer": "A"}}, f)
        for args in (("domain", "create", "lab.example", "--account", "Springfield"),
                     ("settings", "import", "domain", "lab.example", rules)):
            subprocess.run([harness.BIN, "admin", "--config", self.server.config, *args],
                           check=True, capture_output=True, timeout=60)
        plain = self.send({"from": "dr@lab.example", "to": ["a@plain.example"], "text": "Lunch?"})
        self.assertIn("no content rule matched (domain) but standard delivery is not available "
                      "here: re-planned", plain["recipients"][0]["why"])
        matched = self.send({"from": "dr@lab.example", "to": ["a@plain.example"],
                             "text": "Your Biopsy results"})
        self.assertNotIn("no content rule matched", matched["recipients"][0]["why"])
        # The text of a text attachment counts, in JSON and streamed in a multipart upload;
        # a binary attachment's bytes do not.
        in_json = self.send({"from": "dr@lab.example", "to": ["a@plain.example"], "text": "See file",
                             "attachments": [{"filename": "report.txt", "content_type": "text/plain",
                                              "content_base64": base64.b64encode(
                                                  b"Biopsy: benign").decode()}]})
        self.assertNotIn("no content rule matched", in_json["recipients"][0]["why"])
        binary = self.send({"from": "dr@lab.example", "to": ["a@plain.example"], "text": "See file",
                            "attachments": [{"filename": "scan.bin",
                                             "content_type": "application/octet-stream",
                                             "content_base64": base64.b64encode(
                                                 b"Biopsy: benign").decode()}]})
        self.assertIn("no content rule matched", binary["recipients"][0]["why"])
        message = os.path.join(self.server.tmp, "message.json")
        report = os.path.join(self.server.tmp, "report.csv")
        with open(message, "w") as f:
            json.dump({"from": "dr@lab.example", "to": ["a@plain.example"], "text": "See file"}, f)
        with open(report, "w") as f:
            f.write("test,result\nbiopsy,benign\n")
        r = self.server.api("POST", "/api/v1/messages", None, content_type=None,
                            files=[f"message=<{message};type=application/json",
                                   f"file=@{report};type=text/csv"])
        self.assertEqual(r.status, 202, r.text)
        self.assertNotIn("no content rule matched", json.loads(r.body)["recipients"][0]["why"])


if __name__ == "__main__":
    unittest.main()
