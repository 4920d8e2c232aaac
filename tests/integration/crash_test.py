"""Issue 4: accepted mail is never lost. sealpost is killed with SIGKILL while it
delivers 1,000 messages to a real Postfix; after a restart every message arrives, and
no more arrive twice than were being delivered at the moment of the kill."""
import glob
import os
import re
import smtplib
import threading
import time
import unittest

import peers
from harness import Sealpost
from smtp_test import wait_for

SENDER = "lab@clinic.example"
MESSAGES = 1000
MAX_IN_FLIGHT = 20
SEQ = re.compile(rb"^X-Seq: (\d+)$", re.M)


class CrashTest(unittest.TestCase):
    def setUp(self):
        port = peers.free_port()
        # Started only once everything is queued, so the kill falls amid deliveries.
        self.mx = peers.Postfix(port=port, name="mx.crash.example", starttls=False,
                                domains=["crash.example"])
        self.server = Sealpost(settings={
            "trusted_networks": '["127.0.0.1/32"]', "smtp.max_connections_per_client": "100",
            "mode": '"smtp"', "transport": f'["* = 127.0.0.1:{port} tls=none"]',
            "max_connections_per_domain": "5", "max_in_flight": str(MAX_IN_FLIGHT),
            "first_retry_seconds": "1", "max_retry_seconds": "2"})
        for args in (["account", "create", "Lab"],
                     ["domain", "create", "clinic.example", "--account", "Lab"],
                     ["user", "create", SENDER],
                     ["settings", "set", "domain", "clinic.example", "failure_action=send-plain"]):
            code, _, err = self.server.admin(*args)
            self.assertEqual(code, 0, err)
        self.server.start()

    def tearDown(self):
        self.server.cleanup()
        self.mx.cleanup()

    def submit_all(self):
        def submit(first, count):
            with smtplib.SMTP("127.0.0.1", self.server.smtp_port, timeout=60) as s:
                for n in range(first, first + count):
                    s.sendmail(SENDER, [f"p{n}@crash.example"],
                               f"From: {SENDER}\r\nTo: p{n}@crash.example\r\nSubject: result {n}\r\n"
                               f"X-Seq: {n}\r\n\r\nSodium 14{n % 10} mmol/L\r\n")
        threads = [threading.Thread(target=submit, args=(i * 250, 250)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=600)

    def received(self):
        """X-Seq of every message Postfix filed, with repeats."""
        seqs = []
        for path in glob.glob(os.path.join(self.mx.mail, "box", "new", "*")):
            try:
                with open(path, "rb") as f:
                    m = SEQ.search(f.read(8192))
            except FileNotFoundError:
                continue
            if m:
                seqs.append(int(m.group(1)))
        return seqs

    def test_kill_9_while_delivering_loses_nothing(self):
        self.submit_all()
        # Each acknowledged message is on disk (the spool); the queue takes them from there.
        wait_for(lambda: self.server.sql("SELECT count(*) FROM queue")[0][0] == MESSAGES,
                 timeout=300, what="every message queued")
        self.mx.start()
        wait_for(lambda: len(self.received()) >= 150, timeout=120, what="150 deliveries")
        self.server.proc.kill()
        self.server.proc.wait(timeout=30)
        at_kill = len(self.received())
        self.assertLess(at_kill, MESSAGES, "the kill came after every delivery: no test")

        self.server.start()
        wait_for(lambda: len(set(self.received())) == MESSAGES, timeout=300,
                 what="every message delivered")
        seqs = self.received()
        self.assertEqual(set(seqs), set(range(MESSAGES)))
        duplicates = len(seqs) - MESSAGES
        # Only what was in flight when the process died can have been delivered
        # without its result being recorded.
        self.assertLessEqual(duplicates, MAX_IN_FLIGHT)
        wait_for(lambda: self.server.sql(
            "SELECT count(*) FROM queue WHERE state = 'delivered'")[0][0] == MESSAGES,
            timeout=60, what="the queue to record every delivery")
        print(f"crash_test: {at_kill} delivered before the kill, {duplicates} duplicates")


if __name__ == "__main__":
    unittest.main()
