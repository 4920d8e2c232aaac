"""Secure web forms as the public meets them (issue 24): /f/{form} filled and sent,
the bot checks, the budgets, and what reaches staff — sealed, by escrow, never in clear."""
import hashlib
import html
import json
import os
import re
import subprocess
import tempfile
import time
import unittest
import uuid

from console_test import ConsoleUsers
from harness import Sealpost

FLOWS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "browser", "portal_flows.mjs")
FORM_HOST = "forms.springfield.test"

INTAKE = {
    "title": "New patient intake",
    "intro": "Tell us about yourself before your first visit.",
    "recipients": ["desk@clinic.example"],
    "steps": [
        {"title": "About you", "fields": [
            {"name": "full_name", "type": "text", "label": "Full name", "required": True},
            {"name": "email", "type": "email", "label": "Email"},
            {"name": "born", "type": "date", "label": "Date of birth", "required": True}]},
        {"title": "Your visit", "fields": [
            {"name": "reason", "type": "choice", "label": "Reason",
             "choices": ["New patient", "Second opinion"], "required": True},
            {"name": "notes", "type": "long_text", "label": "Anything else"},
            {"name": "card", "type": "file", "label": "Insurance card",
             "accept": ["image/png", "application/pdf"], "max_bytes": 2 * 1024 * 1024}]}],
    "consent": "I agree that the clinic keeps what I send for my care.",
    "retention_days": 30,
    "receipt": True,
    "allowed_origins": ["https://www.clinic.example"],
}


# The page's own fields (no definition's field can be named so).
PAGE_FIELDS = {"challenge": "sp-challenge", "nonce": "sp-nonce", "website": "your-website",
               "consent": "sp-consent"}


def solve(challenge):
    bits = int(challenge.split(".")[2])
    n = 0
    while True:
        digest = hashlib.sha256(f"{challenge}:{n}".encode()).digest()
        value = int.from_bytes(digest, "big")
        if value >> (256 - bits) == 0:
            return str(n)
        n += 1


def multipart(fields, files=()):
    """A multipart/form-data body: (content type, bytes)."""
    boundary = "----sealpost" + uuid.uuid4().hex
    out = b""
    for name, value in fields:
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                .encode() + value.encode() + b"\r\n")
    for name, filename, content_type, data in files:
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; "
                f"filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n").encode()
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", out


class FormsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Three seconds: a "too fast" submission must be quicker than that even on a
        # machine busy with other suites.
        cls.server = Sealpost(settings={"min_fill_seconds": "3",
                                        "submissions_without_script_per_hour": "2",
                                        "submissions_per_address_per_hour": "1000"}).start()
        s = cls.server
        for args in (("account", "create", "Springfield"),
                     ("domain", "create", "clinic.example", "--account", "Springfield"),
                     ("user", "create", "desk@clinic.example"),
                     ("settings", "set", "account", "Springfield",
                      "default_question=Ward?|Seven")):
            code, out, err = s.admin(*args)
            assert code == 0, (args, out, err)
        for name in ("intake", "quiet", "scriptless"):
            r = s.api("POST", "/api/v1/forms", json.dumps(
                {"name": name, "account": "Springfield", "definition": INTAKE}))
            assert r.status == 201, r.text

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def page(self, name="intake"):
        r = self.server.get(f"/f/{name}")
        self.assertEqual(r.status, 200, r.text)
        return r, re.search(r'name="sp-challenge" value="([^"]+)"', r.text).group(1)

    def send(self, name, fields, files=(), headers=()):
        """The response, its text unescaped (the pages' words are compared as read)."""
        content_type, body = multipart(fields, files)
        r = self.server.request("POST", f"/f/{name}", data=body,
                                headers=[f"Content-Type: {content_type}", *headers])
        r.words = html.unescape(r.text)
        return r

    @staticmethod
    def answers(challenge, nonce, **over):
        fields = {"challenge": challenge, "nonce": nonce, "website": "",
                  "full_name": "Lisa Simpson", "email": "lisa@example.net",
                  "born": "1982-05-09", "reason": "Second opinion",
                  "notes": "Saxophone elbow,\r\nsecond week", "consent": "yes"}
        fields.update(over)
        return [(PAGE_FIELDS.get(k, k), v) for k, v in fields.items() if v is not None]

    def test_a_patient_sends_the_intake_and_staff_read_it_in_the_portal(self):
        r, challenge = self.page()
        # The page: every step in it, the portal's policy with its own script, framed
        # only by the site the form lists (so no X-Frame-Options to forbid it).
        self.assertIn("Step 1 of 2: </span>About you", r.text)
        self.assertIn("Step 2 of 2: </span>Your visit", r.text)
        self.assertIn('<script src="/static/form.js"></script>', r.text)
        policy = r.header("content-security-policy")
        self.assertIn("script-src 'self'", policy)
        self.assertIn("frame-ancestors https://www.clinic.example", policy)
        self.assertIsNone(r.header("x-frame-options"))
        self.assertIn("max-age=", r.header("strict-transport-security"))
        self.assertEqual(self.server.get("/static/form.js").status, 200)

        card = b"\x89PNG\r\n\x1a\n" + b"CARD-" + os.urandom(300 * 1024) + b"-MEMBER-ID-77"
        time.sleep(3)  # a person takes longer than the form's minimum
        r = self.send("intake", self.answers(challenge, solve(challenge)),
                      [("card", "card.png", "image/png", card)])
        self.assertEqual(r.status, 303, r.text)
        self.assertEqual(r.header("location"), "/f/intake/sent")
        self.assertIn("sent securely", self.server.get("/f/intake/sent").text)

        # A receipt to the address the patient gave: that it arrived, nothing of it.
        receipt = self.server.notice_for("lisa@example.net")
        self.assertEqual(receipt["Subject"], "Received: New patient intake")
        body = receipt.get_body(preferencelist=("plain",)).get_content()
        self.assertIn("Your reference: ", body)
        for secret in ("Lisa Simpson", "Saxophone", "1982-05-09", "Second opinion"):
            self.assertNotIn(secret, receipt.as_string())

        # Kept, sealed: one record, nothing of it in clear anywhere in the data.
        rows = self.server.sql("SELECT s.id, s.message_id, s.size, s.sealed FROM form_submissions s "
                               "JOIN forms f ON f.id = s.form_id WHERE f.name = 'intake'")
        self.assertEqual(len(rows), 1)
        self.assertIn(f"Your reference: {rows[0][0]}", body)
        self.assertEqual(rows[0][2], len(card))
        self.assertNotIn(b"Lisa", rows[0][3])

        # The staff recipient gets a notice and reads it in the portal (escrow: the
        # account's default question), the card attached.
        notice = self.server.notice_for("desk@clinic.example")
        self.assertNotIn("Lisa", notice.as_string())
        rid, page = self.server.open_notice("desk@clinic.example")
        self.assertEqual(self.server.answer(rid, page, "Seven").status, 303)
        message = html.unescape(self.server.get(f"/r/{rid}", cookies=True).text)
        self.assertIn("Form: New patient intake", message)
        self.assertIn("Full name: Lisa Simpson", message)
        self.assertIn("Reason: Second opinion", message)
        self.assertIn("Insurance card: card.png (image/png, 300.0 KB), attached", message)
        self.assertIn("Consent given: I agree", message)
        self.assertIn("card.png", message)
        events = self.server.sql("SELECT type, detail FROM events WHERE message_id = ?",
                                 (rows[0][1],))
        self.assertIn(("form_submitted",
                       json.dumps({"form": "intake", "submission": rows[0][0]},
                                  separators=(",", ":"))), events)

        for root, _, names in os.walk(self.server.data):
            for n in names:
                with open(os.path.join(root, n), "rb") as f:
                    data = f.read()
                if n.endswith(".eml"):
                    continue  # the notices: checked above
                for secret in (b"Lisa Simpson", b"Saxophone elbow", b"MEMBER-ID-77"):
                    self.assertNotIn(secret, data, os.path.join(root, n))

    def test_bots_are_refused_with_clear_errors(self):
        _, challenge = self.page("quiet")
        # Sent at once (without the proof, whose solving takes time): sooner than a
        # person fills a form in. Timing is checked before the no-script budget is spent.
        r = self.send("quiet", self.answers(challenge, ""))
        self.assertEqual(r.status, 400)
        self.assertIn("sooner than a person fills the form in", r.words)
        self.assertIn('value="Lisa Simpson"', r.text)  # nothing typed is lost
        nonce = solve(challenge)
        time.sleep(3)
        # The honeypot a person never sees.
        r = self.send("quiet", self.answers(challenge, nonce, website="http://spam.example"))
        self.assertEqual(r.status, 400)
        self.assertIn("A field people leave empty was filled in", r.words)
        # A proof of work that does not hold, a challenge made up.
        r = self.send("quiet", self.answers(challenge, "1" if nonce != "1" else "2"))
        self.assertEqual(r.status, 400)
        self.assertIn("The form's check did not hold", r.words)
        r = self.send("quiet", self.answers(challenge.replace(".", "x", 1), nonce))
        self.assertEqual(r.status, 400)
        self.assertIn("The form's check did not hold", r.words)
        # From another site's page.
        r = self.send("quiet", self.answers(challenge, nonce), headers=["Sec-Fetch-Site: cross-site"])
        self.assertEqual(r.status, 403)
        self.assertIn("was not sent from its page", r.words)
        # Answers that are wrong: each named beside its field, the rest kept.
        r = self.send("quiet", self.answers(challenge, nonce, full_name="", email="not-an-address",
                                            born="1982-02-30", reason="Lunch", consent=None))
        self.assertEqual(r.status, 422)
        for said in ("Full name: This is required.", "Email: Enter an email address",
                     "Date of birth: Enter a date", "Reason: Choose one of the answers offered.",
                     "Consent: Tick this to send the form."):
            self.assertIn(said, r.words)
        self.assertIn('value="not-an-address"', r.text)
        # A file of a kind the field does not take, and one larger than it takes.
        r = self.send("quiet", self.answers(challenge, nonce),
                      [("card", "card.exe", "application/x-msdownload", b"MZ" * 100)])
        self.assertEqual(r.status, 422)
        self.assertIn("This kind of file is not taken here (only image/png, application/pdf)",
                      r.words)
        r = self.send("quiet", self.answers(challenge, nonce),
                      [("card", "big.pdf", "application/pdf", b"%PDF" + b"x" * (2 * 1024 * 1024))])
        self.assertEqual(r.status, 413)
        self.assertIn("This file is larger than the 2 MB taken here.", r.words)
        # Then sent right: accepted once, and the same page again is refused.
        r = self.send("quiet", self.answers(challenge, nonce))
        self.assertEqual(r.status, 303, r.text)
        r = self.send("quiet", self.answers(challenge, nonce))
        self.assertEqual(r.status, 409)
        self.assertIn("sent once already", r.words)

    def test_without_the_script_the_form_works_within_a_tight_budget(self):
        pages = [self.page("scriptless")[1] for _ in range(3)]
        time.sleep(3)
        for challenge in pages[:2]:
            r = self.send("scriptless", self.answers(challenge, ""))
            self.assertEqual(r.status, 303, r.text)
        r = self.send("scriptless", self.answers(pages[2], ""))
        self.assertEqual(r.status, 429)
        self.assertIn("do not run the page's script", r.words)
        self.assertGreater(int(r.header("retry-after")), 0)
        # With the proof, the same form still takes what people send.
        r = self.send("scriptless", self.answers(pages[2], solve(pages[2])))
        self.assertEqual(r.status, 303, r.text)

    def test_a_form_may_ask_for_a_website_and_a_consent_of_its_own(self):
        """The page's own fields are named as no field can be: no clash with the honeypot."""
        definition = {"title": "Suppliers", "recipients": ["buyer@clinic.example"],
                      "steps": [{"fields": [
                          {"name": "website", "type": "text", "label": "Your website",
                           "required": True},
                          {"name": "consent", "type": "checkbox", "label": "Call me back"}]}]}
        r = self.server.api("POST", "/api/v1/forms", json.dumps(
            {"name": "suppliers", "account": "Springfield", "definition": definition}))
        self.assertEqual(r.status, 201, r.text)
        _, challenge = self.page("suppliers")
        nonce = solve(challenge)
        time.sleep(3)
        r = self.send("suppliers", [("sp-challenge", challenge), ("sp-nonce", nonce),
                                    ("your-website", ""), ("website", "https://shop.example"),
                                    ("consent", "yes")])
        self.assertEqual(r.status, 303, r.text)

    def test_a_form_switched_off_or_of_another_host_is_not_there(self):
        self.assertEqual(self.server.get("/f/nothing-here").status, 404)
        r = self.server.api("POST", "/api/v1/forms", json.dumps(
            {"name": "closed", "account": "Springfield", "definition": INTAKE}))
        self.assertEqual(r.status, 201, r.text)
        self.assertEqual(self.server.api("PATCH", "/api/v1/forms/closed",
                                         json.dumps({"enabled": False})).status, 200)
        r = self.server.get("/f/closed")
        self.assertEqual(r.status, 404)
        self.assertIn("There is no form at this address.", r.text)
        self.assertEqual(self.send("closed", [("your-website", "")]).status, 404)


class FormInBrowserTest(unittest.TestCase):
    """Done when a clinic publishes an intake form on its namespace host, a patient sends
    it with a document from a phone, and staff read it securely."""

    def test_a_patient_on_a_phone_sends_a_two_step_form_with_a_20_mb_file(self):
        server = Sealpost(settings={"min_fill_seconds": "1"}).start()
        try:
            for args in (("namespace", "create", "springfield", "--display-name",
                          "Springfield General", "--host", FORM_HOST),
                         ("account", "create", "Springfield"),
                         ("domain", "create", "clinic.example", "--account", "Springfield"),
                         ("settings", "set", "account", "Springfield",
                          "default_question=Ward?|Seven", "namespace=springfield")):
                code, out, err = server.admin(*args)
                self.assertEqual(code, 0, (args, out, err))
            steps = json.loads(json.dumps(INTAKE["steps"]))
            steps[1]["fields"][2]["max_bytes"] = 25 * 1024 * 1024
            definition = dict(INTAKE, steps=steps, recipients=["nurse@clinic.example"])
            r = server.api("POST", "/api/v1/forms", json.dumps(
                {"name": "phone", "account": "Springfield", "namespace": "springfield",
                 "definition": definition}))
            self.assertEqual(r.status, 201, r.text)
            # On the namespace's host only.
            self.assertEqual(server.get("/f/phone").status, 404)
            self.assertEqual(server.get("/f/phone", host=FORM_HOST).status, 200)

            document = tempfile.NamedTemporaryFile(suffix=".pdf", dir=server.tmp, delete=False)
            document.write(b"%PDF-1.7\n" + os.urandom(20 * 1024 * 1024) + b"\nPATIENT-DOC-MARK")
            document.close()
            with open(document.name, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            url = f"https://{FORM_HOST}:{server.port}/f/phone"
            run = subprocess.run(["node", FLOWS, "form", url, document.name],
                                 capture_output=True, text=True, timeout=300)
            self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
            result = json.loads(run.stdout.strip().splitlines()[-1])
            self.assertNotIn("error", result, result.get("error"))
            control = {v["id"] for v in result["pages"].pop("control")["violations"]}
            self.assertTrue({"image-alt", "label"} <= control, control)
            for name, page in result["pages"].items():
                self.assertEqual(page["violations"], [], f"axe violations on {name}")
                self.assertLessEqual(page["scrollWidth"], 360, f"{name} is wider than a phone")
            self.assertEqual(result["firstShown"], ["step-1"])
            self.assertEqual(result["afterEmptyNext"], ["step-1"])  # the name was missing
            self.assertEqual(result["afterNext"], ["step-2"])
            self.assertEqual(result["focusAfterNext"], "LEGEND")
            self.assertIn("it was sent securely", result["sentText"])
            self.assertIn("Springfield General", result["sentText"])

            # The nurse opens it in the portal and gets the document back whole.
            rid, page = server.open_notice("nurse@clinic.example")
            self.assertEqual(server.answer(rid, page, "Seven").status, 303)
            message = html.unescape(server.get(f"/r/{rid}", cookies=True).text)
            self.assertIn("Full name: Lisa Simpson", message)
            self.assertIn("Reason: Second opinion", message)
            got = server.get(f"/r/{rid}/attachments/0", cookies=True)
            self.assertEqual(got.status, 200)
            self.assertEqual(hashlib.sha256(got.body).hexdigest(), digest)

            # Without JavaScript: every step on one page, and it is sent all the same.
            run = subprocess.run(["node", FLOWS, "form-nojs", url],
                                 capture_output=True, text=True, timeout=300)
            nojs = json.loads(run.stdout.strip().splitlines()[-1])
            self.assertNotIn("error", nojs, nojs.get("error"))
            self.assertEqual(nojs["shown"], ["step-1", "step-2"])
            self.assertIn("it was sent securely", nojs["sentText"])

            self.assertEqual(server.sql("SELECT count(*) FROM form_submissions")[0][0], 2)
        finally:
            server.cleanup()


class FormSubmissionsInTheConsoleTest(ConsoleUsers, unittest.TestCase):
    """Staff read what people sent in the console: only the form's own readers, every
    look on the audit trail, exports a spreadsheet cannot be tricked by, deletion."""

    @classmethod
    def setUpClass(cls):
        cls.server = Sealpost(settings={"min_fill_seconds": "0"}).start()
        for args in (("account", "create", "Springfield"),
                     ("domain", "create", "clinic.example", "--account", "Springfield"),
                     ("settings", "set", "account", "Springfield",
                      "default_question=Ward?|Seven")):
            code, out, err = cls.server.admin(*args)
            assert code == 0, (args, out, err)
        r = cls.server.api("POST", "/api/v1/forms", json.dumps(
            {"name": "intake", "account": "Springfield", "definition": INTAKE}))
        assert r.status == 201, r.text
        cls.invite_and_sign_in("desk@clinic.example", "sender")   # the form's recipient
        cls.invite_and_sign_in("other@clinic.example", "sender")  # not

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def submit(self, **over):
        page = self.server.get("/f/intake")
        challenge = re.search(r'name="sp-challenge" value="([^"]+)"', page.text).group(1)
        content_type, body = multipart(FormsTest.answers(challenge, solve(challenge), **over),
                                       [("card", "card.pdf", "application/pdf",
                                         b"%PDF-1.4 MAGGIE-CARD")])
        r = self.server.request("POST", "/f/intake", data=body,
                                headers=[f"Content-Type: {content_type}"])
        self.assertEqual(r.status, 303, r.text)
        return self.server.sql("SELECT id, message_id FROM form_submissions "
                               "ORDER BY received_at DESC, rowid DESC LIMIT 1")[0]

    def audited(self, action, subject):
        return self.server.sql("SELECT actor, details FROM audit_log WHERE action = ? AND "
                               "subject = ?", (action, subject))

    def test_the_forms_recipient_reads_searches_exports_and_deletes(self):
        sid, _ = self.submit(full_name="Maggie Simpson", notes="=HYPERLINK(\"http://x\")")
        self.submit(full_name="Homer Simpson")

        # Someone who is not the form's reader sees no form and no submission.
        r = self.page("other@clinic.example", "GET", "/console/submissions")
        self.assertEqual(r.status, 200)
        self.assertNotIn("/console/submissions/intake", r.text)
        for path in ("/console/submissions/intake", f"/console/submissions/intake/{sid}",
                     f"/console/submissions/intake/{sid}/files/0"):
            self.assertEqual(self.page("other@clinic.example", "GET", path).status, 404, path)

        desk = "desk@clinic.example"
        r = self.page(desk, "GET", "/console/submissions")
        self.assertIn('href="/console/submissions/intake"', r.text)
        r = self.page(desk, "GET", "/console/submissions/intake")
        self.assertIn("Maggie Simpson", r.text)
        self.assertIn("Homer Simpson", r.text)
        r = self.page(desk, "GET", "/console/submissions/intake?q=maggie")
        self.assertIn("Maggie Simpson", r.text)
        self.assertNotIn("Homer Simpson", r.text)
        self.assertTrue(self.audited("form.submissions.listed", "intake"))

        r = self.page(desk, "GET", f"/console/submissions/intake/{sid}")
        self.assertEqual(r.status, 200)
        words = html.unescape(r.text)
        self.assertIn("Maggie Simpson", words)
        self.assertIn("Second opinion", words)
        self.assertIn("card.pdf", words)
        self.assertEqual(self.audited("form.submission.viewed", sid),
                         [(desk, '{"form":"intake"}')])
        r = self.page(desk, "GET", f"/console/submissions/intake/{sid}/files/0")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b"%PDF-1.4 MAGGIE-CARD")
        self.assertIn("attachment", r.header("content-disposition"))
        self.assertEqual(self.audited("form.submission.downloaded", sid),
                         [(desk, '{"file":0,"form":"intake"}')])

        # Exports: every submission; a value that would be a formula is not one.
        r = self.page(desk, "GET", "/console/submissions/intake?export=csv")
        self.assertEqual(r.status, 200)
        text = r.body.decode()
        self.assertTrue(text.startswith("received_at,id,full_name,email,born,reason,notes,files"),
                        text[:200])
        self.assertIn("\"'=HYPERLINK(\"\"http://x\"\")\"", text)
        self.assertIn("Homer Simpson", text)
        r = self.page(desk, "GET", "/console/submissions/intake?export=jsonl")
        rows = [json.loads(line) for line in r.body.decode().splitlines()]
        maggie = next(row for row in rows if row["id"] == sid)
        self.assertEqual(maggie["values"]["full_name"], "Maggie Simpson")
        self.assertEqual(maggie["files"][0]["name"], "card.pdf")
        self.assertEqual(len(self.audited("form.submissions.exported", "intake")), 2)

        # Deleted: gone from the list, the store and the disk, and on the trail.
        view = self.page(desk, "GET", f"/console/submissions/intake/{sid}")
        csrf = self.form_csrf(view, f"/console/submissions/intake/{sid}/delete")
        r = self.page(desk, "POST", f"/console/submissions/intake/{sid}/delete",
                      form=[("csrf", csrf)])
        self.assertEqual(r.status, 200, r.text)
        self.assertIn("Submission deleted", r.text)
        self.assertEqual(self.server.sql("SELECT count(*) FROM form_submissions WHERE id = ?",
                                         (sid,))[0][0], 0)
        self.assertEqual(self.page(desk, "GET", f"/console/submissions/intake/{sid}").status, 404)
        self.assertEqual(len(self.audited("form.submission.deleted", sid)), 1)
        r = self.page(desk, "POST", f"/console/submissions/intake/{sid}/delete", form=[("csrf", csrf)])
        self.assertEqual(r.status, 404)

    def test_a_sender_asks_for_documents_in_the_console_and_reads_the_answer(self):
        desk = "desk@clinic.example"
        page = self.page(desk, "GET", "/console/requests")
        self.assertEqual(page.status, 200)
        csrf = self.form_csrf(page, "/console/requests")
        r = self.page(desk, "POST", "/console/requests",
                      form=[("csrf", csrf), ("to", "nobody"), ("message", "Your X-ray"),
                            ("days", "7")])
        self.assertEqual(r.status, 422)
        self.assertIn("Nothing was sent: To: is not an email address.", r.text)
        self.assertIn("Your X-ray", r.text)  # what was written stays
        r = self.page(desk, "POST", "/console/requests",
                      form=[("csrf", csrf), ("to", "bart@example.net"),
                            ("message", "Your X-ray from the school nurse, please."),
                            ("days", "3")])
        self.assertEqual(r.status, 200, r.text[:500])
        self.assertIn("The link is on its way to bart@example.net", r.text)
        request_id = re.search(r'href="/console/requests/([0-9a-f]+)"', r.text).group(1)
        self.assertIn("waiting", r.text)

        mail = self.server.notice_for("bart@example.net")
        text = mail.get_body(preferencelist=("plain",)).get_content()
        token = re.search(r"/q/([A-Za-z0-9_-]{43})", text).group(1)
        self.server.keep_secret(token)
        content_type, body = multipart([("message", "Attached.")],
                                       [("files", "xray.png", "image/png", b"\x89PNG XRAY")])
        r = self.server.request("POST", f"/q/{token}", data=body,
                                headers=[f"Content-Type: {content_type}"])
        self.assertEqual(r.status, 200, r.text)

        # Only the sender who asked sees it.
        self.assertEqual(self.page("other@clinic.example", "GET",
                                   f"/console/requests/{request_id}").status, 404)
        view = self.page(desk, "GET", f"/console/requests/{request_id}")
        self.assertEqual(view.status, 200)
        self.assertIn("answered", view.text)
        self.assertIn("Your X-ray from the school nurse, please.", view.text)
        self.assertIn("Attached.", view.text)
        got = self.page(desk, "GET", f"/console/requests/{request_id}/files/0")
        self.assertEqual(got.body, b"\x89PNG XRAY")
        actions = [a for (a,) in self.server.sql(
            "SELECT action FROM audit_log WHERE subject = ? ORDER BY seq", (request_id,))]
        self.assertIn("request.created", actions)
        self.assertIn("request.answer.viewed", actions)
        self.assertIn("request.answer.downloaded", actions)


class SecureRequestsTest(unittest.TestCase):
    """A sender asks someone for documents: a one-time link, a one-off upload page, and
    what comes back arrives like a form's submission."""

    @classmethod
    def setUpClass(cls):
        cls.server = Sealpost().start()
        for args in (("account", "create", "default"),
                     ("domain", "create", "clinic.example", "--account", "default"),
                     ("settings", "set", "account", "default", "default_question=Ward?|Seven")):
            code, out, err = cls.server.admin(*args)
            assert code == 0, (args, out, err)

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def ask(self, **over):
        body = {"from": "desk@clinic.example", "to": "pat@example.net",
                "message": "Please send your MRI report\nand your insurance card.",
                "expires_in_days": 3, **over}
        return self.server.api("POST", "/api/v1/requests", json.dumps(body))

    def test_someone_asked_sends_documents_once_and_the_sender_reads_them(self):
        for over, field in (({"to": "not-an-address"}, "to"), ({"expires_in_days": 99},
                                                                  "expires_in_days"),
                            ({"message": "  "}, "message")):
            r = self.ask(**over)
            self.assertEqual(r.status, 400, r.text)
            self.assertEqual(json.loads(r.body)["invalid-params"][0]["name"], field)
        r = self.ask()
        self.assertEqual(r.status, 201, r.text)
        made = json.loads(r.body)
        self.assertEqual((made["state"], made["to"]), ("waiting", "pat@example.net"))
        self.assertEqual(r.header("location"), f"/api/v1/requests/{made['id']}")

        # The link by mail; what is asked for only on the page.
        mail = self.server.notice_for("pat@example.net")
        self.assertEqual(mail["Subject"], "desk@clinic.example asks you to send documents securely")
        self.assertNotIn("MRI", mail.as_string())
        text = mail.get_body(preferencelist=("plain",)).get_content()
        link = re.search(r"https://\S+/q/([A-Za-z0-9_-]{43})", text)
        token = link.group(1)
        self.server.keep_secret(token)
        self.assertNotIn(b"MRI", self.server.sql("SELECT sealed_note FROM form_requests")[0][0])
        self.assertEqual(self.server.get("/q/" + "A" * 43).status, 404)
        page = self.server.get(f"/q/{token}")
        self.assertEqual(page.status, 200, page.text)
        self.assertIn("Please send your MRI report", page.text)
        self.assertIn("Send documents to desk@clinic.example", page.text)
        self.assertIn(' multiple ', page.text)
        self.assertNotIn('name="sp-challenge"', page.text)

        content_type, body = multipart([("message", "Here they are.")],
                                       [("files", "mri.pdf", "application/pdf", b"%PDF MRI-SCAN"),
                                        ("files", "card.png", "image/png", b"\x89PNG CARD")])
        r = self.server.request("POST", f"/q/{token}", data=body,
                                headers=[f"Content-Type: {content_type}"])
        self.assertEqual(r.status, 200, r.text)
        self.assertIn("your documents were sent securely", r.text)
        # Once only.
        again = self.server.get(f"/q/{token}")
        self.assertEqual(again.status, 410)
        self.assertIn("This request was answered", again.text)
        r = self.server.request("POST", f"/q/{token}", data=body,
                                headers=[f"Content-Type: {content_type}"])
        self.assertEqual(r.status, 410)

        shown = json.loads(self.server.api("GET", f"/api/v1/requests/{made['id']}").body)
        self.assertEqual(shown["state"], "answered")
        kept = self.server.sql("SELECT id, form_id FROM form_submissions")
        self.assertEqual(kept, [(shown["submission_id"], f"request:{made['id']}")])

        # The sender reads the answer in the portal, both files attached.
        rid, page = self.server.open_notice("desk@clinic.example")
        self.assertEqual(self.server.answer(rid, page, "Seven").status, 303)
        message = html.unescape(self.server.get(f"/r/{rid}", cookies=True).text)
        self.assertIn("Documents you asked for", message)
        self.assertIn("The answer to your request to pat@example.net", message)
        self.assertIn("Here they are.", message)
        self.assertIn("mri.pdf", message)
        self.assertIn("card.png", message)
        got = self.server.get(f"/r/{rid}/attachments/0", cookies=True)
        self.assertEqual(got.body, b"%PDF MRI-SCAN")


class FormRatesTest(unittest.TestCase):
    """Its own server: the budgets per client address and per form are spent here."""

    def test_too_many_to_one_form_or_from_one_address_are_refused_before_the_upload(self):
        server = Sealpost(settings={"submissions_per_address_per_hour": "3",
                                    "submissions_per_form_per_hour": "2"}).start()
        try:
            for name in ("intake", "contact"):
                r = server.api("POST", "/api/v1/forms", json.dumps(
                    {"name": name, "account": "default", "definition": INTAKE}))
                self.assertEqual(r.status, 201, r.text)
            content_type, body = multipart([("your-website", "")])

            def post(name):
                r = server.request("POST", f"/f/{name}", data=body,
                                   headers=[f"Content-Type: {content_type}"])
                r.words = html.unescape(r.text)
                return r

            # Looked at (400: no challenge), until the form's own budget is spent.
            self.assertEqual([post("intake").status for _ in range(2)], [400, 400])
            r = post("intake")
            self.assertEqual(r.status, 429)
            self.assertIn("This form has had too many submissions just now.", r.words)
            # The address's budget (3) is spent too: another form refuses it as well.
            r = post("contact")
            self.assertEqual(r.status, 429)
            self.assertIn("Too many forms were sent from your connection.", r.words)
            self.assertGreater(int(r.header("retry-after")), 0)
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
