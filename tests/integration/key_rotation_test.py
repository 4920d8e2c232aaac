"""Key rotation (issue 27). Master key: `sealpost admin keys rotate` on a running server. The
server is asked to reload (SIGHUP), everything sealed under the old key is re-wrapped,
and the old key is removed; afterwards the server, restarted with the new key alone,
still opens every message, signs with its DKIM keys and reads its settings. A process
that does not reload holds the rotation open (the old key stays) until it does; a run
of the command again resumes it. Each test has its own server: rotation changes its
keys.
DKIM: a domain's key rolls over with both records published in between: the new key
signs only once DNS shows it, the old one retires with its record kept."""

import calendar
import json
import os
import re
import sqlite3
import time
import unittest

import peers
from harness import Sealpost, notice_link
from smtp_test import wait_for


def read(path):
    with open(path, "rb") as f:
        return f.read()


def columns(status_out):
    """{column: (values, under the newest key, under an older key)} from `keys status`."""
    found = {}
    for name, values, newest, older in re.findall(
            r"^  (\S+): (\d+) value\(s\), (\d+) under the newest key, (\d+) under an older key",
            status_out, re.M):
        found[name] = (int(values), int(newest), int(older))
    return found


class KeyRotationTest(unittest.TestCase):
    def setUp(self):
        # Notices come from clinic.example, so they leave signed with its DKIM key.
        self.server = Sealpost(settings={"notice_from": '"notices@clinic.example"'})
        self.addCleanup(self.server.cleanup)
        s = self.server
        self.key_file = os.path.join(s.data, "master.key")
        self.previous = self.key_file + ".previous"
        for args in (("account", "create", "Clinic"),
                     ("domain", "create", "clinic.example", "--account", "Clinic"),
                     ("settings", "set", "domain", "clinic.example", "default_question=Code?|0000")):
            code, _, err = s.admin(*args)
            self.assertEqual(code, 0, (args, err))
        code, out, err = s.admin("dkim", "create", "clinic.example", "--algorithm", "ed25519")
        self.assertEqual(code, 0, err)
        name, strings = re.search(r"^(\S+)\. IN TXT \((.*)\)$", out, re.M).groups()
        self.dkim_dns = {name: "".join(re.findall(r'"([^"]*)"', strings))}
        s.start()

    def send(self, to, answer=None):
        """Escrow with `answer`, else with the domain's default question (its stretched
        answer kept in answer_keys)."""
        body = {"from": "dr@clinic.example", "to": [to], "subject": "Results",
                "text": f"The results for {to} are fine."}
        if answer:
            body["options"] = {"escrow": {"question": "Your code?", "answer": answer}}
        r = self.server.api("POST", "/api/v1/messages", json.dumps(body))
        self.assertEqual(r.status, 202, r.text)

    def opens(self, to, answer):
        s = self.server
        rid, page = s.open_link(notice_link(s.notice_for(to)))
        self.assertEqual(s.answer(rid, page, answer).status, 303)
        self.assertIn(f"The results for {to} are fine.", s.get(f"/r/{rid}", cookies=True).text)

    def signed(self, to):
        """The notice to `to` carries a DKIM signature of clinic.example that verifies."""
        import dkim  # python3-dkim: an independent verifier
        self.server.notice_for(to)
        [raw] = [read(p) for p in self.server.notices() if f"To: {to}".encode() in read(p)]
        raw = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        self.assertIn(b"d=clinic.example", raw)

        def dns(name, timeout=5):
            return self.dkim_dns.get(name.decode().rstrip("."), "").encode() or None
        self.assertTrue(dkim.DKIM(raw).verify(dnsfunc=dns))

    def status(self):
        code, out, err = self.server.admin("keys", "status")
        self.assertEqual(code, 0, err)
        return out

    def test_a_running_server_is_rotated_and_then_needs_the_new_key_alone(self):
        s = self.server
        old_key = read(self.key_file)
        self.send("pat@example.net", "blue-heron-7")
        self.send("kim@example.net")
        s.notice_for("pat@example.net")
        old_id = re.search(r"^master key (\w+)", self.status(), re.M).group(1)

        code, out, err = s.admin("keys", "rotate")
        self.assertEqual(code, 0, out + err)
        new_id = re.search(r"new master key (\w+)", out).group(1)
        self.assertNotEqual(new_id, old_id)
        self.assertIn(f"the previous one ({old_id})", out)
        self.assertRegex(out, r"asked [^ ]+:%d to reload its keys" % s.proc.pid)
        self.assertIn("verified: every value opens with the new key", out)
        self.assertIn("rotation ended", out)
        self.assertFalse(os.path.exists(self.previous))
        self.assertNotEqual(read(self.key_file), old_key)
        self.assertEqual(os.stat(self.key_file).st_mode & 0o777, 0o600)
        self.assertIn(f"asked {s.proc.pid}", out.replace(f"{os.uname().nodename}:", ""))
        # Reloaded twice: to seal with the new key, and to forget the old one.
        self.assertIn(f"sealing with master key {new_id} (rotation under way", s.log())
        wait_for(lambda: any(f"sealing with master key {new_id}" in line and "under way" not in line
                             for line in s.log().splitlines()), what="the old key forgotten")
        self.assertEqual(s.sql("SELECT key_id FROM key_holders"), [(new_id,)])

        # Every value opens with the new key alone, none with an older one.
        after = columns(self.status())
        self.assertIn("no rotation under way", self.status())
        for name in ("signing_keys.sealed_secret", "domains.sealed_settings", "dkim_keys.sealed_private",
                     "recipients.sealed_question", "sealed_keys.sealed", "answer_keys.sealed_key"):
            values, newest, older = after[name]
            self.assertGreaterEqual(values, 1, name)
            self.assertEqual((newest, older), (values, 0), name)
        for name, (values, newest, older) in after.items():
            self.assertEqual((newest, older), (values, 0), name)

        # A server that knows only the new key: the old message opens, a new one is sealed
        # and signed, the domain's default question still applies.
        self.assertEqual(s.stop(), 0)
        s.start()
        self.opens("pat@example.net", "blue-heron-7")
        self.opens("kim@example.net", "0000")
        self.send("sam@example.net", "green-finch-3")
        self.opens("sam@example.net", "green-finch-3")
        self.signed("sam@example.net")
        code, out, err = s.admin("explain", "--from", "nurse@clinic.example", "--to", "lee@example.net")
        self.assertEqual(code, 0, err)
        self.assertIn("escrow", out)

    def test_a_process_that_does_not_reload_holds_the_old_key_until_it_does(self):
        s = self.server
        self.send("pat@example.net", "blue-heron-7")
        # A question page shown before the rotation (its CSRF token made with the old key).
        rid, page = s.open_link(notice_link(s.notice_for("pat@example.net")))
        # Another node that this host cannot signal.
        db = sqlite3.connect(os.path.join(s.data, "sealpost.db"), timeout=30)
        with db:
            db.execute("INSERT INTO key_holders VALUES ('node2.example:4242', 'node2.example', 4242, "
                       "'0123456789abcdef', 0)")
        db.close()

        code, out, err = s.admin("keys", "rotate", "--wait", "1")
        self.assertEqual(code, 1, out + err)
        self.assertIn("still sealing with the previous key: node2.example:4242", err)
        self.assertIn("re-wrapped", out)
        self.assertTrue(os.path.exists(self.previous))
        self.assertIn("rotation under way", self.status())
        code, out, err = s.admin("check", "--no-dns")
        self.assertIn("warn  master key: a rotation is under way", out)
        self.assertRegex(out, r"ok  \s*previous master key: .*master\.key\.previous")
        # Meanwhile everything works, with both keys: the old page's answer is taken.
        self.assertEqual(s.answer(rid, page, "blue-heron-7").status, 303)
        self.assertIn("are fine", s.get(f"/r/{rid}", cookies=True).text)
        self.send("sam@example.net", "green-finch-3")
        self.opens("sam@example.net", "green-finch-3")
        # A backup now would need both keys: refused, with the way out.
        code, out, err = s.admin("backup", os.path.join(s.tmp, "backup"))
        self.assertEqual(code, 1, out + err)
        self.assertIn("rotation is under way", err)

        # The other node reloaded (here: it is gone), and the command is run again.
        db = sqlite3.connect(os.path.join(s.data, "sealpost.db"), timeout=30)
        with db:
            db.execute("DELETE FROM key_holders WHERE holder = 'node2.example:4242'")
        db.close()
        code, out, err = s.admin("keys", "rotate")
        self.assertEqual(code, 0, out + err)
        self.assertIn("resuming", out)
        self.assertIn("rotation ended", out)
        self.assertFalse(os.path.exists(self.previous))
        self.assertEqual(s.stop(), 0)
        s.start()
        self.opens("sam@example.net", "green-finch-3")


def txt_record(out):
    """(name, value) of the TXT record a dkim command prints."""
    name, strings = re.search(r"^(\S+)\. IN TXT \((.*)\)$", out, re.M).groups()
    return name, "".join(re.findall(r'"([^"]*)"', strings))


class DkimRolloverTest(unittest.TestCase):
    def setUp(self):
        self.server = Sealpost(settings={"notice_from": '"notices@clinic.example"'})
        self.addCleanup(self.server.cleanup)
        code, out, err = self.server.admin("dkim", "create", "clinic.example", "--algorithm", "ed25519")
        self.assertEqual(code, 0, err)
        self.old = txt_record(out)
        self.server.start()

    def use_dns(self, published):
        """A resolver publishing `published` ({name: value}); the CLI reads it from the file."""
        dns = peers.Unbound([f'{name}. IN TXT "{value}"' for name, value in published.items()]).start()
        self.addCleanup(dns.cleanup)
        with open(self.server.config) as f:
            text = f.read()
        text = re.sub(r'^resolver = "[^"]*"', f'resolver = "{dns.address}"', text, flags=re.M)
        text = re.sub(r'^dnssec_trust_anchor = .*$', 'dnssec_trust_anchor = ""', text, flags=re.M)
        with open(self.server.config, "w") as f:
            f.write(text)

    def signature_of(self, to):
        import dkim
        s = self.server
        s.notice_for(to)
        [raw] = [read(p) for p in s.notices() if f"To: {to}".encode() in read(p)]
        raw = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        selectors = re.findall(rb"s=([\w-]+);", raw.split(b"\r\n\r\n", 1)[0])
        return raw, [x.decode() for x in selectors], dkim

    def test_the_new_key_signs_once_published_and_the_old_one_retires(self):
        s = self.server
        code, out, err = s.admin("dkim", "rollover", "clinic.example", "--algorithm", "ed25519")
        self.assertEqual(code, 0, err)
        self.assertIn("pending: the current key keeps signing", out)
        new = txt_record(out)
        self.assertNotEqual(new[0], self.old[0])
        old_selector, new_selector = (n.split(".")[0] for n in (self.old[0], new[0]))

        # Not published yet: activating is refused, naming the record to publish.
        self.use_dns({self.old[0]: self.old[1]})
        code, out, err = s.admin("dkim", "activate", "clinic.example", "--algorithm", "ed25519")
        self.assertEqual(code, 1, out + err)
        self.assertIn(f"{new[0]} has no key: publish this record first", err)
        self.send_and_check("pat@example.net", old_selector, {self.old[0]: self.old[1]})

        # Both published: check says what is next; activation switches.
        self.use_dns({self.old[0]: self.old[1], new[0]: new[1]})
        code, out, err = s.admin("check")
        self.assertRegex(out, rf"ok  \s*DKIM clinic.example \(ed25519-sha256, pending\): "
                              rf"{re.escape(new[0])} publishes the new key")
        code, out, err = s.admin("dkim", "activate", "clinic.example", "--algorithm", "ed25519")
        self.assertEqual(code, 0, out + err)
        self.assertIn(f"signs with {new_selector}", out)
        until = re.search(rf"{old_selector} retires: keep its TXT record published until (\S+)Z",
                          out).group(1)
        kept = calendar.timegm(time.strptime(until, "%Y-%m-%dT%H:%M:%S")) - time.time()
        self.assertAlmostEqual(kept / 86400, 7, delta=0.01)  # --retire-days' default
        code, out, err = s.admin("dkim", "list", "clinic.example")
        self.assertRegex(out, rf"{old_selector}  retiring until \d{{4}}-")
        self.assertRegex(out, rf"{new_selector}  active")
        # Mail now verifies with the new record alone.
        self.send_and_check("sam@example.net", new_selector, {new[0]: new[1]})

        code, out, err = s.admin("dkim", "delete", "clinic.example", "--selector", old_selector)
        self.assertEqual(code, 0, err)
        code, out, err = s.admin("dkim", "delete", "clinic.example")
        self.assertEqual(code, 2, out + err)
        self.assertIn("give --selector or --algorithm", err)

    def send_and_check(self, to, selector, published):
        body = {"from": "dr@clinic.example", "to": [to], "subject": "Results", "text": "Fine.",
                "options": {"escrow": {"question": "Your code?", "answer": "blue-heron-7"}}}
        r = self.server.api("POST", "/api/v1/messages", json.dumps(body))
        self.assertEqual(r.status, 202, r.text)
        raw, selectors, dkim = self.signature_of(to)
        self.assertEqual(selectors, [selector])

        def dns(name, timeout=5):
            return published.get(name.decode().rstrip("."), "").encode() or None
        self.assertTrue(dkim.DKIM(raw).verify(dnsfunc=dns))


if __name__ == "__main__":
    unittest.main()
