"""Signing keys in the console (issue 22): an organisation administrator makes a
domain's DKIM key and rolls it over, and the server switches to the next key only once
DNS (a real unbound on loopback) publishes it; signing identities are made and their
public parts read by OpenSSL and GnuPG; every change is in the audit trail with what
it changed."""
import html
import json
import os
import re
import subprocess
import tempfile
import unittest

from console_test import ConsoleUsers
from harness import Sealpost
from peers import Unbound

ADMIN = "org-admin@clinic.example"


class ConsoleKeysTest(ConsoleUsers, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # A zone that knows nothing yet: every DKIM lookup answers NXDOMAIN at once.
        cls.dns = Unbound([], zones=("example.",)).start()
        # Unsigned test zones: no DNSSEC validation (a DKIM record is not looked up with it).
        cls.server = Sealpost(settings={"resolver": f'"{cls.dns.address}"',
                                        "dnssec_trust_anchor": '""'})
        for args in (("account", "create", "default"),
                     ("domain", "create", "clinic.example", "--account", "default")):
            code, _, err = cls.server.admin(*args)
            assert code == 0, err
        cls.server.start()
        cls.invite_and_sign_in(ADMIN, "org-admin")

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        cls.dns.cleanup()

    def dkim(self, act, algorithm="ed25519", domain="clinic.example"):
        page = self.page(ADMIN, "GET", "/console/keys")
        csrf = self.form_csrf(page, "/console/keys/dkim")
        return self.page(ADMIN, "POST", "/console/keys/dkim",
                         form=[("csrf", csrf), ("domain", domain), ("algorithm", algorithm),
                               ("do", act)])

    def test_a_dkim_key_is_made_rolled_over_and_switched_once_dns_publishes_it(self):
        r = self.dkim("create")
        self.assertEqual(r.status, 200, r.text[:400])
        first = re.search(r"clinic\.example signs with (sealpost-ed25519-\d{6}[a-z]?) from now on",
                          r.text).group(1)
        self.assertIn(f"{first}._domainkey.clinic.example. IN TXT", r.text)
        r = self.dkim("create")
        self.assertEqual(r.status, 409)
        self.assertIn("roll it over", r.text)
        r = self.dkim("activate")
        self.assertEqual(r.status, 404)
        self.assertIn("has no pending", r.text)

        r = self.dkim("rollover")
        self.assertEqual(r.status, 200, r.text[:400])
        second = re.search(r"has a pending key, (sealpost-ed25519-\d{6}[a-z]?)", r.text).group(1)
        self.assertNotEqual(first, second)
        record = re.search(re.escape(second) + r'\._domainkey\.clinic\.example\. IN TXT \( "([^"]+)"',
                           html.unescape(r.text)).group(1)
        self.assertIn("k=ed25519", record)
        # Not published: the key that signs stays the one that signs.
        r = self.dkim("activate")
        self.assertEqual(r.status, 409)
        self.assertIn("does not publish this key yet", r.text)
        self.assertEqual(self.server.sql(
            "SELECT selector, state FROM dkim_keys ORDER BY created_at, selector"),
            [(first, "active"), (second, "pending")])

        # The record published (a fresh server process: no answer cached from before).
        self.server.stop()
        self.dns.cleanup()
        type(self).dns = Unbound([f'{second}._domainkey.clinic.example. IN TXT "{record}"'],
                                 zones=("example.",), port=self.dns.port).start()
        self.server.start()
        r = self.sign_in(ADMIN)
        self.assertEqual(r.status, 303, r.text[:300])
        r = self.dkim("activate")
        self.assertEqual(r.status, 200, r.text[:400])
        self.assertIn(f"clinic.example signs with {second} from now on; keep the record of "
                      f"{first} until", r.text)
        self.assertEqual(self.server.sql("SELECT selector, state FROM dkim_keys ORDER BY selector"),
                         sorted([(first, "retiring"), (second, "active")]))

        # The key that signs is not deleted; the retired one is.
        page = self.page(ADMIN, "GET", "/console/keys")
        csrf = self.form_csrf(page, "/console/keys/dkim/delete")
        self.assertNotIn(f'value="clinic.example {second}"', page.text)
        r = self.page(ADMIN, "POST", "/console/keys/dkim/delete",
                      form=[("csrf", csrf), ("key", f"clinic.example {second}"), ("confirm", "yes")])
        self.assertEqual(r.status, 409)
        self.assertIn("roll it over and sign with the next key first", r.text)
        r = self.page(ADMIN, "POST", "/console/keys/dkim/delete",
                      form=[("csrf", csrf), ("key", f"clinic.example {first}")])
        self.assertEqual(r.status, 422)
        r = self.page(ADMIN, "POST", "/console/keys/dkim/delete",
                      form=[("csrf", csrf), ("key", f"clinic.example {first}"), ("confirm", "yes")])
        self.assertEqual(r.status, 200, r.text[:400])
        self.assertIn(f"{first} was deleted: remove its DNS record too", r.text)
        self.assertEqual(self.server.sql("SELECT selector FROM dkim_keys"), [(second,)])

        rows = self.server.sql("SELECT subject, result, details FROM audit_log WHERE action IN ("
                               "'console.POST /console/keys/dkim', "
                               "'console.POST /console/keys/dkim/delete') ORDER BY seq")
        self.assertEqual([(s, r) for s, r, _ in rows],
                         [("clinic.example create", "ok"), ("clinic.example create", "refused"),
                          ("clinic.example activate", "refused"),
                          ("clinic.example rollover", "ok"),
                          ("clinic.example activate", "refused"),
                          ("clinic.example activate", "ok"),
                          (f"clinic.example {second}", "refused"),
                          (f"clinic.example {first}", "ok")])
        self.assertEqual(json.loads(rows[3][2])["after"]["selector"], second)
        self.assertEqual(json.loads(rows[5][2])["after"],
                         {"active": second, "retiring": [first],
                          "retire_at": json.loads(rows[5][2])["after"]["retire_at"]})
        self.assertEqual(json.loads(rows[7][2])["before"]["state"], "retiring")

    def test_signing_identities_are_made_and_their_public_parts_read(self):
        page = self.page(ADMIN, "GET", "/console/keys")
        csrf = self.form_csrf(page, "/console/keys/identities")
        r = self.page(ADMIN, "POST", "/console/keys/identities",
                      form=[("csrf", csrf), ("scope", "domain:clinic.example"), ("kind", "pgp"),
                            ("label", "")])
        self.assertEqual(r.status, 422)
        self.assertIn("User_id: must be 1 to 200 characters", r.text)
        r = self.page(ADMIN, "POST", "/console/keys/identities",
                      form=[("csrf", csrf), ("scope", "domain:nowhere.example"), ("kind", "pgp"),
                            ("label", "x")])
        self.assertEqual(r.status, 404)
        r = self.page(ADMIN, "POST", "/console/keys/identities",
                      form=[("csrf", csrf), ("scope", "domain:clinic.example"), ("kind", "pgp"),
                            ("label", "Clinic <secure@clinic.example>")])
        self.assertEqual(r.status, 200, r.text[:400])
        fingerprint = re.search(r"signed with the OpenPGP key ([0-9A-F]{40})", r.text).group(1)
        r = self.page(ADMIN, "POST", "/console/keys/identities",
                      form=[("csrf", csrf), ("scope", "account:default"), ("kind", "smime"),
                            ("label", "secure@clinic.example")])
        self.assertEqual(r.status, 200, r.text[:400])
        page = self.page(ADMIN, "GET", "/console/keys")
        self.assertIn(fingerprint, page.text)
        self.assertIn('href="/console/keys/identities/account%3Adefault/smime"', page.text)

        key = self.page(ADMIN, "GET", "/console/keys/identities/domain%3Aclinic.example/pgp")
        self.assertEqual(key.status, 200)
        self.assertIn("attachment", key.header("content-disposition"))
        with tempfile.TemporaryDirectory() as home:
            shown = subprocess.run(["gpg", "--homedir", home, "--batch", "--with-colons",
                                    "--import-options", "show-only", "--import"],
                                   input=key.text.encode(), capture_output=True, timeout=60)
        self.assertIn(fingerprint, shown.stdout.decode())
        self.assertIn("Clinic <secure@clinic.example>", shown.stdout.decode())
        cert = self.page(ADMIN, "GET", "/console/keys/identities/account%3Adefault/smime")
        self.assertEqual(cert.status, 200)
        parsed = subprocess.run(["openssl", "x509", "-noout", "-ext", "subjectAltName"],
                                input=cert.text.encode(), capture_output=True, timeout=30)
        self.assertEqual(parsed.returncode, 0, parsed.stderr)
        self.assertIn("secure@clinic.example", parsed.stdout.decode())
        # Nothing secret leaves: the page and the downloads hold public parts only.
        for text in (page.text, key.text, cert.text):
            self.assertNotIn("PRIVATE KEY", text)
            self.assertNotIn("PGP PRIVATE KEY BLOCK", text)
        missing = self.page(ADMIN, "GET", "/console/keys/identities/domain%3Aclinic.example/smime")
        self.assertEqual(missing.status, 404)

        rows = self.server.sql("SELECT subject, result, details FROM audit_log WHERE action = "
                               "'console.POST /console/keys/identities' ORDER BY seq")
        self.assertEqual([(s, r) for s, r, _ in rows],
                         [("domain:clinic.example pgp", "refused"),
                          ("domain:nowhere.example pgp", "refused"),
                          ("domain:clinic.example pgp", "ok"), ("account:default smime", "ok")])
        self.assertEqual(json.loads(rows[2][2])["after"]["fingerprint"], fingerprint)


if __name__ == "__main__":
    unittest.main()
