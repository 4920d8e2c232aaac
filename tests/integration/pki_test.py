"""End-to-end encryption against implementations nobody here wrote: keys and certificates
made by GnuPG, gpgsm and the openssl tool go into an address book through the CLI and
the API; mail submitted by SMTP to their owners leaves PGP/MIME or S/MIME encrypted;
GnuPG, gpgsm and `openssl cms` decrypt it and verify the organisation's signature, and
what they get is the original MIME entity, byte for byte."""
import base64
import calendar
import email
import email.policy
import glob
import json
import os
import re
import shutil
import smtplib
import subprocess
import tempfile
import time
import unittest

import harness
from harness import Sealpost
from smtp_test import SENDER, set_up_sender, tls_context

BOOK = f"user:{SENDER}:personal"
PGP_ED = "pat@example.org"      # GnuPG default key: Ed25519 + Curve25519
PGP_RSA = "rob@example.org"     # GnuPG RSA-3072
SMIME_RSA = "sam@example.org"   # openssl req, RSA-3072, AES-256-CBC
SMIME_EC = "eve@example.org"    # openssl req, P-256, lists AES-256-GCM in its capabilities
SMIME_GPGSM = "gina@example.org"  # gpgsm, RSA-3072

# RFC 4262 S/MIME capabilities: SEQUENCE { SEQUENCE { OID aes256-GCM } }.
SMIME_CAPS_GCM = "DER:300D300B060960864801650304012E"


def run(*args, stdin=None, env=None, check=True):
    r = subprocess.run(args, input=stdin, capture_output=True, env=env, timeout=120)
    if check and r.returncode != 0:
        raise AssertionError(f"{args[0]} failed ({r.returncode}): {r.stderr.decode(errors='replace')}")
    return r


def entity_of(message: bytes) -> bytes:
    """The MIME entity of a message as RFC 3156/8551 protect it: its Content-* fields,
    a blank line, the body (the message is CRLF already)."""
    head, body = message.split(b"\r\n\r\n", 1)
    fields = re.split(rb"\r\n(?![ \t])", head)
    content = [f for f in fields if f.lower().startswith(b"content-")]
    return b"".join(f + b"\r\n" for f in content) + b"\r\n" + body


def original_message(to):
    boundary = "outer-b"
    alt = "alt-b"
    return (
        f"From: Dr Who <{SENDER}>\r\n"
        f"To: {to}\r\n"
        "Subject: Lab results\r\n"
        "Message-ID: <e2e-1@clinic.example>\r\n"
        "MIME-Version: 1.0\r\n"
        f"Content-Type: multipart/mixed;\r\n boundary=\"{boundary}\"\r\n"
        "\r\n"
        f"--{boundary}\r\n"
        f"Content-Type: multipart/alternative; boundary=\"{alt}\"\r\n"
        "\r\n"
        f"--{alt}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
        "Potassium 4.1 mmol/L \u2014 within range.\r\n"
        f"--{alt}\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        "\r\n"
        "<p>Potassium <b>4.1</b> mmol/L</p>\r\n"
        f"--{alt}--\r\n"
        f"--{boundary}\r\n"
        "Content-Type: application/pdf; name=\"report.pdf\"\r\n"
        "Content-Disposition: attachment; filename=\"report.pdf\"\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n"
        "JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJlYW0K\r\n"
        f"--{boundary}--\r\n"
    ).encode()


class PkiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Sealpost()
        cls.server.start()
        cls.password = set_up_sender(cls.server)
        s = cls.server
        for args in (["book", "create", BOOK], ["book", "link", SENDER, BOOK, "--role", "default"],
                     ["identity", "generate-pgp", "domain:clinic.example",
                      "--user-id", "Clinic <secure@clinic.example>"],
                     ["identity", "generate-smime", "domain:clinic.example",
                      "--address", "secure@clinic.example"]):
            code, out, err = s.admin(*args)
            assert code == 0, (args, err)
        cls.tmp = tempfile.mkdtemp(prefix="sealpost-pki-")
        cls.gnupg = os.path.join(cls.tmp, "gnupg")
        os.mkdir(cls.gnupg, 0o700)
        cls.env = dict(os.environ, GNUPGHOME=cls.gnupg)
        cls.make_keys()

    @classmethod
    def tearDownClass(cls):
        subprocess.run(["gpgconf", "--kill", "all"], env=cls.env, capture_output=True)
        cls.server.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # --- Keys and certificates, made by the tools ------------------------------------
    @classmethod
    def gpg(cls, *args, stdin=None, check=True):
        return run("gpg", "--batch", "--yes", "--pinentry-mode", "loopback", "--passphrase", "",
                   *args, stdin=stdin, env=cls.env, check=check)

    @classmethod
    def path(cls, name):
        return os.path.join(cls.tmp, name)

    @classmethod
    def export(cls, uid, name):
        with open(cls.path(name), "wb") as f:
            f.write(cls.gpg("--armor", "--export", uid).stdout)

    @classmethod
    def make_keys(cls):
        cls.gpg("--quick-gen-key", f"Pat <{PGP_ED}>", "default", "default", "never")
        cls.export(PGP_ED, "pat.asc")
        cls.gpg("--quick-gen-key", "Api <api-pgp@example.org>", "default", "default", "never")
        cls.export("api-pgp@example.org", "api.asc")
        cls.gpg("--quick-gen-key", f"Rob <{PGP_RSA}>", "rsa3072", "cert,sign", "never")
        rob = cls.fingerprint(PGP_RSA)
        cls.gpg("--quick-add-key", rob, "rsa3072", "encr", "never")
        with open(cls.path("rob.gpg"), "wb") as f:  # binary, not armored
            f.write(cls.gpg("--export", PGP_RSA).stdout)
        # Expired: made in 2020, valid for a day.
        cls.gpg("--faked-system-time", "20200101T000000", "--quick-gen-key",
                "Old <old@example.org>", "default", "default", "1d")
        cls.export("old@example.org", "old.asc")
        # Revoked: GnuPG's own revocation certificate, imported.
        cls.gpg("--quick-gen-key", "Rev <rev@example.org>", "default", "default", "never")
        rev_fpr = cls.fingerprint("rev@example.org")
        with open(os.path.join(cls.gnupg, "openpgp-revocs.d", rev_fpr + ".rev")) as f:
            cert = f.read().replace(":-----BEGIN", "-----BEGIN")
        cls.gpg("--import", stdin=cert.encode())
        cls.export("rev@example.org", "rev.asc")

        def req(name, address, key_args, usage, extra=()):
            run("openssl", "req", "-x509", "-new", *key_args, "-nodes", "-days", "30",
                "-subj", f"/CN={name}", "-keyout", cls.path(name + ".key"),
                "-out", cls.path(name + ".pem"),
                "-addext", f"subjectAltName=email:{address}",
                "-addext", f"keyUsage=critical,digitalSignature,{usage}",
                "-addext", "extendedKeyUsage=emailProtection", *extra)

        req("sam", SMIME_RSA, ["-newkey", "rsa:3072"], "keyEncipherment")
        req("eve", SMIME_EC, ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"], "keyAgreement",
            ["-addext", "1.2.840.113549.1.9.15=" + SMIME_CAPS_GCM])
        req("tls", "tls@example.org", ["-newkey", "rsa:2048"], "keyEncipherment")
        run("openssl", "x509", "-in", cls.path("sam.pem"), "-outform", "DER",
            "-out", cls.path("sam.der"))
        # A server certificate (extended key usage serverAuth only): not for mail.
        run("openssl", "req", "-x509", "-new", "-newkey", "rsa:2048", "-nodes", "-days", "30",
            "-subj", "/CN=web", "-keyout", cls.path("web.key"), "-out", cls.path("web.pem"),
            "-addext", "subjectAltName=email:web@example.org",
            "-addext", "extendedKeyUsage=serverAuth")

        def gpgsm_cert(name, address, not_before, not_after):
            params = (f"Key-Type: RSA\nKey-Length: 3072\nKey-Usage: sign, encrypt\n"
                      f"Name-DN: CN={name}\nName-Email: {address}\nSerial: random\n"
                      f"Not-Before: {not_before}\nNot-After: {not_after}\n")
            with open(cls.path(name + ".params"), "w") as f:
                f.write(params)
            out = run("gpgsm", "--batch", "--pinentry-mode", "loopback", "--passphrase-fd", "0",
                      "--gen-key", cls.path(name + ".params"), stdin=b"\n", env=cls.env).stdout
            with open(cls.path(name + ".crt"), "wb") as f:
                f.write(out)
            run("gpgsm", "--batch", "--import", cls.path(name + ".crt"), env=cls.env)

        gpgsm_cert("gina", SMIME_GPGSM, "20200101T000000", "20360101T000000")
        gpgsm_cert("gone", "gone@example.org", "20200101T000000", "20210101T000000")
        gpgsm_cert("soon", "soon@example.org", "20400101T000000", "20410101T000000")
        # Signing only (key usage digitalSignature): may not be encrypted to.
        run("openssl", "req", "-x509", "-new", "-newkey", "rsa:2048", "-nodes", "-days", "30",
            "-subj", "/CN=signer", "-keyout", cls.path("signer.key"), "-out", cls.path("signer.pem"),
            "-addext", "subjectAltName=email:signer@example.org",
            "-addext", "keyUsage=critical,digitalSignature",
            "-addext", "extendedKeyUsage=emailProtection")

    @classmethod
    def fingerprint(cls, uid):
        out = cls.gpg("--with-colons", "--fingerprint", uid).stdout.decode()
        return re.search(r"^fpr:+([0-9A-F]{40}):", out, re.M).group(1)

    def add_key(self, address, name):
        return self.server.admin("book", "add-key", BOOK, address, self.path(name))

    # --- Sending and reading ---------------------------------------------------------
    def send(self, to, message):
        with smtplib.SMTP("127.0.0.1", self.server.smtp_port, timeout=30) as s:
            s.starttls(context=tls_context())
            s.login(SENDER, self.password)
            s.sendmail(SENDER, [to], message)

    def delivered_to(self, address, timeout=30):
        """The bytes that left for `address`, without the outbox's envelope lines."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            for path in glob.glob(os.path.join(self.server.data, "outbox", "*.eml")):
                with open(path, "rb") as f:
                    data = f.read()
                if f"X-Sealpost-Envelope-To: <{address}>\r\n".encode() in data[:600]:
                    return data.split(b"\r\n", 2)[2]
            time.sleep(0.1)
        raise AssertionError(f"nothing left for {address}:\n" + self.server.log()[-3000:])

    def org_key(self, kind):
        r = self.server.get(f"/keys/clinic.example/{'openpgp.asc' if kind == 'pgp' else 'smime.pem'}")
        self.assertEqual(r.status, 200)
        return r.body

    def test_the_organisation_certificate_lasts_its_default_730_days(self):
        # Every admin command shares one set of argument fields: an option added to one
        # command once shortened this default (to 7 days) for the others.
        end = run("openssl", "x509", "-noout", "-enddate", stdin=self.org_key("smime")).stdout
        not_after = calendar.timegm(time.strptime(end.decode().strip().split("=", 1)[1],
                                                  "%b %d %H:%M:%S %Y %Z"))
        self.assertGreater(not_after - time.time(), 729 * 86400)
        self.assertLess(not_after - time.time(), 731 * 86400)

    def assert_outer_headers_kept(self, mail, to):
        head = mail.split(b"\r\n\r\n", 1)[0]
        self.assertIn(f"To: {to}\r\n".encode(), head)
        self.assertIn(b"Subject: Lab results\r\n", head)
        self.assertIn(b"Message-ID: <e2e-1@clinic.example>\r\n", head)
        self.assertNotIn(b"Potassium", mail)
        self.assertNotIn(b"JVBERi0xLjQK", mail)

    # --- OpenPGP -----------------------------------------------------------------------
    def check_pgp(self, address, key_file):
        code, out, err = self.add_key(address, key_file)
        self.assertEqual(code, 0, err)
        self.assertIn("OpenPGP key", out)
        original = original_message(address)
        self.send(address, original)
        mail = self.delivered_to(address)
        self.assert_outer_headers_kept(mail, address)
        self.assertIn(b'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"', mail)
        armored = mail[mail.index(b"-----BEGIN PGP MESSAGE-----"):
                       mail.index(b"-----END PGP MESSAGE-----") + 25]
        self.gpg("--import", stdin=self.org_key("pgp"))
        status_path = self.path("status-" + address)
        r = self.gpg("--status-file", status_path, "--decrypt", stdin=armored)
        self.assertEqual(r.stdout, entity_of(original))
        with open(status_path) as f:
            status = f.read()
        self.assertIn("[GNUPG:] GOODSIG", status)
        self.assertIn("Clinic <secure@clinic.example>", status)
        self.assertIn("[GNUPG:] DECRYPTION_OKAY", status)

    def test_gnupg_decrypts_and_verifies_pgp_mime_to_a_curve25519_key(self):
        self.check_pgp(PGP_ED, "pat.asc")
        rows = self.server.sql("SELECT detail FROM events WHERE type = 'sent_pgp'")
        self.assertTrue(any(PGP_ED in r[0] and "address book" in r[0] for r in rows), rows)

    def test_gnupg_decrypts_pgp_mime_to_an_rsa_3072_binary_key(self):
        self.check_pgp(PGP_RSA, "rob.gpg")

    def test_bad_openpgp_keys_are_refused_with_the_reason(self):
        cases = [
            ("old@example.org", "old.asc", "expired on 2020-01-02"),
            ("rev@example.org", "rev.asc", "is revoked"),
            ("other@example.org", "pat.asc", f"is for {PGP_ED}, not for other@example.org"),
        ]
        for address, name, reason in cases:
            code, out, err = self.add_key(address, name)
            self.assertEqual(code, 2, (name, out))
            self.assertIn(self.path(name) + ": ", err)
            self.assertIn(reason, err)
        with open(self.path("note.txt"), "w") as f:
            f.write("not a key at all\n")
        code, out, err = self.add_key("x@example.org", "note.txt")
        self.assertEqual(code, 2)
        self.assertIn("is neither an OpenPGP public key nor an X.509 certificate", err)
        listed = self.server.admin("book", "list", BOOK)[1]
        for address in ("old@example.org", "rev@example.org", "other@example.org", "x@example.org"):
            self.assertNotIn(address, listed)

    # --- S/MIME ------------------------------------------------------------------------
    def smime_inner(self, mail, key, cert):
        with open(self.path("in.eml"), "wb") as f:
            f.write(mail)
        return run("openssl", "cms", "-decrypt", "-in", self.path("in.eml"), "-recip",
                   self.path(cert), "-inkey", self.path(key), "-binary").stdout

    def openssl_verify(self, inner):
        with open(self.path("org.pem"), "wb") as f:
            f.write(self.org_key("smime"))
        with open(self.path("inner.eml"), "wb") as f:
            f.write(inner)
        # (Not -binary here: with it, OpenSSL 3.0 keeps the delimiter's CRLF in the
        # signed part it splits off, and no signature verifies.)
        r = run("openssl", "cms", "-verify", "-in", self.path("inner.eml"), "-CAfile",
                self.path("org.pem"), "-partial_chain")
        self.assertIn(b"Verification successful", r.stderr)
        return r.stdout

    def test_openssl_decrypts_and_verifies_smime_to_an_rsa_certificate_cbc(self):
        code, out, err = self.add_key(SMIME_RSA, "sam.der")  # DER
        self.assertEqual(code, 0, err)
        self.assertIn("AES-256-CBC", out)
        original = original_message(SMIME_RSA)
        self.send(SMIME_RSA, original)
        mail = self.delivered_to(SMIME_RSA)
        self.assert_outer_headers_kept(mail, SMIME_RSA)
        self.assertIn(b"smime-type=enveloped-data", mail)
        self.assertEqual(self.openssl_verify(self.smime_inner(mail, "sam.key", "sam.pem")),
                         entity_of(original))
        run_out = run("openssl", "cms", "-cmsout", "-print", "-in", self.path("in.eml")).stdout
        self.assertIn(b"aes-256-cbc", run_out)

    def test_openssl_decrypts_smime_to_an_ec_certificate_with_aes_gcm(self):
        code, out, err = self.add_key(SMIME_EC, "eve.pem")
        self.assertEqual(code, 0, err)
        self.assertIn("AES-256-GCM", out)
        original = original_message(SMIME_EC)
        self.send(SMIME_EC, original)
        mail = self.delivered_to(SMIME_EC)
        self.assertIn(b"smime-type=authEnveloped-data", mail)
        self.assertEqual(self.openssl_verify(self.smime_inner(mail, "eve.key", "eve.pem")),
                         entity_of(original))

    def test_gpgsm_decrypts_and_verifies_smime_to_its_own_certificate(self):
        code, out, err = self.add_key(SMIME_GPGSM, "gina.crt")
        self.assertEqual(code, 0, err)
        original = original_message(SMIME_GPGSM)
        self.send(SMIME_GPGSM, original)
        mail = self.delivered_to(SMIME_GPGSM)
        body = mail.split(b"\r\n\r\n", 1)[1]
        with open(self.path("gina.p7m"), "wb") as f:
            f.write(base64.b64decode(body))  # gpgsm reads DER (its base64 mode wants PEM armor)
        gpgsm = ["gpgsm", "--batch", "--disable-crl-checks", "--disable-policy-checks"]
        inner = run(*gpgsm, "--decrypt", self.path("gina.p7m"), env=self.env).stdout
        self.assertTrue(inner.startswith(b"Content-Type: multipart/signed;"), inner[:200])
        # The signed part and its signature, as the multipart/signed carries them: the
        # part runs from after the first delimiter line to the CRLF before the next.
        boundary = re.search(rb'boundary="([^"]+)"', inner).group(1)
        start = inner.index(b"--" + boundary + b"\r\n") + len(boundary) + 4
        end = inner.index(b"\r\n--" + boundary, start)
        signed = inner[start:end]
        self.assertEqual(signed, entity_of(original))
        sig_part = inner[end + len(boundary) + 4:].split(b"\r\n\r\n", 1)[1]
        with open(self.path("sig.der"), "wb") as f:
            f.write(base64.b64decode(sig_part.split(b"\r\n--")[0]))
        with open(self.path("signed.bin"), "wb") as f:
            f.write(signed)
        # Trust the organisation's self-signed certificate, as a recipient would who
        # downloaded it from /keys/.
        with open(self.path("org.pem"), "wb") as f:
            f.write(self.org_key("smime"))
        run(*gpgsm, "--import", self.path("org.pem"), env=self.env)
        fpr = run("openssl", "x509", "-in", self.path("org.pem"), "-noout", "-fingerprint",
                  "-sha1").stdout.decode().split("=")[1].strip()
        with open(os.path.join(self.gnupg, "trustlist.txt"), "a") as f:
            f.write(f"{fpr} S relax\n")
        r = run(*gpgsm, "--status-fd", "1", "--verify", self.path("sig.der"),
                self.path("signed.bin"), env=self.env, check=False)
        self.assertIn(b"[GNUPG:] GOODSIG", r.stdout, r.stderr)

    def test_bad_certificates_are_refused_with_the_reason(self):
        cases = [
            ("gone@example.org", "gone.crt", "expired on 2021-01-01"),
            ("soon@example.org", "soon.crt", "is not valid yet: it starts on 2040-01-01"),
            ("signer@example.org", "signer.pem",
             "may not be used for encryption: its key usage lacks keyEncipherment"),
            ("web@example.org", "web.pem", "is not for email"),
            ("other@example.org", "sam.pem", f"is for {SMIME_RSA}, not for other@example.org"),
            ("x@example.org", "sam.key", "is neither an OpenPGP public key nor an X.509 certificate"),
        ]
        for address, name, reason in cases:
            code, out, err = self.add_key(address, name)
            self.assertEqual(code, 2, (name, out))
            self.assertIn(reason, err)

    def test_keys_and_certificates_import_and_export_in_bulk(self):
        book = f"user:{SENDER}:bulk"
        self.assertEqual(self.server.admin("book", "create", book)[0], 0)
        folder = self.path("bulk-in")
        os.mkdir(folder)
        for name, as_name in (("pat.asc", f"{PGP_ED}.asc"), ("rob.gpg", f"{PGP_RSA}.gpg"),
                              ("sam.pem", f"{SMIME_RSA}.pem"), ("old.asc", "old@example.org.asc"),
                              ("pat.asc", "wrong@example.org.asc")):
            shutil.copy(self.path(name), os.path.join(folder, as_name))
        with open(os.path.join(folder, "notes.txt"), "w") as f:
            f.write("not a key")
        code, out, err = self.server.admin("book", "import-keys", book, folder)
        self.assertEqual(code, 2, err)  # some refused
        self.assertIn(f"imported 3 keys into {book}; 3 files refused", out)
        self.assertRegex(err, r"old@example\.org\.asc: old@example\.org: .*expired")
        self.assertRegex(err, r"wrong@example\.org\.asc: wrong@example\.org: .*")
        self.assertIn("notes.txt: skipped", err)
        listed = self.server.admin("book", "list", book)[1]
        self.assertEqual(sorted(listed.splitlines()),
                         sorted([f"{PGP_ED}\tpgp", f"{PGP_RSA}\tpgp", f"{SMIME_RSA}\tsmime"]))
        # On record: each address taken and its key's fingerprint, and how many refused.
        (details,) = self.server.sql("SELECT details FROM audit_log WHERE subject = ? AND "
                                     "details LIKE '%\"imported\":[%' ORDER BY seq", (book,))[-1]
        details = json.loads(details)
        self.assertEqual(details["refused"], 2)  # notes.txt was never read
        taken = {i["entry"]: (i["kind"], i["fingerprint"]) for i in details["imported"]}
        self.assertEqual(sorted(taken), sorted([PGP_ED, PGP_RSA, SMIME_RSA]))
        self.assertEqual(taken[PGP_RSA], ("pgp", self.fingerprint(PGP_RSA)))
        self.assertEqual(taken[SMIME_RSA][0], "smime")

        # Exported: what GnuPG and OpenSSL read as the same keys.
        out_folder = self.path("bulk-out")
        code, out, err = self.server.admin("book", "export-keys", book, out_folder)
        self.assertEqual(code, 0, err)
        self.assertEqual(sorted(os.listdir(out_folder)),
                         sorted([f"{PGP_ED}.asc", f"{PGP_RSA}.asc", f"{SMIME_RSA}.pem"]))
        shown = run("gpg", "--show-keys", "--with-colons", os.path.join(out_folder, f"{PGP_RSA}.asc"),
                    env=self.env).stdout.decode()
        self.assertIn(self.fingerprint(PGP_RSA), shown)
        def cert_fingerprint(path):
            return run("openssl", "x509", "-in", path, "-noout", "-fingerprint", "-sha256").stdout
        self.assertEqual(cert_fingerprint(os.path.join(out_folder, f"{SMIME_RSA}.pem")),
                         cert_fingerprint(self.path("sam.pem")))
        self.assertNotEqual(self.server.admin("book", "export-keys", book, out_folder)[0], 0)

        # The same over the API: bad ones reported by their index, the good ones kept.
        def read(name):
            with open(self.path(name), "rb") as f:
                return f.read()
        book_path = f"user:{SENDER}:bulk".replace("@", "%40")
        r = self.server.api("POST", f"/api/v1/address-books/{book_path}/keys", json.dumps({"keys": [
            {"address": SMIME_EC, "data": read("eve.pem").decode()},
            {"address": "rev@example.org", "data": read("rev.asc").decode()},
            {"address": PGP_RSA, "data_base64": base64.b64encode(read("rob.gpg")).decode()},
            {"address": "x@example.org"}]}))
        self.assertEqual(r.status, 200, r.text)
        body = json.loads(r.body)
        self.assertEqual(body["imported"], 2)
        self.assertEqual([p["index"] for p in body["problems"]], [1, 3])
        self.assertIn("revoked", body["problems"][0]["reason"])
        exported = json.loads(self.server.api("GET", f"/api/v1/address-books/{book_path}/keys",
                                              content_type=None).body)["keys"]
        kinds = {k["address"]: k["kind"] for k in exported}
        self.assertEqual(kinds[SMIME_EC], "smime")
        self.assertEqual(kinds[PGP_RSA], "pgp")
        self.assertTrue(all(k["data"].startswith("-----BEGIN") for k in exported))
        too_many = self.server.api("POST", f"/api/v1/address-books/{book_path}/keys", json.dumps(
            {"keys": [{"address": f"u{i}@example.org", "data": "x"} for i in range(10001)]}))
        self.assertEqual(too_many.status, 400, too_many.text)
        self.assertIn("at most 10000 keys", too_many.text)

    def test_api_takes_a_key_and_refuses_a_bad_one_with_a_problem_document(self):
        with open(self.path("pat.asc"), "rb") as f:
            key = f.read()
        book = BOOK.replace("@", "%40")
        r = self.server.api("PUT", f"/api/v1/address-books/{book}/keys/api%40example.org", key,
                            content_type="application/pgp-keys")
        self.assertEqual(r.status, 400)
        self.assertEqual(r.header("content-type"), "application/problem+json")
        self.assertIn(f"is for {PGP_ED}, not for api@example.org", r.text)
        r = self.server.api("PUT", f"/api/v1/address-books/{book}/keys/{PGP_ED.replace('@', '%40')}",
                            key, content_type="application/pgp-keys")
        self.assertEqual(r.status, 200, r.text)
        self.assertIn("OpenPGP key", r.text)
        (details,) = self.server.sql(
            "SELECT details FROM audit_log WHERE action = "
            "'api.PUT /api/v1/address-books/{book}/keys/{address}' AND result = 'ok' "
            "ORDER BY seq")[-1]
        details = json.loads(details)
        self.assertEqual(details["entry"], PGP_ED)
        self.assertIn("before", details)
        self.assertEqual(details["after"], {"kind": "pgp", "fingerprint": self.fingerprint(PGP_ED)})

    def test_already_encrypted_mail_passes_through_untouched(self):
        # A message the sender's program encrypted: it leaves exactly as it came (a
        # recipient with no key at all: no escrow, no re-encryption).
        encrypted = (
            f"From: {SENDER}\r\nTo: stranger@example.net\r\nSubject: pre-encrypted\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"x\"\r\n"
            "\r\n--x\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n"
            "--x\r\nContent-Type: application/octet-stream\r\n\r\n"
            "-----BEGIN PGP MESSAGE-----\r\n\r\nhQEMA0J2\r\n-----END PGP MESSAGE-----\r\n--x--\r\n"
        ).encode()
        self.send("stranger@example.net", encrypted)
        self.assertEqual(self.delivered_to("stranger@example.net"), encrypted)

    def test_api_message_goes_pgp_to_one_and_escrow_to_another_in_one_message(self):
        code, _, err = self.add_key("api-pgp@example.org", "api.asc")
        self.assertEqual(code, 0, err)
        attachment = os.urandom(3000) + b"\x00end"
        with open(self.path("scan.bin"), "wb") as f:
            f.write(attachment)
        message = json.dumps({"from": SENDER, "to": ["api-pgp@example.org", "someone@example.net"],
                              "subject": "Scan", "text": "See the scan.",
                              "options": {"escrow": {"question": "Year of birth?", "answer": "1970",
                                                     "save": True}}})
        with open(self.path("message.json"), "w") as f:
            f.write(message)
        r = self.server.api("POST", "/api/v1/messages", None, content_type=None,
                            files=[f"message=<{self.path('message.json')};type=application/json",
                                   f"file=@{self.path('scan.bin')};type=application/octet-stream"])
        self.assertEqual(r.status, 202, r.text)
        reply = json.loads(r.text)
        methods = {x["address"]: (x["method"], x["status"]) for x in reply["recipients"]}
        self.assertEqual(methods["api-pgp@example.org"], ("pgp", "queued"))
        self.assertEqual(methods["someone@example.net"][0], "escrow")
        mail = self.delivered_to("api-pgp@example.org")
        self.assertNotIn(b"See the scan", mail)
        armored = mail[mail.index(b"-----BEGIN PGP MESSAGE-----"):
                       mail.index(b"-----END PGP MESSAGE-----") + 25]
        self.gpg("--import", stdin=self.org_key("pgp"))
        plain = self.gpg("--decrypt", stdin=armored).stdout
        inner = email.message_from_bytes(b"Subject: x\r\n" + plain, policy=email.policy.default)
        self.assertEqual(inner.get_content_type(), "multipart/mixed")
        parts = list(inner.iter_attachments())
        self.assertEqual(parts[0].get_filename(), "scan.bin")
        self.assertEqual(parts[0].get_content(), attachment)
        self.assertIn("See the scan.", inner.get_body(preferencelist=("plain",)).get_content())
        # The queue delivers it; the message's status says so.
        deadline = time.time() + 30
        while time.time() < deadline:
            status = json.loads(self.server.api("GET", f"/api/v1/messages/{reply['id']}").text)
            got = {x["address"]: x["status"] for x in status["recipients"]}
            if got["api-pgp@example.org"] == "delivered":
                break
            time.sleep(0.2)
        self.assertEqual(got["api-pgp@example.org"], "delivered")
        # A message to key holders only: no question needed, nothing left in escrow.
        r = self.server.api("POST", "/api/v1/messages", json.dumps(
            {"from": SENDER, "to": ["api-pgp@example.org"], "subject": "Only PGP", "text": "Hi"}))
        self.assertEqual(r.status, 202, r.text)
        self.assertEqual([x["method"] for x in json.loads(r.text)["recipients"]], ["pgp"])
        # The escrow recipient's answer was saved; the key holder's entry is still their key.
        listed = self.server.admin("book", "list", BOOK)[1]
        self.assertIn("api-pgp@example.org\tpgp", listed)
        self.assertIn("someone@example.net\tquestion", listed)

    def test_identities_made_by_gnupg_and_openssl_import_and_protected_keys_are_refused(self):
        s = self.server
        for args in (["account", "create", "Lab"], ["domain", "create", "lab.example", "--account", "Lab"]):
            self.assertEqual(s.admin(*args)[0], 0)
        self.gpg("--quick-gen-key", "Lab <secure@lab.example>", "default", "default", "never")
        with open(self.path("lab-secret.gpg"), "wb") as f:
            f.write(self.gpg("--export-secret-keys", "secure@lab.example").stdout)
        code, out, err = s.admin("identity", "import-pgp", "account:Lab", self.path("lab-secret.gpg"))
        self.assertEqual(code, 0, err)
        self.assertIn(self.fingerprint("secure@lab.example"), out)
        # The domain has none of its own: its account's key is the one published.
        r = s.get("/keys/lab.example/openpgp.asc")
        self.assertEqual(r.status, 200)
        imported = self.gpg("--with-colons", "--import-options", "show-only", "--import",
                            stdin=r.body).stdout.decode()
        self.assertIn(self.fingerprint("secure@lab.example"), imported)
        # A passphrase-protected secret key cannot sign unattended.
        run("gpg", "--batch", "--yes", "--pinentry-mode", "loopback", "--passphrase", "pw",
            "--quick-gen-key", "Locked <locked@lab.example>", "default", "default", "never", env=self.env)
        with open(self.path("locked.gpg"), "wb") as f:
            f.write(run("gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "pw",
                        "--export-secret-keys", "locked@lab.example", env=self.env).stdout)
        code, _, err = s.admin("identity", "import-pgp", "domain:lab.example", self.path("locked.gpg"))
        self.assertEqual(code, 2)
        self.assertIn("protected by a password", err)
        # openssl-made S/MIME signing certificate and key.
        code, out, err = s.admin("identity", "import-smime", "domain:lab.example",
                                 self.path("signer.pem"), self.path("signer.key"))
        self.assertEqual(code, 0, err)
        self.assertIn("S/MIME certificate", out)
        code, _, err = s.admin("identity", "import-smime", "domain:lab.example",
                               self.path("signer.pem"), self.path("sam.key"))
        self.assertEqual(code, 2)
        self.assertIn("does not belong to the certificate", err)
        code, _, err = s.admin("identity", "import-smime", "domain:nowhere.example",
                               self.path("signer.pem"), self.path("signer.key"))
        self.assertEqual(code, 2)
        self.assertIn("no domain nowhere.example", err)

    def test_public_keys_are_downloadable_and_unknown_domains_are_404(self):
        self.assertIn(b"BEGIN PGP PUBLIC KEY BLOCK", self.org_key("pgp"))
        self.assertIn(b"BEGIN CERTIFICATE", self.org_key("smime"))
        r = self.server.get("/keys/unknown.example/openpgp.asc")
        self.assertEqual(r.status, 404)


if __name__ == "__main__":
    unittest.main()
