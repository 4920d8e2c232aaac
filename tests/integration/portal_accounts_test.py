"""Issue 7, escrow by portal login against the real binary: registration confirmed by the
mailed link (read from the outbox), later logins, two-step sign-in with TOTP and its
replay refusal, password reset, sign-out ending the session on the server, CSRF
refusals and the guessing limits (the message's lock, the account's hourly cap)."""
import base64
import email
import email.policy
import hashlib
import hmac
import json
import os
import re
import struct
import time
import unittest

from harness import Sealpost, notice_link

PASSWORD = "correct horse battery staple"


def totp(key_base32, at=None, step=30):
    key = base64.b32decode(key_base32 + "=" * (-len(key_base32) % 8))
    counter = int((at if at is not None else time.time()) // step)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return "%06d" % (value % 1000000)


def csrf_of(page):
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


class PortalAccountsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Sealpost().start()
        cls.login_mode(cls.server)

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    @staticmethod
    def login_mode(server):
        for args in (("account", "create", "Springfield"),
                     ("domain", "create", "clinic.example", "--account", "Springfield"),
                     ("user", "create", "dr@clinic.example"),
                     ("settings", "set", "domain", "clinic.example", "verification=login")):
            code, _, err = server.admin(*args)
            assert code == 0, err

    def send(self, to, server=None, text="Potassium 4.1"):
        server = server or self.server
        r = server.api("POST", "/api/v1/messages", json.dumps({
            "from": "dr@clinic.example", "to": [to], "subject": "Results", "text": text}))
        self.assertEqual(r.status, 202, r.text)
        body = json.loads(r.body)
        self.assertIn("escrow/login", body["recipients"][0]["why"])
        return body["id"]

    def mail(self, server, to, subject_start, after=(), timeout=30):
        """The newest mail to `to` whose subject starts so, leaving out the outbox files
        in `after` (a snapshot: files filed in one second do not sort by age)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            fresh = [p for p in server.notices() if p not in after]
            for path in sorted(fresh, key=os.path.getmtime, reverse=True):
                with open(path, "rb") as f:
                    msg = email.message_from_bytes(f.read(), policy=email.policy.default)
                if msg["To"] == to and str(msg["Subject"]).startswith(subject_start):
                    return msg
            time.sleep(0.1)
        raise AssertionError(f"no mail '{subject_start}' to {to}")

    def open_fresh(self, server, to, after=()):
        """The recipient opens the newest notice to them in a fresh browser."""
        notice = self.mail(server, to, "You have been sent", after)
        return server.open_link(notice_link(notice))

    def register(self, server, to, after=()):
        rid, page = self.open_fresh(server, to, after)
        self.assertIn("Create your account", page.text)
        mails = set(server.notices())
        done = server.post(f"/r/{rid}/register", form=[("csrf", csrf_of(page)),
                                                       ("password", PASSWORD),
                                                       ("password2", PASSWORD)], cookies=True)
        self.assertEqual(done.status, 200, done.text)
        confirm = self.mail(server, to, "Confirm your email address", mails)
        link = re.search(r"https://\S+/account/confirm/\S+",
                         confirm.get_body(preferencelist=("plain",)).get_content()).group(0)
        path = link.split(server.base)[1] if link.startswith(server.base) else link[link.index("/account"):]
        shown = server.get(path, cookies=True)
        self.assertEqual(shown.status, 200, shown.text)
        token = re.search(r'name="token" value="([^"]+)"', shown.text).group(1)
        confirmed = server.post("/account/confirm", form=[("csrf", csrf_of(shown)), ("token", token)],
                                cookies=True)
        self.assertEqual(confirmed.status, 303, confirmed.text)
        return rid, confirmed, path

    def sign_in(self, server, to, password=PASSWORD, after=()):
        rid, page = self.open_fresh(server, to, after)
        self.assertIn("Sign in to read your secure message", page.text)
        return rid, server.post(f"/r/{rid}/login", form=[("csrf", csrf_of(page)),
                                                         ("password", password)], cookies=True)

    def test_register_confirm_read_then_sign_in_for_the_next_message(self):
        message_id = self.send("pat@example.net")
        notice = self.mail(self.server, "pat@example.net", "You have been sent")
        self.assertIn("sign in", notice.get_body(preferencelist=("plain",)).get_content())
        rid, page = self.open_fresh(self.server, "pat@example.net")
        self.assertIn("Create your account", page.text)
        self.assertIn("pat@example.net", page.text)
        for pw, pw2, why in (("short", "short", "at least 10 characters"),
                             (PASSWORD, PASSWORD + "x", "not the same")):
            r = self.server.post(f"/r/{rid}/register", form=[("csrf", csrf_of(page)),
                                                             ("password", pw), ("password2", pw2)],
                                 cookies=True)
            self.assertEqual(r.status, 400)
            self.assertIn(why, r.text)
        rid, confirmed, confirm_path = self.register(self.server, "pat@example.net")
        self.assertEqual(confirmed.header("location"), f"/r/{rid}")
        # The link cookie is still in this browser: the message opens at once.
        opened = self.server.get(f"/r/{rid}", cookies=True)
        self.assertEqual(opened.status, 303, opened.text)
        message = self.server.get(f"/r/{rid}", cookies=True)
        self.assertIn("Potassium 4.1", message.text)
        # The confirmation link worked once.
        self.assertEqual(self.server.get(confirm_path).status, 404)

        events = json.loads(self.server.api("GET", f"/api/v1/messages/{message_id}/events",
                                            content_type=None).body)["events"]
        verified = [e for e in events if e["type"] == "verified"]
        self.assertEqual(len(verified), 1)
        self.assertEqual(verified[0].get("detail"), "portal account")

        # The next message to the same address: sign in, no registration.
        mails = set(self.server.notices())
        self.send("pat@example.net", text="Sodium 140")
        rid2, page = self.open_fresh(self.server, "pat@example.net", mails)
        self.assertNotEqual(rid2, rid)
        self.assertIn("Sign in to read your secure message", page.text)
        wrong = self.server.post(f"/r/{rid2}/login", form=[("csrf", csrf_of(page)),
                                                           ("password", "not my password")],
                                 cookies=True)
        self.assertEqual(wrong.status, 401)
        self.assertIn("4 attempts left", wrong.text)
        right = self.server.post(f"/r/{rid2}/login", form=[("csrf", csrf_of(wrong)),
                                                           ("password", PASSWORD)], cookies=True)
        self.assertEqual(right.status, 303, right.text)
        self.assertIn("Sodium 140", self.server.get(f"/r/{rid2}", cookies=True).text)

        # The password is an Argon2id hash at OWASP's minimum cost or above, and appears
        # nowhere in clear: not in the database, not in the log.
        [(stored,)] = self.server.sql(
            "SELECT password_hash FROM portal_accounts WHERE address = 'pat@example.net'")
        self.assertTrue(stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$"), stored)
        with open(os.path.join(self.server.data, "sealpost.db"), "rb") as f:
            self.assertNotIn(PASSWORD.encode(), f.read())
        self.assertNotIn(PASSWORD, self.server.log())
        self.assertNotRegex(self.server.log(), r"/account/confirm/[A-Za-z0-9_-]{20}")

    def test_sign_out_and_password_reset_end_sessions_on_the_server(self):
        self.send("moe@example.net")
        rid, _, _ = self.register(self.server, "moe@example.net")
        self.server.get(f"/r/{rid}", cookies=True)
        account = self.server.get("/account", cookies=True)
        self.assertEqual(account.status, 200, account.text)
        with open(self.server.cookie_jar) as f:
            jar = f.read()
        session = re.search(r"__Host-sp_account\t(\S+)", jar).group(1)
        message_session = re.search(r"__Host-sp_session\t(\S+)", jar).group(1)

        # CSRF: a sign-out without the form's token is refused, and changes nothing.
        forged = self.server.post("/account/logout", form=[("csrf", "forged")], cookies=True)
        self.assertEqual(forged.status, 403)
        self.assertEqual(self.server.get("/account", cookies=True).status, 200)

        out = self.server.post("/account/logout", form=[("csrf", csrf_of(account))], cookies=True)
        self.assertEqual(out.status, 200, out.text)
        self.assertIn("You have signed out", out.text)
        # The old cookies, replayed by hand: dead on the server.
        again = self.server.get("/account", headers=[f"Cookie: __Host-sp_account={session}"])
        self.assertEqual(again.status, 403)
        read = self.server.get(f"/r/{rid}", headers=[f"Cookie: __Host-sp_session={message_session}"])
        self.assertEqual(read.status, 403)
        self.assertNotIn("Potassium", read.text)

        # A reset: the page says plainly what the mailbox can do.
        os.remove(self.server.cookie_jar)
        form = self.server.get("/account/reset", cookies=True)
        self.assertIn("Whoever can read the mailbox", form.text)
        self.assertIn("do not depend on this password", form.text)
        mails = set(self.server.notices())
        r = self.server.post("/account/reset", form=[("csrf", csrf_of(form)),
                                                     ("address", "moe@example.net")], cookies=True)
        self.assertEqual(r.status, 200, r.text)
        self.assertIn("If moe@example.net has an account", r.text)
        # An address without an account gets the same answer, and no mail.
        r = self.server.post("/account/reset", form=[("csrf", csrf_of(form)),
                                                     ("address", "nobody@example.net")], cookies=True)
        self.assertIn("If nobody@example.net has an account", r.text)
        reset = self.mail(self.server, "moe@example.net", "Set a new password", mails)
        link = re.search(r"https://\S+(/account/reset/\S+)",
                         reset.get_body(preferencelist=("plain",)).get_content()).group(1)
        # A sentinel mailed after the refusal: once it is filed, a mail to nobody@ would be.
        r = self.server.api("POST", "/api/v1/messages", json.dumps({
            "from": "dr@clinic.example", "to": ["sentinel@example.net"], "subject": "Results",
            "text": "x", "options": {"escrow": {"question": "Pet?", "answer": "Rex"}}}))
        self.assertEqual(r.status, 202, r.text)
        self.server.notice_for("sentinel@example.net")
        for path in self.server.notices():
            if path not in mails:
                with open(path, errors="replace") as f:
                    self.assertNotIn("To: nobody@example.net", f.read())

        # Signed in elsewhere before the reset, the message open: signed out by it, and the
        # message session the old password opened ends too (issue 18.4).
        self.send("moe@example.net", text="Calcium 2.4")
        calcium_rid, signed_in = self.sign_in(self.server, "moe@example.net", after=mails)
        self.assertEqual(signed_in.status, 303)
        self.assertIn("Calcium 2.4", self.server.get(f"/r/{calcium_rid}", cookies=True).text)
        with open(self.server.cookie_jar) as f:
            jar = f.read()
        elsewhere = re.search(r"__Host-sp_account\t(\S+)", jar).group(1)
        elsewhere_reading = re.search(r"__Host-sp_session\t(\S+)", jar).group(1)
        page = self.server.get(link)
        self.assertIn("Choose a new password", page.text)
        new = "a different long passphrase"
        done = self.server.post(link, form=[("csrf", csrf_of(page)), ("password", new),
                                            ("password2", new)])
        self.assertEqual(done.status, 200, done.text)
        self.assertEqual(self.server.get("/account",
                                         headers=[f"Cookie: __Host-sp_account={elsewhere}"]).status, 403)
        for path in (f"/r/{calcium_rid}", f"/r/{calcium_rid}/message.eml", f"/r/{calcium_rid}/print"):
            old_reading = self.server.get(
                path, headers=[f"Cookie: __Host-sp_session={elsewhere_reading}"])
            self.assertEqual(old_reading.status, 403, path)
            self.assertNotIn(b"Calcium", old_reading.body)
        self.assertEqual(self.server.post(link, form=[("csrf", csrf_of(page)), ("password", new),
                                                      ("password2", new)]).status, 404)
        _, old = self.sign_in(self.server, "moe@example.net", PASSWORD, after=mails)
        self.assertEqual(old.status, 401)
        rid, ok = self.sign_in(self.server, "moe@example.net", new, after=mails)
        self.assertEqual(ok.status, 303)
        self.assertIn("Calcium 2.4", self.server.get(f"/r/{rid}", cookies=True).text)

    def test_sign_out_everywhere_ends_other_browsers_sessions(self):
        self.send("lenny@example.net", text="Sodium 140")
        rid, _, _ = self.register(self.server, "lenny@example.net")
        self.assertEqual(self.server.get(f"/r/{rid}", cookies=True).status, 303)  # opened
        self.assertIn("Sodium 140", self.server.get(f"/r/{rid}", cookies=True).text)
        with open(self.server.cookie_jar) as f:
            jar = f.read()
        other_account = re.search(r"__Host-sp_account\t(\S+)", jar).group(1)
        other_reading = re.search(r"__Host-sp_session\t(\S+)", jar).group(1)
        # Another browser signs in and signs out everywhere.
        _, signed_in = self.sign_in(self.server, "lenny@example.net")
        self.assertEqual(signed_in.status, 303, signed_in.text)
        account = self.server.get("/account", cookies=True)
        self.assertIn("Sign out everywhere", account.text)
        forged = self.server.post("/account/logout-everywhere", form=[("csrf", "forged")],
                                  cookies=True)
        self.assertEqual(forged.status, 403)
        self.assertEqual(self.server.get("/account", headers=[
            f"Cookie: __Host-sp_account={other_account}"]).status, 200)
        out = self.server.post("/account/logout-everywhere", form=[("csrf", csrf_of(account))],
                               cookies=True)
        self.assertEqual(out.status, 200, out.text)
        self.assertEqual(self.server.get("/account", cookies=True).status, 403)
        self.assertEqual(self.server.get("/account", headers=[
            f"Cookie: __Host-sp_account={other_account}"]).status, 403)
        reading = self.server.get(f"/r/{rid}", headers=[f"Cookie: __Host-sp_session={other_reading}"])
        self.assertEqual(reading.status, 403)
        self.assertNotIn("Sodium", reading.text)

    def test_a_notice_link_cannot_plant_an_account(self):
        # Issue 18.2: an attacker holding the notice link registers the victim's address
        # with a password of their own; the victim registers too, and then clicks the
        # attacker's confirmation link in their own browser.
        self.send("carl@example.net", text="Ferritin 30")
        rid, page = self.open_fresh(self.server, "carl@example.net")
        mails = set(self.server.notices())
        attacker = self.server.post(f"/r/{rid}/register", form=[
            ("csrf", csrf_of(page)), ("password", "attacker's own password"),
            ("password2", "attacker's own password")], cookies=True)
        self.assertEqual(attacker.status, 200, attacker.text)
        attackers = self.mail(self.server, "carl@example.net", "Confirm your email address", mails)
        attackers_path = re.search(r"https://\S+(/account/confirm/\S+)", attackers.get_body(
            preferencelist=("plain",)).get_content()).group(1)
        time.sleep(1.1)  # outbox files of one second do not sort by age
        # The victim's own registration, in their browser (the helper confirms it later).
        rid, page = self.open_fresh(self.server, "carl@example.net")
        mails = set(self.server.notices())
        victim = self.server.post(f"/r/{rid}/register", form=[
            ("csrf", csrf_of(page)), ("password", PASSWORD), ("password2", PASSWORD)], cookies=True)
        self.assertEqual(victim.status, 200, victim.text)
        victims = self.mail(self.server, "carl@example.net", "Confirm your email address", mails)
        victims_path = re.search(r"https://\S+(/account/confirm/\S+)", victims.get_body(
            preferencelist=("plain",)).get_content()).group(1)
        # The attacker's link in the victim's browser asks for the registrant's password.
        shown = self.server.get(attackers_path, cookies=True)
        self.assertEqual(shown.status, 200, shown.text)
        self.assertIn("Password chosen at registration", shown.text)
        token = re.search(r'name="token" value="([^"]+)"', shown.text).group(1)
        for password in ("", PASSWORD):
            refused = self.server.post("/account/confirm", form=[
                ("csrf", csrf_of(shown)), ("token", token), ("password", password)], cookies=True)
            self.assertEqual(refused.status, 403, refused.text)
            self.assertIn("password chosen when this address was registered", refused.text)
        self.assertEqual(self.server.sql(
            "SELECT count(*) FROM portal_accounts WHERE address = 'carl@example.net'"), [(0,)])
        # The victim's own link (not replaced) confirms in their browser without a password.
        shown = self.server.get(victims_path, cookies=True)
        self.assertNotIn("Password chosen at registration", shown.text)
        token = re.search(r'name="token" value="([^"]+)"', shown.text).group(1)
        done = self.server.post("/account/confirm", form=[("csrf", csrf_of(shown)),
                                                          ("token", token)], cookies=True)
        self.assertEqual(done.status, 303, done.text)
        self.assertEqual(self.server.get(f"/r/{rid}", cookies=True).status, 303)  # opened
        self.assertIn("Ferritin 30", self.server.get(f"/r/{rid}", cookies=True).text)
        # Confirming one cancelled the other: the attacker's link is dead, and only the
        # victim's password signs in.
        self.assertEqual(self.server.get(attackers_path).status, 404)
        _, wrong = self.sign_in(self.server, "carl@example.net", "attacker's own password")
        self.assertEqual(wrong.status, 401)
        _, right = self.sign_in(self.server, "carl@example.net", PASSWORD)
        self.assertEqual(right.status, 303)

    def test_two_step_sign_in_takes_each_code_once(self):
        self.send("edna@example.net")
        rid, _, _ = self.register(self.server, "edna@example.net")
        account = self.server.get("/account", cookies=True)
        setup = self.server.post("/account/totp/start", form=[("csrf", csrf_of(account))],
                                 cookies=True)
        self.assertEqual(setup.status, 200, setup.text)
        self.assertIn("<svg", setup.text)
        self.assertEqual(setup.header("cache-control"), "no-store")
        key = re.search(r'<code class="key">([A-Z2-7]+)</code>', setup.text).group(1)
        bad = self.server.post("/account/totp/confirm", form=[("csrf", csrf_of(setup)),
                                                              ("code", "000000")], cookies=True)
        self.assertEqual(bad.status, 401)
        enrol_code = totp(key)
        enrol_at = time.time()
        codes_page = self.server.post("/account/totp/confirm", form=[("csrf", csrf_of(bad)),
                                                                     ("code", enrol_code)],
                                      cookies=True)
        self.assertEqual(codes_page.status, 200, codes_page.text)
        recovery = re.findall(r"<li><code>([a-z2-7]{5}-[a-z2-7]{5})</code></li>", codes_page.text)
        self.assertEqual(len(recovery), 10)
        self.assertNotIn(key, self.server.log())

        mails = set(self.server.notices())
        self.send("edna@example.net", text="Iron 15")
        rid2, first = self.sign_in(self.server, "edna@example.net", after=mails)
        self.assertEqual(first.status, 200)
        self.assertIn("Enter your sign-in code", first.text)
        # The code used to turn it on is used up: a replay is refused and logged.
        replay = self.server.post(f"/r/{rid2}/code", form=[("csrf", csrf_of(first)),
                                                           ("code", enrol_code)], cookies=True)
        self.assertEqual(replay.status, 401, replay.text)
        self.assertIn("already used", replay.text)
        self.assertIn("replay refused", self.server.log())
        self.assertNotIn("Iron 15", replay.text)
        # The next time step's code signs in, once (the server allows one step of clock
        # skew either way, so it need not wait for that step to come).
        code = totp(key, at=enrol_at + 30)
        ok = self.server.post(f"/r/{rid2}/code", form=[("csrf", csrf_of(replay)), ("code", code)],
                              cookies=True)
        self.assertEqual(ok.status, 303, ok.text)
        self.assertIn("Iron 15", self.server.get(f"/r/{rid2}", cookies=True).text)
        rid3, again = self.sign_in(self.server, "edna@example.net", after=mails)
        replayed = self.server.post(f"/r/{rid3}/code", form=[("csrf", csrf_of(again)), ("code", code)],
                                    cookies=True)
        self.assertIn("already used", replayed.text)
        # A recovery code instead of the app: once.
        rec = self.server.post(f"/r/{rid3}/code", form=[("csrf", csrf_of(replayed)),
                                                        ("code", recovery[0].upper())], cookies=True)
        self.assertEqual(rec.status, 303, rec.text)
        rid4, again = self.sign_in(self.server, "edna@example.net", after=mails)
        used = self.server.post(f"/r/{rid4}/code", form=[("csrf", csrf_of(again)),
                                                         ("code", recovery[0])], cookies=True)
        self.assertEqual(used.status, 401)
        # A half-signed-in session (password, no code) opens nothing.
        self.assertEqual(self.server.get("/account", cookies=True).status, 403)
        events = self.server.sql("SELECT type FROM events WHERE recipient_id = '%s'" % rid4)
        self.assertIn(("code_failed",), events)

    def test_csrf_and_links_are_checked(self):
        self.send("otto@example.net")
        rid, page = self.open_fresh(self.server, "otto@example.net")
        for path in ("register", "login"):
            r = self.server.post(f"/r/{rid}/{path}", form=[("csrf", "x" * 43), ("password", PASSWORD),
                                                           ("password2", PASSWORD)], cookies=True)
            self.assertEqual(r.status, 403, path)
        # Without the link cookie (another browser): nothing.
        r = self.server.post(f"/r/{rid}/register", form=[("csrf", csrf_of(page)),
                                                         ("password", PASSWORD),
                                                         ("password2", PASSWORD)])
        self.assertEqual(r.status, 403)
        self.assertEqual(self.server.sql(
            "SELECT count(*) FROM portal_accounts WHERE address = 'otto@example.net'"), [(0,)])
        self.assertEqual(self.server.get("/account/confirm/" + "A" * 43).status, 404)
        self.assertEqual(self.server.get("/account/reset/" + "A" * 43).status, 404)

    def test_five_wrong_passwords_lock_the_copy_and_tell_the_sender(self):
        server = Sealpost().start()
        try:
            self.login_mode(server)
            self.send("lisa@example.net", server)
            self.register(server, "lisa@example.net")
            mails = set(server.notices())
            self.send("lisa@example.net", server, text="Zinc 12")
            rid, page = self.open_fresh(server, "lisa@example.net", mails)
            for left in (4, 3, 2, 1):
                page = server.post(f"/r/{rid}/login", form=[("csrf", csrf_of(page)),
                                                            ("password", "wrong password!")],
                                   cookies=True)
                self.assertIn(f"{left} attempt", page.text)
            locked = server.post(f"/r/{rid}/login", form=[("csrf", csrf_of(page)),
                                                          ("password", "wrong password!")],
                                 cookies=True)
            self.assertEqual(locked.status, 403)
            self.assertIn("locked", locked.text)
            # Now even the right password opens nothing.
            _, page = self.open_fresh(server, "lisa@example.net", mails)
            self.assertEqual(page.status, 403)
            told = self.mail(server, "dr@clinic.example", "Locked: your secure message to "
                             "lisa@example.net")
            self.assertNotIn("Zinc", told.as_string())
            self.assertEqual(server.sql(
                f"SELECT status FROM recipients WHERE id = '{rid}'"), [("locked",)])
        finally:
            server.cleanup()

    def test_an_accounts_wrong_passwords_are_capped_across_messages(self):
        server = Sealpost(settings={"max_failures_per_account_per_hour": "3"}).start()
        try:
            self.login_mode(server)
            self.send("bart@example.net", server)
            self.register(server, "bart@example.net")
            mails = set(server.notices())
            self.send("bart@example.net", server, text="one")
            self.send("bart@example.net", server, text="two")
            # The registration's mail counts as one try (nobody may flood a mailbox with
            # confirmation links); two wrong passwords, one per message, make three.
            server.wait_for_notices(len(mails) + 2)
            wrong = 0
            for path in [p for p in server.notices() if p not in mails]:
                with open(path, "rb") as f:
                    msg = email.message_from_bytes(f.read(), policy=email.policy.default)
                rid, page = server.open_link(notice_link(msg))
                r = server.post(f"/r/{rid}/login", form=[("csrf", csrf_of(page)),
                                                         ("password", "wrong password!")],
                                cookies=True)
                self.assertEqual(r.status, 401)
                wrong += 1
            self.assertEqual(wrong, 2)
            rid, refused = self.sign_in(server, "bart@example.net", after=mails)
            self.assertEqual(refused.status, 429)
            self.assertGreater(int(refused.header("retry-after")), 3000)
            self.assertEqual(server.sql("SELECT count(*) FROM recipients WHERE status = 'locked'"),
                             [(0,)])
        finally:
            server.cleanup()

    def test_two_namespaces_keep_separate_accounts_for_one_address(self):
        """Issue 8 (started): the same address holds an account in each namespace, each
        with its own password; notices carry their namespace's name and no other's."""
        server = Sealpost().start()
        try:
            for args in (("namespace", "create", "springfield", "--display-name", "Springfield General"),
                         ("namespace", "create", "shelbyville", "--display-name", "Shelbyville Clinic"),
                         ("account", "create", "Springfield"),
                         ("domain", "create", "springfield.example", "--account", "Springfield"),
                         ("settings", "set", "account", "Springfield", "namespace=springfield",
                          "verification=login"),
                         ("account", "create", "Shelbyville"),
                         ("domain", "create", "shelbyville.example", "--account", "Shelbyville"),
                         ("settings", "set", "domain", "shelbyville.example", "namespace=shelbyville",
                          "verification=login")):
                code, _, err = server.admin(*args)
                self.assertEqual(code, 0, (args, err))

            def send(sender, text):
                seen = set(server.notices())
                r = server.api("POST", "/api/v1/messages", json.dumps(
                    {"from": sender, "to": ["pat@example.net"], "subject": "Results", "text": text}))
                self.assertEqual(r.status, 202, r.text)
                return self.mail(server, "pat@example.net", "You have been sent", seen)

            spring = send("dr@springfield.example", "Springfield results")
            self.assertIn("Springfield General", str(spring["From"]))
            self.assertNotIn("Shelbyville", spring.as_string())
            rid, _, _ = self.register(server, "pat@example.net")  # the only notice yet
            server.get(f"/r/{rid}", cookies=True)
            self.assertIn("Springfield results", server.get(f"/r/{rid}", cookies=True).text)
            with open(server.cookie_jar) as f:
                springfield_session = re.search(r"__Host-sp_account\t(\S+)", f.read()).group(1)

            shelby = send("dr@shelbyville.example", "Shelbyville results")
            self.assertIn("Shelbyville Clinic", str(shelby["From"]))
            self.assertNotIn("Springfield", shelby.as_string())
            # Pat's Springfield account is nothing here: not signed in by it, and no
            # account yet in this pool (registration, not a sign-in page).
            server.open_link(notice_link(shelby))
            with open(server.cookie_jar) as f:
                link_cookie = re.search(r"__Host-sp_link\t(\S+)", f.read()).group(1)
            rid2 = notice_link(shelby).split("/m/")[1].split(".")[0]
            page = server.get(f"/r/{rid2}", headers=[
                f"Cookie: __Host-sp_link={link_cookie}; __Host-sp_account={springfield_session}"])
            self.assertIn("Create your account", page.text)
            self.assertNotIn("Shelbyville results", page.text)
            # Its own account, with another password.
            rid2, page = server.open_link(notice_link(shelby))
            other = "shelbyville's own passphrase"
            mails = set(server.notices())
            done = server.post(f"/r/{rid2}/register", form=[("csrf", csrf_of(page)), ("password", other),
                                                            ("password2", other)], cookies=True)
            self.assertEqual(done.status, 200, done.text)
            confirm = self.mail(server, "pat@example.net", "Confirm your email address", mails)
            path = re.search(r"/account/confirm/\S+",
                             confirm.get_body(preferencelist=("plain",)).get_content()).group(0)
            shown = server.get(path, cookies=True)
            self.assertEqual(server.post("/account/confirm", form=[
                ("csrf", csrf_of(shown)),
                ("token", re.search(r'name="token" value="([^"]+)"', shown.text).group(1))],
                cookies=True).status, 303)
            server.get(f"/r/{rid2}", cookies=True)
            self.assertIn("Shelbyville results", server.get(f"/r/{rid2}", cookies=True).text)
            self.assertEqual(sorted(server.sql(
                "SELECT namespace FROM portal_accounts WHERE address = 'pat@example.net'")),
                [("shelbyville",), ("springfield",)])
            # The Springfield password does not open Pat's Shelbyville messages.
            rid3, page = server.open_link(notice_link(shelby))
            wrong = server.post(f"/r/{rid3}/login", form=[("csrf", csrf_of(page)),
                                                          ("password", PASSWORD)], cookies=True)
            self.assertEqual(wrong.status, 401)
            self.assertNotIn("Shelbyville results", wrong.text)
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
