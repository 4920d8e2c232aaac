"""The audit trail of a running server (issue 21): each kind of event is recorded — a
refused API key, SMTP sign-ins good and bad, a message's life (accepted by whom, its
notice delivered, a wrong and a right answer, read, retracted), an administrator's change
by API with what it was before and after, a refused change — and the trail is searched
by message and by action, paged with a cursor, and exported as JSON Lines and CSV over
the API (the export itself recorded), all while `audit verify` holds."""

import csv
import json
import os
import shutil
import smtplib
import socket
import tempfile
import time
import unittest
from urllib.parse import quote

from harness import Sealpost
from smtp_test import set_up_sender

SENDER = "dr.hibbert@clinic.example"


class AuditEventsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.forward_dir = tempfile.mkdtemp(prefix="sealpost-siem-")
        cls.forwarded = os.path.join(cls.forward_dir, "audit.jsonl")
        cls.server = Sealpost(settings={"audit.forward": f'"file:{cls.forwarded}"'})
        cls.password = set_up_sender(cls.server, SENDER)
        cls.server.keep_secret(cls.password)
        cls.server.start()
        cls.key_id = cls.server.api_key.split(":")[0]

    @classmethod
    def tearDownClass(cls):
        cls.server.check_log()
        cls.server.cleanup()
        shutil.rmtree(cls.forward_dir, ignore_errors=True)

    def search(self, **filters):
        query = "&".join(f"{k}={quote(str(v))}" for k, v in filters.items())
        r = self.server.api("GET", f"/api/v1/audit?{query}", content_type=None)
        self.assertEqual(r.status, 200, r.text)
        return json.loads(r.body)

    def wait_for(self, timeout=30, **filters):
        """The records that match, once there is at least one (bounded)."""
        deadline = time.time() + timeout
        while True:
            records = self.search(**filters)["records"]
            if records or time.time() > deadline:
                return records
            time.sleep(0.1)

    def test_a_refused_api_key_is_recorded_without_its_secret(self):
        intruder = "0badc0de" * 4
        r = self.server.api("GET", "/api/v1/settings/account/default", content_type=None,
                            key=f"{intruder}:not-the-secret")
        self.assertEqual(r.status, 401)
        records = self.wait_for(action="auth.api_key", actor=intruder)
        self.assertEqual(records[0]["result"], "refused")
        self.assertEqual(records[0]["client_address"], "127.0.0.1")
        self.assertNotIn("not-the-secret", json.dumps(records))
        # What stands where an id should is not recorded: it may be a secret misplaced.
        r = self.server.api("GET", "/api/v1/audit", content_type=None, key="s3cr3t-pasted:x")
        self.assertEqual(r.status, 401)
        misplaced = self.wait_for(action="auth.api_key", actor="(not a client id)")
        self.assertEqual(misplaced[0]["result"], "refused")
        self.assertNotIn("s3cr3t", json.dumps(self.search(action="auth.api_key")))

    def test_every_record_is_forwarded_to_a_file_in_order(self):
        sentinel = "f0f0f0f0" * 4
        r = self.server.api("GET", "/api/v1/audit", content_type=None, key=f"{sentinel}:x")
        self.assertEqual(r.status, 401)
        deadline = time.time() + 30
        lines = []
        while time.time() < deadline:
            with open(self.forwarded) as f:
                lines = [json.loads(line) for line in f]
            if any(rec["actor"] == sentinel for rec in lines):
                break
            time.sleep(0.1)
        self.assertTrue(any(rec["actor"] == sentinel for rec in lines))
        self.assertEqual(os.stat(self.forwarded).st_mode & 0o777, 0o600)
        seqs = [rec["seq"] for rec in lines]
        self.assertEqual(seqs, list(range(1, len(seqs) + 1)))  # all of it, in order
        # The copy is the trail: the same records with the same hashes.
        trail = {rec["seq"]: rec["hash"] for rec in self.search(limit=1000)["records"]}
        self.assertTrue(all(trail[rec["seq"]] == rec["hash"] for rec in lines if rec["seq"] in trail))

    def test_smtp_sign_ins_good_and_bad(self):
        with smtplib.SMTP("127.0.0.1", self.server.smtp_port, timeout=30) as s:
            s.starttls()
            with self.assertRaises(smtplib.SMTPAuthenticationError):
                s.login(SENDER, "wrong horse battery")
        with smtplib.SMTP("127.0.0.1", self.server.smtp_port, timeout=30) as s:
            s.starttls()
            s.login(SENDER, self.password)
            s.sendmail(SENDER, ["bart@example.net"],
                       f"From: {SENDER}\r\nTo: bart@example.net\r\nSubject: By SMTP\r\n"
                       "X-Sealpost-Question: Sister?\r\nX-Sealpost-Answer: Lisa\r\n\r\nHi.\r\n")
        records = self.search(action="auth.smtp", actor=SENDER)["records"]
        # smtplib tries each mechanism the server offers before it gives up: each is a try.
        self.assertEqual(records[0]["result"], "ok")
        self.assertGreaterEqual(len(records), 2)
        self.assertTrue(all(r["result"] == "refused" for r in records[1:]))
        self.assertTrue(all(r["client_address"] == "127.0.0.1" for r in records))
        self.assertNotIn("wrong horse battery", json.dumps(records))
        # What the submission led to is the SMTP user's doing.
        accepted = self.wait_for(action="message.accepted", actor=SENDER)
        self.assertEqual(accepted[0]["actor_kind"], "user")
        self.assertNotIn("Lisa", json.dumps(self.search(actor=SENDER)))

    def test_a_message_life_and_every_access_to_it(self):
        body = {"from": SENDER, "to": ["homer@example.net"], "subject": "Results",
                "text": "Your results are in.",
                "options": {"escrow": {"question": "Dog?", "answer": "Santa's Little Helper"}}}
        r = self.server.api("POST", "/api/v1/messages", json.dumps(body))
        self.assertEqual(r.status, 202, r.text)
        message_id = json.loads(r.body)["id"]
        self.wait_for(message=message_id, action="message.notice_delivered")
        rid, page = self.server.open_notice("homer@example.net")
        self.assertEqual(self.server.answer(rid, page, "Snowball").status, 200)
        self.assertEqual(self.server.answer(rid, page, "santa's little helper").status, 303)
        self.assertEqual(self.server.get(f"/r/{rid}", cookies=True).status, 200)
        self.assertEqual(self.server.get(f"/r/{rid}/print", cookies=True).status, 200)
        r = self.server.api("POST", f"/api/v1/messages/{message_id}/extend",
                            json.dumps({"expires_in_days": 60}))
        self.assertEqual(r.status, 200, r.text)
        r = self.server.api("POST", f"/api/v1/messages/{message_id}/retract", "{}")
        self.assertEqual(r.status, 200, r.text)

        records = list(reversed(self.search(message=message_id)["records"]))
        actions = [r["action"] for r in records]
        for expected in ("message.accepted", "message.notice_delivered",
                         "message.link_opened", "message.answer_failed", "message.verified",
                         "message.viewed", "message.printed", "message.expiry_changed",
                         "message.retracted"):
            self.assertIn(expected, actions)
        self.assertLess(actions.index("message.answer_failed"), actions.index("message.viewed"))
        by_action = {r["action"]: r for r in records}
        accepted = by_action["message.accepted"]
        self.assertEqual((accepted["actor_kind"], accepted["actor"]), ("api_client", self.key_id))
        self.assertEqual(accepted["account"], "default")  # the key's account
        # Each recipient with its method and why.
        self.assertEqual(accepted["details"]["recipients"][0]["address"], "homer@example.net")
        self.assertEqual(accepted["details"]["recipients"][0]["method"], "escrow")
        self.assertIn("escrow", accepted["details"]["recipients"][0]["why"])
        failed = by_action["message.answer_failed"]
        self.assertEqual((failed["actor_kind"], failed["actor"], failed["result"]),
                         ("recipient", rid, "refused"))
        self.assertEqual(failed["recipient"], "homer@example.net")
        delivered = by_action["message.notice_delivered"]
        self.assertEqual(delivered["actor_kind"], "system")
        self.assertEqual(delivered["details"]["outcome"], "delivered")  # the delivery's report
        self.assertIn("tls_version", delivered["details"])
        self.assertEqual(by_action["message.retracted"]["actor"], self.key_id)
        self.assertEqual(by_action["message.expiry_changed"]["actor"], self.key_id)
        # Nothing of the message or its answer is in the trail.
        text = json.dumps(records)
        for secret in ("Your results are in", "Santa", "Snowball"):
            self.assertNotIn(secret, text)
        # The same records by recipient, a page at a time.
        first = self.search(recipient="HOMER@example.net", limit=3)
        self.assertEqual(len(first["records"]), 3)
        rest = self.search(recipient="homer@example.net", cursor=first["next_cursor"])
        seqs = [r["seq"] for r in first["records"] + rest["records"]]
        self.assertEqual(seqs, sorted(seqs, reverse=True))
        self.assertEqual(len(seqs), len(set(seqs)))
        self.assertEqual(sorted(seqs), sorted(r["seq"] for r in records
                                              if r["recipient"] == "homer@example.net"))
        self.assertGreaterEqual(len(seqs), 5)

    def test_an_administrators_change_is_recorded_with_before_and_after(self):
        path = "/api/v1/settings/account/Clinic"
        r = self.server.api("PUT", path, json.dumps({"default_expiry_days": 9}))
        self.assertEqual(r.status, 200, r.text)
        r = self.server.api("PUT", path, json.dumps({"default_expiry_days": "soon"}))
        self.assertEqual(r.status, 400, r.text)
        records = self.search(action="api.PUT /api/v1/settings/{level}/{name}")["records"]
        self.assertEqual([r["result"] for r in records], ["refused", "ok"])
        changed = records[1]
        self.assertEqual(changed["subject"], "account/Clinic")
        self.assertEqual(changed["actor"], self.key_id)
        self.assertNotIn("default_expiry_days", changed["details"]["before"])
        self.assertEqual(changed["details"]["after"]["default_expiry_days"], 9)
        self.assertEqual(records[0]["details"]["status"], 400)

    def test_bad_filters_get_a_problem_naming_them(self):
        for query, field in (("since=tuesday", "since"), ("limit=0", "limit"),
                             ("colour=red", "colour"), ("cursor=-1", "cursor")):
            r = self.server.api("GET", f"/api/v1/audit?{query}", content_type=None)
            self.assertEqual(r.status, 400, query)
            self.assertEqual(r.header("content-type"), "application/problem+json")
            self.assertIn(field, r.text)

    def test_exports_stream_and_are_recorded(self):
        r = self.server.api("GET", "/api/v1/audit/export?format=jsonl", content_type=None)
        self.assertEqual(r.status, 200, r.text)
        lines = [json.loads(line) for line in r.text.splitlines()]
        self.assertEqual(lines[0]["action"], "api.GET /api/v1/audit/export")  # itself, first
        self.assertEqual([x["seq"] for x in lines], list(range(lines[0]["seq"], 0, -1)))
        r = self.server.api("GET", "/api/v1/audit/export?format=csv&action=auth.*",
                            content_type=None)
        self.assertEqual(r.status, 200, r.text)
        self.assertTrue(r.header("content-type").startswith("text/csv"))
        rows = list(csv.reader(r.text.splitlines()))
        self.assertEqual(rows[0][6], "action")
        self.assertTrue(all(row[6].startswith("auth.") for row in rows[1:]))
        r = self.server.api("GET", "/api/v1/audit/export?format=pdf", content_type=None)
        self.assertEqual(r.status, 400)
        # The trail, all of it, still verifies with the server running.
        code, out, err = self.server.admin("audit", "verify")
        self.assertEqual(code, 0, out + err)


class SyslogForwardingTest(unittest.TestCase):
    """Records go to syslog as RFC 5424 messages over UDP; a bad target is refused at start."""

    def test_records_reach_a_syslog_receiver(self):
        receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        receiver.bind(("127.0.0.1", 0))
        receiver.settimeout(30)
        port = receiver.getsockname()[1]
        server = Sealpost(settings={"audit.forward": f'"syslog:udp:127.0.0.1:{port}"'})
        try:
            server.start()
            sentinel = "5e5e5e5e" * 4
            r = server.api("GET", "/api/v1/audit", content_type=None, key=f"{sentinel}:x")
            self.assertEqual(r.status, 401)
            while True:  # bounded by the socket's timeout
                message = receiver.recv(65536).decode()
                if sentinel in message:
                    break
            # authpriv.warning for a refusal; version 1; the documentation PEN.
            self.assertRegex(message, r'^<84>1 \d{4}-\d\d-\d\dT[\d:]+Z \S+ sealpost \d+ audit '
                                      r'\[sealpost@32473 seq="\d+" action="auth.api_key" '
                                      r'result="refused"\] \{')
            record = json.loads(message[message.index("] {") + 2:])
            self.assertEqual(record["actor"], sentinel)
        finally:
            receiver.close()
            server.cleanup()

    def test_a_bad_target_is_refused_with_its_line(self):
        server = Sealpost(settings={"audit.forward": '"ftp://siem.example"'})
        try:
            code, _, err = server.admin("audit", "list")
            self.assertEqual(code, 2)
            self.assertIn("config.toml:", err)
            self.assertIn("audit.forward must be", err)
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
