"""SMTP submission against the real binary, with real clients: swaks (STARTTLS + AUTH,
implicit TLS, pipelining), Python's smtplib, and raw byte-level sessions for the attack
cases (SMTP smuggling, STARTTLS injection, oversized input, spoofed senders)."""
import email
import email.policy
import glob
import os
import re
import smtplib
import socket
import ssl
import subprocess
import threading
import time
import unittest

import harness
from harness import Sealpost

SENDER = "dr@clinic.example"

SMUGGLING_ENDS = [
    b"\n.\n", b"\n.\r\n", b"\r.\r", b"\r.\n", b"\r.\r\n", b"\n.\r", b"\r\n.\n", b"\r\n.\r",
    b"\r\n.\r\r\n", b"\r\r\n.\r\r\n", b"\r\n\x00.\r\n", b"\r\n.\x00\r\n", b"\n\n.\r\n",
]


def tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the test server's certificate is self-signed
    return ctx


def set_up_sender(server, address=SENDER):
    """An account, domain and user with an SMTP password; returns the password."""
    domain = address.split("@")[1]
    for args in (["account", "create", "Clinic"], ["domain", "create", domain, "--account", "Clinic"],
                 ["user", "create", address]):
        code, out, err = server.admin(*args)
        assert code == 0 or "exists" in err, (args, err)
    code, out, err = server.admin("user", "smtp-password", address)
    assert code == 0, err
    return re.search(r"keep it safe\): (\S+)", out).group(1)


class Raw:
    """A byte-level SMTP client: what it sends is exactly what crosses the wire."""

    def __init__(self, port, implicit=False):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=15)
        if implicit:
            self.sock = tls_context().wrap_socket(self.sock)
        self.buf = b""
        self.greeting = self.reply()

    def send(self, data):
        self.sock.sendall(data)

    def reply(self, timeout=15):
        """One complete (possibly multi-line) reply, as text."""
        self.sock.settimeout(timeout)
        while True:
            m = re.search(rb"(?:^|\r\n)(\d{3}) [^\r\n]*\r\n", self.buf)
            if m:
                end = m.end()
                out, self.buf = self.buf[:end], self.buf[end:]
                return out.decode("utf-8", "replace")
            chunk = self.sock.recv(65536)
            if not chunk:
                out, self.buf = self.buf, b""
                return out.decode("utf-8", "replace")
            self.buf += chunk

    def cmd(self, line):
        self.send(line.encode() + b"\r\n")
        return self.reply()

    def starttls(self):
        self.cmd("EHLO raw.example")
        assert self.cmd("STARTTLS").startswith("220"), "STARTTLS refused"
        self.sock = tls_context().wrap_socket(self.sock)
        self.cmd("EHLO raw.example")

    def login(self, user, password):
        import base64
        token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode()
        return self.cmd("AUTH PLAIN " + token)

    def closed(self, timeout=5):
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(1) == b""
        except (ConnectionResetError, ssl.SSLError):
            return True
        except socket.timeout:
            return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def outbox_for(server, address):
    """Every outbox mail whose envelope recipient is `address`."""
    found = []
    for path in sorted(glob.glob(os.path.join(server.data, "outbox", "*.eml"))):
        with open(path, "rb") as f:
            raw = f.read()
        if f"X-Sealpost-Envelope-To: <{address}>".encode() in raw:
            found.append(email.message_from_bytes(raw, policy=email.policy.default))
    return found


def wait_for(predicate, timeout=60, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class SmtpSubmissionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Sealpost(settings={"max_message_bytes": "200000"})
        cls.password = set_up_sender(cls.server)
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def swaks(self, *args, check=True):
        run = subprocess.run(["swaks", "--server", "127.0.0.1", "--timeout", "30", *args],
                             capture_output=True, text=True, timeout=120)
        if check:
            self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        return run

    def test_swaks_starttls_auth_reaches_the_recipient_by_escrow(self):
        run = self.swaks("--port", str(self.server.smtp_port), "--tls", "--auth", "PLAIN",
                         "--auth-user", SENDER, "--auth-password", self.password,
                         "--from", SENDER, "--to", "patient@home.example",
                         "--header", "Subject: Lab results",
                         "--header", "X-Sealpost-Question: Your pet's name?",
                         "--header", "X-Sealpost-Answer: Rex",
                         "--body", "Potassium 4.1 mmol/L (swaks)")
        self.assertIn("queued as", run.stdout)
        # The policy chose escrow: the recipient gets a notice, never the content.
        notice = wait_for(lambda: outbox_for(self.server, "patient@home.example"), what="notice")
        raw = notice[0].as_string()
        self.assertIn("/m/", raw)
        self.assertNotIn("Potassium", raw)
        self.assertNotIn("Rex", raw)
        # And it opens in the portal with the answer given in the header.
        rid, page = self.server.open_notice("patient@home.example")
        self.assertIn("Your pet&#39;s name?", page.text)
        self.assertEqual(self.server.answer(rid, page, "Rex").status, 303)
        opened = self.server.get(f"/r/{rid}", cookies=True)
        self.assertIn("Lab results", opened.text)
        self.assertIn("Potassium 4.1 mmol/L (swaks)", opened.text)
        # Where does the answer live? Never in the outbox, the log, or in clear in the DB.
        for path in glob.glob(os.path.join(self.server.data, "outbox", "*.eml")):
            with open(path, "rb") as f:
                body = f.read()
            self.assertNotIn(b"X-Sealpost-Answer:", body)
            self.assertNotIn(b"Rex", body)
            self.assertNotIn(b"Potassium", body)
        self.assertNotIn("Rex", self.server.log())
        self.assertNotIn("Potassium", self.server.log())

    def test_swaks_implicit_tls_with_auth_login_and_pipelining(self):
        run = self.swaks("--port", str(self.server.smtps_port), "--tlsc", "--auth", "LOGIN",
                         "--auth-user", SENDER, "--auth-password", self.password, "--pipeline",
                         "--from", SENDER, "--to", "one@home.example,two@home.example",
                         "--header", "X-Sealpost-Question: City of birth?",
                         "--header", "X-Sealpost-Answer: Paris", "--body", "pipelined")
        self.assertIn("queued as", run.stdout)
        for address in ("one@home.example", "two@home.example"):
            wait_for(lambda: outbox_for(self.server, address), what="notice for " + address)

    def test_smtplib_without_a_question_bounces_to_the_sender(self):
        with smtplib.SMTP("127.0.0.1", self.server.smtp_port, timeout=30) as s:
            s.starttls(context=tls_context())
            s.login(SENDER, self.password)
            s.sendmail(SENDER, ["noquestion@home.example"],
                       f"From: {SENDER}\r\nTo: noquestion@home.example\r\nSubject: x\r\n\r\n"
                       "no question here\r\n")
        bounce = wait_for(lambda: [m for m in outbox_for(self.server, SENDER)
                                   if "noquestion@home.example" in m.as_string()],
                          what="bounce notice")
        text = bounce[0].get_body(preferencelist=("plain",)).get_content()
        self.assertIn("noquestion@home.example", text)
        self.assertIn("bounce", text)  # the policy's reason
        self.assertNotIn("no question here", bounce[0].as_string())
        self.assertEqual(outbox_for(self.server, "noquestion@home.example"), [])

    def test_auth_is_neither_offered_nor_accepted_before_tls(self):
        with smtplib.SMTP("127.0.0.1", self.server.smtp_port, timeout=30) as s:
            s.ehlo()
            self.assertTrue(s.has_extn("starttls"))
            self.assertFalse(s.has_extn("auth"))
            code, msg = s.docmd("AUTH", "PLAIN AGRyQGNsaW5pYy5leGFtcGxlAHg=")
            self.assertEqual(code, 530)
            code, msg = s.docmd("MAIL", f"FROM:<{SENDER}>")
            self.assertEqual(code, 530)
            s.starttls(context=tls_context())
            s.ehlo()
            self.assertTrue(s.has_extn("auth"))
            self.assertIn("PLAIN", s.esmtp_features["auth"])

    def test_sender_spoofing_is_refused(self):
        with smtplib.SMTP("127.0.0.1", self.server.smtp_port, timeout=30) as s:
            s.starttls(context=tls_context())
            s.login(SENDER, self.password)
            with self.assertRaises(smtplib.SMTPSenderRefused) as cm:
                s.sendmail("ceo@clinic.example", ["x@home.example"], "Subject: x\r\n\r\nx\r\n")
            self.assertEqual(cm.exception.smtp_code, 553)
            self.assertIn(b"not allowed", cm.exception.smtp_error)
            s.rset()
            with self.assertRaises(smtplib.SMTPDataError) as cm:
                s.sendmail(SENDER, ["x@home.example"],
                           "From: ceo@clinic.example\r\nSubject: x\r\n\r\nx\r\n")
            self.assertEqual(cm.exception.smtp_code, 550)
            self.assertIn(b"From: address", cm.exception.smtp_error)

    def test_smtp_password_from_stdin_and_turned_off(self):
        nurse = "nurse@clinic.example"
        self.assertEqual(self.server.admin("user", "create", nurse)[0], 0)
        # Never from the command line, where the process list would show it.
        code, _, err = self.server.admin("user", "smtp-password", nurse, "--password", "hunter2hunter2")
        self.assertEqual(code, 2)
        self.assertIn("standard input", err)
        code, _, err = self.server.admin("user", "smtp-password", nurse, "--password", "-",
                                         stdin="short\n")
        self.assertEqual(code, 2)
        self.assertIn("12 to 1024", err)
        code, out, err = self.server.admin("user", "smtp-password", nurse, "--password", "-",
                                           stdin="correct horse battery\n")
        self.assertEqual(code, 0, err)
        self.assertNotIn("correct horse", out)
        with smtplib.SMTP("127.0.0.1", self.server.smtp_port, timeout=30) as s:
            s.starttls(context=tls_context())
            s.login(nurse, "correct horse battery")
        self.assertEqual(self.server.admin("user", "smtp-password", nurse, "--off")[0], 0)
        with smtplib.SMTP("127.0.0.1", self.server.smtp_port, timeout=30) as s:
            s.starttls(context=tls_context())
            with self.assertRaises(smtplib.SMTPAuthenticationError):
                s.login(nurse, "correct horse battery")

    def test_wrong_passwords_are_refused_logged_and_end_the_session(self):
        raw = Raw(self.server.smtp_port)
        raw.starttls()
        self.assertTrue(raw.login(SENDER, "wrong-1").startswith("535 5.7.8"))
        self.assertTrue(raw.login(SENDER, "wrong-2").startswith("535 5.7.8"))
        self.assertTrue(raw.login(SENDER, "wrong-3").startswith("535 5.7.8"))
        self.assertIn("421 4.7.0", raw.reply())
        self.assertTrue(raw.closed())
        raw.close()
        self.assertIn(f"failed login for {SENDER} from 127.0.0.1", self.server.log())
        self.assertNotIn("wrong-1", self.server.log())
        audited = self.server.sql("SELECT actor, client_address, details FROM audit_log "
                                  "WHERE action = 'auth.smtp' AND result = 'refused'")
        self.assertGreaterEqual(len(audited), 3)
        self.assertIn((SENDER, "127.0.0.1", ""), audited)
        self.assertFalse(any("wrong-" in details for _, _, details in audited))

    def test_no_smuggling_variant_makes_a_second_message(self):
        for i, fake_end in enumerate(SMUGGLING_ENDS):
            victim = f"victim{i}@home.example"
            raw = Raw(self.server.smtp_port)
            raw.starttls()
            self.assertTrue(raw.login(SENDER, self.password).startswith("235"))
            for line in (f"MAIL FROM:<{SENDER}>", f"RCPT TO:<first{i}@home.example>", "DATA"):
                raw.cmd(line)
            smuggled = (f"MAIL FROM:<{SENDER}>\r\nRCPT TO:<{victim}>\r\nDATA\r\n"
                        f"From: {SENDER}\r\nSubject: smuggled\r\n\r\nsmuggled\r\n").encode()
            raw.send(f"From: {SENDER}\r\nX-Sealpost-Question: Q?\r\nX-Sealpost-Answer: A\r\n"
                     "Subject: first\r\n\r\nbody".encode() + fake_end + smuggled + b".\r\n")
            # Read every reply until the server closes or goes quiet: a second "queued
            # as" would be the smuggled message.
            replies = ""
            try:
                while True:
                    r = raw.reply(timeout=1.5)
                    if not r:
                        break
                    replies += r
            except (socket.timeout, ssl.SSLError, ConnectionResetError):
                pass
            raw.close()
            self.assertLessEqual(replies.count("queued as"), 1, (fake_end, replies))
        # Whatever was accepted has been processed; no victim got anything, and no
        # bounce notice names one (a smuggled message without a question would bounce).
        # Every 250 above was given after its commit, so the inbound table holds whatever
        # was accepted until the processor is done with it.
        wait_for(lambda: self.server.spool_sql("SELECT count(*) FROM inbound")[0][0] == 0, what="processing")
        # And until the queue has delivered everything that came of it to the outbox, so
        # the absence checks below look at the final state.
        wait_for(lambda: self.server.sql(
            "SELECT count(*) FROM queue WHERE state != 'delivered'")[0][0] == 0, what="delivery")
        for i in range(len(SMUGGLING_ENDS)):
            victim = f"victim{i}@home.example"
            self.assertEqual(outbox_for(self.server, victim), [], victim)
            for m in outbox_for(self.server, SENDER):
                self.assertNotIn(victim, m.as_string())
        events = self.server.sql("SELECT detail FROM events WHERE detail LIKE '%victim%'")
        self.assertEqual(events, [])

    def test_plaintext_pipelined_after_starttls_is_discarded(self):
        raw = Raw(self.server.smtp_port)
        raw.cmd("EHLO raw.example")
        # CVE-2011-0411: a man in the middle appends a command to the STARTTLS packet.
        raw.send(b"STARTTLS\r\nNOOP\r\n")
        self.assertTrue(raw.reply().startswith("220 2.0.0"))
        raw.sock = tls_context().wrap_socket(raw.sock)
        raw.buf = b""
        # A vulnerable server would now answer the injected NOOP inside TLS, unasked.
        with self.assertRaises(socket.timeout):
            raw.reply(timeout=1.5)
        self.assertEqual(raw.cmd("NOOP"), "250 2.0.0 Ok\r\n")
        raw.close()

    def test_oversized_lines_and_messages_are_refused(self):
        raw = Raw(self.server.smtp_port)
        raw.send(b"EHLO " + b"a" * 600 + b"\r\n")
        self.assertIn("500 5.5.2 Line too long", raw.reply())
        self.assertTrue(raw.closed())
        raw.close()

        raw = Raw(self.server.smtp_port)
        raw.starttls()
        raw.login(SENDER, self.password)
        self.assertTrue(raw.cmd(f"MAIL FROM:<{SENDER}> SIZE=999999999").startswith("552 5.3.4"))
        raw.cmd(f"MAIL FROM:<{SENDER}>")
        raw.cmd("RCPT TO:<big@home.example>")
        raw.cmd("DATA")
        line = b"x" * 998 + b"\r\n"
        raw.send(b"Subject: big\r\n\r\n" + line * 300 + b".\r\n")  # 300 KB > 200 KB limit
        self.assertTrue(raw.reply().startswith("552 5.3.4"))
        raw.cmd(f"MAIL FROM:<{SENDER}>")
        raw.cmd("RCPT TO:<big@home.example>")
        raw.cmd("DATA")
        raw.send(b"Subject: long\r\n\r\n" + b"y" * 5000 + b"\r\n.\r\n")
        self.assertTrue(raw.reply().startswith("554 5.6.0"))
        self.assertEqual(raw.cmd("QUIT"), "221 2.0.0 Bye\r\n")
        raw.close()

    def test_at_least_one_hundred_recipients(self):
        with smtplib.SMTP("127.0.0.1", self.server.smtp_port, timeout=60) as s:
            s.starttls(context=tls_context())
            s.login(SENDER, self.password)
            s.mail(SENDER)
            for i in range(100):
                code, _ = s.rcpt(f"r{i}@many.example")
                self.assertEqual(code, 250)
            code, msg = s.rcpt("r100@many.example")
            self.assertEqual(code, 452)
            s.rset()


class TrustedNetworkTest(unittest.TestCase):
    def test_trusted_clients_submit_without_auth_and_others_cannot(self):
        server = Sealpost(settings={"trusted_networks": '["127.0.0.1/32"]'})
        try:
            set_up_sender(server)
            server.start()
            with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=30) as s:
                s.sendmail("scanner@clinic.example", ["p@home.example"],
                           "From: scanner@clinic.example\r\nX-Sealpost-Question: Q?\r\n"
                           "X-Sealpost-Answer: A\r\n\r\nscan\r\n")
            wait_for(lambda: outbox_for(server, "p@home.example"), what="notice")
        finally:
            server.cleanup()
        other = Sealpost()
        try:
            other.start()
            with smtplib.SMTP("127.0.0.1", other.smtp_port, timeout=30) as s:
                code, _ = s.docmd("EHLO", "device")
                code, _ = s.docmd("MAIL", "FROM:<scanner@clinic.example>")
                self.assertEqual(code, 530)
        finally:
            other.cleanup()


class ConnectionLimitsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Sealpost(settings={"smtp.max_connections_per_client": "2",
                                        "command_timeout_seconds": "2",
                                        "session_limit_seconds": "4"})
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def test_connections_per_client_address_are_limited(self):
        first, second = Raw(self.server.smtp_port), Raw(self.server.smtp_port)
        self.assertTrue(first.greeting.startswith("220"))
        self.assertTrue(second.greeting.startswith("220"))
        third = Raw(self.server.smtp_port)
        self.assertIn("421 4.7.0", third.greeting)
        self.assertTrue(third.closed())
        for raw in (first, second, third):
            raw.close()
        # Once they are gone, the address may connect again.
        self.wait_for_free_slot()

    def wait_for_free_slot(self):
        def probe():
            raw = Raw(self.server.smtp_port)
            raw.close()
            return raw.greeting.startswith("220")
        wait_for(probe, timeout=10, what="a free connection slot")
        time.sleep(0.5)  # let the probe's own slot go too

    def setUp(self):
        self.wait_for_free_slot()

    def test_idle_clients_time_out(self):
        raw = Raw(self.server.smtp_port)
        started = time.time()
        self.assertIn("421 4.4.2", raw.reply(timeout=10))
        self.assertGreaterEqual(time.time() - started, 1.5)
        self.assertTrue(raw.closed())
        raw.close()

    def test_sessions_end_at_the_time_limit(self):
        raw = Raw(self.server.smtp_port)
        started = time.time()
        reply = ""
        while "421" not in reply and time.time() - started < 15:
            reply = raw.cmd("NOOP")  # busy, never idle for long
            time.sleep(0.5)
        self.assertIn("421 4.4.2", reply)
        self.assertIn("Session time limit", reply)
        self.assertGreaterEqual(time.time() - started, 3.5)
        raw.close()


class CrashTest(unittest.TestCase):
    def test_every_acknowledged_message_survives_kill_9(self):
        server = Sealpost()
        try:
            password = set_up_sender(server)
            server.start()
            acknowledged, lock, stop = [], threading.Lock(), threading.Event()

            def client(n):
                try:
                    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=30) as s:
                        s.starttls(context=tls_context())
                        s.login(SENDER, password)
                        i = 0
                        while not stop.is_set():
                            s.mail(SENDER)
                            s.rcpt(f"c{n}-{i}@home.example")
                            code, msg = s.data(f"From: {SENDER}\r\nX-Sealpost-Question: Q?\r\n"
                                              f"X-Sealpost-Answer: A\r\n\r\nmessage {n}-{i}\r\n")
                            if code == 250:
                                queue_id = re.search(rb"queued as (\w+)", msg).group(1).decode()
                                with lock:
                                    acknowledged.append(queue_id)
                            i += 1
                except (smtplib.SMTPException, OSError):
                    pass  # the server died under us: expected

            threads = [threading.Thread(target=client, args=(n,)) for n in range(20)]
            for t in threads:
                t.start()
            wait_for(lambda: len(acknowledged) >= 60, timeout=120, what="60 acknowledged messages")
            server.proc.kill()  # SIGKILL: no shutdown, no flush
            server.proc.wait(timeout=30)
            stop.set()
            for t in threads:
                t.join(timeout=60)
            with lock:
                ids = list(acknowledged)
            self.assertGreaterEqual(len(ids), 60)

            server.start()
            waiting = {row[0] for row in server.spool_sql("SELECT id FROM inbound")}
            done = {row[0].split()[-1] for row in
                    server.sql("SELECT detail FROM events WHERE type = 'submitted'")}
            lost = [i for i in ids if i not in waiting and i not in done]
            self.assertEqual(lost, [], f"{len(lost)} of {len(ids)} acknowledged messages lost")
            # And processing goes on after the restart until nothing is waiting.
            wait_for(lambda: server.spool_sql("SELECT count(*) FROM inbound")[0][0] == 0, timeout=300,
                     what="the inbound queue to drain")
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
