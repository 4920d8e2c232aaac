"""Issue 7, what a sender controls: retract a message (its keys are destroyed, every
link stops working), move its expiry either way, and see what happened to it — over
the API of the real binary, with the recipient's side checked in the portal."""
import json
import os
import re
import time
import unittest

from harness import Sealpost, notice_link


class SenderControlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Sealpost().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def send(self, to):
        r = self.server.api("POST", "/api/v1/messages", json.dumps({
            "from": "a@clinic.example", "to": [to], "subject": "Results", "text": "HbA1c 48",
            "options": {"escrow": {"question": "Pet?", "answer": "Rex"}}}))
        self.assertEqual(r.status, 202, r.text)
        return json.loads(r.body)["id"]

    def get(self, message_id, what=""):
        r = self.server.api("GET", f"/api/v1/messages/{message_id}{what}", content_type=None)
        self.assertEqual(r.status, 200, r.text)
        return json.loads(r.body)

    def test_retract_makes_every_link_useless_and_is_recorded(self):
        message_id = self.send("moe@example.net")
        link = notice_link(self.server.notice_for("moe@example.net"))
        rid, page = self.server.open_link(link)
        self.assertIn("Pet?", page.text)
        r = self.server.api("POST", f"/api/v1/messages/{message_id}/retract", "{}")
        self.assertEqual(r.status, 200, r.text)
        self.assertTrue(json.loads(r.body)["retracted"])
        # The question page already open: the right answer no longer opens it.
        answered = self.server.answer(rid, page, "Rex")
        self.assertEqual(answered.status, 410)
        self.assertIn("withdrawn", answered.text)
        self.assertNotIn("HbA1c", answered.text)
        # The original link, followed afresh.
        _, again = self.server.open_link(link)
        self.assertEqual(again.status, 410)
        self.assertIn("This message was withdrawn", again.text)
        # The keys are gone from the database, not just hidden.
        self.assertEqual(self.server.sql(
            f"SELECT length(wrapped_key), answer_hash FROM recipients WHERE id = '{rid}'"),
            [(0, "")])
        status = self.get(message_id)
        self.assertIn("retracted_at", status)
        # Each recipient reads "retracted" (issue 18.10), not "expired".
        self.assertEqual([r["status"] for r in status["recipients"]], ["retracted"])
        again = self.server.api("POST", f"/api/v1/messages/{message_id}/retract", "{}")
        self.assertEqual(again.status, 409)
        self.assertEqual(json.loads(again.body)["status"], 409)
        events = self.get(message_id, "/events")["events"]
        types = [e["type"] for e in events]
        self.assertEqual(types[:2], ["accepted", "notice_queued"])
        self.assertIn("link_opened", types)
        self.assertGreater(types.index("retracted"), types.index("link_opened"))
        self.assertEqual(types[-1], "link_opened")  # the visit after, recorded too
        opened = next(e for e in events if e["type"] == "link_opened")
        self.assertEqual(opened["recipient"], "moe@example.net")
        self.assertEqual(opened["client_address"], "127.0.0.1")

    def test_expiry_can_be_extended_or_shortened_within_limits(self):
        message_id = self.send("edna@example.net")
        created = self.get(message_id)
        for bad in ({"expires_in_days": 0}, {"expires_in_days": 3651}, {"expires_in_days": "7"},
                    {}):
            r = self.server.api("POST", f"/api/v1/messages/{message_id}/extend", json.dumps(bad))
            self.assertEqual(r.status, 400, (bad, r.text))
            problem = json.loads(r.body)
            self.assertEqual(problem["invalid-params"][0]["name"], "expires_in_days")
        r = self.server.api("POST", f"/api/v1/messages/{message_id}/extend",
                            json.dumps({"expires_in_days": 365}))
        self.assertEqual(r.status, 200, r.text)
        longer = json.loads(r.body)["expires_at"]
        self.assertGreater(longer, created["expires_at"])
        self.assertEqual(self.get(message_id)["expires_at"], longer)
        r = self.server.api("POST", f"/api/v1/messages/{message_id}/extend",
                            json.dumps({"expires_in_days": 1}))
        self.assertEqual(r.status, 200, r.text)
        self.assertLess(json.loads(r.body)["expires_at"], created["expires_at"])  # default is 30
        types = [e["type"] for e in self.get(message_id, "/events")["events"]]
        self.assertEqual(types.count("expiry_changed"), 2)

    def test_the_cli_does_what_the_api_does(self):
        message_id = self.send("patty@example.net")
        self.server.notice_for("patty@example.net")  # out before the retraction
        code, out, err = self.server.admin("message", "extend", message_id, "--days", "10")
        self.assertEqual(code, 0, err)
        self.assertIn("expires", out)
        self.assertEqual(self.get(message_id)["expires_at"], out.split("expires ")[1].strip())
        code, out, err = self.server.admin("message", "extend", message_id, "--days", "0")
        self.assertNotEqual(code, 0)
        self.assertIn("1 to 3650", err)
        code, out, err = self.server.admin("message", "retract", message_id)
        self.assertEqual(code, 0, err)
        rid, page = self.server.open_notice("patty@example.net")
        self.assertEqual(page.status, 410)
        code, out, err = self.server.admin("message", "retract", message_id)
        self.assertNotEqual(code, 0)
        self.assertIn("already", err)
        code, out, err = self.server.admin("message", "events", message_id)
        self.assertEqual(code, 0, err)
        lines = out.splitlines()
        self.assertIn("accepted", lines[0])
        self.assertTrue(any("expiry_changed" in l and "from cli" in l for l in lines), out)
        self.assertTrue(any("retracted" in l for l in lines), out)
        self.assertTrue(any("link_opened  patty@example.net" in l for l in lines), out)
        code, _, err = self.server.admin("message", "events", "f" * 32)
        self.assertNotEqual(code, 0)
        self.assertIn("no message", err)

    def test_a_read_receipt_reaches_the_sender_on_the_first_view(self):
        r = self.server.api("POST", "/api/v1/messages", json.dumps({
            "from": "carl@clinic.example", "to": ["lenny@example.net"], "text": "TSH 2.1",
            "options": {"escrow": {"question": "Pet?", "answer": "Rex"}, "read_receipt": True}}))
        self.assertEqual(r.status, 202, r.text)
        rid, page = self.server.open_notice("lenny@example.net")
        self.assertEqual(self.server.answer(rid, page, "Rex").status, 303)
        self.assertIn("TSH 2.1", self.server.get(f"/r/{rid}", cookies=True).text)
        receipt = self.server.notice_for("carl@clinic.example")
        self.assertEqual(receipt["Subject"], "Read: your secure message to lenny@example.net")
        # The whole reading ("TSH 2.1"): three letters alone turned up once in a random
        # MIME boundary.
        self.assertNotIn("TSH 2.1", receipt.as_string())
        # Read again: still one receipt.
        self.assertIn("TSH 2.1", self.server.get(f"/r/{rid}", cookies=True).text)
        # A sentinel sent after the second read: once it is filed, a second receipt would be.
        self.send("sentinel@example.net")
        self.server.notice_for("sentinel@example.net")
        def to_carl(path):
            with open(path, errors="replace") as f:
                return "To: carl@clinic.example" in f.read()
        receipts = [p for p in self.server.notices() if to_carl(p)]
        self.assertEqual(len(receipts), 1)

    def test_wrong_answers_from_one_address_are_capped_across_messages(self):
        # A server of its own: six wrong answers an hour from one address.
        server = Sealpost(settings={"max_failures_per_address_per_hour": "6"}).start()
        try:
            for to in ("apu@example.net", "manjula@example.net"):
                r = server.api("POST", "/api/v1/messages", json.dumps({
                    "from": "a@clinic.example", "to": [to], "text": "Ferritin 30",
                    "options": {"escrow": {"question": "Pet?", "answer": "Rex"}}}))
                self.assertEqual(r.status, 202, r.text)
            rid, page = server.open_notice("apu@example.net")
            for left in (4, 3, 2, 1):  # under the message's own lock of five
                page = server.answer(rid, page, "Fido")
                self.assertIn(f"{left} attempt", page.text)
            other, page = server.open_notice("manjula@example.net")
            for _ in range(2):
                page = server.answer(other, page, "Fido")
                self.assertEqual(page.status, 200)
            # Six from this address within the hour: even the right answer waits.
            rid, page = server.open_notice("apu@example.net")
            refused = server.answer(rid, page, "Rex")
            self.assertEqual(refused.status, 429)
            self.assertIn("Too many wrong tries", refused.text)
            self.assertGreater(int(refused.header("retry-after")), 3000)
            self.assertNotIn("Ferritin", refused.text)
            self.assertIn("too many wrong answers from 127.0.0.1", server.log())
            # Neither message was locked by it: the cap is the address's, not theirs.
            self.assertEqual(server.sql("SELECT count(*) FROM recipients WHERE status = 'locked'"),
                             [(0,)])
        finally:
            server.cleanup()

    def test_wrong_answers_sent_all_at_once_still_meet_the_cap(self):
        """Eight guesses in parallel: each try counts from the moment it is let through,
        so no more than the cap are ever looked at, however they are timed."""
        import http.client
        import ssl
        import threading
        import urllib.parse
        server = Sealpost(settings={"max_failures_per_address_per_hour": "3"}).start()
        try:
            forms = []
            for to in ("kent@example.net", "arnie@example.net"):
                r = server.api("POST", "/api/v1/messages", json.dumps({
                    "from": "a@clinic.example", "to": [to], "text": "Ferritin 30",
                    "options": {"escrow": {"question": "Pet?", "answer": "Rex"}}}))
                self.assertEqual(r.status, 202, r.text)
                rid, page = server.open_notice(to)
                with open(server.cookie_jar) as f:
                    link = re.search(r"__Host-sp_link\t(\S+)", f.read()).group(1)
                csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
                forms.append((rid, link, csrf))
            statuses = []
            lock = threading.Lock()

            def guess(rid, link, csrf):
                conn = http.client.HTTPSConnection("127.0.0.1", server.port, timeout=60,
                                                   context=ssl._create_unverified_context())
                body = urllib.parse.urlencode({"csrf": csrf, "answer": "Fido"})
                conn.request("POST", f"/r/{rid}", body=body, headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": f"__Host-sp_link={link}"})
                status = conn.getresponse().status
                conn.close()
                with lock:
                    statuses.append(status)
            threads = [threading.Thread(target=guess, args=forms[i % 2]) for i in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=90)
            self.assertEqual(len(statuses), 8)
            looked_at = [s for s in statuses if s != 429]
            self.assertLessEqual(len(looked_at), 3, statuses)
            self.assertEqual(len(server.sql("SELECT id FROM events WHERE type = 'answer_failed'")),
                             len(looked_at))
        finally:
            server.cleanup()

    def test_the_recipient_sees_who_opened_their_copy(self):
        self.send("selma@example.net")
        rid, page = self.server.open_notice("selma@example.net")
        self.assertEqual(self.server.answer(rid, page, "Fido").status, 200)
        self.assertEqual(self.server.answer(rid, page, "Rex").status, 303)
        message = self.server.get(f"/r/{rid}", cookies=True)
        self.assertIn(f'href="/r/{rid}/history"', message.text)
        history = self.server.get(f"/r/{rid}/history", cookies=True)
        self.assertEqual(history.status, 200, history.text)
        rows = re.findall(r"<tr><td>[^<]+</td><td>([^<]+)</td><td>([^<]+)</td></tr>", history.text)
        self.assertEqual([what for what, _ in rows],
                         ["The email about it reached your mail server", "The link was opened",
                          "A wrong answer was given", "The right answer was given",
                          "The message was read"])
        self.assertEqual([frm for _, frm in rows], ["—"] + ["127.0.0.1"] * 4)
        # Without the session: not shown.
        os.remove(self.server.cookie_jar)
        self.assertEqual(self.server.get(f"/r/{rid}/history", cookies=True).status, 403)

    def test_other_callers_learn_nothing(self):
        message_id = self.send("otto@example.net")
        for method, path in (("POST", "/retract"), ("POST", "/extend"), ("GET", "/events")):
            r = self.server.api(method, f"/api/v1/messages/{message_id}{path}",
                                "{}" if method == "POST" else None, key="sp_wrong",
                                content_type="application/json" if method == "POST" else None)
            self.assertEqual(r.status, 401, (path, r.text))
        r = self.server.api("POST", "/api/v1/messages/" + "0" * 32 + "/retract", "{}")
        self.assertEqual(r.status, 404)
        # Still whole after all that.
        rid, page = self.server.open_notice("otto@example.net")
        self.assertEqual(self.server.answer(rid, page, "Rex").status, 303)
        self.assertIn("HbA1c", self.server.get(f"/r/{rid}", cookies=True).text)


if __name__ == "__main__":
    unittest.main()
