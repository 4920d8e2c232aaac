"""The audit trail (issue 21, first part): every change an administrator makes at the
CLI is recorded with it (who, what, on what, the result; a refused command too, and
never the secrets given to it; exports of answers and keys as well), a signed checkpoint seals the head, and `audit verify`
names the first record that was altered, removed, inserted, reordered, or a tail that
was cut off, each tampering done with sqlite3 on the server's own database."""

import os
import shutil
import sqlite3
import unittest

from harness import Sealpost


class AuditTrailTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Sealpost()  # the CLI alone: no server holds the database
        s = cls.server
        for args in (("account", "create", "Clinic"),
                     ("domain", "create", "clinic.example", "--account", "Clinic"),
                     ("user", "create", "dr@clinic.example"),
                     ("book", "create", "user:dr@clinic.example:personal"),
                     ("book", "add-question", "user:dr@clinic.example:personal", "pat@example.net",
                      "--question", "Town?", "--answer", "Shelbyville-7"),
                     ("dkim", "create", "clinic.example", "--algorithm", "ed25519")):
            code, _, err = s.admin(*args)
            assert code == 0, (args, err)
        code, _, _ = s.admin("domain", "create", "clinic.example", "--account", "Clinic")
        assert code == 2
        # Protected data read out is recorded too, though nothing changes.
        for args in (("book", "export-questions", "user:dr@clinic.example:personal",
                      os.path.join(s.tmp, "answers.csv")),
                     ("book", "export-keys", "user:dr@clinic.example:personal",
                      os.path.join(s.tmp, "keys"))):
            code, _, err = s.admin(*args)
            assert code == 0, (args, err)
        code, _, _ = s.admin("book", "list", "user:dr@clinic.example:personal")
        assert code == 0  # a listing without answers: not recorded
        code, out, err = s.admin("audit", "checkpoint")
        assert code == 0, err
        cls.db = os.path.join(s.data, "sealpost.db")
        cls.pristine = os.path.join(s.tmp, "pristine.db")
        shutil.copy(cls.db, cls.pristine)

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def tearDown(self):
        shutil.copy(self.pristine, self.db)
        for suffix in ("-wal", "-shm"):
            if os.path.exists(self.db + suffix):
                os.remove(self.db + suffix)

    def tamper(self, *statements):
        db = sqlite3.connect(self.db)
        with db:
            for statement in statements:
                db.execute(statement)
        db.close()

    def verify(self):
        return self.server.admin("audit", "verify")

    def test_each_change_is_recorded_and_the_trail_verifies(self):
        code, out, err = self.server.admin("audit", "list", "--limit", "100")
        self.assertEqual(code, 0, err)
        lines = out.splitlines()
        actions = [line.split("  ")[3] for line in reversed(lines)]
        self.assertEqual(actions, ["admin.account.create", "admin.domain.create",
                                   "admin.user.create", "admin.book.create",
                                   "admin.book.add-question", "admin.dkim.create",
                                   "admin.domain.create", "admin.book.export-questions",
                                   "admin.book.export-keys", "admin.audit.checkpoint"])
        refused = [line for line in lines if "failed" in line]
        self.assertEqual(len(refused), 1)
        self.assertIn("admin.domain.create  clinic.example  failed", refused[0])
        self.assertIn('"error":"already exists"', refused[0])
        self.assertRegex(lines[-1], r"^1  \d{4}-\d\d-\d\dT[\d:]+Z  admin_cli:\S+  admin.account.create  "
                                    r"Clinic  ok$")
        # Nothing secret went in: not the answer given on the command line.
        with open(self.db, "rb") as f:
            self.assertNotIn(b"Shelbyville-7", f.read())
        code, out, err = self.verify()
        self.assertEqual(code, 0, out + err)
        self.assertIn("verifies: 10 record(s), 1 signed checkpoint(s)", out)

    def test_an_altered_record_is_named(self):
        self.tamper("UPDATE audit_log SET result = 'ok' WHERE seq = 7")
        code, out, err = self.verify()
        self.assertEqual(code, 1, out + err)
        self.assertIn("record 7 was altered", err)

    def test_a_removed_record_is_named(self):
        self.tamper("DELETE FROM audit_log WHERE seq = 3")
        code, out, err = self.verify()
        self.assertEqual(code, 1, out + err)
        self.assertIn("record 3 is missing", err)

    def test_reordered_records_are_found(self):
        self.tamper("UPDATE audit_log SET seq = -2 WHERE seq = 2",
                    "UPDATE audit_log SET seq = 2 WHERE seq = 3",
                    "UPDATE audit_log SET seq = 3 WHERE seq = -2")
        code, out, err = self.verify()
        self.assertEqual(code, 1, out + err)
        self.assertIn("record 2 does not follow the record before it", err)

    def test_an_inserted_record_is_found(self):
        self.tamper("UPDATE audit_log SET seq = seq + 100 WHERE seq >= 4",
                    "UPDATE audit_log SET seq = seq - 99 WHERE seq >= 104",
                    "INSERT INTO audit_log SELECT 4, at, actor_kind, actor, client_address, account, "
                    "'admin.account.delete', subject, result, details, message_id, recipient, "
                    "prev_hash, hash "
                    "FROM audit_log WHERE seq = 1")
        code, out, err = self.verify()
        self.assertEqual(code, 1, out + err)
        self.assertIn("record 4 does not follow the record before it", err)

    def test_a_cut_tail_is_found_by_the_checkpoint(self):
        self.tamper("DELETE FROM audit_log WHERE seq >= 5")
        code, out, err = self.verify()
        self.assertEqual(code, 1, out + err)
        self.assertIn("records 5 to 9 are missing", err)
        self.assertIn("the tail was cut off", err)

    def test_search_filters_and_pages(self):
        code, out, err = self.server.admin("audit", "search", "--action", "admin.book.*",
                                           "--limit", "2")
        self.assertEqual(code, 0, err)
        lines = out.splitlines()
        self.assertEqual([l.split("  ")[3] for l in lines[:2]],
                         ["admin.book.export-keys", "admin.book.export-questions"])
        self.assertRegex(lines[2], r"^\(more: --before 8\)$")
        code, out, err = self.server.admin("audit", "search", "--action", "admin.book.*",
                                           "--before", "8")
        self.assertEqual(code, 0, err)
        self.assertEqual([l.split("  ")[3] for l in out.splitlines()],
                         ["admin.book.add-question", "admin.book.create"])
        code, out, err = self.server.admin("audit", "search", "--result", "failed")
        self.assertEqual(code, 0, err)
        self.assertEqual(len(out.splitlines()), 1)
        self.assertIn("admin.domain.create  clinic.example  failed", out)
        code, out, err = self.server.admin("audit", "search", "--since", "2999-01-01")
        self.assertEqual((code, out), (0, ""), err)
        code, out, err = self.server.admin("audit", "search", "--since", "last tuesday")
        self.assertEqual(code, 2)
        self.assertIn("--since", err)
        self.assertIn("2026-11-22", err)

    def test_exports_as_json_lines_and_csv_are_recorded(self):
        import csv
        import json
        jsonl = os.path.join(self.server.tmp, "trail.jsonl")
        code, out, err = self.server.admin("audit", "export", "--format", "jsonl",
                                           "--output", jsonl)
        self.assertEqual(code, 0, err)
        with open(jsonl) as f:
            records = [json.loads(line) for line in f]
        # The export's own record comes first (newest first), then every record before it.
        self.assertEqual(records[0]["action"], "admin.audit.export")
        self.assertEqual(records[0]["details"]["records"], 10)
        self.assertEqual([r["seq"] for r in records], list(range(11, 0, -1)))
        self.assertEqual(records[-1]["action"], "admin.account.create")
        self.assertRegex(records[-1]["hash"], r"^[0-9a-f]{64}$")
        self.assertEqual(os.stat(jsonl).st_mode & 0o777, 0o600)
        code, _, err = self.server.admin("audit", "export", "--format", "jsonl", "--output", jsonl)
        self.assertEqual(code, 2)  # never written over
        self.assertIn("may exist", err)
        code, out, err = self.server.admin("audit", "export", "--format", "csv", "--output", "-",
                                           "--result", "failed")
        self.assertEqual(code, 0, err)
        rows = list(csv.reader(out.splitlines()))
        self.assertEqual(rows[0][:3], ["seq", "at", "actor_kind"])
        # The export refused a moment ago is on record as well.
        self.assertEqual([r[6] for r in rows[1:]], ["admin.audit.export", "admin.domain.create"])
        self.assertEqual(json.loads(rows[2][11])["error"], "already exists")
        code, _, err = self.server.admin("audit", "export", "--format", "xml", "--output", "-")
        self.assertEqual(code, 2)
        self.assertIn("--format", err)

    def test_pruning_keeps_the_rest_verifiable_and_a_cut_without_prune_is_found(self):
        # Everything older than a day ago: nothing here. Then everything (--older-than-days
        # counts back from now, so move the records into the past first).
        self.tamper("UPDATE audit_log SET at = at - 10 * 86400 WHERE seq <= 4")
        # The edit broke the hashes of 1–4; they are the ones that go.
        code, out, err = self.server.admin("audit", "prune", "--older-than-days", "5")
        self.assertEqual(code, 0, err)
        self.assertIn("4 record(s) older than 5 days removed", out)
        code, out, err = self.verify()
        self.assertEqual(code, 0, out + err)
        self.assertIn("pruned through record 4", out)
        code, out, err = self.server.admin("audit", "search", "--action", "audit.pruned")
        self.assertEqual(code, 0, err)
        self.assertIn("audit.pruned  4  ok", out)
        # Removing the oldest records left is not a prune: found.
        self.tamper("DELETE FROM audit_log WHERE seq <= 6")
        code, out, err = self.verify()
        self.assertEqual(code, 1, out + err)
        self.assertIn("records 1 to 6 are missing (removed) and no prune is on record", err)

    def test_a_forged_checkpoint_is_refused(self):
        self.tamper("UPDATE audit_checkpoints SET seq = 3")
        code, out, err = self.verify()
        self.assertEqual(code, 1, out + err)
        self.assertIn("checkpoint at record 3 is not signed by the organisation's key", err)


if __name__ == "__main__":
    unittest.main()
