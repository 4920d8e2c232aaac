"""What the server stores is not enough to read a message.

After a message is sent: no file the server keeps (database, write-ahead log, blobs)
contains its content, subject, question's answer or attachment; and with all of it,
master key included, a probe that plays the thief cannot open the message without
both the link secret and the answer (and can with both, so the probe is real).
"""
import base64
import email
import email.policy
import glob
import json
import os
import subprocess
import time
import unittest

import peers
from harness import Sealpost, notice_link

PROBE = os.environ.get("ZK_PROBE", "../../build/asan/tests/zk_probe")


class ZeroKnowledgeTest(unittest.TestCase):
    def test_stored_data_alone_cannot_open_a_message(self):
        server = Sealpost()
        try:
            server.start()
            text = "ZK-MARKER-TEXT the biopsy shows no malignancy"
            attachment = b"ZK-MARKER-ATTACHMENT " + os.urandom(4096)
            answer = "ZK-Marker-Answer"
            r = server.api("POST", "/api/v1/messages", json.dumps({
                "from": "onc@clinic.example", "to": ["patient@example.net"],
                "subject": "ZK-MARKER-SUBJECT", "text": text, "html": f"<p>{text}</p>",
                "attachments": [{"filename": "ZK-MARKER-NAME.pdf",
                                 "content_base64": base64.b64encode(attachment).decode()}],
                "options": {"escrow": {"question": "Code word?", "answer": answer}}}))
            self.assertEqual(r.status, 202, r.text)
            link = notice_link(server.notice_for("patient@example.net"))
            rid, secret = link.split("/m/")[1].split(".")
            # Let the queue record the delivery, then stop so every write is on disk.
            time.sleep(1)
            self.assertEqual(server.stop(), 0)

            stored = [server.config.replace("config.toml", name)
                      for name in ("sealpost.db", "sealpost.db-wal", "sealpost.spool.db",
                                   "sealpost.spool.db-wal")]
            stored += [p for p in glob.glob(os.path.join(server.data, "blobs", "**", "*"),
                                            recursive=True) if os.path.isfile(p)]
            stored = [p for p in stored if os.path.exists(p)]
            # The database and the attachment's blob at least (a short manifest is kept
            # in the database; the write-ahead log goes at a clean stop).
            self.assertGreaterEqual(len(stored), 2)
            self.assertTrue(any("blobs" in p for p in stored), stored)
            markers = [b"ZK-MARKER", answer.lower().encode(), answer.encode(),
                       attachment[:64], secret.encode()]
            for path in stored:
                content = open(path, "rb").read()
                for marker in markers:
                    self.assertNotIn(marker, content, f"{marker!r} found in {path}")

            def probe(secret_arg, answer_arg):
                return subprocess.run([PROBE, server.data, rid, secret_arg, answer_arg],
                                      capture_output=True, text=True, timeout=60)

            both = probe(secret, answer)
            self.assertEqual(both.returncode, 0, both.stdout + both.stderr)
            self.assertIn(text, both.stdout)
            no_secret = probe("-", answer)
            self.assertEqual(no_secret.returncode, 1, no_secret.stdout)
            wrong_answer = probe(secret, "not the answer")
            self.assertEqual(wrong_answer.returncode, 1, wrong_answer.stdout)
            no_answer = probe(secret, "")
            self.assertEqual(no_answer.returncode, 1, no_answer.stdout)
        finally:
            server.cleanup()


class DeliveredNoticeTest(unittest.TestCase):
    """Issue 18.9: a notice waiting in the queue carries its link secret under a key the
    server holds (the master key derives it). Once the notice is delivered, nothing is
    left — in the database, its write-ahead log or the blobs — that opens the message,
    even with the master key: the sealed notice is gone from the files, not just from
    the table."""

    def setUp(self):
        port = peers.free_port()
        self.mx = peers.Postfix(port=port, name="mx.zk.example", starttls=False,
                                domains=["example.net"])
        self.server = Sealpost(settings={
            "mode": '"smtp"', "transport": f'["* = 127.0.0.1:{port} tls=none"]',
            "first_retry_seconds": "3600"})
        for args in (["account", "create", "Oncology"],
                     ["domain", "create", "clinic.example", "--account", "Oncology"],
                     # Key in the link alone: the link is all a thief would need.
                     ["settings", "set", "domain", "clinic.example", "verification=login"]):
            code, _, err = self.server.admin(*args)
            self.assertEqual(code, 0, err)
        self.server.start()

    def tearDown(self):
        self.server.cleanup()
        self.mx.cleanup()

    def probe(self, *args):
        return subprocess.run([PROBE, self.server.data, *args], capture_output=True, text=True,
                              timeout=60)

    def state_of(self, queue_id):
        rows = self.server.sql(f"SELECT state FROM queue WHERE id = '{queue_id}'")
        return rows[0][0] if rows else None

    def test_a_delivered_notice_leaves_nothing_that_opens_its_message(self):
        text = "ZK-QUEUE-MARKER the scan is clear"
        r = self.server.api("POST", "/api/v1/messages", json.dumps({
            "from": "onc@clinic.example", "to": ["patient@example.net"], "text": text}))
        self.assertEqual(r.status, 202, r.text)
        self.assertIn("escrow/login", json.loads(r.body)["recipients"][0]["why"])
        rid = self.server.sql("SELECT id FROM recipients")[0][0]
        # The mail server is down: the notice waits in the queue, and while it waits the
        # master key does open it (what README says of queued notices).
        deadline = time.time() + 60
        while time.time() < deadline:
            rows = self.server.sql("SELECT id, state, hex(sealed_content) FROM queue")
            if rows and rows[0][1] == "deferred":
                break
            time.sleep(0.2)
        queue_id, state, sealed_hex = rows[0]
        self.assertEqual(state, "deferred")
        waiting = self.probe("--queue", queue_id)
        self.assertEqual(waiting.returncode, 0, waiting.stdout + waiting.stderr)
        self.assertIn(f"/m/{rid}.", waiting.stdout)
        sealed = bytes.fromhex(sealed_hex)
        self.assertGreater(len(sealed), 256)

        # The mail server comes up; the notice is delivered.
        self.mx.start()
        code, _, err = self.server.admin("queue", "retry", queue_id)
        self.assertEqual(code, 0, err)
        deadline = time.time() + 60
        while self.state_of(queue_id) != "delivered" and time.time() < deadline:
            time.sleep(0.2)
        self.assertEqual(self.state_of(queue_id), "delivered")
        # Postfix took it (250); its local delivery into the mailbox follows.
        deadline = time.time() + 30
        delivered = self.mx.messages_for("patient@example.net")
        while not delivered and time.time() < deadline:
            time.sleep(0.1)
            delivered = self.mx.messages_for("patient@example.net")
        self.assertEqual(len(delivered), 1)
        link = notice_link(email.message_from_bytes(delivered[0].as_bytes(),
                                                    policy=email.policy.default))
        secret = link.split("/m/")[1].split(".")[1]
        self.assertEqual(self.server.stop(), 0)

        # Not in any file, anywhere in it: not the sealed notice, not the link secret.
        files = [p for p in glob.glob(os.path.join(self.server.data, "**", "*"), recursive=True)
                 if os.path.isfile(p) and "/outbox/" not in p]
        self.assertTrue(any(p.endswith("sealpost.db") for p in files))
        for path in files:
            content = open(path, "rb").read()
            for i in range(0, len(sealed) - 32, 97):  # any piece of it
                self.assertNotIn(sealed[i:i + 32], content, f"sealed notice left in {path}")
            self.assertNotIn(secret.encode(), content, path)
            self.assertNotIn(b"ZK-QUEUE-MARKER", content, path)
        # With everything the server has, master key included: nothing opens it.
        gone = self.probe("--queue", queue_id)
        self.assertEqual(gone.returncode, 1, gone.stdout)
        self.assertEqual(self.probe(rid, "-", "").returncode, 1)
        # And the link the recipient got does (so the probe is real).
        opened = self.probe(rid, secret, "")
        self.assertEqual(opened.returncode, 0, opened.stdout + opened.stderr)
        self.assertIn(text, opened.stdout)


if __name__ == "__main__":
    unittest.main()
