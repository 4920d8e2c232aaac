"""Outbound delivery against real peers: two private Postfix instances as recipients'
mail servers (one offering STARTTLS on 127.0.0.2, one not on 127.0.0.3, same port) and
unbound serving the test zones that point at them. What Postfix filed is what crossed
the wire."""
import base64
import calendar
import email
import email.policy
import gzip
import hashlib
import json
import os
import re
import smtplib
import sqlite3
import shutil
import subprocess
import tempfile
import time
import unittest

import harness
import peers
from harness import Sealpost, notice_link
from smtp_test import set_up_sender, tls_context, wait_for

SENDER = "dr@clinic.example"
TLS_SENDER = "lab@clinic.example"  # TLS-only on, escrow by a default question otherwise

RECORDS = [
    "tls.example. IN MX 10 mx.tls.example.",
    "mx.tls.example. IN A 127.0.0.2",
    "plain.example. IN MX 10 mx.plain.example.",
    "mx.plain.example. IN A 127.0.0.3",
    "clinic.example. IN MX 10 mx.plain.example.",
    # The preferred MX refuses connections; the second one takes the mail.
    "backup.example. IN MX 10 dead.backup.example.",
    "backup.example. IN MX 20 mx.plain.example.",
    "dead.backup.example. IN A 127.0.0.9",
    "nullmx.example. IN MX 0 .",
    # Recipients of the five-methods message whose server offers no STARTTLS.
    "five.example. IN MX 10 mx.plain.example.",
]
# MTA-STS: each domain announces a policy served from 127.0.0.4; all their mail goes to
# the STARTTLS server, whose certificate names mx.tls.example.
STS_POLICY = "version: STSv1\r\nmode: enforce\r\nmx: {mx}\r\nmax_age: 86400\r\n"
STS_DOMAINS = {
    "sts.example": ("mx.tls.example", (200, {}, STS_POLICY.format(mx="mx.tls.example"))),
    "stsbad.example": ("mx.tls.example", (200, {}, STS_POLICY.format(mx="mail.elsewhere.example"))),
    # Listed by the policy, but the certificate names another host.
    "stscert.example": ("alias.stscert.example", (200, {}, STS_POLICY.format(mx="*.stscert.example"))),
    # testing: the certificate names another host; reported, delivered all the same.
    "ststest.example": ("alias.ststest.example", (200, {}, STS_POLICY.format(mx="*.ststest.example")
                                                  .replace("enforce", "testing"))),
    # A policy that is not one: delivered as without, reported as sts-policy-invalid.
    "stsjunk.example": ("mx.tls.example", (200, {}, "this is not a policy\r\n")),
    # The policy URL redirects to a policy that would refuse the server: not followed.
    "stsredir.example": ("mx.tls.example", (301, {"Location": "https://mta-sts.moved.example/"
                                                  ".well-known/mta-sts.txt"}, "moved")),
}
MOVED_POLICY = (200, {}, STS_POLICY.format(mx="mail.elsewhere.example"))
# TLS reports (RFC 8460) are asked for by these domains, all to one address.
TLSRPT = '"v=TLSRPTv1; rua=mailto:tlsrpt@plain.example"'
for _domain, (_mx, _) in STS_DOMAINS.items():
    RECORDS += [f"{_domain}. IN MX 10 {_mx}.", f'_mta-sts.{_domain}. IN TXT "v=STSv1; id=1;"',
                f"mta-sts.{_domain}. IN A 127.0.0.4"]
    if _domain != "sts.example":  # its record also names an https: address (setUpClass)
        RECORDS.append(f"_smtp._tls.{_domain}. IN TXT {TLSRPT}")
RECORDS += ["alias.stscert.example. IN A 127.0.0.2", "alias.ststest.example. IN A 127.0.0.2", "mta-sts.moved.example. IN A 127.0.0.4",
            "reports.example. IN A 127.0.0.4"]


def spki_sha256(cert):
    """The hex SHA-256 of a PEM certificate's public key: a TLSA 3 1 1 record's data."""
    key = subprocess.run(["openssl", "x509", "-in", cert, "-pubkey", "-noout"],
                         capture_output=True, check=True, timeout=30).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=key,
                         capture_output=True, check=True, timeout=30).stdout
    return hashlib.sha256(der).hexdigest()


def dane_zone(port, tls_mx):
    """The DNSSEC-signed zone: dane.sealtest's TLSA record names the STARTTLS server's
    key; danebad.sealtest's names another; daneplain.sealtest's server offers no TLS."""
    good = spki_sha256(os.path.join(tls_mx.conf, "cert.pem"))
    records = []
    for name, address, digest in (("dane", "127.0.0.2", good), ("danebad", "127.0.0.2", "ab" * 32),
                                  ("daneplain", "127.0.0.3", good)):
        records += [f"{name}.sealtest. IN MX 10 mx.{name}.sealtest.",
                    f"mx.{name}.sealtest. IN A {address}",
                    f"_{port}._tcp.mx.{name}.sealtest. IN TLSA 3 1 1 {digest}",
                    f"_smtp._tls.{name}.sealtest. IN TXT {TLSRPT}"]
    # danebad.sealtest also has an MTA-STS policy its server passes: it must not matter.
    records += ['_mta-sts.danebad.sealtest. IN TXT "v=STSv1; id=1;"',
                "mta-sts.danebad.sealtest. IN A 127.0.0.4"]
    return records


class DeliveryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        port = peers.free_port()
        cls.tls_mx = peers.Postfix(address="127.0.0.2", port=port, name="mx.tls.example",
                                   domains=["tls.example", "clear.example", "dane.sealtest",
                                            "danebad.sealtest", *STS_DOMAINS],
                                   # So that MTA-STS alone would accept it for danebad.sealtest.
                                   cert_names=["mx.danebad.sealtest"],
                                   access={"temp@tls.example": "450 4.2.0 try again later",
                                           "gone@tls.example": "550 5.1.1 no such user"})
        cls.plain_mx = peers.Postfix(address="127.0.0.3", port=port, name="mx.plain.example",
                                     starttls=False,
                                     domains=["plain.example", "clinic.example", "backup.example",
                                              "tlsreq.example", "daneplain.sealtest",
                                              "five.example"]).start()
        cls.tls_mx.start()
        cls.policies = peers.PolicyServer("127.0.0.4", {
            "mta-sts.moved.example": MOVED_POLICY,
            "mta-sts.danebad.sealtest": (200, {}, STS_POLICY.format(mx="mx.danebad.sealtest")),
            **{f"mta-sts.{d}": policy for d, (_, policy) in STS_DOMAINS.items()}},
            also=["reports.example"]).start()
        rua = f"mailto:tlsrpt@plain.example,https://reports.example:{cls.policies.port}/v1/tlsrpt"
        cls.dns = peers.Unbound(RECORDS + [f'_smtp._tls.sts.example. IN TXT "v=TLSRPTv1; rua={rua}"'],
                                signed={"sealtest.": dane_zone(port, cls.tls_mx)}).start()
        # The CAs sealpost trusts for MTA-STS: the policy server's and the mail server's.
        cls.trusted = os.path.join(cls.policies.tmp, "trusted.pem")
        with open(cls.trusted, "w") as f:
            for cert in (cls.policies.cert, os.path.join(cls.tls_mx.conf, "cert.pem")):
                f.write(peers.read_text(cert))
        # A Postfix that logs each session's commands: how connections are reused.
        cls.reuse_mx = peers.Postfix(address="127.0.0.5", name="mx.reuse.example", starttls=False,
                                     discard=True).start()
        cls.server = Sealpost(settings={"mode": '"smtp"', "resolver": f'"{cls.dns.address}"',
                                        "dnssec_trust_anchor": f'"{cls.dns.trust_anchor}"',
                                        "mta_sts_port": str(cls.policies.port),
                                        "trusted_ca_file": f'"{cls.trusted}"',
                                        "mx_port": str(port), "helo_name": '"gw.clinic.example"',
                                        "first_retry_seconds": "3600",
                                        # The transport map's TLS choices, against both servers.
                                        "transport": f'["tlsreq.example = 127.0.0.3:{port} tls=required", '
                                                     f'"clear.example = 127.0.0.2:{port} tls=none", '
                                                     f'"reuse.example = 127.0.0.5:{cls.reuse_mx.port} tls=none"]'})
        cls.password = set_up_sender(cls.server, SENDER)
        cls.tls_password = set_up_sender(cls.server, TLS_SENDER)
        for args in (("settings", "set", "domain", "clinic.example", "failure_action=send-plain"),
                     ("settings", "set", "user", TLS_SENDER, "tls_only=true",
                      "default_question=Pet?|Rex"),
                     # What an administrator told sealpost, wrongly: plain.example's server
                     # offers no STARTTLS when the mail leaves. Other domains are probed.
                     ("mx", "set", "plain.example", "--tls", "yes", "--host", "mx.plain.example")):
            code, _, err = cls.server.admin(*args)
            assert code == 0, (args, err)
        # DKIM: clinic.example signs with both algorithms (RFC 8463 §4); the records the
        # CLI prints are what its DNS would publish.
        cls.dkim_dns = {}
        for algorithm in ("rsa", "ed25519"):
            code, out, err = cls.server.admin("dkim", "create", "clinic.example",
                                              "--algorithm", algorithm)
            assert code == 0, err
            name, strings = re.search(r"^(\S+)\. IN TXT \((.*)\)$", out, re.M).groups()
            cls.dkim_dns[name] = "".join(re.findall(r'"([^"]*)"', strings))
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        for peer in (cls.tls_mx, cls.plain_mx, cls.reuse_mx, cls.dns, cls.policies):
            peer.cleanup()

    def submit(self, recipients, body, headers="", sender=SENDER):
        with smtplib.SMTP("127.0.0.1", self.server.smtp_port, timeout=30) as s:
            s.starttls(context=tls_context())
            s.login(sender, self.tls_password if sender == TLS_SENDER else self.password)
            s.sendmail(sender, recipients,
                       f"From: {sender}\r\nTo: {', '.join(recipients)}\r\nSubject: Results\r\n"
                       f"{headers}\r\n{body}\r\n")

    def queue_rows(self, rcpt):
        return self.server.sql(
            f"SELECT state, last_error, report FROM queue WHERE rcpt_to = '{rcpt}' ORDER BY created_at")

    def wait_state(self, rcpt, states, what=None):
        def done():
            rows = self.queue_rows(rcpt)
            return rows if rows and rows[-1][0] in states else None
        rows = wait_for(done, timeout=90, what=what or f"{rcpt} in {states}")
        return rows[-1][0], rows[-1][1], json.loads(rows[-1][2] or "{}")

    def test_notices_use_starttls_where_offered_and_never_carry_the_content(self):
        self.submit(["pat@tls.example", "sam@plain.example"], "Potassium 4.1 mmol/L",
                    headers="X-Sealpost-Question: Pet?\r\nX-Sealpost-Answer: Rex\r\n")
        state, reply, report = self.wait_state("pat@tls.example", ("delivered",))
        self.assertEqual(report["mx_host"], "mx.tls.example")
        self.assertEqual(report["mx_address"], "127.0.0.2")
        self.assertEqual(report["tls_version"], "TLSv1.3")
        self.assertTrue(report["tls_cipher"])
        self.assertEqual(report["authentication"], "none")  # opportunistic: nobody proven
        self.assertTrue(reply.startswith("250 2.0.0 Ok: queued as"), reply)
        state, reply, report = self.wait_state("sam@plain.example", ("delivered",))
        self.assertEqual(report["mx_host"], "mx.plain.example")
        self.assertEqual(report["tls_version"], "")
        # What the servers filed: a notice with its link, over TLS where TLS was offered.
        [pat] = wait_for(lambda: self.tls_mx.raw_for("pat@tls.example"), what="pat's notice")
        [sam] = wait_for(lambda: self.plain_mx.raw_for("sam@plain.example"), what="sam's notice")
        self.assertIn(b"using TLSv1.3", pat)
        self.assertIn(b"with ESMTPS", pat)
        self.assertIn(b"Received: from gw.clinic.example (", sam)  # our EHLO name
        self.assertNotIn(b"using TLS", sam)
        for raw in (pat, sam):
            self.assertIn(b"/m/", raw)
            self.assertIn(f"Return-Path: <{SENDER}>".encode(), raw)  # bounces reach the sender
            self.assertNotIn(b"Potassium", raw)
            self.assertNotIn(b"Rex", raw)
        # The escrow record follows the notice (recorded just after the queue's state).
        wait_for(lambda: len(self.server.sql(
            "SELECT type FROM events WHERE type = 'notice_delivered'")) >= 2,
            what="notice_delivered events")

    def copies(self, rcpt, states):
        """rcpt's TLS-only copy and its standby, once both reached `states`."""
        def done():
            rows = self.server.sql("SELECT tls_required, standby_for != '', state, last_error, "
                                   f"report FROM queue WHERE rcpt_to = '{rcpt}' ORDER BY id")
            by_role = {("tls-only" if r[0] else "standby" if r[1] else "other"): r for r in rows}
            if {k: by_role.get(k, [None] * 3)[2] for k in states} == states:
                return by_role
        return wait_for(done, timeout=90, what=f"{rcpt}: {states}")

    def test_tls_only_goes_over_tls_or_its_fallback_goes_instead_never_in_clear(self):
        self.submit(["ana@tls.example", "ben@plain.example"], "Creatinine 88 umol/L",
                    sender=TLS_SENDER)
        # Nobody told sealpost about tls.example: it asked the server, and keeps the answer.
        [(starttls, host, expires)] = self.server.sql(
            "SELECT starttls, host, expires_at - updated_at FROM mx_tls WHERE domain = 'tls.example'")
        self.assertEqual((starttls, host, expires), (1, "mx.tls.example", 24 * 3600))
        # Ana's server offers STARTTLS: the message itself, over TLS 1.3; the escrow notice
        # that stood by for it is never sent, and its link is gone with it.
        ana = self.copies("ana@tls.example", {"tls-only": "delivered", "standby": "superseded"})
        report = json.loads(ana["tls-only"][4])
        self.assertEqual(report["tls_version"], "TLSv1.3")
        [raw] = wait_for(lambda: self.tls_mx.raw_for("ana@tls.example"), what="ana's copy")
        self.assertIn(b"Creatinine 88", raw)
        self.assertIn(b"using TLSv1.3", raw)
        self.assertNotIn(b"/m/", raw)
        self.assertEqual(self.server.sql("SELECT sealed_content IS NULL FROM queue WHERE "
                                         "rcpt_to = 'ana@tls.example' AND standby_for != ''"),
                         [(1,)])

        # Ben's server offers no STARTTLS: nothing of the message crosses in clear; the
        # recipient is replanned to escrow, whose notice goes instead.
        ben = self.copies("ben@plain.example", {"tls-only": "replanned", "standby": "delivered"})
        self.assertIn("TLS could not be had", ben["tls-only"][3])
        self.assertEqual(json.loads(ben["tls-only"][4])["outcome"], "tls-unavailable")
        [notice] = wait_for(lambda: self.plain_mx.raw_for("ben@plain.example"), what="ben's notice")
        self.assertNotIn(b"Creatinine", notice)
        self.assertNotIn(b"Rex", notice)
        self.assertNotIn(b"using TLS", notice)
        # The notice's link opens the message for whoever knows the answer.
        message = email.message_from_bytes(notice, policy=email.policy.default)
        rid, page = self.server.open_link(notice_link(message))
        self.assertIn("Pet?", page.text)
        self.assertEqual(self.server.answer(rid, page, "Rex").status, 303)
        self.assertIn("Creatinine 88", self.server.get(f"/r/{rid}", cookies=True).text)
        events = [t for (t,) in self.server.sql("SELECT type FROM events ORDER BY id")]
        self.assertIn("replanned", events)
        self.assertIn("notice_standby", events)
        # SMTP records each copy as the API does: the TLS-only copy beside its fallback.
        self.assertEqual(sorted(self.server.sql("SELECT method, status FROM recipients WHERE "
                                                "address = 'ben@plain.example'")),
                         [("escrow", "viewed"), ("tls-only", "replanned")])
        self.assertEqual(sorted(self.server.sql("SELECT method, status FROM recipients WHERE "
                                                "address = 'ana@tls.example'")),
                         [("escrow", "superseded"), ("tls-only", "delivered")])

    def mail_to(self, mx, address, marker=b""):
        mails = wait_for(lambda: [m for m in mx.raw_for(address) if marker in m],
                         what=f"mail to {address}")
        return mails[-1]

    def test_one_message_to_five_recipients_goes_five_ways(self):
        """Issue 3's whole order in one message: TLS-only, PGP, S/MIME, escrow by question
        and escrow by portal login, each carried out and read by its recipient."""
        tmp = tempfile.mkdtemp(prefix="sealpost-five-")
        env = dict(os.environ, GNUPGHOME=os.path.join(tmp, "gnupg"))
        os.mkdir(env["GNUPGHOME"], 0o700)
        try:
            def gpg(*args, stdin=None):
                return subprocess.run(["gpg", "--batch", "--yes", "--pinentry-mode", "loopback",
                                       "--passphrase", "", *args], input=stdin, env=env,
                                      capture_output=True, timeout=120)
            gpg("--quick-gen-key", "Pia <pia@five.example>", "default", "default", "never")
            with open(os.path.join(tmp, "pia.asc"), "wb") as f:
                f.write(gpg("--armor", "--export", "pia@five.example").stdout)
            key, cert = os.path.join(tmp, "sid.key"), os.path.join(tmp, "sid.pem")
            subprocess.run(["openssl", "req", "-x509", "-new", "-newkey", "rsa:3072", "-nodes",
                            "-days", "30", "-subj", "/CN=Sid", "-keyout", key, "-out", cert,
                            "-addext", "subjectAltName=email:sid@five.example",
                            "-addext", "keyUsage=critical,digitalSignature,keyEncipherment",
                            "-addext", "extendedKeyUsage=emailProtection"],
                           check=True, capture_output=True, timeout=120)
            book = f"user:{TLS_SENDER}:five"
            for args in (("book", "create", book), ("book", "link", TLS_SENDER, book, "--role", "preferred"),
                         ("book", "add-key", book, "pia@five.example", os.path.join(tmp, "pia.asc")),
                         ("book", "add-key", book, "sid@five.example", cert),
                         ("book", "add-question", book, "quinn@five.example",
                          "--question", "Favourite colour?", "--answer", "Teal"),
                         ("identity", "generate-pgp", "domain:clinic.example",
                          "--user-id", "Clinic <secure@clinic.example>"),
                         ("identity", "generate-smime", "domain:clinic.example",
                          "--address", "secure@clinic.example"),
                         ("user", "create", "desk@clinic.example"),
                         ("settings", "set", "user", "desk@clinic.example", "verification=login")):
                code, _, err = self.server.admin(*args)
                self.assertEqual(code, 0, (args, err))

            # Lou already has a portal account: made when the front desk (login mode) wrote.
            r = self.server.api("POST", "/api/v1/messages", json.dumps(
                {"from": "desk@clinic.example", "to": ["lou@five.example"], "text": "Welcome"}))
            self.assertEqual(r.status, 202, r.text)
            notice = email.message_from_bytes(self.mail_to(self.plain_mx, "lou@five.example", b"/m/"),
                                              policy=email.policy.default)
            rid, page = self.server.open_link(notice_link(notice))
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
            password = "lou's long passphrase"
            self.assertEqual(self.server.post(f"/r/{rid}/register", form=[
                ("csrf", csrf), ("password", password), ("password2", password)], cookies=True).status, 200)
            confirm = self.mail_to(self.plain_mx, "lou@five.example", b"/account/confirm/")
            path = re.search(rb"/account/confirm/[A-Za-z0-9_-]+", confirm.replace(b"=\n", b"")).group(0)
            shown = self.server.get(path.decode(), cookies=True)
            self.assertEqual(self.server.post("/account/confirm", form=[
                ("csrf", re.search(r'name="csrf" value="([^"]+)"', shown.text).group(1)),
                ("token", re.search(r'name="token" value="([^"]+)"', shown.text).group(1))],
                cookies=True).status, 303)

            # One message, five recipients.
            r = self.server.api("POST", "/api/v1/messages", json.dumps(
                {"from": TLS_SENDER, "subject": "Five ways",
                 "to": ["ana5@tls.example", "pia@five.example", "sid@five.example",
                        "quinn@five.example", "lou@five.example"],
                 "text": "Haemoglobin 141 g/L"}))
            self.assertEqual(r.status, 202, r.text)
            why = {x["address"]: (x["method"], x["why"]) for x in json.loads(r.body)["recipients"]}
            self.assertEqual(why["ana5@tls.example"][0], "tls-only")
            self.assertEqual(why["pia@five.example"][0], "pgp")
            self.assertEqual(why["sid@five.example"][0], "smime")
            self.assertEqual(why["quinn@five.example"][0], "escrow")
            self.assertIn("escrow/question", why["quinn@five.example"][1])
            self.assertEqual(why["lou@five.example"][0], "escrow")
            self.assertIn("recipient has a portal account", why["lou@five.example"][1])
            self.assertIn("escrow/login", why["lou@five.example"][1])
            for address in ("pia@five.example", "sid@five.example", "quinn@five.example"):
                self.assertIn("offers no STARTTLS", why[address][1])

            # TLS-only: the message itself, over TLS.
            ana = self.mail_to(self.tls_mx, "ana5@tls.example")
            self.assertIn(b"Haemoglobin 141", ana)
            self.assertIn(b"using TLSv1.3", ana)
            # PGP: GnuPG decrypts what crossed in clear-text SMTP.
            pia = self.mail_to(self.plain_mx, "pia@five.example")
            self.assertNotIn(b"Haemoglobin", pia)
            armored = pia[pia.index(b"-----BEGIN PGP MESSAGE-----"):pia.index(b"-----END PGP MESSAGE-----") + 25]
            self.assertIn(b"Haemoglobin 141", gpg("--decrypt", stdin=armored).stdout)
            # S/MIME: OpenSSL decrypts with Sid's key.
            sid = self.mail_to(self.plain_mx, "sid@five.example")
            self.assertNotIn(b"Haemoglobin", sid)
            with open(os.path.join(tmp, "sid.eml"), "wb") as f:
                f.write(sid)
            plain = subprocess.run(["openssl", "cms", "-decrypt", "-in", os.path.join(tmp, "sid.eml"),
                                    "-inkey", key, "-recip", cert], capture_output=True, timeout=60)
            self.assertEqual(plain.returncode, 0, plain.stderr)
            self.assertIn(b"Haemoglobin 141", plain.stdout)
            # Escrow by question: the notice, then the answer from the address book.
            quinn = email.message_from_bytes(self.mail_to(self.plain_mx, "quinn@five.example"),
                                             policy=email.policy.default)
            self.assertNotIn("Haemoglobin", quinn.as_string())
            rid, page = self.server.open_link(notice_link(quinn))
            self.assertIn("Favourite colour?", page.text)
            self.assertEqual(self.server.answer(rid, page, "teal").status, 303)
            self.assertIn("Haemoglobin 141", self.server.get(f"/r/{rid}", cookies=True).text)
            # Escrow by login: Lou signs in with the account made before (two notices now:
            # the welcome and this one; each opens by signing in).
            def lous_notices():
                found = [m for m in self.plain_mx.raw_for("lou@five.example") if b"/m/" in m]
                return found if len(found) >= 2 else None
            links = {notice_link(email.message_from_bytes(m, policy=email.policy.default))
                     for m in wait_for(lous_notices, what="lou's second notice")}
            opened = []
            for link in links:
                rid, page = self.server.open_link(link)
                self.assertIn("Sign in to read your secure message", page.text)
                signed = self.server.post(f"/r/{rid}/login", form=[
                    ("csrf", re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)),
                    ("password", password)], cookies=True)
                self.assertEqual(signed.status, 303, signed.text)
                opened.append(self.server.get(f"/r/{rid}", cookies=True).text)
            self.assertTrue(any("Haemoglobin 141" in text for text in opened), opened)
        finally:
            subprocess.run(["gpgconf", "--kill", "all"], env=env, capture_output=True)
            shutil.rmtree(tmp, ignore_errors=True)

    def test_tls_only_is_not_planned_where_the_probe_finds_no_starttls(self):
        # backup.example: the preferred MX refuses connections, the next offers no STARTTLS.
        self.submit(["dee@backup.example"], "Glucose 5.2 mmol/L", sender=TLS_SENDER)
        [notice] = wait_for(lambda: self.plain_mx.raw_for("dee@backup.example"), what="dee's notice")
        self.assertIn(b"/m/", notice)
        self.assertNotIn(b"Glucose", notice)
        self.assertEqual(self.server.sql("SELECT starttls, host FROM mx_tls WHERE domain = "
                                         "'backup.example'"), [(0, "mx.plain.example")])
        self.assertEqual(self.server.sql("SELECT count(*) FROM queue WHERE rcpt_to = "
                                         "'dee@backup.example' AND (tls_required OR standby_for != '')"),
                         [(0,)])
        [(why,)] = self.server.sql("SELECT trace FROM recipients WHERE address = 'dee@backup.example'")
        self.assertIn("tls-only skipped: mx.plain.example offers no STARTTLS", why)
        # What an administrator sees, and forgetting what was learnt.
        code, out, err = self.server.admin("mx", "show", "BACKUP.example")
        self.assertEqual(code, 0, err)
        self.assertIn("backup.example: mx.plain.example does not offer STARTTLS; probed at", out)
        code, out, err = self.server.admin("mx", "show", "plain.example")
        self.assertIn("offers STARTTLS; set by an administrator at", out)
        self.assertEqual(self.server.admin("mx", "forget", "backup.example")[0], 0)
        code, out, err = self.server.admin("mx", "show", "backup.example")
        self.assertNotEqual(code, 0)
        self.assertIn("nothing is known of backup.example", err)
        code, out, err = self.server.admin("mx", "forget", "nowhere.example")
        self.assertNotEqual(code, 0)
        self.assertIn("nothing is known of nowhere.example", err)

    def test_mail_leaves_with_dkim_signatures_an_independent_verifier_accepts(self):
        import dkim  # python3-dkim: dkimpy, an independent implementation
        self.submit(["dkim@tls.example"], "Signed, sealed, delivered.")
        [raw] = wait_for(lambda: self.tls_mx.raw_for("dkim@tls.example"), what="the signed copy")
        def dns(name, timeout=5):
            return self.dkim_dns.get(name.decode().rstrip("."), "").encode() or None
        message = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        checker = dkim.DKIM(message)
        signatures = [line for line in message.split(b"\r\n") if line.startswith(b"DKIM-Signature:")]
        self.assertEqual(len(signatures), 2)
        algorithms = set()
        for i in range(len(signatures)):
            self.assertTrue(checker.verify(idx=i, dnsfunc=dns), f"signature {i}: {signatures[i]}")
            algorithms.add(checker.signature_fields[b"a"])
            self.assertEqual(checker.domain, b"clinic.example")
        self.assertEqual(algorithms, {b"rsa-sha256", b"ed25519-sha256"})
        # Any change after signing breaks it.
        tampered = dkim.DKIM(message.replace(b"Signed, sealed", b"Signed, opened"))
        with self.assertRaisesRegex(dkim.ValidationError, "body hash mismatch"):
            tampered.verify(idx=0, dnsfunc=dns)
        code, out, _ = self.server.admin("dkim", "list", "clinic.example")
        self.assertEqual(code, 0)
        self.assertEqual(out.count("._domainkey.clinic.example. IN TXT"), 2)
        code, _, err = self.server.admin("dkim", "create", "clinic.example", "--algorithm", "dsa")
        self.assertNotEqual(code, 0)
        self.assertIn("rsa or ed25519", err)

    def test_a_large_message_for_many_leaves_whole_and_signed_from_one_copy(self):
        """Issue 19: a 300 KiB message to three recipients is kept once (a sealed blob),
        read piece by piece as it leaves (dot-stuffed across pieces, DKIM body hash over
        the stream), arrives byte for byte and verifies; nothing of it is kept after."""
        import dkim
        lines = []
        for i in range(6000):
            lines.append(f".line {i} starts with a dot" if i % 7 == 0 else f"line {i} of the report")
        body = "\r\n".join(lines)
        rcpts = [f"big{i}@tls.example" for i in range(3)]
        self.submit(rcpts, body)
        for r in rcpts:
            self.wait_state(r, ("delivered",))
        copies = [wait_for(lambda r=r: self.tls_mx.raw_for(r), what=r)[0] for r in rcpts]
        for raw in copies:
            received = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[1]
            self.assertEqual(received.rstrip(b"\n"), body.replace("\r\n", "\n").encode())
        def dns(name, timeout=5):
            return self.dkim_dns.get(name.decode().rstrip("."), "").encode() or None
        message = copies[0].replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        self.assertTrue(dkim.DKIM(message).verify(idx=0, dnsfunc=dns))
        # Its keys went with the entries, and the blob with the last of them.
        kept = self.server.sql("SELECT count(*) FROM queue WHERE rcpt_to LIKE 'big%@tls.example' "
                               "AND (content_key IS NOT NULL OR sealed_content IS NOT NULL)")
        self.assertEqual(kept[0][0], 0)
        wait_for(lambda: self.server.sql(
            "SELECT count(*) FROM queue WHERE rcpt_to LIKE 'big%@tls.example' "
            "AND content_blob != ''")[0][0] == 0, what="the blob forgotten")

    def test_one_transaction_with_mixed_results_and_a_dsn_for_the_refused(self):
        connects_before = self.tls_mx.log().count("]: connect from")
        # No question and "send-plain" as the failure action: the same plain copy for
        # all three, so one transaction with three RCPTs.
        self.submit(["ok@tls.example", "temp@tls.example", "gone@tls.example"], "mixed results body")
        self.assertEqual(self.wait_state("ok@tls.example", ("delivered",))[0], "delivered")
        state, reply, _ = self.wait_state("temp@tls.example", ("deferred",))
        self.assertIn("450 4.2.0", reply)
        state, reply, report = self.wait_state("gone@tls.example", ("bounced",))
        self.assertIn("550 5.1.1", reply)
        self.assertEqual(report["outcome"], "bounced")
        # One transaction: one connection at most (none when a kept one served it).
        self.assertLessEqual(self.tls_mx.log().count("]: connect from") - connects_before, 1)
        # Postfix's 250 means queued there; its own delivery to the Maildir follows.
        [ok] = wait_for(lambda: self.tls_mx.messages_for("ok@tls.example"), what="ok's copy")
        self.assertIn("mixed results body", ok.get_payload())
        self.assertIsNone(ok["X-Sealpost-Question"])
        # The DSN reaches the sender (clinic.example's MX), from the null sender, and names
        # the refused recipient only; the deferred one is still being retried.
        def dsn():
            for raw in self.plain_mx.raw_for(SENDER):
                if b"gone@tls.example" in raw:
                    return raw
        raw = wait_for(dsn, timeout=90, what="DSN to the sender")
        self.assertIn(b"Return-Path: <>", raw)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        self.assertEqual(message.get_content_type(), "multipart/report")
        status = [p for p in message.walk() if p.get_content_type() == "message/delivery-status"]
        self.assertEqual(len(status), 1)
        text = raw.decode()
        self.assertIn("Final-Recipient: rfc822; gone@tls.example", text)
        self.assertIn("Status: 5.1.1", text)
        self.assertIn("Remote-MTA: dns; mx.tls.example", text)
        self.assertIn("Reporting-MTA: dns; gw.clinic.example", text)
        self.assertNotIn("temp@tls.example>:", text)
        self.assertNotIn("mixed results body", text)  # the header only, never the content

    def test_smtp_mail_is_taken_apart_only_as_far_as_its_plan_needs(self):
        """The processor reads a submission's header, and its body only when a content
        rule or an escrow copy needs it (issue 19): rules still read the text and text
        attachments; a body of too many parts to take apart leaves as it is where no copy
        needs it taken apart, and is refused, with its reason, where one does."""
        sender = "rules@clinic.example"
        password = set_up_sender(self.server, sender)
        rules = os.path.join(self.server.tmp, "rules-user.json")
        with open(rules, "w") as f:
            json.dump({"content_rules": [{"keyword": "biopsy"}], "tls_only": True}, f)
        code, _, err = self.server.admin("settings", "import", "user", sender, rules)
        self.assertEqual(code, 0, err)

        def send(who, secret, rcpt, message):
            with smtplib.SMTP("127.0.0.1", self.server.smtp_port, timeout=30) as s:
                s.starttls(context=tls_context())
                s.login(who, secret)
                s.sendmail(who, [rcpt], message)

        def method_and_trace(rcpt):
            return wait_for(lambda: self.server.sql(
                f"SELECT method, trace FROM recipients WHERE address = '{rcpt}'"), what=rcpt)[0]

        send(sender, password, "ann@tls.example",
             f"From: {sender}\r\nTo: ann@tls.example\r\nSubject: Lunch\r\n\r\nAt noon?\r\n")
        method, trace = method_and_trace("ann@tls.example")
        self.assertEqual(method, "standard", trace)
        self.assertIn("no content rule matched (user)", trace)
        # The rule's word only in a text attachment of a multipart message.
        send(sender, password, "ben@tls.example",
             f"From: {sender}\r\nTo: ben@tls.example\r\nSubject: Report\r\nMIME-Version: 1.0\r\n"
             "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
             "Content-Type: text/plain\r\n\r\nSee the report.\r\n--b\r\n"
             "Content-Type: text/plain\r\nContent-Disposition: attachment; filename=r.txt\r\n"
             "Content-Transfer-Encoding: base64\r\n\r\n"
             f"{base64.b64encode(b'Biopsy: benign').decode()}\r\n--b--\r\n")
        method, trace = method_and_trace("ben@tls.example")
        self.assertEqual(method, "tls-only", trace)
        self.assertNotIn("no content rule matched", trace)

        # 201 parts: more than sealpost takes apart (mime/submitted.h).
        parts = "".join(f"--z\r\nContent-Type: text/plain\r\n\r\npart {i}\r\n" for i in range(201))
        many = ("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n"
                f"{parts}--z--\r\n")
        # No rule and no question: the failure action's plain copy is the message as it is.
        send(SENDER, self.password, "cal@tls.example",
             f"From: {SENDER}\r\nTo: cal@tls.example\r\nSubject: Many\r\n{many}")
        [copy] = wait_for(lambda: self.tls_mx.messages_for("cal@tls.example"), what="cal's copy")
        self.assertEqual(len([p for p in copy.walk() if p.get_content_type() == "text/plain"]), 201)
        # With a question the copy is escrowed, which takes the body apart: refused.
        send(SENDER, self.password, "dan@tls.example",
             f"From: {SENDER}\r\nTo: dan@tls.example\r\nSubject: Many\r\n"
             f"X-Sealpost-Question: Pet?\r\nX-Sealpost-Answer: Rex\r\n{many}")
        method, trace = method_and_trace("dan@tls.example")
        self.assertEqual(method, "bounce", trace)
        self.assertIn("the message could not be read: the message has more than 200 parts", trace)
        [bounce] = wait_for(lambda: [raw for raw in self.plain_mx.raw_for(SENDER)
                                     if b"dan@tls.example" in raw], timeout=90, what="dan's bounce")
        self.assertIn(b"more than 200 parts", bounce)
        self.assertNotIn(b"part 7", bounce)  # the reason, never the content

    def test_the_api_reports_each_recipients_delivery(self):
        r = self.server.api("POST", "/api/v1/messages", json.dumps(
            {"from": SENDER, "to": ["lee@tls.example", "gone@tls.example"], "subject": "Report",
             "text": "x", "options": {"escrow": {"question": "Q?", "answer": "A"}}}))
        self.assertEqual(r.status, 202, r.text)
        message_id = json.loads(r.body)["id"]

        def settled():
            got = json.loads(self.server.api("GET", f"/api/v1/messages/{message_id}").body)
            states = [x.get("delivery", {}).get("state") for x in got["recipients"]]
            return got if states == ["delivered", "bounced"] else None
        got = wait_for(settled, timeout=90, what="both deliveries settled")
        lee, gone = got["recipients"]
        self.assertEqual(lee["delivery"]["mx_host"], "mx.tls.example")
        self.assertEqual(lee["delivery"]["tls_version"], "TLSv1.3")
        self.assertEqual(lee["delivery"]["attempts"], 1)
        self.assertTrue(lee["delivery"]["reply"].startswith("250 "))
        self.assertTrue(lee["delivery"]["finished_at"].endswith("Z"))
        self.assertIn("550 5.1.1", gone["delivery"]["reply"])
        self.assertEqual(gone["delivery"]["outcome"], "bounced")

    def test_the_api_sends_tls_only_with_an_escrow_standby(self):
        r = self.server.api("POST", "/api/v1/messages", json.dumps(
            {"from": TLS_SENDER, "to": ["cy@tls.example"], "subject": "Report",
             "text": "Ferritin 30 ug/L"}))
        self.assertEqual(r.status, 202, r.text)
        sent = json.loads(r.body)
        methods = sorted((x["method"], x["status"]) for x in sent["recipients"])
        self.assertEqual(methods, [("escrow", "standby"), ("tls-only", "queued")])

        def settled():
            got = json.loads(self.server.api("GET", f"/api/v1/messages/{sent['id']}").body)
            by = {x["method"]: x for x in got["recipients"]}
            if by["tls-only"]["status"] == "delivered" and by["escrow"]["status"] == "superseded":
                return by
        by = wait_for(settled, timeout=90, what="the TLS-only copy delivered")
        self.assertEqual(by["tls-only"]["delivery"]["tls_version"], "TLSv1.3")
        self.assertIn("tls-only: mx.tls.example offers STARTTLS", by["tls-only"]["why"])
        self.assertTrue(by["escrow"]["why"].startswith("standby for tls-only: "))
        self.assertEqual(by["escrow"]["delivery"]["state"], "superseded")
        [raw] = wait_for(lambda: self.tls_mx.raw_for("cy@tls.example"), what="cy's copy")
        self.assertIn(b"Ferritin 30", raw)
        self.assertIn(b"using TLSv1.3", raw)

    def test_admin_lists_shows_retries_and_deletes_queue_entries(self):
        self.submit(["temp@tls.example"], "for the queue commands")
        def deferred_id():
            rows = self.server.sql("SELECT id FROM queue WHERE rcpt_to = 'temp@tls.example' "
                                   "AND state = 'deferred' AND attempts = 1 ORDER BY created_at DESC")
            return rows[0][0] if rows else None
        entry = wait_for(deferred_id, timeout=90, what="a deferred entry")
        code, out, err = self.server.admin("queue", "list", "--state", "deferred")
        self.assertEqual(code, 0, err)
        self.assertIn(entry, out)
        self.assertIn("450 4.2.0", out)
        code, out, err = self.server.admin("queue", "show", entry)
        self.assertEqual(code, 0, err)
        self.assertIn('"mx_host":"mx.tls.example"', out)
        self.assertIn("content:      sealed, waiting", out)
        # Retry: due now rather than in an hour; the server tries again at once.
        code, out, err = self.server.admin("queue", "retry", entry)
        self.assertEqual(code, 0, err)
        wait_for(lambda: self.server.sql(f"SELECT attempts FROM queue WHERE id = '{entry}'")[0][0] == 2,
                 timeout=30, what="a second attempt")
        code, out, err = self.server.admin("queue", "delete", entry)
        self.assertEqual(code, 0, err)
        self.assertEqual(self.server.sql(f"SELECT count(*) FROM queue WHERE id = '{entry}'")[0][0], 0)
        code, _, err = self.server.admin("queue", "show", entry)
        self.assertNotEqual(code, 0)
        self.assertIn("no queue entry", err)
        code, _, err = self.server.admin("queue", "list", "--state", "lost")
        self.assertNotEqual(code, 0)
        self.assertIn('unknown state "lost"', err)
        delivered = self.server.sql("SELECT id FROM queue WHERE state = 'delivered' LIMIT 1")[0][0]
        code, _, err = self.server.admin("queue", "delete", delivered)
        self.assertNotEqual(code, 0)
        self.assertIn("only queued or deferred", err)

    def test_dane_proves_the_server_or_nothing_is_sent(self):
        self.submit(["ann@dane.sealtest", "bob@danebad.sealtest", "cy@daneplain.sealtest"],
                    "Creatinine 80 umol/L",
                    headers="X-Sealpost-Question: Pet?\r\nX-Sealpost-Answer: Rex\r\n")
        # The TLSA record matches the server's key: delivered, and said to be proven.
        _, reply, report = self.wait_state("ann@dane.sealtest", ("delivered",))
        self.assertEqual(report["authentication"], "dane")
        self.assertEqual(report["tls_version"], "TLSv1.3")
        self.assertEqual(report["mx_host"], "mx.dane.sealtest")
        [raw] = wait_for(lambda: self.tls_mx.raw_for("ann@dane.sealtest"), what="ann's notice")
        self.assertIn(b"using TLSv1.3", raw)
        # A TLSA record the key does not match: the handshake stops, nothing is sent —
        # although the domain's MTA-STS policy would accept the server (RFC 8461 §2).
        _, reply, report = self.wait_state("bob@danebad.sealtest", ("deferred",))
        self.assertIn("fails the DANE check", reply)
        self.assertEqual(report["outcome"], "deferred")
        # DANE makes TLS mandatory: a server that offers none gets nothing.
        _, reply, _ = self.wait_state("cy@daneplain.sealtest", ("deferred",))
        self.assertIn("offers no STARTTLS", reply)
        self.assertEqual(self.tls_mx.messages_for("bob@danebad.sealtest"), [])
        self.assertEqual(self.plain_mx.messages_for("cy@daneplain.sealtest"), [])

    def test_mta_sts_enforce_proves_the_server_by_its_certificate_or_defers(self):
        rcpts = ["al@sts.example", "bo@stsbad.example", "cid@stscert.example", "di@stsredir.example"]
        self.submit(rcpts, "Ferritin 30 ug/L",
                    headers="X-Sealpost-Question: Pet?\r\nX-Sealpost-Answer: Rex\r\n")
        # Listed, and its certificate chains to a trusted CA and names it.
        _, _, report = self.wait_state("al@sts.example", ("delivered",))
        self.assertEqual(report["authentication"], "mta-sts")
        self.assertEqual(report["tls_version"], "TLSv1.3")
        # The policy lists another server: nothing is sent.
        _, reply, _ = self.wait_state("bo@stsbad.example", ("deferred",))
        self.assertIn("MTA-STS policy lists none of the mail servers", reply)
        # Listed, but the certificate names another host.
        _, reply, _ = self.wait_state("cid@stscert.example", ("deferred",))
        self.assertIn("fails the PKIX check", reply)
        # A redirect is not a policy: delivered as if the domain had none.
        _, _, report = self.wait_state("di@stsredir.example", ("delivered",))
        self.assertEqual(report["authentication"], "none")
        self.assertIn(("mta-sts.stsredir.example", "/.well-known/mta-sts.txt"), self.policies.requests)
        self.assertNotIn("mta-sts.moved.example", [host for host, _ in self.policies.requests])
        for rcpt in ("bo@stsbad.example", "cid@stscert.example"):
            self.assertEqual(self.tls_mx.messages_for(rcpt), [])
        wait_for(lambda: self.tls_mx.messages_for("al@sts.example"), what="al's notice")
        # The policy is cached: a second message fetches nothing new.
        fetched = len(self.policies.requests)
        self.submit(["al2@sts.example"], "again",
                    headers="X-Sealpost-Question: Pet?\r\nX-Sealpost-Answer: Rex\r\n")
        _, _, report = self.wait_state("al2@sts.example", ("delivered",))
        self.assertEqual(report["authentication"], "mta-sts")
        self.assertEqual(len(self.policies.requests), fetched)
        # Kept across a restart (an attacker who now hid the record would gain nothing).
        self.server.stop()
        self.server.start()
        self.submit(["al3@sts.example"], "after a restart",
                    headers="X-Sealpost-Question: Pet?\r\nX-Sealpost-Answer: Rex\r\n")
        _, _, report = self.wait_state("al3@sts.example", ("delivered",))
        self.assertEqual(report["authentication"], "mta-sts")
        self.assertEqual(len(self.policies.requests), fetched)

    def test_tls_reports_tell_each_domain_how_its_sessions_went(self):
        self.submit(["ed@sts.example", "fay@stscert.example", "gil@danebad.sealtest",
                     "hal@ststest.example", "ivy@stsredir.example", "jo@stsjunk.example"],
                    "Vitamin D 75 nmol/L",
                    headers="X-Sealpost-Question: Pet?\r\nX-Sealpost-Answer: Rex\r\n")
        self.wait_state("ed@sts.example", ("delivered",))
        self.wait_state("fay@stscert.example", ("deferred",))
        self.wait_state("gil@danebad.sealtest", ("deferred",))
        # MTA-STS testing mode: checked and reported, never enforced.
        _, _, report = self.wait_state("hal@ststest.example", ("delivered",))
        self.assertEqual(report["authentication"], "none")
        # The server keeps its tallies in the store every few seconds; today's report
        # is sent on demand (the server sends each day's once it is over).
        wait_for(lambda: self.server.sql(
            "SELECT count(DISTINCT domain) FROM tls_sessions WHERE domain IN "
            "('sts.example', 'stscert.example', 'danebad.sealtest', 'ststest.example', "
            "'stsredir.example', 'stsjunk.example')")[0][0] == 6,
            timeout=60, what="TLS session tallies in the store")
        code, out, err = self.server.admin("tlsrpt", "send", "--day", "today")
        self.assertEqual(code, 0, err)
        self.assertRegex(out, r"^[1-9]\d* TLS report\(s\) sent or queued")

        def reports():
            found = {}
            for raw in self.plain_mx.raw_for("tlsrpt@plain.example"):
                m = email.message_from_bytes(raw, policy=email.policy.default)
                [part] = [p for p in m.walk() if p.get_content_type() == "application/tlsrpt+gzip"]
                found[m["TLS-Report-Domain"]] = (m, json.loads(gzip.decompress(part.get_content())))
            if {"sts.example", "stscert.example", "danebad.sealtest", "ststest.example",
                    "stsredir.example", "stsjunk.example"} <= set(found):
                return found
        found = wait_for(reports, timeout=90, what="TLS reports")
        m, report = found["sts.example"]
        self.assertEqual(m.get_content_type(), "multipart/report")
        self.assertEqual(m.get_param("report-type"), "tlsrpt")
        self.assertEqual(m["TLS-Report-Submitter"], "gw.clinic.example")
        self.assertIn("Return-Path: <>", m.as_string())  # a report makes no bounce
        [policy] = report["policies"]
        self.assertEqual(policy["policy"]["policy-type"], "sts")
        self.assertIn("mode: enforce", policy["policy"]["policy-string"])
        self.assertEqual(policy["policy"]["policy-domain"], "sts.example")
        self.assertGreaterEqual(policy["summary"]["total-successful-session-count"], 1)
        self.assertEqual(policy["summary"]["total-failure-session-count"], 0)
        # sts.example also asked for it over HTTPS: POSTed, the same report.
        [(host, path, content_type, body)] = [p for p in self.policies.posts
                                              if p[1] == "/v1/tlsrpt"]
        self.assertEqual(host, f"reports.example:{self.policies.port}")
        self.assertEqual(content_type, "application/tlsrpt+gzip")
        self.assertEqual(json.loads(gzip.decompress(body)), report)
        # A certificate naming another host, and a key no TLSA record names.
        for domain, policy_type, result, mx in (
                ("stscert.example", "sts", "certificate-host-mismatch", "alias.stscert.example"),
                ("ststest.example", "sts", "certificate-host-mismatch", "alias.ststest.example"),
                ("danebad.sealtest", "tlsa", "validation-failure", "mx.danebad.sealtest")):
            [policy] = found[domain][1]["policies"]
            self.assertEqual(policy["policy"]["policy-type"], policy_type)
            self.assertEqual(policy["summary"]["total-successful-session-count"], 0)
            self.assertGreaterEqual(policy["summary"]["total-failure-session-count"], 1)
            [failure] = policy["failure-details"]
            self.assertEqual(failure["result-type"], result)
            self.assertEqual(failure["receiving-mx-hostname"], mx)
            self.assertEqual(failure["receiving-ip"], "127.0.0.2")
        self.assertEqual(found["danebad.sealtest"][1]["policies"][0]["policy"]["policy-string"],
                         ["3 1 1 " + "ab" * 32])
        # A policy that could not be fetched (a redirect) or read, then delivery without.
        for domain, result in (("stsredir.example", "sts-policy-fetch-error"),
                               ("stsjunk.example", "sts-policy-invalid")):
            [policy] = found[domain][1]["policies"]
            self.assertEqual(policy["policy"]["policy-type"], "no-policy-found")
            self.assertGreaterEqual(policy["summary"]["total-successful-session-count"], 1)
            self.assertIn(result, [f["result-type"] for f in policy["failure-details"]])

    def test_the_server_sends_each_finished_days_tls_reports_itself(self):
        # Yesterday's tallies, as the server's tally keeper would have written them: its
        # report worker (every 10 s) sends them without being asked.
        yesterday = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400))
        db = sqlite3.connect(os.path.join(self.server.data, "sealpost.db"), timeout=30)
        with db:
            db.execute("INSERT INTO tls_sessions VALUES (?, 'stsbad.example', 'no-policy-found', "
                       "'[]', 'mx.yesterday.example', '192.0.2.7', 'starttls-not-supported', 3)",
                       (yesterday,))
        db.close()
        start = calendar.timegm(time.strptime(yesterday, "%Y-%m-%d"))

        def report():
            for raw in self.plain_mx.raw_for("tlsrpt@plain.example"):
                m = email.message_from_bytes(raw, policy=email.policy.default)
                [part] = [p for p in m.walk() if p.get_content_type() == "application/tlsrpt+gzip"]
                if f"!stsbad.example!{start}!{start + 86399}!" in part.get_filename():
                    return json.loads(gzip.decompress(part.get_content()))
        r = wait_for(report, timeout=60, what="yesterday's TLS report")
        [policy] = r["policies"]
        self.assertEqual(r["date-range"]["start-datetime"], yesterday + "T00:00:00Z")
        self.assertEqual(policy["failure-details"],
                         [{"result-type": "starttls-not-supported",
                           "receiving-mx-hostname": "mx.yesterday.example",
                           "receiving-ip": "192.0.2.7", "failed-session-count": 3}])
        # Reported once: the day's tallies are gone.
        self.assertEqual(self.server.sql(
            f"SELECT count(*) FROM tls_sessions WHERE day = '{yesterday}'"), [(0,)])

    def test_connections_are_reused_for_the_next_transaction(self):
        with smtplib.SMTP("127.0.0.1", self.server.smtp_port, timeout=30) as s:
            s.starttls(context=tls_context())
            s.login(SENDER, self.password)
            for n in range(10):  # different content: a transaction each
                s.sendmail(SENDER, ["r@reuse.example"],
                           f"From: {SENDER}\r\nTo: r@reuse.example\r\nSubject: {n}\r\n\r\n"
                           f"Result {n}\r\n")
        wait_for(lambda: self.server.sql("SELECT count(*) FROM queue WHERE rcpt_to = "
                                         "'r@reuse.example' AND state = 'delivered'")[0][0] == 10,
                 timeout=90, what="ten deliveries")

        def sessions():  # Postfix logs each session's end: "disconnect from ... mail=N ... quit=1"
            ends = [e for e in re.findall(r"disconnect from \S+ (.*)", self.reuse_mx.log())
                    if "mail=" in e]  # not the start-up check's empty session
            mails = sum(int(m) for e in ends for m in re.findall(r"\bmail=(\d+)", e))
            return ends if mails == 10 else None
        ends = wait_for(sessions, timeout=30, what="every session to end")
        # Fewer sessions than messages, each ended with QUIT after its transactions.
        self.assertLess(len(ends), 10, ends)
        self.assertTrue(any(re.search(r"\bmail=([2-9]|10)\b", e) for e in ends), ends)
        for e in ends:
            self.assertIn("quit=1", e)

    def test_transport_map_tls_required_and_none(self):
        self.submit(["a@tlsreq.example", "b@clear.example"], "transport map")
        # tls=required towards a server without STARTTLS: not sent, retried later.
        _, reply, report = self.wait_state("a@tlsreq.example", ("deferred",))
        self.assertIn("offers no STARTTLS", reply)
        self.assertEqual(report["outcome"], "deferred")
        self.assertEqual(self.plain_mx.messages_for("a@tlsreq.example"), [])
        self.assertNotIn("RCPT from", "".join(l for l in self.plain_mx.log().splitlines()
                                                if "a@tlsreq.example" in l))
        # tls=none towards a server that offers it: in clear, as the map says.
        _, _, report = self.wait_state("b@clear.example", ("delivered",))
        self.assertEqual(report["mx_host"], "127.0.0.2")
        self.assertEqual(report["tls_version"], "")
        [raw] = wait_for(lambda: self.tls_mx.raw_for("b@clear.example"), what="b's copy")
        self.assertNotIn(b"using TLS", raw)
        self.assertIn(b"with ESMTP id", raw)

    def test_received_fields_tell_how_each_copy_travelled(self):
        """Issue 26: what Postfix wrote on receiving our copies, read back by `sealpost
        analyse-headers`: the copy that left over STARTTLS reads encrypted, with the TLS
        version the delivery report names; the one sent in clear (a loopback peer here)
        reads internal, never encrypted."""
        self.submit(["rx@tls.example", "ry@clear.example"], "how it travelled")
        _, _, report = self.wait_state("rx@tls.example", ("delivered",))
        self.assertTrue(report["tls_version"].startswith("TLSv1."), report)
        self.wait_state("ry@clear.example", ("delivered",))
        for rcpt, mx, verdict, version in (("rx@tls.example", "mx.tls.example", "encrypted",
                                            report["tls_version"]),
                                           ("ry@clear.example", "mx.tls.example", "internal", "")):
            [raw] = wait_for(lambda: self.tls_mx.raw_for(rcpt), what=f"{rcpt}'s copy")
            run = subprocess.run([harness.BIN, "analyse-headers", "--json", "-"], input=raw,
                                 capture_output=True, timeout=30)
            self.assertEqual(run.returncode, 0, run.stderr)
            path = json.loads(run.stdout)
            last = path["hops"][-1]  # Postfix's own field: the hop from sealpost
            self.assertEqual(last["by"], mx, last)
            self.assertEqual(last["verdict"], verdict, last)
            self.assertEqual(last["tls_version"], version, last)
        # The text form, for people, says the same.
        run = subprocess.run([harness.BIN, "analyse-headers", "-"], capture_output=True,
                             input=self.tls_mx.raw_for("rx@tls.example")[0], timeout=30)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertRegex(run.stdout.decode(), r"→ mx\.tls\.example\n(.*\n)*  verdict:  encrypted")
        # Not a header: a clear error and status 2.
        run = subprocess.run([harness.BIN, "analyse-headers", "-"], input=b"hello\n",
                             capture_output=True, timeout=30)
        self.assertEqual(run.returncode, 2)
        self.assertIn(b"standard input: no Received: header field found", run.stderr)

    def test_a_dead_preferred_mx_falls_back_to_the_next(self):
        self.submit(["kim@backup.example"], "via the backup")
        state, _, report = self.wait_state("kim@backup.example", ("delivered",))
        self.assertEqual(report["mx_host"], "mx.plain.example")
        self.assertIn("dead.backup.example", self.server.log())  # the refused attempt is logged
        wait_for(lambda: self.plain_mx.messages_for("kim@backup.example"), what="kim's copy")
        self.assertEqual(len(self.plain_mx.messages_for("kim@backup.example")), 1)

    def test_null_mx_and_missing_domains_bounce_at_once(self):
        self.submit(["a@nullmx.example", "b@nowhere.example"], "nowhere to go")
        _, reply, _ = self.wait_state("a@nullmx.example", ("bounced",))
        self.assertIn("null MX", reply)
        _, reply, _ = self.wait_state("b@nowhere.example", ("bounced",))
        self.assertIn("does not exist", reply)
        for rcpt, status in (("a@nullmx.example", "5.1.10"), ("b@nowhere.example", "5.1.2")):
            def dsn():
                for raw in self.plain_mx.raw_for(SENDER):
                    if f"Final-Recipient: rfc822; {rcpt}".encode() in raw:
                        return raw
            raw = wait_for(dsn, timeout=90, what="DSN for " + rcpt)
            self.assertIn(f"Status: {status}".encode(), raw)


if __name__ == "__main__":
    unittest.main()
