"""Issue 7, the portal in a real browser (Debian's Chromium through playwright-core): both
verification modes from the notice to the message (and a reply), by keyboard alone on a 360-pixel-wide
phone screen, with axe-core's WCAG 2.1 A/AA rules run on every page met (landing,
error, question, message, history, print, delete, registration, confirmation (also from
another browser), the Message Center's question, account,
two-step set-up and sign-in, recovery codes, login); and reading without JavaScript."""
import json
import os
import subprocess
import unittest

import portal_accounts_test as accounts
from harness import Sealpost, notice_link

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "browser", "portal_flows.mjs")
PHONE_WIDTH = 360


def flow(*args):
    run = subprocess.run(["node", SCRIPT, *args], capture_output=True, text=True, timeout=300)
    if run.returncode != 0:
        raise AssertionError("browser run failed:\n" + run.stdout + run.stderr)
    return json.loads(run.stdout.strip().splitlines()[-1])


class AccessibilityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Sealpost().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    mail = accounts.PortalAccountsTest.mail
    open_fresh = accounts.PortalAccountsTest.open_fresh

    def send(self, to, escrow=None):
        body = {"from": "dr@clinic.example", "to": [to], "subject": "Your results",
                "text": "Your thyroid results are normal.",
                "html": "<p>Your <b>thyroid</b> results are normal.</p>"}
        if escrow:
            body["options"] = {"escrow": escrow}
        r = self.server.api("POST", "/api/v1/messages", json.dumps(body))
        self.assertEqual(r.status, 202, r.text)
        return notice_link(self.server.notice_for(to))

    def assert_pages_pass(self, result, expected):
        self.assertNotIn("error", result, result.get("error"))
        # axe finds what is wrong with a page made to fail: it is really checking.
        control = {v["id"] for v in result["pages"].pop("control")["violations"]}
        self.assertTrue({"image-alt", "label", "html-has-lang"} <= control, control)
        self.assertEqual(sorted(result["pages"]), sorted(expected))
        for name, page in result["pages"].items():
            self.assertEqual(page["violations"], [], f"axe violations on the {name} page")
            self.assertLessEqual(page["scrollWidth"], PHONE_WIDTH, f"{name} is wider than a phone")
            self.assertTrue(page["title"], f"{name} has no title")

    def test_question_mode_by_keyboard_on_a_phone(self):
        link = self.send("pat@example.net", {"question": "Your pet's name?", "answer": "Rex"})
        result = flow("question", link, "Rex")
        self.assert_pages_pass(result, ["landing", "error", "question", "question-wrong-answer",
                                        "message", "history", "print", "reply", "reply-sent",
                                        "delete"])
        self.assertIn("Your reply was sent", result["replySent"])
        self.assertIn("Your results", result["messageText"])
        self.assertIn("Signature verified", result["messageText"])

    def test_message_center_inbox_search_and_compose(self):
        """Issue 8: a namespace's portal with the Message Center, on its own host name."""
        host = "portal.springfield.test"
        for args in (("namespace", "create", "springfield", "--display-name", "Springfield General",
                      "--host", host, "--message-center", "on"),
                     ("account", "create", "Shelbyville"),
                     ("domain", "create", "springfield.example", "--account", "Shelbyville"),
                     ("settings", "set", "domain", "springfield.example", "namespace=springfield")):
            code, _, err = self.server.admin(*args)
            self.assertEqual(code, 0, err)
        r = self.server.api("POST", "/api/v1/messages", json.dumps({
            "from": "dr@springfield.example", "to": ["lisa@example.net"], "subject": "Lipid panel",
            "text": "LDL 2.1 mmol/L"}))
        self.assertEqual(r.status, 202, r.text)
        self.server.host = host
        try:
            accounts.PortalAccountsTest.register(self, self.server, "lisa@example.net")
        finally:
            self.server.host = None
        # A question copy in the inbox (issue 18): the Message Center asks it before it opens.
        r = self.server.api("POST", "/api/v1/messages", json.dumps({
            "from": "dr@springfield.example", "to": ["lisa@example.net"],
            "subject": "Biopsy results", "text": "Benign.",
            "options": {"escrow": {"question": "Your pet's name?", "answer": "Snowball"}}}))
        self.assertEqual(r.status, 202, r.text)
        result = flow("center", f"https://{host}:{self.server.port}/account/login", "lisa@example.net",
                      accounts.PASSWORD, "Snowball")
        self.assert_pages_pass(result, ["sign-in", "sign-in-error", "inbox", "inbox-search",
                                        "center-question", "compose", "compose-sent", "sent"])
        self.assertIn("Benign.", result["questionMessageText"])
        self.assertIn("Lipid panel", result["inboxText"])
        self.assertIn("1 matching", result["searchText"])
        self.assertIn("LDL 2.1 mmol/L", result["messageText"])
        self.assertIn("Your message was sent", result["composeSent"])
        self.assertIn("Should I fast before the next test?", result["sentText"])

    def test_login_mode_from_registration_to_two_step_sign_in(self):
        for args in (("account", "create", "Springfield"),
                     ("domain", "create", "clinic.example", "--account", "Springfield"),
                     ("settings", "set", "domain", "clinic.example", "verification=login")):
            code, _, err = self.server.admin(*args)
            self.assertEqual(code, 0, err)
        link = self.send("moe@example.net")
        result = flow("login", link, os.path.join(self.server.data, "outbox"), "moe@example.net",
                      "a long pass phrase for moe")
        self.assert_pages_pass(result, ["registration", "registration-error", "check-email",
                                        "confirm-other-browser", "confirm-wrong-password",
                                        "confirm", "message", "account", "two-factor-setup",
                                        "recovery-codes", "signed-out", "login", "login-error",
                                        "two-factor"])
        self.assertIn("Your results", result["messageText"])
        self.assertEqual(result["recoveryCodes"], 10)
        self.assertIn("Your results", result["secondMessageText"])
        self.assertIn("Your reply was sent", result["replySent"])

    def test_was_it_encrypted_by_keyboard_on_a_phone(self):
        """Issue 26: a person pastes the header of a message they received and reads each
        hop in the browser; the form, its error and its answer pass axe."""
        header = os.path.join(self.server.tmp, "header.txt")
        with open(header, "w") as f:
            f.write("Received: from relay.example.com (relay.example.com [203.0.113.9])\n"
                    "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\n"
                    "\tby mx.example.net (Postfix) with ESMTPS id 4Nq2Xk\n"
                    "\tfor <alice@example.net>; Tue, 1 Dec 2026 10:01:00 +0000\n"
                    "Received: from smtp.example.org ([203.0.113.5])\n"
                    "\tby relay.example.com with esmtp (Exim 4.96)\n"
                    "\tid 1t2u3v-000ABC-1x; Tue, 01 Dec 2026 10:00:30 +0000\n"
                    "Subject: Your results\n")
        result = flow("received", self.server.base + "/", header)
        self.assert_pages_pass(result, ["received-form", "received-error", "received-result"])
        self.assertTrue(result["emptyRefused"])
        self.assertIn("no Received: header field found", result["errorText"])
        self.assertEqual(result["headline"], "Not encrypted all the way")
        self.assertEqual([row[0] for row in result["hops"]], ["1", "2"])
        self.assertEqual(result["hops"][0][1], "smtp.example.org [203.0.113.5]")
        self.assertTrue(result["hops"][0][6].startswith("not encrypted"), result["hops"][0])
        self.assertEqual(result["hops"][1][5], "TLSv1.3, TLS_AES_256_GCM_SHA384")
        self.assertTrue(result["hops"][1][6].startswith("encrypted"), result["hops"][1])
        self.assertIn("30 s after the hop before", result["hops"][1][3])
        self.assertEqual(result["path"], ["smtp.example.org", "→ not encrypted → relay.example.com",
                                          "→ encrypted → mx.example.net"])

    def test_the_console_by_keyboard_on_a_phone(self):
        """Issue 22: an administrator invites a user; in the browser they choose a password,
        sign in (after a wrong one), check a header, read the audit trail and sign out;
        every page passes axe and fits a phone."""
        for args in (("account", "create", "default"),
                     ("domain", "create", "staff.example", "--account", "default"),
                     ("user", "create", "admin@staff.example"),
                     ("user", "console", "admin@staff.example", "org-admin")):
            code, _, err = self.server.admin(*args)
            self.assertEqual(code, 0, err)
        header = os.path.join(self.server.tmp, "console-header.txt")
        with open(header, "w") as f:
            f.write("Received: from relay.example.com (relay.example.com [203.0.113.9])\n"
                    "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\n"
                    "\tby mx.example.net (Postfix) with ESMTPS id 4Nq2Xk\n"
                    "\tfor <alice@example.net>; Tue, 1 Dec 2026 10:01:00 +0000\n")
        attachment = os.path.join(self.server.tmp, "results.txt")
        with open(attachment, "w") as f:
            f.write("TSH 2.1 mIU/L (normal)\n")
        password = "a console password of some length"
        self.server.keep_secret(password)
        self.server.keep_secret("Hillside")
        result = flow("console", self.server.base + "/console",
                      os.path.join(self.server.data, "outbox"), "admin@staff.example", password,
                      header, "new.patient@example.org", attachment)
        self.assert_pages_pass(result, [
            "console-password", "console-password-set", "console-sign-in",
            "console-sign-in-error", "console-home", "console-received", "console-audit",
            "console-campaigns",
            "console-compose", "console-compose-preview", "console-review",
            "console-sent-message", "console-sent", "console-signed-out"])
        self.assertIn("do not match", result["signInError"])
        self.assertIn("organisation administrator", result["homeText"])
        self.assertEqual(result["nav"], ["Home", "Write", "Sent", "My address book",
                                         "Form submissions", "Ask for documents",
                                         "Dashboard", "Users", "Address books", "Campaigns",
                                         "Organisation",
                                         "Namespaces", "Queue", "Signing keys", "API clients",
                                         "Webhooks", "Forms",
                                         "Audit trail", "TLS reports", "Was it encrypted?"])
        self.assertEqual(result["headline"], "Encrypted between servers")
        self.assertIn("Secure portal, after answering your question", result["preview"])
        self.assertGreaterEqual(result["auditRows"], 2)  # the wrong password and the right one
        # The review said how the new recipient gets it, and asked for the question.
        self.assertEqual(len(result["plan"]), 1, result["plan"])
        self.assertTrue(result["plan"][0][0].startswith("new.patient@example.org"))
        self.assertIn("after answering your question", result["plan"][0][1])
        self.assertTrue(result["questionRequired"])
        self.assertEqual(result["questionLegend"], "A question for new.patient@example.org")
        self.assertIn("saved in your address book", result["sentNotice"])
        self.assertIn("Your results are attached.", result["recipientRead"])
        self.assertIn("results.txt", result["recipientRead"])
        self.assertEqual(result["recipientStatus"], "viewed")
        self.assertEqual(len(result["sentRows"]), 1)
        self.assertEqual(result["sentRows"][0][1], "new.patient@example.org")
        self.assertEqual(result["sentRows"][0][2], "1 viewed")
        self.assertEqual(result["afterSignOut"], "/console/sign-in")

    def test_a_passkey_is_added_and_signs_in_in_the_browser(self):
        """Issue 22's passkeys in Chromium (its virtual authenticator, through the DevTools
        protocol): added from the two-step page by keyboard, then the only thing used to
        sign in; the server checked what the browser itself made (ES256, attestation none)."""
        for args in (("account", "create", "Keyed"),
                     ("domain", "create", "keyed.example", "--account", "Keyed"),
                     ("user", "create", "kim@keyed.example"),
                     ("user", "console", "kim@keyed.example", "sender")):
            code, _, err = self.server.admin(*args)
            self.assertEqual(code, 0, err)
        password = "kim's own long console password"
        self.server.keep_secret(password)
        result = flow("console-passkey", self.server.base + "/console",
                      os.path.join(self.server.data, "outbox"), "kim@keyed.example", password)
        self.assert_pages_pass(result, ["console-passkeys", "console-passkey-added",
                                        "console-sign-in-passkey"])
        self.assertIn("This laptop", result["addedNotice"])
        self.assertEqual(result["passkeyRows"], ["This laptop"])
        self.assertEqual(result["credentials"], [{"resident": True, "signCount": 1}])
        self.assertTrue(result["passkeyOffered"])
        self.assertEqual(result["afterPasskey"], "/console")
        self.assertIn("kim@keyed.example", result["homeText"])
        self.assertEqual(result["signCount"], 2)
        # The key the server keeps is the browser's P-256 key, moved on by the sign-in.
        self.assertEqual(self.server.sql(
            "SELECT p.name, p.algorithm, p.sign_count FROM passkeys p JOIN portal_accounts a "
            "ON a.id = p.account_id WHERE a.address = 'kim@keyed.example'"),
            [("This laptop", -7, 2)])
        self.assertEqual(self.server.sql(
            "SELECT result FROM audit_log WHERE action = 'auth.console.passkey' AND actor = "
            "'kim@keyed.example'"), [("ok",)])

    def test_an_administrator_sets_up_an_organisation_in_the_browser(self):
        """Issue 22's first "done when": from nothing but their own invitation, an
        administrator makes an account, a domain, its settings, a user, an address book
        (imported) and a branded namespace in the browser; every page passes axe."""
        for args in (("account", "create", "HQ"),
                     ("domain", "create", "hq.example", "--account", "HQ"),
                     ("user", "create", "boss@hq.example"),
                     ("user", "console", "boss@hq.example", "org-admin")):
            code, _, err = self.server.admin(*args)
            self.assertEqual(code, 0, err)
        csv = os.path.join(self.server.tmp, "patients.csv")
        with open(csv, "w") as f:
            f.write("address,question,answer\n"
                    "ann@home.example,Your first school?,Hillside\n"
                    "not an address,Q?,Something\n")
        self.server.keep_secret("Hillside")
        logo = os.path.join(self.server.tmp, "logo.svg")
        with open(logo, "w") as f:
            f.write('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
                    '<rect width="40" height="20" fill="#1e6b2f"/></svg>')
        password = "the administrator's own long password"
        self.server.keep_secret(password)
        result = flow("console-admin", self.server.base + "/console",
                      os.path.join(self.server.data, "outbox"), "boss@hq.example", password,
                      csv, logo)
        self.assert_pages_pass(result, [
            "admin-dashboard", "admin-organisation", "admin-settings", "admin-users", "admin-books", "admin-book",
            "admin-import", "admin-namespaces", "admin-namespace-preview", "admin-namespace",
            "admin-keys", "admin-keys-made", "admin-tls", "admin-clients", "admin-client-made",
            "admin-webhooks", "admin-webhook-log", "admin-forms", "admin-form"])
        self.assertEqual(result["formPath"], "/console/forms/riverside-intake")
        self.assertEqual(result["webhookLog"], "0 deliver(ies), newest first")
        self.assertIn("Organisation", result["nav"])
        self.assertEqual(result["charts"], 3)  # methods, statuses, TLS (nothing waits)
        self.assertIn("Riverside Clinic", result["organisation"])
        self.assertIn("riverside.example", result["organisation"])
        self.assertIn("14 days", result["expiryRow"])
        self.assertIn("set here", result["expiryRow"])
        self.assertIn("dr.hibbert@riverside.example", result["users"])
        self.assertIn("1 entr(ies) imported; 1 line(s) refused", result["imported"])
        self.assertRegex(result["refused"][0], r"^Line 3: ")
        self.assertEqual(result["progress"], 100)
        self.assertIn("easy to read", result["contrast"])
        self.assertEqual(result["previewAccent"], "rgb(30, 107, 47)")
        self.assertEqual(result["previewLogo"], 40)
        self.assertEqual(result["namespacePath"], "/console/namespaces/riverside")
        self.assertIn("riverside.example signs with sealpost-ed25519-", result["dkimNotice"])
        self.assertRegex(result["credentials"], r"^[0-9a-f]{32}:[A-Za-z0-9_-]{43}$")
        self.server.keep_secret(result["credentials"].split(":")[1])
        self.assertRegex(result["record"],
                         r'^sealpost-ed25519-\d{6}\._domainkey\.riverside\.example\. IN TXT')
        # What the browser did is what the server holds.
        self.assertEqual(self.server.sql("SELECT account FROM domains WHERE name = "
                                         "'riverside.example'"), [("Riverside Clinic",)])
        self.assertEqual(self.server.sql("SELECT console_role FROM users WHERE address = "
                                         "'dr.hibbert@riverside.example'"), [("sender",)])
        self.assertEqual(self.server.sql("SELECT colour FROM namespaces WHERE name = "
                                         "'riverside'"), [("#1e6b2f",)])
        self.server.notice_for("dr.hibbert@riverside.example")  # their invitation

    def test_reading_works_without_javascript(self):
        link = self.send("ned@example.net", {"question": "Your pet's name?", "answer": "Rex"})
        result = flow("nojs", link, "Rex")
        self.assertNotIn("error", result, result.get("error"))
        self.assertIn("Your results", result["messageText"])
        self.assertIn("Your thyroid results are normal.", result["frameText"])


if __name__ == "__main__":
    unittest.main()
