"""Issue 8 against the real binary: namespaces' branding on every page and in every
mail, portals chosen by host name, the Message Center, and isolation between
namespaces and accounts."""
import base64
import concurrent.futures
import json
import os
import re
import struct
import time
import unittest
import zlib
from urllib.parse import quote

import portal_accounts_test as accounts
from harness import Sealpost, notice_link
from smtp_test import wait_for

# The portal sees `admin namespace` changes after this long (its snapshot's age limit).
REFRESH_SECONDS = 1

csrf_of = accounts.csrf_of
PASSWORD = accounts.PASSWORD
SPRING_HOST = "portal.springfield.test"
SHELBY_HOST = "portal.shelbyville.test"


def tiny_png():
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(b"\x00\x0b\x53\x94")) + chunk(b"IEND", b""))


class NamespaceTestCase(unittest.TestCase):
    """Two namespaces, each with its own host and sender domain, on one server."""
    mail = accounts.PortalAccountsTest.mail
    open_fresh = accounts.PortalAccountsTest.open_fresh
    register = accounts.PortalAccountsTest.register
    sign_in = accounts.PortalAccountsTest.sign_in

    def setUp(self):
        self.server = Sealpost(
            settings={"portal.namespace_refresh_seconds": str(REFRESH_SECONDS)}).start()
        self.addCleanup(self.server.cleanup)
        logo = os.path.join(self.server.tmp, "logo.png")
        with open(logo, "wb") as f:
            f.write(tiny_png())
        self.logo = tiny_png()
        for args in (("namespace", "create", "springfield", "--display-name", "Springfield General",
                      "--colour", "#0b5394", "--support", "help@springfield.example or 555-0100",
                      "--host", SPRING_HOST, "--logo", logo),
                     ("namespace", "create", "shelbyville", "--display-name", "Shelbyville Clinic",
                      "--colour", "#7a1f5c", "--host", SHELBY_HOST),
                     ("account", "create", "Springfield"),
                     ("domain", "create", "springfield.example", "--account", "Springfield"),
                     ("settings", "set", "account", "Springfield", "namespace=springfield"),
                     ("account", "create", "Shelbyville"),
                     ("domain", "create", "shelbyville.example", "--account", "Shelbyville"),
                     ("settings", "set", "domain", "shelbyville.example", "namespace=shelbyville")):
            code, _, err = self.server.admin(*args)
            self.assertEqual(code, 0, (args, err))

    def send(self, sender, to, text, subject="Results", question=True, extra=None):
        seen = set(self.server.notices())
        body = {"from": sender, "to": [to], "subject": subject, "text": text}
        if question:
            body["options"] = {"escrow": {"question": "Your dog's name?", "answer": "Rex"}}
        body.update(extra or {})
        r = self.server.api("POST", "/api/v1/messages", json.dumps(body))
        self.assertEqual(r.status, 202, r.text)
        notice = self.mail(self.server, to, "You have been sent", seen)
        return json.loads(r.body)["id"], notice

    def assert_branded(self, page, name, others=("Springfield", "Shelbyville")):
        self.assertIn(name, page.text)
        for other in others:
            if other not in name:
                self.assertNotIn(other, page.text)


class BrandingTest(NamespaceTestCase):
    def test_every_page_and_mail_carries_its_namespaces_brand(self):
        server = self.server
        _, notice = self.send("dr@springfield.example", "pat@example.net", "Springfield results")
        self.assertIn("Springfield General", str(notice["From"]))
        self.assertNotIn("Shelbyville", notice.as_string())
        self.assertIn("Contact Springfield General: help@springfield.example or 555-0100",
                      notice.get_body(preferencelist=("plain",)).get_content())
        self.assertIn("background:#0b5394", notice.get_body(preferencelist=("html",)).get_content())
        link = notice_link(notice)
        # The link leads to the namespace's own portal host (the server's port kept).
        self.assertTrue(link.startswith(f"https://{SPRING_HOST}:{server.port}/m/"), link)

        server.host = SPRING_HOST
        rid, question = server.open_link(link)
        self.assertEqual(question.status, 200, question.text)
        self.assert_branded(question, "Springfield General")
        self.assertIn('href="/brand/springfield/style.css"', question.text)
        self.assertIn('src="/brand/springfield/logo"', question.text)
        self.assertIn("help@springfield.example or 555-0100", question.text)
        wrong = server.answer(rid, question, "Fido")
        self.assert_branded(wrong, "Springfield General")
        self.assertEqual(server.answer(rid, question, "Rex").status, 303)
        for path in (f"/r/{rid}", f"/r/{rid}/history", f"/r/{rid}/print", f"/r/{rid}/reply",
                     f"/r/{rid}/delete"):
            page = server.get(path, cookies=True)
            self.assertEqual(page.status, 200, (path, page.text))
            self.assert_branded(page, "Springfield General")

        # Its stylesheet carries its accent colour; its logo is served as sniffed, sandboxed.
        css = server.get("/brand/springfield/style.css")
        self.assertEqual(css.status, 200)
        self.assertIn("--accent: #0b5394", css.text)
        logo = server.get("/brand/springfield/logo")
        self.assertEqual(logo.status, 200)
        self.assertEqual(logo.header("content-type"), "image/png")
        self.assertEqual(logo.body, self.logo)
        self.assertIn("sandbox", logo.header("content-security-policy"))
        self.assertEqual(server.get("/brand/shelbyville/logo").status, 404)
        self.assertEqual(server.get("/brand/nowhere/style.css").status, 404)

        # Pages tied to no message take the brand of the host asked for.
        self.assert_branded(server.get("/", host=SHELBY_HOST), "Shelbyville Clinic")
        self.assert_branded(server.get("/account/reset", host=SHELBY_HOST), "Shelbyville Clinic")
        self.assert_branded(server.get("/", host=SPRING_HOST), "Springfield General")
        server.host = None
        plain = server.get("/")
        self.assertNotIn("Springfield", plain.text)
        self.assertNotIn("Shelbyville", plain.text)
        self.assertNotIn("/brand/", plain.text)
        # A message's pages keep its brand whatever host they are asked on.
        with open(server.cookie_jar) as f:
            session = re.search(r"__Host-sp_session\t(\S+)", f.read()).group(1)
        elsewhere = server.get(f"/r/{rid}", host=SHELBY_HOST,
                               headers=[f"Cookie: __Host-sp_session={session}"])
        self.assertEqual(elsewhere.status, 200)
        self.assert_branded(elsewhere, "Springfield General")

    def test_a_namespaces_accounts_reset_on_its_own_host(self):
        server = self.server
        code, _, err = server.admin("settings", "set", "domain", "shelbyville.example",
                                    "verification=login")
        self.assertEqual(code, 0, err)
        server.host = SHELBY_HOST
        self.send("dr@shelbyville.example", "pat@example.net", "Shelbyville results",
                  question=False)
        rid, confirmed, _ = self.register(server, "pat@example.net")
        confirm = self.mail(server, "pat@example.net", "Confirm your email address")
        self.assertIn("Shelbyville Clinic", str(confirm["From"]))
        self.assertIn(f"https://{SHELBY_HOST}:{server.port}/account/confirm/",
                      confirm.get_body(preferencelist=("plain",)).get_content())
        account = server.get("/account", cookies=True)
        self.assert_branded(account, "Shelbyville Clinic")

        # On the shared portal, the address has no account: no reset mail is sent.
        server.host = None
        for host, expect in ((None, False), (SPRING_HOST, False), (SHELBY_HOST, True)):
            mails = set(server.notices())
            os.remove(server.cookie_jar)
            form = server.get("/account/reset", cookies=True, host=host)
            done = server.post("/account/reset", form=[("csrf", csrf_of(form)),
                                                       ("address", "pat@example.net")],
                               cookies=True, host=host)
            self.assertEqual(done.status, 200, done.text)
            if expect:
                reset = self.mail(server, "pat@example.net", "Set a new password", mails)
                self.assertIn("Shelbyville Clinic", str(reset["From"]))
                self.assertIn(f"https://{SHELBY_HOST}:{server.port}/account/reset/",
                              reset.get_body(preferencelist=("plain",)).get_content())
            else:
                with self.assertRaises(AssertionError, msg=host):
                    self.mail(server, "pat@example.net", "Set a new password", mails, timeout=2)



class MessageCenterTest(NamespaceTestCase):
    def center(self, name, on):
        code, out, err = self.server.admin("namespace", "set", name, "--message-center",
                                           "on" if on else "off")
        self.assertEqual(code, 0, err)
        self.assertIn("nobody but the recipient can open a message", out)  # the trade-off, stated
        return out

    def sign_in_direct(self, host, address, password=PASSWORD):
        server = self.server
        if os.path.exists(server.cookie_jar):
            os.remove(server.cookie_jar)
        form = server.get("/account/login", cookies=True, host=host)
        self.assertEqual(form.status, 200, form.text)
        return server.post("/account/login", form=[("csrf", csrf_of(form)), ("address", address),
                                                   ("password", password)], cookies=True, host=host)

    def compose(self, host, to, subject, text):
        server = self.server
        form = server.get("/inbox/compose", cookies=True, host=host)
        self.assertEqual(form.status, 200, form.text)
        return server.post("/inbox/compose", files=[f"csrf={csrf_of(form)}", f"to={to}",
                                                    f"subject={subject}", f"text={text}"],
                           cookies=True, host=host)

    def inbox(self, host, query=""):
        page = self.server.get("/inbox" + query, cookies=True, host=host)
        return page

    def test_inbox_search_open_compose_and_mode_switch(self):
        server = self.server
        server.host = SPRING_HOST
        # Sent while the Message Center is off: key in the link only, never in the inbox.
        self.send("dr@springfield.example", "pat@example.net", "Before the center", subject="Old news")
        self.center("springfield", True)
        # With it on, recipients sign in by default (no question given, none needed).
        _, lipids = self.send("dr@springfield.example", "pat@example.net", "LDL 2.1 mmol/L",
                              subject="Lipid panel", question=False)
        self.assertIn("sign in", lipids.get_body(preferencelist=("plain",)).get_content())
        self.send("dr2@springfield.example", "pat@example.net", "Come in on Monday",
                  subject="Appointment", question=False)
        # Pat registers from the newest notice (the appointment's).
        self.register(server, "pat@example.net")
        self.center("springfield", False)
        self.send("dr@springfield.example", "pat@example.net", "After the center", subject="Later news")
        self.assertEqual(sorted(len(r[0]) > 0 for r in server.sql(
            "SELECT center_key FROM recipients")), [False, False, True, True])

        # Pat signs in at the portal itself: no link needed.
        signed = self.sign_in_direct(SPRING_HOST, "pat@example.net")
        self.assertEqual(signed.status, 303, signed.text)
        self.assertEqual(signed.header("location"), "/inbox")
        inbox = self.inbox(SPRING_HOST)
        self.assertEqual(inbox.status, 200)
        self.assert_branded(inbox, "Springfield General")
        for held in ("Lipid panel", "Appointment"):
            self.assertIn(held, inbox.text)
        for not_held in ("Old news", "Later news"):  # the mode at sending time decides
            self.assertNotIn(not_held, inbox.text)
        # Off (once the portal has read the namespaces again): no new messages.
        wait_for(lambda: "Write a new message" not in self.inbox(SPRING_HOST).text,
                 timeout=10, what="the Message Center's compose link to go")
        self.assertEqual(server.get("/inbox/compose", cookies=True).status, 403)

        # Search by subject, by sender, by date.
        self.assertIn("Lipid panel", self.inbox(SPRING_HOST, "?q=lipid").text)
        self.assertNotIn("Appointment", self.inbox(SPRING_HOST, "?q=lipid").text)
        by_sender = self.inbox(SPRING_HOST, "?who=dr2%40springfield")
        self.assertIn("Appointment", by_sender.text)
        self.assertNotIn("Lipid panel", by_sender.text)
        today = time.strftime("%Y-%m-%d", time.gmtime())
        tomorrow = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400))
        self.assertIn("2 matching", self.inbox(SPRING_HOST, f"?after={today}&before={today}").text)
        self.assertIn("0 matching", self.inbox(SPRING_HOST, f"?after={tomorrow}").text)
        self.assertEqual(self.inbox(SPRING_HOST, "?after=27.11.2026").status, 400)

        # Opened from the inbox, no link: the message, and the event says how.
        href = re.search(r'href="(/inbox/open/[0-9a-f]+)">Appointment', inbox.text).group(1)
        opened = server.get(href, cookies=True)
        self.assertEqual(opened.status, 303, opened.text)
        page = server.get(opened.header("location"), cookies=True)
        self.assertIn("Come in on Monday", page.text)
        appointment_rid = href.rsplit("/", 1)[1]
        # From there, everything a reader does: download, print, reply.
        eml = server.get(f"/r/{appointment_rid}/message.eml", cookies=True)
        self.assertEqual(eml.status, 200)
        self.assertIn(b"Come in on Monday", eml.body)
        self.assertEqual(server.get(f"/r/{appointment_rid}/print", cookies=True).status, 200)
        reply_form = server.get(f"/r/{appointment_rid}/reply", cookies=True)
        replied = server.post(f"/r/{appointment_rid}/reply", files=[f"csrf={csrf_of(reply_form)}",
                                                                    "text=Monday suits me"],
                              cookies=True)
        self.assertEqual(replied.status, 200, replied.text)
        self.assertIn("Your reply was sent", replied.text)
        events = server.sql("SELECT type, detail FROM events WHERE recipient_id = '%s'" % appointment_rid)
        self.assertIn(("verified", "message center"), events)

        # Compose: to a previous sender only (with the center on again).
        self.center("springfield", True)
        wait_for(lambda: "Write a new message" in self.inbox(SPRING_HOST).text, timeout=10,
                 what="the Message Center's compose link")
        form = server.get("/inbox/compose", cookies=True)
        self.assertIn('<option value="dr@springfield.example"', form.text)
        self.assertIn('<option value="dr2@springfield.example"', form.text)
        mails = set(server.notices())
        form = server.get("/inbox/compose", cookies=True)
        note = os.path.join(server.tmp, "note.txt")
        with open(note, "w") as f:
            f.write("My insurance number is 12345.\n")
        sent = server.post("/inbox/compose", files=[
            f"csrf={csrf_of(form)}", "to=dr2@springfield.example", "subject=Monday is fine",
            "text=See you then", f"files=@{note};type=text/plain"], cookies=True)
        self.assertEqual(sent.status, 200, sent.text)
        notice = self.mail(server, "dr2@springfield.example", "You have been sent", mails)
        self.assertIn("Springfield General", str(notice["From"]))
        refused = self.compose(SPRING_HOST, "eve@example.net", "Hello", "Let me in")
        self.assertEqual(refused.status, 400)
        self.assertIn("only to people who have sent you", refused.text)
        self.assertEqual(server.sql("SELECT count(*) FROM recipients WHERE address = 'eve@example.net'"),
                         [(0,)])
        # What Pat sent is in the inbox too, and opens.
        inbox = self.inbox(SPRING_HOST)
        self.assertIn("You sent it to dr2@springfield.example", inbox.text)
        sent_href = re.search(r'href="(/inbox/sent/[0-9a-f]+)">Monday is fine', inbox.text).group(1)
        shown = server.get(sent_href, cookies=True)
        self.assertEqual(shown.status, 200)
        self.assertIn("See you then", shown.text)
        attachment = re.search(r'href="(/inbox/sent/[0-9a-f]+/attachments/0)">note.txt',
                               shown.text).group(1)
        self.assertEqual(server.get(attachment, cookies=True).body, b"My insurance number is 12345.\n")
        self.assertEqual(len(self.inbox(SPRING_HOST, "?q=monday").text.split("/inbox/sent/")), 2)
        # Replies count as sent too — the one written while the center was off does not.
        self.assertNotIn("Re: Appointment", inbox.text)
        lipid_href = re.search(r'href="(/inbox/open/[0-9a-f]+)">Lipid panel', inbox.text).group(1)
        lipid_rid = lipid_href.rsplit("/", 1)[1]
        self.assertEqual(server.get(lipid_href, cookies=True).status, 303)
        reply_form = server.get(f"/r/{lipid_rid}/reply", cookies=True)
        self.assertEqual(server.post(f"/r/{lipid_rid}/reply", files=[
            f"csrf={csrf_of(reply_form)}", "text=Thanks for the lipid panel"], cookies=True).status, 200)
        self.assertIn(">Re: Lipid panel</a>", self.inbox(SPRING_HOST).text)

        # Deleting a copy from the inbox's message takes it out of the center too.
        self.assertEqual(server.get(href, cookies=True).status, 303)  # its session again
        page = server.get(f"/r/{appointment_rid}/delete", cookies=True)
        self.assertEqual(server.post(f"/r/{appointment_rid}/delete", form=[("csrf", csrf_of(page))],
                                     cookies=True).status, 200)
        self.assertNotIn('">Appointment', self.inbox(SPRING_HOST).text)
        self.assertEqual(server.sql("SELECT length(center_key) FROM recipients WHERE id = '%s'"
                                    % appointment_rid), [(0,)])
        self.assertEqual(server.get(href, cookies=True).status, 410)



    def test_two_step_sign_in_at_the_portal(self):
        server = self.server
        self.center("springfield", True)
        self.send("dr@springfield.example", "edna@example.net", "Iron 15", subject="Iron",
                  question=False)
        server.host = SPRING_HOST
        self.register(server, "edna@example.net")
        account = server.get("/account", cookies=True)
        setup = server.post("/account/totp/start", form=[("csrf", csrf_of(account))], cookies=True)
        key = re.search(r'<code class="key">([A-Z2-7]+)</code>', setup.text).group(1)
        enrol_code, enrol_at = accounts.totp(key), time.time()
        self.assertEqual(server.post("/account/totp/confirm", form=[
            ("csrf", csrf_of(setup)), ("code", enrol_code)], cookies=True).status, 200)
        first = self.sign_in_direct(SPRING_HOST, "edna@example.net")
        self.assertEqual(first.status, 200, first.text)
        self.assertIn("Enter your sign-in code", first.text)
        # Half signed in: no inbox yet; the enrolment code is used up.
        self.assertEqual(server.get("/inbox", cookies=True).status, 303)
        replay = server.post("/account/login/code", form=[("csrf", csrf_of(first)),
                                                          ("code", enrol_code)], cookies=True)
        self.assertEqual(replay.status, 401)
        self.assertIn("already used", replay.text)
        # The next step's code (the server allows one step of clock skew either way), at
        # once: no waiting out the 30-second step.
        done = server.post("/account/login/code", form=[
            ("csrf", csrf_of(replay)), ("code", accounts.totp(key, at=enrol_at + 30))], cookies=True)
        self.assertEqual(done.status, 303, done.text)
        self.assertEqual(done.header("location"), "/inbox")
        self.assertIn(">Iron</a>", self.inbox(SPRING_HOST).text)

    def test_a_long_inbox_comes_a_page_at_a_time(self):
        server = self.server
        self.center("springfield", True)
        self.send("dr@springfield.example", "lisa@example.net", "first", subject="Message 0",
                  question=False)
        server.host = SPRING_HOST
        self.register(server, "lisa@example.net")

        def send(i):
            r = server.api("POST", "/api/v1/messages", json.dumps({
                "from": "dr@springfield.example", "to": ["lisa@example.net"],
                "subject": f"Message {i}", "text": "x"}))
            self.assertEqual(r.status, 202, r.text)
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            list(pool.map(send, range(1, 53)))
        first = self.inbox(SPRING_HOST)
        self.assertEqual(first.text.count("/inbox/open/"), 50)
        self.assertIn("Messages 1 to 50 of 53.", first.text)
        self.assertNotIn("Newer messages", first.text)
        older = re.search(r'href="([^"]+)">Older messages', first.text).group(1).replace("&amp;", "&")
        second = server.get(older, cookies=True)
        self.assertEqual(second.text.count("/inbox/open/"), 3)
        self.assertIn("Messages 51 to 53 of 53.", second.text)
        self.assertIn("Newer messages", second.text)
        # The search goes along from page to page.
        searched = self.inbox(SPRING_HOST, "?q=message&who=dr%40springfield")
        self.assertIn("53 matching", searched.text)
        older = re.search(r'href="([^"]+)">Older messages', searched.text).group(1)
        self.assertIn("q=message&amp;who=dr%40springfield", older)
        self.assertEqual(self.inbox(SPRING_HOST, "?page=x").text.count("/inbox/open/"), 50)


class IsolationTest(NamespaceTestCase):
    """Every identifier the portal and the API take, tried against another account's and
    another namespace's data: all refused, and refused as if the data were not there."""
    center = MessageCenterTest.center
    sign_in_direct = MessageCenterTest.sign_in_direct
    compose = MessageCenterTest.compose
    inbox = MessageCenterTest.inbox

    def test_nothing_crosses_namespaces_or_accounts(self):
        server = self.server
        for args in (("user", "create", "dr@springfield.example"),
                     ("user", "create", "dr@shelbyville.example")):
            code, _, err = server.admin(*args)
            self.assertEqual(code, 0, err)
        self.center("springfield", True)
        self.center("shelbyville", True)
        spring_id, _ = self.send("dr@springfield.example", "pat@example.net", "Spring secret",
                                 subject="Spring results", question=False)
        server.host = SPRING_HOST
        self.register(server, "pat@example.net")
        spring_rid = server.sql("SELECT id FROM recipients WHERE message_id = '%s'" % spring_id)[0][0]
        sam_id, _ = self.send("dr3@springfield.example", "sam@example.net", "Sam secret",
                              subject="Sam results", question=False)
        self.register(server, "sam@example.net")
        sam_rid = server.sql("SELECT id FROM recipients WHERE message_id = '%s'" % sam_id)[0][0]
        shelby_id, _ = self.send("dr@shelbyville.example", "pat@example.net", "Shelby secret",
                                 subject="Shelby results", question=False)
        server.host = SHELBY_HOST
        self.register(server, "pat@example.net")
        # Sam sends from the center: a "sent" message id of another account.
        server.host = SPRING_HOST
        self.assertEqual(self.sign_in_direct(SPRING_HOST, "sam@example.net").status, 303)
        self.assertEqual(self.compose(SPRING_HOST, "dr3@springfield.example", "Sam asks",
                                      "Sam's question").status, 200)
        sam_sent = re.search(r"/inbox/sent/([0-9a-f]+)", self.inbox(SPRING_HOST).text).group(1)

        random_rid = "0" * 32
        def not_there(path, host):
            page = server.get(path, cookies=True, host=host)
            return page.status, re.search(r"<h1>(.*?)</h1>", page.text).group(1)

        # Pat in Shelbyville: sees Shelbyville's message only, finds nothing of Springfield.
        self.assertEqual(self.sign_in_direct(SHELBY_HOST, "pat@example.net").status, 303)
        inbox = self.inbox(SHELBY_HOST)
        self.assertIn("Shelby results", inbox.text)
        self.assertNotIn("Spring", inbox.text)
        self.assertIn("0 matching", self.inbox(SHELBY_HOST, "?q=spring").text)
        self.assertIn("0 matching", self.inbox(SHELBY_HOST, "?who=springfield").text)
        absent = not_there(f"/inbox/open/{random_rid}", SHELBY_HOST)
        self.assertEqual(absent[0], 404)
        for rid in (spring_rid, sam_rid):
            self.assertEqual(not_there(f"/inbox/open/{rid}", SHELBY_HOST), absent)
        self.assertEqual(not_there(f"/inbox/sent/{sam_sent}", SHELBY_HOST),
                         not_there(f"/inbox/sent/{random_rid}", SHELBY_HOST))
        refused = self.compose(SHELBY_HOST, "dr@springfield.example", "Hi", "Across namespaces")
        self.assertEqual(refused.status, 400)
        self.assertIn("only to people who have sent you", refused.text)

        # Pat in Springfield: Sam's copy and Sam's sent message are as absent as random ids.
        self.assertEqual(self.sign_in_direct(SPRING_HOST, "pat@example.net").status, 303)
        inbox = self.inbox(SPRING_HOST)
        self.assertIn("Spring results", inbox.text)
        for other in ("Shelby", "Sam"):
            self.assertNotIn(other, inbox.text)
        absent = not_there(f"/inbox/open/{random_rid}", SPRING_HOST)
        self.assertEqual(not_there(f"/inbox/open/{sam_rid}", SPRING_HOST), absent)
        self.assertEqual(not_there(f"/inbox/sent/{sam_sent}", SPRING_HOST),
                         not_there(f"/inbox/sent/{random_rid}", SPRING_HOST))
        self.assertEqual(not_there(f"/inbox/sent/{sam_sent}/attachments/0", SPRING_HOST),
                         not_there(f"/inbox/sent/{random_rid}/attachments/0", SPRING_HOST))
        # Pat's message session opens Pat's copy only.
        opened = server.get(f"/inbox/open/{spring_rid}", cookies=True)
        self.assertEqual(opened.status, 303)
        self.assertIn("Spring secret", server.get(f"/r/{spring_rid}", cookies=True).text)
        for path in (f"/r/{sam_rid}", f"/r/{sam_rid}/attachments/0", f"/r/{sam_rid}/message.eml",
                     f"/r/{sam_rid}/history", f"/r/{sam_rid}/print", f"/r/{sam_rid}/reply"):
            page = server.get(path, cookies=True)
            self.assertEqual(page.status, 403, path)
            self.assertNotIn("Sam secret", page.text)
        # Only people who wrote to Pat: dr3 wrote to Sam, not to Pat.
        refused = self.compose(SPRING_HOST, "dr3@springfield.example", "Hi", "Not mine to write")
        self.assertEqual(refused.status, 400)

        # "Is there an account for this address?" answers alike: a wrong password, an
        # unknown address, and an account of the other namespace.
        answers = set()
        for host, address, password in ((SPRING_HOST, "pat@example.net", "wrong password here"),
                                        (SPRING_HOST, "nobody@example.net", PASSWORD),
                                        (SHELBY_HOST, "sam@example.net", PASSWORD)):
            r = self.sign_in_direct(host, address, password)
            answers.add((r.status, re.search(r'role="alert" id="form-error"><p>(.*?)</p>', r.text).group(1)))
        self.assertEqual(len(answers), 1, answers)
        self.assertEqual(next(iter(answers))[0], 401)

        # The API: one organisation account's key sees nothing of the other's messages.
        code, out, err = server.admin("user", "api-key", "dr@shelbyville.example")
        self.assertEqual(code, 0, err)
        shelby_key = re.search(r"keep it safe\): (\S+)", out).group(1)
        server.host = None
        missing = server.api("GET", f"/api/v1/messages/{random_rid}", content_type=None, key=shelby_key)
        self.assertEqual(missing.status, 404)
        for path in (f"/api/v1/messages/{spring_id}", f"/api/v1/messages/{spring_id}/events"):
            r = server.api("GET", path, content_type=None, key=shelby_key)
            self.assertEqual((r.status, r.body), (missing.status, missing.body), path)
        r = server.api("POST", f"/api/v1/messages/{spring_id}/retract", content_type=None,
                       key=shelby_key)
        self.assertEqual(r.status, 404, r.text)
        self.assertEqual(server.sql("SELECT destroyed_at FROM messages WHERE id = '%s'" % spring_id),
                         [(None,)])



class NamespaceApiTest(NamespaceTestCase):
    sign_in_direct = MessageCenterTest.sign_in_direct

    def test_create_change_and_import_accounts_through_the_api_and_cli(self):
        server = self.server
        api = lambda method, path, body=None: server.api(method, path, json.dumps(body) if body is not None else None)
        unreadable = api("POST", "/api/v1/namespaces", {"name": "ogdenville", "display_name": "Ogdenville Lab",
                                                        "colour": "#ffff00"})
        self.assertEqual(unreadable.status, 400, unreadable.text)
        self.assertEqual(json.loads(unreadable.body)["invalid-params"][0]["name"], "colour")
        self.assertEqual(api("POST", "/api/v1/namespaces", {"name": "Bad Name!", "display_name": "x"}).status, 400)
        taken = api("POST", "/api/v1/namespaces", {"name": "ogdenville", "display_name": "Ogdenville Lab",
                                                   "hosts": [SPRING_HOST]})
        self.assertEqual(taken.status, 409, taken.text)  # a host in one namespace only
        created = api("POST", "/api/v1/namespaces", {
            "name": "ogdenville", "display_name": "Ogdenville Lab", "colour": "#2e5e2e",
            "support_contact": "lab@ogdenville.example", "hosts": ["portal.ogdenville.test"],
            "logo_base64": base64.b64encode(self.logo).decode()})
        self.assertEqual(created.status, 201, created.text)
        body = json.loads(created.body)
        self.assertEqual(body["logo"], {"content_type": "image/png", "size": len(self.logo)})
        self.assertFalse(body["message_center"])
        self.assertIn("nobody but the recipient can open a message", body["message_center_tradeoff"])
        changed = api("PATCH", "/api/v1/namespaces/ogdenville", {"message_center": True})
        self.assertEqual(changed.status, 200, changed.text)
        self.assertTrue(json.loads(changed.body)["message_center"])
        # The audit trail keeps what the namespace was and became.
        trail = json.loads(api("GET", "/api/v1/audit?action=" + quote(
            "api.PATCH /api/v1/namespaces/{name}") + "&result=ok").body)["records"]
        self.assertEqual(trail[0]["subject"], "ogdenville")
        self.assertEqual((trail[0]["details"]["before"]["message_center"],
                          trail[0]["details"]["after"]["message_center"]), (False, True))
        self.assertEqual(json.loads(api("GET", "/api/v1/namespaces/ogdenville").body)["support_contact"],
                         "lab@ogdenville.example")
        for bad in ({"name": "other"}, {"colour": 7}, {"favourite": "x"}):
            r = api("PATCH", "/api/v1/namespaces/ogdenville", bad)
            self.assertEqual(r.status, 400, (bad, r.text))
            self.assertEqual(r.header("content-type"), "application/problem+json")
        self.assertEqual(api("GET", "/api/v1/namespaces/nowhere").status, 404)
        names = [n["name"] for n in json.loads(api("GET", "/api/v1/namespaces").body)["namespaces"]]
        self.assertEqual(names, ["ogdenville", "shelbyville", "springfield"])
        code, out, err = server.admin("user", "create", "dr@springfield.example")
        code, out, err = server.admin("user", "api-key", "dr@springfield.example")
        user_key = re.search(r"keep it safe\): (\S+)", out).group(1)
        self.assertEqual(server.api("GET", "/api/v1/namespaces", content_type=None, key=user_key).status, 403)

        # Moe has an account in the shared pool; it is copied into Ogdenville's, and Moe
        # signs in there with the same password.
        for args in (("account", "create", "Plain"),
                     ("domain", "create", "plain.example", "--account", "Plain"),
                     ("settings", "set", "domain", "plain.example", "verification=login")):
            code, _, err = server.admin(*args)
            self.assertEqual(code, 0, err)
        self.send("dr@plain.example", "moe@example.net", "Shared pool", question=False)
        self.register(server, "moe@example.net")
        imported = api("POST", "/api/v1/namespaces/ogdenville/accounts/import",
                       {"addresses": ["moe@example.net", "nobody@example.net"]})
        self.assertEqual(imported.status, 200, imported.text)
        self.assertEqual(json.loads(imported.body), {
            "imported": ["moe@example.net"],
            "skipped": [{"address": "nobody@example.net", "reason": "no confirmed account in the shared pool"}]})
        again = json.loads(api("POST", "/api/v1/namespaces/ogdenville/accounts/import").body)
        self.assertEqual(again["imported"], [])
        self.assertIn("already has an account", again["skipped"][0]["reason"])
        # A sign-in before the portal reads the namespaces (and their hosts) again would
        # count as a failure: wait out the snapshot's age instead of polling.
        time.sleep(REFRESH_SECONDS + 0.5)
        self.assertEqual(self.sign_in_direct("portal.ogdenville.test", "moe@example.net").status, 303)
        # Not in a namespace it was not imported into; then the CLI imports it there too.
        self.assertEqual(self.sign_in_direct(SHELBY_HOST, "moe@example.net").status, 401)
        code, out, err = server.admin("namespace", "import-accounts", "shelbyville")
        self.assertEqual(code, 0, err)
        self.assertIn("imported moe@example.net", out)
        self.assertEqual(self.sign_in_direct(SHELBY_HOST, "moe@example.net").status, 303)
        self.assertEqual(sorted(server.sql("SELECT namespace FROM portal_accounts WHERE address = 'moe@example.net'")),
                         [("",), ("ogdenville",), ("shelbyville",)])


if __name__ == "__main__":
    unittest.main()
