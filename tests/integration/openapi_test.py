"""The API's description (issue 20): docs/openapi.yaml covers exactly the routes the
server answers, passes a real linter (@redocly/cli, locked in tests/browser), is served
publicly as built into the binary, and Swagger UI at /api/docs runs under its strict CSP
in a real Chromium, where a developer authorises and tries a call. (Every answer of every
integration test is also held to the document's schemas: see openapi.py and harness.py.)"""
import json
import os
import subprocess
import tempfile
import unittest

import harness
import openapi
from harness import Sealpost

HERE = os.path.dirname(os.path.abspath(__file__))
BROWSER = os.path.join(HERE, "..", "browser")
REDOCLY = os.path.join(BROWSER, "node_modules", ".bin", "redocly")


def lint(path):
    return subprocess.run([REDOCLY, "lint", "--format=stylish", path], cwd=BROWSER,
                          capture_output=True, text=True, timeout=120)


class OpenApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Sealpost()
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def test_every_route_is_in_the_document_and_every_operation_is_a_route(self):
        other = Sealpost()  # its own data and ports: it sets up as for serving, then stops
        try:
            run = subprocess.run([harness.BIN, "serve", "--config", other.config, "--print-routes"],
                                 capture_output=True, text=True, timeout=120)
        finally:
            other.cleanup()
        self.assertEqual(run.returncode, 0, run.stderr[-2000:])
        routes = {tuple(line.split(" ", 1)) for line in run.stdout.splitlines()}
        api = {r for r in routes if r[1].startswith(("/api/v1/", "/keys/"))}
        documented = openapi.documented_routes()
        self.assertEqual(sorted(api - documented), [], "routes docs/openapi.yaml lacks")
        self.assertEqual(sorted(documented - api), [], "operations no route answers")
        self.assertGreater(len(api), 60)
        self.assertIn(("GET", "/api/docs"), routes)

    def test_the_document_passes_the_linter_which_can_fail(self):
        run = lint(openapi.DOCUMENT)
        self.assertEqual(run.returncode, 0, run.stdout[-3000:] + run.stderr[-2000:])
        self.assertIn("Your API description is valid", run.stdout + run.stderr)
        # The same linter on a copy with an operation that has no responses: refused.
        with open(openapi.DOCUMENT) as f:
            text = f.read()
        broken = text.replace("      operationId: listAccounts\n",
                              "      operationId: listAccounts\n      responses: 7\n", 1)
        self.assertNotEqual(broken, text)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "openapi.yaml")
            with open(path, "w") as f:
                f.write(broken)
            self.assertNotEqual(lint(path).returncode, 0)

    def test_the_document_is_public_and_is_the_one_in_docs(self):
        r = self.server.request("GET", "/api/v1/openapi.yaml")
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.header("content-type"), "application/yaml")
        with open(openapi.DOCUMENT, "rb") as f:
            self.assertEqual(r.body, f.read())
        # The rest of the API still wants credentials.
        r = self.server.request("GET", "/api/v1/accounts")
        self.assertEqual(r.status, 401)
        self.assertEqual(self.server.request("GET", "/api/docs/secrets.txt").status, 404)

    def test_swagger_ui_authorises_and_tries_a_call_under_a_strict_policy(self):
        run = subprocess.run(["node", os.path.join(BROWSER, "api_docs.mjs"), self.server.base,
                              self.server.api_key], capture_output=True, text=True, timeout=180)
        self.assertEqual(run.returncode, 0, run.stderr)
        page = json.loads(run.stdout)
        self.assertNotIn("error", page, page)
        self.assertEqual(page["status"], 200)
        self.assertIn("script-src 'self'", page["csp"])
        self.assertNotIn("unsafe", page["csp"])
        self.assertEqual(page["consoleErrors"], [])   # a CSP violation is a console error
        self.assertEqual(page["otherOrigins"], [])
        self.assertEqual(len(openapi.documented_routes()), page["operations"])
        self.assertTrue(page["title"].startswith("sealpost API"), page["title"])
        self.assertEqual(page["tryStatus"], "200")
        self.assertIn('"accounts"', page["tryBody"])


if __name__ == "__main__":
    unittest.main()
