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

    def open_message(self, to, attachments=(), html=None, text="Ferritin 30 µg/l\nSee you soon."):
        body = {"from": "dr@clinic.example", "to": [to], "subject": "Résultats du labo",
                "text": text,
                "attachments": [{"filename": name, "content_type": ctype,
                                 "content_base64": base64.b64encode(data).decode()}
                                for name, ctype, data in attachments],
                "options": {"escrow": {"question": "Pet?", "answer": "Rex"}}}
        if html is not None:
            body["html"] = html
        r = self.server.api("POST", "/api/v1/messages", json.dumps(body))
        self.assertEqual(r.status, 202, r.text)
        rid, page = self.server.open_notice(to)
        self.assertEqual(self.server.answer(rid, page, "Rex").status, 303)
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


if __name__ == "__main__":
    unittest.main()
