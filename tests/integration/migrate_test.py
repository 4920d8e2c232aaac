"""Issue 23: `sealpost admin migrate --to postgresql://...` copies a SQLite installation
into an empty PostgreSQL database. Afterwards the server runs on PostgreSQL and every
message still opens — its attachment byte for byte —, the API still finds them, the
audit trail still verifies (its chain copied as it was), and a second migration into the
now full database is refused."""
import base64
import json
import os
import re
import unittest

import pg
from harness import Sealpost, notice_link


class MigrateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = pg.Cluster()
        cls.server = Sealpost()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.server.cleanup()
        finally:
            cls.cluster.stop()

    def send(self, address, answer, attachment=None):
        body = {"from": "dr.hibbert@clinic.example", "to": [address],
                "subject": "Your results", "text": f"Results for {address}.\n",
                "options": {"escrow": {"question": "Your dog's name?", "answer": answer}}}
        if attachment is not None:
            body["attachments"] = [{"filename": "scan.pdf", "content_type": "application/pdf",
                                    "content_base64": base64.b64encode(attachment).decode()}]
        r = self.server.api("POST", "/api/v1/messages", json.dumps(body))
        self.assertEqual(r.status, 202, r.text)
        return json.loads(r.body)["id"]

    def opens(self, address, answer):
        """Follows the notice's link, answers, and returns (recipient id, the page)."""
        link = notice_link(self.server.notice_for(address))
        rid, page = self.server.open_link(link)
        r = self.server.answer(rid, page, answer)
        self.assertEqual(r.status, 303, r.text)
        view = self.server.get(f"/r/{rid}", cookies=True)
        self.assertEqual(view.status, 200)
        return rid, view

    def test_a_sqlite_installation_moves_to_postgresql_and_every_message_opens(self):
        s = self.server
        s.start()
        attachment = os.urandom(700_000)  # more than one of PostgreSQL's blob chunks
        kept = self.send("homer@example.net", "Santa's Little Helper", attachment)
        read_before = self.send("marge@example.net", "Blue hair")
        _, view = self.opens("marge@example.net", "Blue hair")
        self.assertIn("Results for marge@example.net.", view.text)
        self.assertEqual(s.stop(), 0)

        uri = self.cluster.create_database("moved")
        code, out, err = s.admin("migrate", "--to", uri, "--progress")
        self.assertEqual(code, 0, err)
        self.assertRegex(out, r"Copied \d+ tables \(\d+ rows\) and [1-9]\d* blobs")
        self.assertIn("[storage] database", out)
        self.assertRegex(err, r"blobs\s+\[#+\] \d+/\d+")  # the progress bar
        # The URI's place is said, never what it carries beyond that.
        self.assertNotIn("?host=", out)
        # Into a database that holds anything: refused, naming why.
        code, _, err = s.admin("migrate", "--to", uri)
        self.assertNotEqual(code, 0)
        self.assertIn("not empty", err)

        with open(s.config) as f:
            text = f.read()
        text = re.sub(r'^database = "sealpost\.db".*$', f'database = "{uri}"', text, flags=re.M)
        with open(s.config, "w") as f:
            f.write(text)
        s.start()
        # On PostgreSQL now: the message waiting to be read opens, attachment and all.
        rid, view = self.opens("homer@example.net", "Santa's Little Helper")
        self.assertIn("Results for homer@example.net.", view.text)
        got = s.get(f"/r/{rid}/attachments/0", cookies=True)
        self.assertEqual(got.status, 200)
        self.assertEqual(got.body, attachment)
        for message_id, status in ((kept, "viewed"), (read_before, "viewed")):
            r = s.api("GET", f"/api/v1/messages/{message_id}")
            self.assertEqual(r.status, 200, r.text)
            self.assertEqual(json.loads(r.body)["recipients"][0]["status"], status)
        # The trail came across whole, with the migration itself on it, and verifies.
        code, out, err = s.admin("audit", "verify")
        self.assertEqual(code, 0, out + err)
        code, out, err = s.admin("audit", "search", "--action", "admin.migrate")
        self.assertEqual(code, 0, err)
        self.assertIn("admin.migrate", out)
        # The server's own SQLite database is still there, untouched: the way back.
        self.assertTrue(os.path.exists(os.path.join(s.data, "sealpost.db")))


if __name__ == "__main__":
    unittest.main()
