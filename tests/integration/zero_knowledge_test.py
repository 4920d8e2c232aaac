"""What the server stores is not enough to read a message.

After a message is sent: no file the server keeps (database, write-ahead log, blobs)
contains its content, subject, question's answer or attachment; and with all of it,
master key included, a probe that plays the thief cannot open the message without
both the link secret and the answer (and can with both, so the probe is real).
"""
import base64
import glob
import json
import os
import subprocess
import time
import unittest

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
                      for name in ("sealpost.db", "sealpost.db-wal")]
            stored += [p for p in glob.glob(os.path.join(server.data, "blobs", "**", "*"),
                                            recursive=True) if os.path.isfile(p)]
            stored = [p for p in stored if os.path.exists(p)]
            self.assertGreater(len(stored), 2)
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


if __name__ == "__main__":
    unittest.main()
