"""Bad input gets a precise RFC 9457 problem, and nothing is stored."""
import glob
import json
import os
import sqlite3
import subprocess
import unittest

import harness
from harness import Sealpost

GOOD = {"from": "dr@clinic.example", "to": ["pat@example.net"], "text": "hello",
        "options": {"escrow": {"question": "Q?", "answer": "A"}}}


class BadInputTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # A small JSON limit so the oversize case is cheap to send.
        cls.server = Sealpost(settings={"max_json_bytes": "65536"}).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def stored(self):
        db = sqlite3.connect(os.path.join(self.server.data, "sealpost.db"))
        counts = tuple(db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                       for t in ("messages", "recipients", "queue", "events"))
        db.close()
        blobs = [p for p in glob.glob(os.path.join(self.server.data, "blobs", "**", "*"),
                                      recursive=True) if os.path.isfile(p)]
        return counts, len(blobs)

    def assertProblem(self, response, status, field=None):
        self.assertEqual(response.status, status, response.text)
        self.assertEqual(response.header("content-type"), "application/problem+json")
        problem = json.loads(response.body)
        self.assertEqual(problem["status"], status)
        self.assertIn("title", problem)
        if field:
            names = [p["name"] for p in problem.get("invalid-params", [])]
            self.assertIn(field, names, problem)
        return problem

    def test_every_kind_of_bad_request_stores_nothing(self):
        before = self.stored()
        cases = [
            ("malformed JSON", '{"from": "a@b.example", "to": [', 400, "body"),
            ("not an object", "[1, 2, 3]", 400, "body"),
            ("missing from", json.dumps({**GOOD, "from": None}), 400, "from"),
            ("missing to", json.dumps({k: v for k, v in GOOD.items() if k != "to"}), 400, "to"),
            ("bad address", json.dumps({**GOOD, "to": ["pat@example.net", "no-at-sign"]}), 400, "to[1]"),
            ("header injection", json.dumps({**GOOD, "subject": "a\r\nBcc: x@y.example"}), 400, "subject"),
            ("bad base64", json.dumps({**GOOD, "attachments": [
                {"filename": "a.txt", "content_base64": "not base64!"}]}), 400,
             "attachments[0].content_base64"),
            ("path in filename", json.dumps({**GOOD, "attachments": [
                {"filename": "../../etc/passwd", "content_base64": "aGk="}]}), 400,
             "attachments[0].filename"),
            ("expiry out of range", json.dumps({**GOOD, "options": {
                "escrow": {"question": "Q?", "answer": "A"}, "expires_in_days": 4000}}), 400,
             "options.expires_in_days"),
            ("unknown field", json.dumps({**GOOD, "reply_to": ["x@y.example"]}), 400, "reply_to"),
        ]
        for name, body, status, field in cases:
            with self.subTest(name):
                self.assertProblem(self.server.api("POST", "/api/v1/messages", body), status, field)

        problem = self.assertProblem(self.server.api(
            "POST", "/api/v1/messages", json.dumps({k: v for k, v in GOOD.items() if k != "options"})), 422)
        self.assertEqual(problem["recipients"], ["pat@example.net"])

        oversize = json.dumps({**GOOD, "text": "x" * 70000})
        self.assertProblem(self.server.api("POST", "/api/v1/messages", oversize), 413)
        self.assertProblem(self.server.api("POST", "/api/v1/messages", json.dumps(GOOD),
                                           content_type="text/plain"), 415)
        self.assertProblem(self.server.api("POST", "/api/v1/messages", json.dumps(GOOD),
                                           key="0123:unknown"), 401)
        self.assertProblem(self.server.request("POST", "/api/v1/messages",
                                               headers=["Content-Type: application/json"],
                                               data=json.dumps(GOOD)), 401)
        self.assertProblem(self.server.api("GET", "/api/v1/nothing-here"), 404)
        self.assertProblem(self.server.api("DELETE", "/api/v1/messages"), 405)
        self.assertEqual(self.stored(), before)

    def test_the_received_headers_tool_answers_or_says_what_is_wrong(self):
        """Issue 26: POST /api/v1/tools/received-headers, as text or JSON."""
        header = ("Received: from mail.example.org (mail.example.org [192.0.2.10])\r\n"
                  "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\r\n"
                  "\tby mx.example.net (Postfix) with ESMTPS id 4Nq2\r\n"
                  "\tfor <a@example.net>; Tue, 1 Dec 2026 10:00:02 +0000\r\n"
                  "Received: from laptop ([198.51.100.7]) by mail.example.org with ESMTPA id 1;"
                  " Tue, 1 Dec 2026 10:00:00 +0000\r\n\r\nthe body\r\n")
        path = "/api/v1/tools/received-headers"
        for body, content_type in ((header, "message/rfc822"),
                                   (json.dumps({"headers": header}), "application/json")):
            r = self.server.api("POST", path, body, content_type=content_type)
            self.assertEqual(r.status, 200, r.text)
            answer = json.loads(r.body)
            self.assertEqual(answer["verdict"], "not encrypted")
            self.assertEqual([h["verdict"] for h in answer["hops"]], ["not encrypted", "encrypted"])
            self.assertEqual(answer["hops"][1]["tls_version"], "TLSv1.3")
            self.assertEqual(answer["hops"][1]["delay_seconds"], 2)
        self.assertProblem(self.server.api("POST", path, "Subject: no hops\r\n\r\n",
                                           content_type="text/plain"), 400, "headers")
        self.assertProblem(self.server.api("POST", path, json.dumps({"header": header})), 400,
                           "headers")
        self.assertProblem(self.server.api("POST", path, "Received: x\r\n" * 600,
                                           content_type="text/plain"), 400, "headers")
        self.assertProblem(self.server.request("POST", path, headers=["Content-Type: text/plain"],
                                               data=header), 401)

    def test_bad_multipart_uploads_leave_no_blobs(self):
        before = self.stored()
        big = os.path.join(self.server.tmp, "big.bin")
        open(big, "wb").write(os.urandom(2 * 1024 * 1024))
        bad_message = os.path.join(self.server.tmp, "bad.json")
        open(bad_message, "w").write(json.dumps({**GOOD, "to": ["nope"]}))
        # The attachment streams into storage before the message part is found bad.
        r = self.server.api("POST", "/api/v1/messages", None, content_type=None,
                            files=[f"file=@{big}", f"message=<{bad_message}"])
        self.assertProblem(r, 400, "to[0]")
        # No message part at all.
        r = self.server.api("POST", "/api/v1/messages", None, content_type=None,
                            files=[f"file=@{big}"])
        self.assertProblem(r, 400, "message")
        # A truncated body.
        r = self.server.api("POST", "/api/v1/messages",
                            "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nabc",
                            content_type="multipart/form-data; boundary=b")
        self.assertProblem(r, 400)
        self.assertEqual(self.stored(), before)

    def test_the_cli_names_the_file_and_line(self):
        config = os.path.join(self.server.tmp, "broken.toml")
        open(config, "w").write("[server]\nport = 8443\n\n[escrow]\ndefault_expiry_days = 0\n")
        run = subprocess.run([harness.BIN, "serve", "--config", config], capture_output=True,
                             text=True, timeout=30)
        self.assertEqual(run.returncode, 2)
        self.assertIn(f"{config}:5:", run.stderr)
        self.assertIn("default_expiry_days", run.stderr)


if __name__ == "__main__":
    unittest.main()
