"""The first secure message, end to end, against the real binary: API → sealed
storage → notice in the outbox → portal link → question → message → attachments."""
import base64
import hashlib
import html
import json
import os
import re
import smtplib
import sqlite3
import ssl
import time
import unittest
from urllib.parse import urlparse

import harness
from harness import SECURITY_HEADERS, Sealpost, notice_link


class JourneyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Sealpost().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def assertSecurityHeaders(self, response):
        for name, must_contain in SECURITY_HEADERS.items():
            value = response.header(name)
            self.assertIsNotNone(value, f"missing {name}")
            self.assertIn(must_contain, value, name)

    def send(self, body, **kw):
        r = self.server.api("POST", "/api/v1/messages", json.dumps(body), **kw)
        self.assertSecurityHeaders(r)
        return r

    def open_portal(self, address):
        """Follows the notice's link and returns (recipient id, question page)."""
        msg = self.server.notice_for(address)
        link = notice_link(msg)
        if os.path.exists(self.server.cookie_jar):
            os.remove(self.server.cookie_jar)
        r = self.server.get(urlparse(link).path, cookies=True)
        self.assertEqual(r.status, 303, r.text)
        self.assertSecurityHeaders(r)
        location = r.header("location")
        rid = link.split("/m/")[1].split(".")[0]
        self.assertEqual(location, f"/r/{rid}")  # the secret has left the URL
        self.assertNotIn(link.split(".")[-1], location)
        cookie = [c for c in r.cookies if c.startswith("__Host-sp_link=")][0]
        for attribute in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
            self.assertIn(attribute, cookie)
        page = self.server.get(location, cookies=True)
        self.assertEqual(page.status, 200)
        self.assertSecurityHeaders(page)
        return rid, page

    def answer(self, rid, page, answer):
        return self.server.answer(rid, page, answer)

    def test_json_journey(self):
        attachment = os.urandom(300_000)
        body = {
            "from": "dr.hibbert@clinic.example",
            "to": ["homer@example.net"],
            "subject": "Your blood test results",
            "text": "Dear Homer,\nyour cholesterol is high.\n",
            "html": "<p>Dear Homer, <b>high</b> cholesterol.</p><script>alert('x')</script>"
                    "<img src=\"https://tracker.example/pixel.gif\">",
            "attachments": [{"filename": "résultats.pdf", "content_type": "application/pdf",
                             "content_base64": base64.b64encode(attachment).decode()}],
            "options": {"escrow": {"question": "Your dog's name?", "answer": "Santa's Little Helper"},
                        "expires_in_days": 30},
        }
        r = self.send(body)
        self.assertEqual(r.status, 202, r.text)
        sent = json.loads(r.body)
        self.assertEqual(sent["recipients"][0]["address"], "homer@example.net")
        self.assertEqual(sent["recipients"][0]["method"], "escrow")
        message_id = sent["id"]

        # The notice arrives in the outbox; it carries a link but no content.
        msg = self.server.notice_for("homer@example.net")
        self.assertEqual(msg["Subject"], "You have been sent a secure message")
        raw = msg.as_string()
        self.assertNotIn("cholesterol", raw)
        self.assertNotIn("blood test", raw)

        status = self.wait_status(message_id, "notice_delivered")
        self.assertEqual(status["recipients"][0]["status"], "notice_delivered")

        rid, page = self.open_portal("homer@example.net")
        self.assertIn("Your dog&#39;s name?", page.text)

        wrong = self.answer(rid, page, "Snowball")
        self.assertEqual(wrong.status, 200)
        self.assertIn("4 attempts left", wrong.text)

        right = self.answer(rid, page, "  santa's   LITTLE helper ")
        self.assertEqual(right.status, 303, right.text)
        session = [c for c in right.cookies if c.startswith("__Host-sp_session=")][0]
        self.assertIn("HttpOnly", session)

        view = self.server.get(f"/r/{rid}", cookies=True)
        self.assertEqual(view.status, 200, view.text)
        self.assertSecurityHeaders(view)
        self.assertIn("Your blood test results", view.text)
        self.assertIn("Dear Homer,\nyour cholesterol is high.\n", html.unescape(view.text))
        self.assertIn("Signature verified", view.text)
        # The HTML body lives only inside a sandboxed frame, escaped, under a CSP that
        # allows no script and no remote image.
        self.assertNotIn("<script>alert", view.text)
        frame = re.search(r'<iframe[^>]*sandbox=""[^>]*srcdoc="([^"]*)"', view.text)
        self.assertIsNotNone(frame)
        self.assertEqual(html.unescape(frame.group(1)), body["html"])
        csp = view.header("content-security-policy")
        self.assertIn("default-src 'none'", csp)
        self.assertNotIn("script-src", csp)
        self.assertNotIn("https:", csp)

        download = self.server.get(f"/r/{rid}/attachments/0", cookies=True)
        self.assertEqual(download.status, 200)
        self.assertEqual(download.body, attachment)
        self.assertIn("attachment;", download.header("content-disposition"))
        self.assertIn("filename*=UTF-8''r%C3%A9sultats.pdf", download.header("content-disposition"))

        status = self.wait_status(message_id, "viewed")
        self.assertEqual(status["recipients"][0]["status"], "viewed")

        # Every step left an event, each view and download with time and address.
        db = sqlite3.connect(os.path.join(self.server.data, "sealpost.db"))
        events = db.execute("SELECT type, client_address, at FROM events WHERE message_id = ? "
                            "ORDER BY id", (message_id,)).fetchall()
        types = [e[0] for e in events]
        for expected in ("accepted", "notice_queued", "notice_delivered", "link_opened",
                         "answer_failed", "verified", "viewed", "downloaded"):
            self.assertIn(expected, types)
        viewed = [e for e in events if e[0] == "viewed"][0]
        self.assertEqual(viewed[1], "127.0.0.1")
        self.assertLess(abs(viewed[2] - time.time()), 120)

        # No log line holds the link secret, the answer or the content.
        log = self.server.log()
        self.assertNotIn(notice_link(msg).split(".")[-1], log)
        self.assertNotIn("Santa", log)
        self.assertNotIn("cholesterol", log)

    def test_multipart_with_20_mb_attachment(self):
        big = os.urandom(20 * 1024 * 1024)
        small = b"second file\r\n--not-a-boundary\r\n"
        big_path = os.path.join(self.server.tmp, "scan.bin")
        small_path = os.path.join(self.server.tmp, "note.txt")
        open(big_path, "wb").write(big)
        open(small_path, "wb").write(small)
        message = json.dumps({"from": "lab@clinic.example", "to": ["marge@example.net"],
                              "subject": "Scan", "text": "See the scan.",
                              "options": {"escrow": {"question": "Maiden name?",
                                                     "answer": "Bouvier"}}})
        message_path = os.path.join(self.server.tmp, "message.json")
        open(message_path, "w").write(message)
        r = self.server.api("POST", "/api/v1/messages", None, content_type=None,
                            files=[f"message=<{message_path};type=application/json",
                                   f"file=@{big_path};type=application/octet-stream",
                                   f"file=@{small_path};type=text/plain"])
        self.assertEqual(r.status, 202, r.text)
        rid, page = self.open_portal("marge@example.net")
        self.assertEqual(self.answer(rid, page, "bouvier").status, 303)
        view = self.server.get(f"/r/{rid}", cookies=True)
        self.assertIn("scan.bin", view.text)
        self.assertIn("note.txt", view.text)
        got_big = self.server.get(f"/r/{rid}/attachments/0", cookies=True)
        self.assertEqual(got_big.status, 200)
        self.assertEqual(len(got_big.body), len(big))
        self.assertEqual(hashlib.sha256(got_big.body).hexdigest(), hashlib.sha256(big).hexdigest())
        got_small = self.server.get(f"/r/{rid}/attachments/1", cookies=True)
        self.assertEqual(got_small.body, small)

    def test_five_wrong_answers_lock_the_message(self):
        r = self.send({"from": "a@clinic.example", "to": ["bart@example.net"], "text": "x",
                       "options": {"escrow": {"question": "Q?", "answer": "right"}}})
        self.assertEqual(r.status, 202)
        message_id = json.loads(r.body)["id"]
        rid, page = self.open_portal("bart@example.net")
        for left in (4, 3, 2, 1):
            page = self.answer(rid, page, "wrong")
            self.assertIn(f"{left} attempt", page.text)
        locked = self.answer(rid, page, "wrong")
        self.assertEqual(locked.status, 403)
        self.assertIn("locked", locked.text)
        # Even the right answer no longer opens it.
        again = self.answer(rid, page, "right")
        self.assertEqual(again.status, 403)
        self.assertEqual(self.status(message_id)["recipients"][0]["status"], "locked")

    def test_forged_unknown_and_expired_links_get_plain_pages(self):
        for path in ("/m/" + "a" * 32 + "." + "A" * 43, "/m/garbage", "/m/%00%ff"):
            r = self.server.get(path)
            self.assertEqual(r.status, 404, path)
            self.assertIn("text/html", r.header("content-type"))
            self.assertIn("This link does not work", r.text)
            self.assertSecurityHeaders(r)
        # A real recipient id with a forged secret is refused the same way.
        r = self.send({"from": "a@clinic.example", "to": ["lisa@example.net"], "text": "x",
                       "options": {"escrow": {"question": "Q?", "answer": "A"}}})
        link = notice_link(self.server.notice_for("lisa@example.net"))
        rid = link.split("/m/")[1].split(".")[0]
        forged = self.server.get(f"/m/{rid}." + "B" * 43)
        self.assertEqual(forged.status, 404)
        # Without the link cookie the portal page sends the reader back to the email.
        if os.path.exists(self.server.cookie_jar):
            os.remove(self.server.cookie_jar)
        self.assertEqual(self.server.get(f"/r/{rid}", cookies=True).status, 403)
        # Time passes (the test moves the expiry into the past in the database).
        message_id = json.loads(r.body)["id"]
        db = sqlite3.connect(os.path.join(self.server.data, "sealpost.db"))
        db.execute("UPDATE messages SET expires_at = ? WHERE id = ?", (int(time.time()) - 1, message_id))
        db.commit()
        db.close()
        _, page = self.open_portal_expecting("lisa@example.net", 410)
        self.assertIn("expired", page.text)
        self.assertNotIn("Traceback", page.text)
        self.assertEqual(self.status(message_id)["recipients"][0]["status"], "expired")

    def open_portal_expecting(self, address, status):
        link = notice_link(self.server.notice_for(address))
        if os.path.exists(self.server.cookie_jar):
            os.remove(self.server.cookie_jar)
        r = self.server.get(urlparse(link).path, cookies=True)
        self.assertEqual(r.status, 303)
        page = self.server.get(r.header("location"), cookies=True)
        self.assertEqual(page.status, status, page.text)
        return r, page

    def test_status_is_private_to_the_account(self):
        r = self.send({"from": "a@clinic.example", "to": ["maggie@example.net"], "text": "x",
                       "options": {"escrow": {"question": "Q?", "answer": "A"}}})
        message_id = json.loads(r.body)["id"]
        self.assertEqual(self.server.api("GET", f"/api/v1/messages/{message_id}").status, 200)
        unknown = self.server.api("GET", "/api/v1/messages/" + "0" * 32)
        self.assertEqual(unknown.status, 404)
        self.assertEqual(unknown.header("content-type"), "application/problem+json")
        self.assertEqual(self.server.api("GET", f"/api/v1/messages/{message_id}",
                                         key="nobody:nothing").status, 401)

    def status(self, message_id):
        r = self.server.api("GET", f"/api/v1/messages/{message_id}")
        self.assertEqual(r.status, 200, r.text)
        return json.loads(r.body)

    def wait_status(self, message_id, want, timeout=30):
        deadline = time.time() + timeout
        while True:
            status = self.status(message_id)
            if status["recipients"][0]["status"] == want or time.time() > deadline:
                return status
            time.sleep(0.1)


class DevModeTest(unittest.TestCase):
    def test_dev_mode_writes_credentials_and_serves_the_outbox(self):
        server = Sealpost(dev=True)
        try:
            server.start([harness.BIN, "serve", "--dev",
                          "--data", server.data])
            creds_path = os.path.join(server.data, "dev-credentials")
            self.assertEqual(os.stat(creds_path).st_mode & 0o777, 0o600)
            creds = dict(line.split("=", 1) for line in open(creds_path).read().splitlines())
            server.api_key = creds["API_KEY"]
            r = server.api("POST", "/api/v1/messages", json.dumps(
                {"from": "a@clinic.example", "to": ["ned@example.net"], "text": "hi",
                 "options": {"escrow": {"question": "Q?", "answer": "A"}}}))
            self.assertEqual(r.status, 202, r.text)
            server.wait_for_notices(1)
            page = server.get("/dev/outbox")
            self.assertEqual(page.status, 200)
            self.assertIn("ned@example.net", page.text)
            name = re.search(r'href="/dev/outbox/([^"]+)"', page.text).group(1)
            self.assertIn("/m/", server.get(f"/dev/outbox/{name}").text)
            self.assertEqual(server.get("/dev/outbox/..%2f..%2fconfig.toml").status, 404)
            self.assertEqual(oct(os.stat(os.path.join(server.data, "master.key")).st_mode & 0o777),
                             oct(0o600))
            # The demo sender's SMTP credentials work, over STARTTLS.
            self.assertEqual(creds["SMTP_USER"], "demo@localhost")
            self.assertEqual(creds["SMTP_PORT"], str(server.smtp_port))
            context = ssl.create_default_context()
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
            with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=30) as s:
                s.starttls(context=context)
                s.login(creds["SMTP_USER"], creds["SMTP_PASSWORD"])
                s.sendmail("demo@localhost", ["maude@example.net"],
                           "From: demo@localhost\r\nX-Sealpost-Question: Q?\r\n"
                           "X-Sealpost-Answer: A\r\n\r\nhello\r\n")
            server.notice_for("maude@example.net")
            # Restarting keeps the same credentials.
            self.assertEqual(server.stop(), 0)
            server.start([harness.BIN, "serve", "--dev", "--data", server.data])
            again = dict(line.split("=", 1) for line in open(creds_path).read().splitlines())
            self.assertEqual(again["SMTP_PASSWORD"], creds["SMTP_PASSWORD"])
            self.assertEqual(server.stop(), 0)  # a clean shutdown on SIGTERM
        finally:
            server.cleanup()

    def test_no_outbox_page_outside_dev_mode(self):
        server = Sealpost(dev=False)
        try:
            server.start()
            self.assertEqual(server.get("/dev/outbox").status, 404)
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
