"""The administrator's command line against a real data directory: the organisation
model, settings at three levels, the MX table and `explain`."""
import json
import os
import sqlite3
import subprocess
import unittest

import harness
from harness import Sealpost


class AdminTest(unittest.TestCase):
    def setUp(self):
        # A data directory; no server is started. Mail would leave over the network, so
        # explain (the API's planner) may choose TLS-only as the server would.
        self.server = Sealpost(settings={"mode": '"smtp"'})

    def tearDown(self):
        self.server.cleanup()

    def admin(self, *args, stdin=None):
        run = subprocess.run([harness.BIN, "admin", "--config", self.server.config, *args],
                             input=stdin, capture_output=True, text=True, timeout=60)
        return run.returncode, run.stdout, run.stderr

    def ok(self, *args):
        code, out, err = self.admin(*args)
        self.assertEqual(code, 0, err)
        return out

    def test_forms_from_definition_files_with_what_is_wrong_named(self):
        self.ok("account", "create", "Springfield")
        path = os.path.join(self.server.tmp, "intake.json")
        with open(path, "w") as f:
            f.write('{\n  "title": "Intake",\n  "steps": [,]\n}\n')
        code, _, err = self.admin("form", "create", "intake", "--account", "Springfield",
                                  "--definition", path)
        self.assertEqual(code, 2)
        self.assertIn(f"--definition: {path}: is not valid JSON at line 3, column 13", err)
        with open(path, "w") as f:
            json.dump({"title": "Intake", "recipients": ["desk@clinic.example"],
                       "steps": [{"fields": [{"name": "Full Name", "type": "text",
                                              "label": "Name"}]}]}, f)
        code, _, err = self.admin("form", "create", "intake", "--account", "Springfield",
                                  "--definition", path)
        self.assertEqual(code, 2)
        self.assertIn(f"{path}: steps[0].fields[0].name: must be 1 to 40 of a-z", err)
        with open(path, "w") as f:
            json.dump({"title": "Intake", "recipients": ["desk@clinic.example"],
                       "steps": [{"fields": [{"name": "full_name", "type": "text",
                                              "label": "Name", "required": True}]}]}, f)
        self.assertIn("form intake made: /f/intake",
                      self.ok("form", "create", "intake", "--account", "Springfield",
                              "--definition", path))
        code, _, err = self.admin("form", "create", "intake", "--account", "Springfield",
                                  "--definition", path)
        self.assertEqual(code, 2)
        self.assertEqual(self.ok("form", "list"), "intake\tSpringfield\ton\tIntake\n")
        code, _, err = self.admin("form", "set", "intake", "--enabled", "maybe")
        self.assertEqual((code, "--enabled: must be on or off" in err), (2, True))
        self.ok("form", "set", "intake", "--enabled", "off")
        self.assertIn("\toff\t", self.ok("form", "list", "--account", "Springfield"))
        shown = json.loads(self.ok("form", "show", "intake"))
        self.assertEqual(shown["steps"][0]["fields"][0]["max_length"], 200)
        self.ok("form", "delete", "intake")
        code, _, err = self.admin("form", "delete", "intake")
        self.assertEqual(code, 2)
        # On record: made, changed, deleted, each with what the form was and became.
        db = sqlite3.connect(os.path.join(self.server.data, "sealpost.db"))
        rows = db.execute("SELECT action, result, details FROM audit_log WHERE action LIKE "
                          "'admin.form%' ORDER BY seq").fetchall()
        db.close()
        ok = [(a, json.loads(d)) for a, r, d in rows if r == "ok"]
        self.assertEqual([a for a, _ in ok], ["admin.form.create", "admin.form.set",
                                              "admin.form.delete"])
        self.assertEqual(ok[0][1]["after"]["title"], "Intake")
        self.assertEqual((ok[1][1]["before"]["enabled"], ok[1][1]["after"]["enabled"]),
                         (True, False))

    def test_model_settings_and_explain(self):
        self.ok("account", "create", "Springfield")
        self.ok("domain", "create", "clinic.example", "--account", "Springfield")
        self.ok("user", "create", "dr@clinic.example")
        self.ok("settings", "set", "account", "Springfield", "tls_only=true",
                "default_question=Year of birth?|1956", "failure_action=send-plain")
        self.ok("mx", "set", "tls.example", "--tls", "yes", "--host", "mx.tls.example")
        self.ok("mx", "set", "plain.example", "--tls", "no", "--host", "mx.plain.example")

        out = self.ok("explain", "--from", "dr@clinic.example", "--to", "pat@tls.example")
        self.assertIn("pat@tls.example: tls-only", out)
        self.assertIn("tls-only: mx.tls.example offers STARTTLS", out)
        # The API's road: the fallback planned with a TLS-only copy is shown too.
        self.assertIn("pat@tls.example: escrow/question (fallback if no TLS)", out)

        out = self.ok("explain", "--from", "dr@clinic.example", "--to", "pat@plain.example")
        self.assertIn("escrow/question", out)
        self.assertIn("mx.plain.example offers no STARTTLS", out)
        self.assertIn("default question (account)", out)

        # The domain turns on login mode; the user turns TLS-only off for themselves.
        self.ok("settings", "set", "domain", "clinic.example", "verification=login")
        out = self.ok("explain", "--from", "dr@clinic.example", "--to", "pat@plain.example")
        self.assertIn("escrow/login", out)
        self.assertIn("escrow login mode enabled (domain)", out)
        self.ok("settings", "set", "user", "dr@clinic.example", "tls_only=false")
        out = self.ok("explain", "--from", "dr@clinic.example", "--to", "pat@tls.example")
        self.assertIn("tls-only off (user)", out)

        # Content rules come from a JSON file; a bad one names the file and the rule.
        rules = os.path.join(self.server.tmp, "rules.json")
        with open(rules, "w") as f:
            json.dump({"content_rules": [{"keyword": "HIV"}, {"regex": "(unclosed"}]}, f)
        code, _, err = self.admin("settings", "import", "account", "Springfield", rules)
        self.assertEqual(code, 2)
        self.assertIn(rules, err)
        self.assertIn("content_rules[1]", err)

        code, _, err = self.admin("settings", "set", "domain", "clinic.example",
                                  "default_question=Street?|-", stdin="Evergreen Terrace\n")
        self.assertEqual(code, 0, err)
        shown = json.loads(self.ok("settings", "show", "domain", "clinic.example"))
        self.assertEqual(shown["default_question"], {"question": "Street?", "answer": "********"})

        # The default answer is sealed in the database and masked on display.
        shown = self.ok("settings", "show", "account", "Springfield")
        self.assertIn("Year of birth?", shown)
        self.assertNotIn("1956", shown)
        db = sqlite3.connect(os.path.join(self.server.data, "sealpost.db"))
        for (blob,) in db.execute("SELECT sealed_settings FROM accounts"):
            self.assertNotIn(b"1956", bytes(blob))
        db.close()

    def test_explain_takes_the_apis_road(self):
        # Issue 18.10: explain ignored the Message Center's login default (and never
        # probed); it now runs the API's planner.
        for args in (("namespace", "create", "north", "--display-name", "North Clinic",
                      "--colour", "#0b5394", "--host", "portal.north.test"),
                     ("namespace", "set", "north", "--message-center", "on"),
                     ("account", "create", "North"),
                     ("domain", "create", "north.example", "--account", "North"),
                     ("settings", "set", "account", "North", "namespace=north")):
            self.ok(*args)
        out = self.ok("explain", "--from", "dr@north.example", "--to", "pat@example.net")
        self.assertIn("pat@example.net: escrow/login", out)
        self.assertIn("escrow login mode enabled", out)
        # Without a default question or the Message Center, the API would ask the sender.
        out = self.ok("explain", "--from", "dr@elsewhere.example", "--to", "pat@example.net")
        self.assertIn("pat@example.net: ask-sender", out)
        # Content rules read what the message says, as the API's do.
        rules = os.path.join(self.server.tmp, "rules.json")
        with open(rules, "w") as f:
            json.dump({"content_rules": [{"keyword": "biopsy"}]}, f)
        self.ok("settings", "import", "account", "North", rules)
        self.ok("settings", "set", "account", "North", "tls_only=true")
        self.ok("mx", "set", "example.net", "--tls", "yes", "--host", "mx.example.net")
        out = self.ok("explain", "--from", "dr@north.example", "--to", "pat@example.net",
                      "--text", "hello")
        self.assertIn("pat@example.net: standard", out)
        out = self.ok("explain", "--from", "dr@north.example", "--to", "pat@example.net",
                      "--text", "your biopsy results")
        self.assertIn("pat@example.net: tls-only", out)

    def test_address_books_import_link_and_explain(self):
        self.ok("account", "create", "Springfield")
        self.ok("domain", "create", "clinic.example", "--account", "Springfield")
        self.ok("user", "create", "dr@clinic.example")
        self.ok("book", "create", "user:dr@clinic.example:personal")
        self.ok("book", "create", "account:Springfield:shared")
        self.ok("book", "link", "dr@clinic.example", "user:dr@clinic.example:personal",
                "--role", "default")
        self.ok("book", "link", "dr@clinic.example", "account:Springfield:shared",
                "--role", "subscribed")
        csv_path = os.path.join(self.server.tmp, "patients.csv")
        rows = ["address,question,answer", "pat@example.net,Your dog's name?,Rex",
                "bad address,Q,A", "kid@example.net,,A"]
        rows += [f"p{i}@example.net,Q{i}?,A{i}" for i in range(1500)]
        with open(csv_path, "w") as f:
            f.write("\n".join(rows) + "\n")
        code, out, err = self.admin("book", "import-questions", "account:Springfield:shared",
                                    csv_path, "--progress")
        self.assertEqual(code, 2, err)  # some rows refused; the good ones are in
        self.assertIn("imported 1501 entries into account:Springfield:shared; 2 rows refused", out)
        self.assertIn(f"{csv_path}:3: \"bad address\" is not a valid address", err)
        self.assertIn(f"{csv_path}:4: the question must be", err)
        self.assertIn("1503/1503 rows", err)  # the progress bar reached the end

        out = self.ok("explain", "--from", "dr@clinic.example", "--to", "pat@example.net")
        self.assertIn("pat@example.net: escrow/question", out)
        self.assertIn("address book account:Springfield:shared: question", out)
        out = self.ok("explain", "--from", "dr@clinic.example", "--to", "new@example.net")
        # The default book is searched only when no book is subscribed (the reference's
        # order): here one is.
        self.assertIn("no address-book entry in account:Springfield:shared;", out)
        self.assertNotIn("user:dr@clinic.example:personal", out)

        # One by one, listing without answers, export that imports again.
        self.ok("book", "add-question", "user:dr@clinic.example:personal", "solo@example.net",
                "--question", "Town?", "--answer", "Shelbyville")
        code, _, err = self.admin("book", "add-question", "user:dr@clinic.example:personal",
                                  "not an address", "--question", "Q", "--answer", "A")
        self.assertEqual(code, 2)
        self.assertIn("not a valid address", err)
        # An answer may come from standard input instead of the command line.
        code, _, err = self.admin("book", "add-question", "user:dr@clinic.example:personal",
                                  "quiet@example.net", "--question", "Street?", "--answer", "-",
                                  stdin="Evergreen Terrace\n")
        self.assertEqual(code, 0, err)
        check = os.path.join(self.server.tmp, "check.csv")
        self.ok("book", "export-questions", "user:dr@clinic.example:personal", check)
        with open(check) as f:
            self.assertIn("quiet@example.net,Street?,Evergreen Terrace", f.read())
        self.ok("book", "remove", "user:dr@clinic.example:personal", "quiet@example.net")
        listing = self.ok("book", "list", "user:dr@clinic.example:personal")
        self.assertEqual(listing, "solo@example.net\tquestion\n")
        exported = os.path.join(self.server.tmp, "export.csv")
        self.ok("book", "export-questions", "user:dr@clinic.example:personal", exported)
        self.assertEqual(os.stat(exported).st_mode & 0o777, 0o600)
        audit = self.server.sql("SELECT actor_kind, subject, details FROM audit_log "
                                "WHERE action = 'admin.book.export-questions' ORDER BY seq")
        self.assertEqual(audit[-1][:2], ("admin_cli", "user:dr@clinic.example:personal"))
        self.assertEqual(json.loads(audit[-1][2])["file"], exported)
        with open(exported) as f:
            self.assertIn("solo@example.net,Town?,Shelbyville", f.read())
        code, _, _ = self.admin("book", "export-questions", "user:dr@clinic.example:personal", exported)
        self.assertEqual(code, 2)  # never writes over a file
        self.ok("book", "create", "domain:clinic.example:copy")
        self.assertIn("imported 1 entry", self.ok("book", "import-questions",
                                                    "domain:clinic.example:copy", exported))
        self.ok("book", "remove", "domain:clinic.example:copy", "solo@example.net")
        self.assertEqual(self.ok("book", "list", "domain:clinic.example:copy"), "")

        code, _, err = self.admin("book", "link", "dr@clinic.example", "user:x:none", "--role", "default")
        self.assertEqual(code, 2)
        self.assertIn("no address book user:x:none", err)

    def test_namespaces_are_created_branded_and_pointed_at(self):
        logo = os.path.join(self.server.tmp, "logo.png")
        with open(logo, "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n" + os.urandom(64))
        out = self.ok("namespace", "create", "springfield", "--display-name", "Springfield General",
                      "--colour", "#1d4e89", "--support", "help@springfield.example, 555-0100",
                      "--host", "Secure.Springfield.example", "--logo", logo)
        self.assertIn("namespace springfield created (Springfield General)", out)
        shown = self.ok("namespace", "show", "springfield")
        for line in ("display name: Springfield General", "colour: #1d4e89",
                     "support: help@springfield.example, 555-0100",
                     "hosts: secure.springfield.example", "logo: image/png, 72 bytes",
                     "message center: off"):
            self.assertIn(line, shown)
        # Refused, with the reason, and nothing made.
        for args, why in ((["shelbyville", "--display-name", "S", "--colour", "#ffd700"],
                           "too light for white text"),
                          (["shelbyville", "--display-name", "S", "--host", "secure.springfield.example"],
                           "already belongs to namespace springfield"),
                          (["Shelbyville", "--display-name", "S"], "lower-case letters"),
                          (["shelbyville", "--display-name", "S", "--logo", self.server.config],
                           "PNG or SVG")):
            code, _, err = self.admin("namespace", "create", *args)
            self.assertNotEqual(code, 0, args)
            self.assertIn(why, err)
        self.assertNotIn("shelbyville", self.ok("namespace", "list"))
        self.ok("namespace", "set", "springfield", "--message-center", "on", "--logo", "")
        shown = self.ok("namespace", "show", "springfield")
        self.assertIn("message center: on", shown)
        self.assertIn("logo: none", shown)
        self.assertIn("display name: Springfield General", shown)  # untouched by set
        # Accounts and domains point at a namespace that exists.
        self.ok("account", "create", "Springfield")
        self.ok("domain", "create", "clinic.example", "--account", "Springfield")
        code, _, err = self.admin("settings", "set", "domain", "clinic.example", "namespace=nope")
        self.assertNotEqual(code, 0)
        self.assertIn("there is no namespace nope", err)
        self.ok("settings", "set", "domain", "clinic.example", "namespace=springfield")
        self.assertIn('"namespace":"springfield"',
                      self.ok("settings", "show", "domain", "clinic.example").replace(" ", ""))

    def test_bad_input_names_the_problem_and_changes_nothing(self):
        self.ok("account", "create", "Springfield")
        self.ok("domain", "create", "clinic.example", "--account", "Springfield")
        self.ok("settings", "set", "domain", "clinic.example", "default_expiry_days=30")
        cases = [
            (("settings", "set", "planet", "x", "tls_only=true"), "level"),
            (("settings", "set", "domain", "clinic.example", "tls_only=true",
              "default_expiry_days=0"), "default_expiry_days"),
            (("settings", "set", "domain", "clinic.example", "colour=blue"), "colour"),
            (("settings", "set", "domain", "nowhere.example", "tls_only=true"), "no domain"),
            (("domain", "create", "x.example", "--account", "Nobody"), "no account"),
            (("user", "create", "a@nowhere.example"), "no domain"),
            (("account", "create", "Springfield"), "already exists"),
            (("mx", "set", "not a domain", "--tls", "yes"), "domain"),
        ]
        for args, says in cases:
            code, _, err = self.admin(*args)
            self.assertEqual(code, 2, args)
            self.assertIn(says, err, args)
        shown = json.loads(self.ok("settings", "show", "domain", "clinic.example"))
        self.assertEqual(shown, {"default_expiry_days": 30})  # the failed change left nothing


if __name__ == "__main__":
    unittest.main()
