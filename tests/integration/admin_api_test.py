"""Settings and address books over the REST API, for administrators' keys only."""
import json
import subprocess
import unittest
from urllib.parse import quote

import harness
from harness import Sealpost


class AdminApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Sealpost()
        admin = [harness.BIN, "admin", "--config", cls.server.config]
        for args in (("account", "create", "Springfield Clinic"),
                     ("domain", "create", "clinic.example", "--account", "Springfield Clinic"),
                     ("user", "create", "dr@clinic.example")):
            subprocess.run(admin + list(args), check=True, capture_output=True, timeout=60)
        out = subprocess.run(admin + ["user", "api-key", "dr@clinic.example"], check=True,
                             capture_output=True, text=True, timeout=60).stdout
        cls.user_key = out.strip().split()[-1]
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def call(self, method, path, body=None, content_type="application/json", key=None):
        return self.server.api(method, path, body, content_type=content_type, key=key)

    def test_settings(self):
        path = "/api/v1/settings/account/" + quote("Springfield Clinic")
        r = self.call("PUT", path, json.dumps({"tls_only": True, "default_expiry_days": 60,
                                               "default_question": {"question": "Year?", "answer": "1956"}}))
        self.assertEqual(r.status, 200, r.text)
        shown = json.loads(r.body)
        self.assertEqual(shown["default_expiry_days"], 60)
        self.assertEqual(shown["default_question"]["answer"], "********")
        self.assertEqual(json.loads(self.call("GET", path).body), shown)

        bad = self.call("PUT", path, json.dumps({"default_expiry_days": 0}))
        self.assertEqual(bad.status, 400)
        self.assertEqual(json.loads(bad.body)["invalid-params"][0]["name"], "default_expiry_days")
        self.assertEqual(json.loads(self.call("GET", path).body), shown)  # unchanged
        self.assertEqual(self.call("GET", "/api/v1/settings/planet/x").status, 400)
        self.assertEqual(self.call("GET", "/api/v1/settings/domain/nowhere.example").status, 404)
        self.assertEqual(self.call("GET", path, key=self.user_key).status, 403)
        self.assertEqual(self.call("GET", path, key="x:y").status, 401)

    def test_address_books(self):
        book = quote("account:Springfield Clinic:patients", safe="")
        r = self.call("POST", "/api/v1/address-books",
                      json.dumps({"book": "account:Springfield Clinic:patients"}))
        self.assertEqual(r.status, 201, r.text)
        self.assertEqual(self.call("POST", "/api/v1/address-books",
                                   json.dumps({"book": "account:Springfield Clinic:patients"})).status, 409)

        csv = "address,question,answer\npat@example.net,Pet?,Rex\nbad,Q,A\n"
        r = self.call("POST", f"/api/v1/address-books/{book}/import", csv, content_type="text/csv")
        self.assertEqual(r.status, 200, r.text)
        report = json.loads(r.body)
        self.assertEqual(report["imported"], 1)
        self.assertEqual(report["problems"][0]["line"], 3)

        r = self.call("PUT", f"/api/v1/address-books/{book}/entries/kid%40example.net",
                      json.dumps({"question": "Town?", "answer": "Springfield"}))
        self.assertEqual(r.status, 200, r.text)
        bad = self.call("PUT", f"/api/v1/address-books/{book}/entries/not-an-address",
                        json.dumps({"question": "Q", "answer": "A"}))
        self.assertEqual(bad.status, 400)
        entries = json.loads(self.call("GET", f"/api/v1/address-books/{book}/entries").body)["entries"]
        self.assertEqual([e["address"] for e in entries], ["kid@example.net", "pat@example.net"])
        self.assertNotIn("Rex", json.dumps(entries))

        export = self.call("GET", f"/api/v1/address-books/{book}/export")
        self.assertEqual(export.status, 200)
        self.assertIn("text/csv", export.header("content-type"))
        self.assertIn("pat@example.net,Pet?,Rex", export.text)
        # Answers left in clear: recorded, with the key and where from; not the answers.
        audit = self.server.sql("SELECT client_address, subject, actor_kind, details FROM audit_log "
                                "WHERE action = 'api.GET /api/v1/address-books/{book}/export'")
        self.assertEqual(len(audit), 1)
        self.assertEqual(audit[0][0], "127.0.0.1")
        self.assertEqual(audit[0][1:3], ("account:Springfield Clinic:patients", "api_client"))
        self.assertNotIn("Rex", audit[0][3])

        r = self.call("PUT", f"/api/v1/address-books/{book}/entries/kid%40example.net",
                      json.dumps({"question": "First pet?", "answer": "Snowball"}))
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(self.call("DELETE", f"/api/v1/address-books/{book}/entries/kid@example.net").status, 204)
        self.assertEqual(self.call("DELETE", f"/api/v1/address-books/{book}/entries/kid@example.net").status, 404)
        # Each change of an entry on record with what it was and became: the question's
        # words, never its answer.
        changes = [json.loads(d) for (d,) in self.server.sql(
            "SELECT details FROM audit_log WHERE action IN ("
            "'api.PUT /api/v1/address-books/{book}/entries/{address}', "
            "'api.DELETE /api/v1/address-books/{book}/entries/{address}') AND result = 'ok' "
            "ORDER BY seq")]
        self.assertEqual(changes, [
            {"entry": "kid@example.net", "before": None,
             "after": {"kind": "question", "question": "Town?"}},
            {"entry": "kid@example.net", "before": {"kind": "question", "question": "Town?"},
             "after": {"kind": "question", "question": "First pet?"}},
            {"entry": "kid@example.net", "before": {"kind": "question", "question": "First pet?"},
             "after": None}])
        self.assertNotIn("Snowball", json.dumps(self.server.sql("SELECT details FROM audit_log")))
        self.assertEqual(self.call("GET", f"/api/v1/address-books/{book}/entries",
                                   key=self.user_key).status, 403)


    def test_forms_are_made_changed_and_deleted_with_their_problems_named(self):
        definition = {
            "title": "New patient intake", "recipients": ["intake@clinic.example"],
            "steps": [{"title": "About you", "fields": [
                {"name": "full_name", "type": "text", "label": "Full name", "required": True},
                {"name": "card", "type": "file", "label": "Insurance card",
                 "accept": ["image/*", "application/pdf"]}]}],
            "consent": "I agree.", "retention_days": 90}
        body = {"name": "intake", "account": "Springfield Clinic", "definition": definition}
        bad = dict(definition, steps=[{"fields": [{"name": "Full Name", "type": "text",
                                                   "label": "Name"}]}])
        for form, status, field in (
                (dict(body, name="New Intake"), 400, "name"),
                (dict(body, account="Nowhere"), 404, "account"),
                (dict(body, definition=bad), 400, "definition.steps[0].fields[0].name"),
                (dict(body, definition=dict(definition, recipients=[])), 400,
                 "definition.recipients"),
                (dict(body, colour="red"), 400, "colour")):
            r = self.call("POST", "/api/v1/forms", json.dumps(form))
            self.assertEqual(r.status, status, r.text)
            self.assertEqual(r.header("content-type"), "application/problem+json")
            problem = json.loads(r.body)
            if status == 400:
                self.assertEqual(problem["invalid-params"][0]["name"], field, problem)
            else:
                self.assertIn(field, problem["detail"])
        r = self.call("POST", "/api/v1/forms", json.dumps(body))
        self.assertEqual(r.status, 201, r.text)
        self.assertEqual(r.header("location"), "/api/v1/forms/intake")
        made = json.loads(r.body)
        self.assertEqual((made["path"], made["enabled"], made["account"]),
                         ("/f/intake", True, "Springfield Clinic"))
        self.assertEqual(made["definition"]["steps"][0]["fields"][0]["max_length"], 200)
        self.assertEqual(self.call("POST", "/api/v1/forms", json.dumps(body)).status, 409)
        r = self.call("PATCH", "/api/v1/forms/intake", json.dumps({"enabled": False}))
        self.assertEqual(r.status, 200, r.text)
        self.assertFalse(json.loads(r.body)["enabled"])
        self.assertEqual(self.call("PATCH", "/api/v1/forms/intake",
                                   json.dumps({"namespace": "nowhere"})).status, 404)
        listed = json.loads(self.call("GET", "/api/v1/forms?account=Springfield%20Clinic").body)
        self.assertEqual([f["name"] for f in listed["forms"]], ["intake"])
        self.assertEqual(json.loads(self.call("GET", "/api/v1/forms/intake").body)["enabled"],
                         False)
        self.assertEqual(self.call("GET", "/api/v1/forms", key=self.user_key).status, 403)
        self.assertEqual(self.call("DELETE", "/api/v1/forms/intake").status, 204)
        self.assertEqual(self.call("DELETE", "/api/v1/forms/intake").status, 404)
        self.assertEqual(self.call("GET", "/api/v1/forms/intake").status, 404)
        # Each change on record with what the form was and became.
        changes = [(a, json.loads(d)) for a, d in self.server.sql(
            "SELECT action, details FROM audit_log WHERE action LIKE 'api.% /api/v1/forms%' "
            "AND result = 'ok' ORDER BY seq")]
        self.assertEqual([a for a, _ in changes], ["api.POST /api/v1/forms",
                                                   "api.PATCH /api/v1/forms/{name}",
                                                   "api.DELETE /api/v1/forms/{name}"])
        self.assertEqual(changes[0][1]["after"]["title"], "New patient intake")
        self.assertEqual(changes[0][1]["after"]["recipients"], ["intake@clinic.example"])
        self.assertEqual(changes[0][1]["after"]["fields"], 2)
        self.assertEqual((changes[1][1]["before"]["enabled"], changes[1][1]["after"]["enabled"]),
                         (True, False))
        self.assertEqual(changes[2][1]["before"]["definition_sha256"],
                         changes[1][1]["after"]["definition_sha256"])

if __name__ == "__main__":
    unittest.main()
