"""Passkeys in the console (issue 22): a console user adds a passkey with their password
and signs in with it instead of a password and a code. The authenticator here is
software (an Ed25519 key, CBOR written by hand) so that each refusal can be provoked;
the browser test (browser_test.py) does the same with Chromium's own authenticator."""
import base64
import hashlib
import json
import re
import struct
import unittest

import nacl.signing

from console_test import PASSWORD, ConsoleUsers
from harness import Sealpost


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def cbor(value):
    """The CBOR (RFC 8949) of ints, bytes, text and dicts: what WebAuthn's objects use."""
    def head(major, n):
        if n < 24:
            return bytes([major << 5 | n])
        for extra, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
            if n < 1 << (8 * struct.calcsize(fmt)):
                return bytes([major << 5 | extra]) + struct.pack(fmt, n)
        raise ValueError(n)
    if isinstance(value, bool):
        raise TypeError(value)
    if isinstance(value, int):
        return head(0, value) if value >= 0 else head(1, -1 - value)
    if isinstance(value, bytes):
        return head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode()
        return head(3, len(raw)) + raw
    if isinstance(value, dict):
        return head(5, len(value)) + b"".join(cbor(k) + cbor(v) for k, v in value.items())
    raise TypeError(value)


class Authenticator:
    """One passkey: an Ed25519 key, its credential id and its signature counter."""
    def __init__(self, credential_id=b"software-passkey-1", flags=0x05):
        self.key = nacl.signing.SigningKey.generate()
        self.credential_id = credential_id
        self.flags = flags  # user present (0x01) and verified (0x04)
        self.count = 0
        self.user_handle = b""

    def auth_data(self, rp_id, attested):
        data = hashlib.sha256(rp_id.encode()).digest()
        data += bytes([self.flags | (0x40 if attested else 0)]) + struct.pack(">I", self.count)
        if attested:
            cose = cbor({1: 1, 3: -8, -1: 6, -2: bytes(self.key.verify_key)})
            data += bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id
            data += cose
        return data

    def create(self, options, origin):
        """navigator.credentials.create(): the form's fields."""
        self.user_handle = unb64url(options["userId"])
        client = json.dumps({"type": "webauthn.create", "challenge": options["challenge"],
                             "origin": origin}).encode()
        obj = cbor({"fmt": "none", "attStmt": {},
                    "authData": self.auth_data(options["rpId"], True)})
        return [("client_data", b64url(client)), ("attestation", b64url(obj))]

    def get(self, options, origin, signer=None):
        """navigator.credentials.get(): the form's fields."""
        client = json.dumps({"type": "webauthn.get", "challenge": options["challenge"],
                             "origin": origin}).encode()
        auth = self.auth_data(options["rpId"], False)
        signature = (signer or self.key).sign(auth + hashlib.sha256(client).digest()).signature
        return [("credential", b64url(self.credential_id)), ("client_data", b64url(client)),
                ("authenticator_data", b64url(auth)), ("signature", b64url(signature)),
                ("user_handle", b64url(self.user_handle))]


class ConsolePasskeysTest(ConsoleUsers, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Sealpost()
        for args in (("account", "create", "default"),
                     ("domain", "create", "clinic.example", "--account", "default"),
                     ("account", "create", "Strict"),
                     ("domain", "create", "strict.example", "--account", "Strict"),
                     ("settings", "set", "account", "Strict", "console_two_step=on")):
            code, _, err = cls.server.admin(*args)
            assert code == 0, err
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    # --- what a browser does ----------------------------------------------------------
    def registration_options(self, address):
        page = self.page(address, "GET", "/console/two-step")
        self.assertEqual(page.status, 200, page.text[:300])
        csrf = self.form_csrf(page, "/console/passkeys")
        r = self.page(address, "POST", "/console/passkeys/challenge", form=[("csrf", csrf)])
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.header("cache-control"), "no-store")
        return csrf, json.loads(r.text)

    def add(self, address, key, password=PASSWORD, name="Work laptop"):
        csrf, options = self.registration_options(address)
        return self.page(address, "POST", "/console/passkeys",
                         form=[("csrf", csrf), ("name", name), ("password", password),
                               *key.create(options, self.server.base)])

    def passkey_sign_in(self, browser, key, signer=None, replay=None):
        """Signs in from `browser`'s own jar; returns the response and what was posted."""
        s = self.as_user(browser)
        page = s.get("/console/sign-in", cookies=True)
        self.assertIn('id="passkey-sign-in"', page.text)
        csrf = self.form_csrf(page, "/console/passkey/sign-in")
        r = s.post("/console/passkey/challenge", cookies=True, form=[("csrf", csrf)])
        self.assertEqual(r.status, 200, r.text)
        options = json.loads(r.text)
        self.assertEqual(options["rpId"], "localhost")
        fields = replay or key.get(options, self.server.base, signer)
        return s.post("/console/passkey/sign-in", cookies=True,
                      form=[("csrf", csrf), *fields]), fields

    # --- tests ------------------------------------------------------------------------
    def test_a_passkey_is_added_with_the_password_and_signs_in_instead_of_it(self):
        address = "pat@clinic.example"
        self.invite_and_sign_in(address, "sender")
        key = Authenticator()
        _, options = self.registration_options(address)
        self.assertEqual(options["rpId"], "localhost")
        self.assertEqual(options["userName"], address)
        self.assertEqual(options["algorithms"], [-7, -8, -257])
        self.assertEqual(options["exclude"], [])
        self.assertEqual(len(unb64url(options["challenge"])), 32)
        # Not without the password, which is counted as a wrong one.
        r = self.add(address, key, password="not the password at all")
        self.assertEqual(r.status, 401, r.text)
        self.assertIn("password is not right", r.text)
        r = self.add(address, key)
        self.assertEqual(r.status, 200, r.text)
        self.assertIn("is added", r.text)
        self.assertIn("Work laptop", r.text)
        self.assertIn("on this authenticator only", r.text)
        rows = self.server.sql("SELECT result FROM audit_log WHERE action = "
                               "'console.POST /console/passkeys' AND actor = ? ORDER BY seq",
                               (address,))
        self.assertEqual(rows, [("refused",), ("ok",)])
        # The same credential again is refused; the browser is told to exclude it.
        _, options = self.registration_options(address)
        self.assertEqual(options["exclude"], [b64url(key.credential_id)])
        r = self.add(address, key)
        self.assertEqual(r.status, 409, r.text)
        self.assertIn("registered already", r.text)

        # From another browser, no password: signed in.
        key.count = 1
        r, _ = self.passkey_sign_in("pat-phone", key)
        self.assertEqual((r.status, r.header("location")), (303, "/console"), r.text)
        home = self.page("pat-phone", "GET", "/console")
        self.assertEqual(home.status, 200)
        self.assertIn(address, home.text)
        # The answer works once: its challenge was taken.
        key.count = 2
        r, fields = self.passkey_sign_in("pat-tablet", key)
        self.assertEqual(r.status, 303)
        r, _ = self.passkey_sign_in("pat-tablet", key, replay=fields)
        self.assertEqual(r.status, 401, r.text)  # signed for a challenge gone by
        self.assertIn("not accepted", r.text)
        # A fresh answer whose counter did not move on: a copy of the authenticator?
        r, _ = self.passkey_sign_in("pat-tablet", key)
        self.assertEqual(r.status, 401, r.text)
        self.assertIn("copy", r.text)
        # Someone else's key under this credential id is refused.
        key.count = 3
        r, _ = self.passkey_sign_in("mallory", key, signer=nacl.signing.SigningKey.generate())
        self.assertEqual(r.status, 401)
        self.assertIn("not accepted", r.text)
        # Each is recorded, naming the user.
        rows = self.server.sql("SELECT result, details FROM audit_log WHERE action = "
                               "'auth.console.passkey' AND actor = ? ORDER BY seq", (address,))
        self.assertEqual(rows, [("ok", '{"outcome":"signed_in"}'),
                                ("ok", '{"outcome":"signed_in"}'),
                                ("refused", '{"outcome":"wrong"}'),
                                ("refused", '{"outcome":"passkey_copied"}'),
                                ("refused", '{"outcome":"wrong"}')])
        page = self.page(address, "GET", "/console/two-step")
        self.assertNotIn("<dt>Last used</dt><dd>never</dd>", page.text)

        # Removed: it signs in no more.
        page = self.page(address, "GET", "/console/two-step")
        csrf = self.form_csrf(page, "/console/passkeys/delete")
        r = self.page(address, "POST", "/console/passkeys/delete",
                      form=[("csrf", csrf), ("credential", b64url(b"someone else's"))])
        self.assertEqual(r.status, 404)
        r = self.page(address, "POST", "/console/passkeys/delete",
                      form=[("csrf", csrf), ("credential", b64url(key.credential_id))])
        self.assertEqual(r.status, 200, r.text)
        self.assertIn("You have no passkey yet", r.text)
        key.count = 4
        r, _ = self.passkey_sign_in("pat-phone", key)
        self.assertEqual(r.status, 401)

    def test_a_passkey_must_verify_its_user_and_be_for_this_site(self):
        address = "lee@clinic.example"
        self.invite_and_sign_in(address, "sender")
        r = self.add(address, Authenticator(b"no-pin", flags=0x01))
        self.assertEqual(r.status, 422, r.text)
        self.assertIn("did not verify the user", r.text)
        csrf, options = self.registration_options(address)
        fields = Authenticator(b"elsewhere").create(options, "https://evil.example")
        r = self.page(address, "POST", "/console/passkeys",
                      form=[("csrf", csrf), ("name", "Phone"), ("password", PASSWORD),
                            *fields])
        self.assertEqual(r.status, 422, r.text)
        self.assertIn("made for another site", r.text)
        # Without script nothing was made: said so, nothing kept.
        page = self.page(address, "GET", "/console/two-step")
        r = self.page(address, "POST", "/console/passkeys",
                      form=[("csrf", self.form_csrf(page, "/console/passkeys")),
                            ("name", "Phone"), ("password", PASSWORD)])
        self.assertEqual(r.status, 422)
        self.assertIn("needs JavaScript", r.text)
        self.assertEqual(self.server.sql("SELECT count(*) FROM passkeys")[0][0],
                         self.server.sql("SELECT count(*) FROM passkeys p JOIN portal_accounts a "
                                         "ON a.id = p.account_id WHERE a.address != ?",
                                         (address,))[0][0])
        # A sign-in answer for no challenge of this browser's is refused.
        s = self.as_user("stranger")
        page = s.get("/console/sign-in", cookies=True)
        csrf = self.form_csrf(page, "/console/passkey/sign-in")
        r = s.post("/console/passkey/sign-in", cookies=True,
                   form=[("csrf", csrf), *Authenticator().get(
                       {"challenge": b64url(b"x" * 32), "rpId": "localhost"}, self.server.base)])
        self.assertEqual(r.status, 400)
        self.assertIn("not started here", r.text)
        r = s.post("/console/passkey/challenge", cookies=True, form=[("csrf", "forged")])
        self.assertEqual(r.status, 403)
        self.assertEqual(r.header("content-type"), "application/problem+json")

    def test_a_passkey_meets_an_accounts_two_step_rule(self):
        address = "nurse@strict.example"
        self.invite_and_sign_in(address, "sender")
        r = self.page(address, "GET", "/console")
        self.assertEqual((r.status, r.header("location")), (303, "/console/two-step"))
        page = self.page(address, "GET", "/console/two-step")
        self.assertIn("set up codes or add a passkey to go on", page.text)
        key = Authenticator(b"nurse-key")
        r = self.add(address, key)  # open while the rule waits for a second step
        self.assertEqual(r.status, 200, r.text)
        self.assertIn("requires two-step sign-in", r.text)
        self.assertNotIn("to go on", r.text)
        self.assertEqual(self.page(address, "GET", "/console").status, 200)
        # The password alone no longer signs in; the passkey does.
        r = self.sign_in(address)
        self.assertEqual(r.status, 401)
        self.assertIn("sign in with your passkey", r.text)
        key.count = 5
        r, _ = self.passkey_sign_in("nurse-phone", key)
        self.assertEqual((r.status, r.header("location")), (303, "/console"))
        self.assertEqual(self.page("nurse-phone", "GET", "/console").status, 200)


if __name__ == "__main__":
    unittest.main()
