"""Issue 7, what a recipient does with a message in the portal of the real binary: the
whole message as .eml (attachments streamed in, read back by Python's own MIME parser),
a print view, and deleting their copy (its key destroyed, the link dead, the sender
told through the events)."""
import base64
import email
import email.policy
import json
import os
import re
import unittest

from harness import Sealpost


class RecipientActionsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Sealpost().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def open_message(self, to, attachments=(), html=None, text="Ferritin 30 µg/l\nSee you soon.",
                     sender="dr@clinic.example", server=None):
        server = server or self.server
        body = {"from": sender, "to": [to], "subject": "Résultats du labo",
                "text": text,
                "attachments": [{"filename": name, "content_type": ctype,
                                 "content_base64": base64.b64encode(data).decode()}
                                for name, ctype, data in attachments],
                "options": {"escrow": {"question": "Pet?", "answer": "Rex"}}}
        if html is not None:
            body["html"] = html
        r = server.api("POST", "/api/v1/messages", json.dumps(body))
        self.assertEqual(r.status, 202, r.text)
        rid, page = server.open_notice(to)
        self.assertEqual(server.answer(rid, page, "Rex").status, 303)
        return json.loads(r.body)["id"], rid

    def test_the_whole_message_downloads_as_eml(self):
        scan = os.urandom(2_500_000)
        message_id, rid = self.open_message(
            "homer@example.net",
            [("scan.bin", "application/octet-stream", scan), ("note.txt", "text/plain", b"hello\n")])
        page = self.server.get(f"/r/{rid}", cookies=True)
        self.assertIn(f'href="/r/{rid}/message.eml"', page.text)
        r = self.server.get(f"/r/{rid}/message.eml", cookies=True)
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.header("content-type"), "message/rfc822")
        self.assertIn("attachment", r.header("content-disposition"))
        self.assertEqual(int(r.header("content-length")), len(r.body))
        msg = email.message_from_bytes(r.body, policy=email.policy.default)
        self.assertEqual(msg["From"], "dr@clinic.example")
        self.assertEqual(msg["To"], "homer@example.net")
        self.assertEqual(msg["Subject"], "Résultats du labo")
        self.assertTrue(msg["Date"])
        self.assertIn("Ferritin 30 µg/l", msg.get_body(preferencelist=("plain",)).get_content())
        parts = {p.get_filename(): p.get_content() for p in msg.iter_attachments()}
        self.assertEqual(parts["scan.bin"], scan)
        self.assertEqual(parts["note.txt"], "hello\n")
        events = json.loads(self.server.api("GET", f"/api/v1/messages/{message_id}/events",
                                            content_type=None).body)["events"]
        self.assertIn({"type": "downloaded", "detail": "message"},
                      [{"type": e["type"], "detail": e.get("detail")} for e in events])
        # Without the session: nothing.
        os.remove(self.server.cookie_jar)
        self.assertEqual(self.server.get(f"/r/{rid}/message.eml", cookies=True).status, 403)

    def test_the_print_view_shows_the_text_and_escapes_it(self):
        _, rid = self.open_message("marge@example.net",
                                   [("x-ray.png", "image/png", b"\x89PNG....")],
                                   text="Bring <b>this</b> letter.")
        r = self.server.get(f"/r/{rid}/print", cookies=True)
        self.assertEqual(r.status, 200)
        self.assertIn("Bring &lt;b&gt;this&lt;/b&gt; letter.", r.text)
        self.assertIn("x-ray.png", r.text)
        self.assertIn("Résultats du labo", r.text)
        self.assertIn("@media print", self.server.get("/static/portal.css").text)

    def test_deleting_a_copy_destroys_its_key(self):
        message_id, rid = self.open_message("bart@example.net")
        confirm = self.server.get(f"/r/{rid}/delete", cookies=True)
        self.assertEqual(confirm.status, 200)
        self.assertIn("Delete this message?", confirm.text)
        csrf = re.search(r'name="csrf" value="([^"]+)"', confirm.text).group(1)
        forged = self.server.post(f"/r/{rid}/delete", form=[("csrf", "x" * 43)], cookies=True)
        self.assertEqual(forged.status, 403)
        self.assertIn("Ferritin", self.server.get(f"/r/{rid}", cookies=True).text)
        done = self.server.post(f"/r/{rid}/delete", form=[("csrf", csrf)], cookies=True)
        self.assertEqual(done.status, 200, done.text)
        self.assertIn("Your copy was deleted", done.text)
        self.assertEqual(self.server.sql(
            f"SELECT status, length(wrapped_key), answer_hash FROM recipients WHERE id = '{rid}'"),
            [("deleted", 0, "")])
        # The link, followed again: gone, and no question asked.
        rid2, page = self.server.open_notice("bart@example.net")
        self.assertEqual(rid2, rid)
        self.assertEqual(page.status, 410)
        self.assertIn("You deleted this message", page.text)
        self.assertNotIn("Pet?", page.text)
        status = json.loads(self.server.api("GET", f"/api/v1/messages/{message_id}",
                                            content_type=None).body)
        self.assertEqual(status["recipients"][0]["status"], "deleted")
        types = [e["type"] for e in json.loads(self.server.api(
            "GET", f"/api/v1/messages/{message_id}/events", content_type=None).body)["events"]]
        self.assertIn("deleted", types)

    @staticmethod
    def peak_memory_kb(server):
        with open(f"/proc/{server.proc.pid}/status") as f:
            return int(re.search(r"VmHWM:\s+(\d+) kB", f.read()).group(1))

    def reply(self, rid, text, paths=(), csrf=None, server=None):
        server = server or self.server
        if csrf is None:
            form = server.get(f"/r/{rid}/reply", cookies=True)
            self.assertEqual(form.status, 200, form.text)
            csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
        files = [f"csrf={csrf}", f"text={text}"] + [f"files=@{p}" for p in paths]
        return server.post(f"/r/{rid}/reply", files=files, cookies=True)

    def test_a_reply_reaches_the_sender_as_a_secure_message(self):
        message_id, rid = self.open_message("lenny@example.net", sender="nick@clinic.example")
        page = self.server.get(f"/r/{rid}", cookies=True)
        self.assertIn(f'href="/r/{rid}/reply"', page.text)
        note = os.path.join(self.server.tmp, "blood pressure.csv")
        with open(note, "wb") as f:
            f.write(b"date,systolic\n2026-11-20,128\n")
        sent = self.reply(rid, "Thank you, doctor. My readings are attached.", [note])
        self.assertEqual(sent.status, 200, sent.text)
        self.assertIn("Your reply was sent", sent.text)
        events = json.loads(self.server.api("GET", f"/api/v1/messages/{message_id}/events",
                                            content_type=None).body)["events"]
        replied = [e for e in events if e["type"] == "replied"]
        self.assertEqual(len(replied), 1)
        reply_id = replied[0]["detail"].split()[-1]
        status = json.loads(self.server.api("GET", f"/api/v1/messages/{reply_id}",
                                            content_type=None).body)
        self.assertEqual(status["recipients"][0]["address"], "nick@clinic.example")
        self.assertIn("reply from the portal", status["recipients"][0]["why"])

        # The sender opens it like any recipient in login mode: an account, then the reply.
        rid2, page = self.server.open_notice("nick@clinic.example")
        self.assertIn("Create your account", page.text)
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        password = "doctor's long passphrase"
        self.assertEqual(self.server.post(f"/r/{rid2}/register", form=[
            ("csrf", csrf), ("password", password), ("password2", password)], cookies=True).status, 200)
        confirm = None
        for _ in range(100):
            for path in self.server.notices():
                with open(path, "rb") as f:
                    mail = email.message_from_bytes(f.read(), policy=email.policy.default)
                if mail["To"] == "nick@clinic.example" and "Confirm" in str(mail["Subject"]):
                    confirm = mail
            if confirm:
                break
            import time
            time.sleep(0.1)
        link = re.search(r"/account/confirm/\S+",
                         confirm.get_body(preferencelist=("plain",)).get_content()).group(0)
        shown = self.server.get(link, cookies=True)
        token = re.search(r'name="token" value="([^"]+)"', shown.text).group(1)
        csrf = re.search(r'name="csrf" value="([^"]+)"', shown.text).group(1)
        self.server.post("/account/confirm", form=[("csrf", csrf), ("token", token)], cookies=True)
        self.server.get(f"/r/{rid2}", cookies=True)
        read = self.server.get(f"/r/{rid2}", cookies=True)
        self.assertIn("Re: Résultats du labo", read.text)
        self.assertIn("My readings are attached.", read.text)
        self.assertIn("From</dt><dd>lenny@example.net", read.text)
        got = self.server.get(f"/r/{rid2}/attachments/0", cookies=True)
        self.assertEqual(got.body, b"date,systolic\n2026-11-20,128\n")

    def test_a_100_mb_reply_streams_with_memory_bounded(self):
        # A server of its own, so its memory is this upload's alone. Under AddressSanitizer
        # freed memory waits in a quarantine (256 MB by default) before reuse, which would
        # count every chunk ever read: keep the quarantine small so the peak shows what is
        # live at once.
        saved = os.environ.get("ASAN_OPTIONS")
        os.environ["ASAN_OPTIONS"] = (saved + ":" if saved else "") + "quarantine_size_mb=4"
        try:
            server = Sealpost().start()
        finally:
            if saved is None:
                del os.environ["ASAN_OPTIONS"]
            else:
                os.environ["ASAN_OPTIONS"] = saved
        try:
            _, rid = self.open_message("carl@example.net", server=server)
            big = os.path.join(server.tmp, "scan.raw")
            with open(big, "wb") as f:
                for _ in range(100):
                    f.write(os.urandom(1024 * 1024 - 16))  # 100 MB less a little: the limit is in all
            blobs = os.path.join(server.data, "blobs")

            def stored_bytes():
                return sum(os.path.getsize(os.path.join(d, n)) for d, _, names in os.walk(blobs)
                           for n in names)
            before_blobs = stored_bytes()
            before = self.peak_memory_kb(server)
            sent = self.reply(rid, "The scan.", [big], server=server)
            self.assertEqual(sent.status, 200, sent.text)
            grown_mb = (self.peak_memory_kb(server) - before) / 1024
            print(f"\n100 MB reply: server peak memory grew {grown_mb:.1f} MB", flush=True)
            self.assertLess(grown_mb, 40)  # never the whole upload in memory
            self.assertGreater(stored_bytes() - before_blobs, 100 * (1024 * 1024 - 16))

            # Over the limit: refused, nothing kept.
            with open(big, "ab") as f:
                f.write(os.urandom(100 * 16 + 1))
            before_blobs = stored_bytes()
            refused = self.reply(rid, "Too big.", [big], server=server)
            self.assertEqual(refused.status, 413, refused.text)
            self.assertIn("larger than 100.0 MB", refused.text)
            self.assertEqual(stored_bytes(), before_blobs)
        finally:
            server.cleanup()

    def test_a_reply_without_the_forms_token_is_refused(self):
        message_id, rid = self.open_message("apu@example.net")
        refused = self.reply(rid, "Hello", csrf="x" * 43)
        self.assertEqual(refused.status, 403)
        types = [e["type"] for e in json.loads(self.server.api(
            "GET", f"/api/v1/messages/{message_id}/events", content_type=None).body)["events"]]
        self.assertNotIn("replied", types)


if __name__ == "__main__":
    unittest.main()
