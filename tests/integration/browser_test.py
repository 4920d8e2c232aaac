"""In a real browser (Debian's Chromium, driven by playwright-core), a message's HTML
is shown but cannot run script or load anything remote. A control page with the
same HTML and no protection shows the detector works."""
import http.server
import json
import os
import re
import subprocess
import threading
import unittest

from harness import Sealpost, free_port

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "browser", "view_message.mjs")


class PixelServer:
    """Records every request: the remote content a message tries to load."""

    def __init__(self):
        self.hits = []
        hits = self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                hits.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def browse(*args):
    run = subprocess.run(["node", SCRIPT, *args], capture_output=True, text=True, timeout=120)
    if run.returncode != 0:
        raise AssertionError("browser run failed:\n" + run.stdout + run.stderr)
    return json.loads(run.stdout.strip().splitlines()[-1])


class BrowserTest(unittest.TestCase):
    def test_message_html_cannot_run_script_or_load_remote_content(self):
        pixel = PixelServer()
        server = Sealpost()
        try:
            server.start()
            remote = f"http://127.0.0.1:{pixel.port}"
            message_html = (
                "<h2>Styled heading</h2><p>All normal.</p>"
                f"<script>fetch('{remote}/script-ran'); document.body.innerHTML = 'SCRIPT RAN';</script>"
                f"<img src=\"{remote}/pixel.gif\" alt=\"remote image\">"
                f"<link rel=\"stylesheet\" href=\"{remote}/style.css\">")
            r = server.api("POST", "/api/v1/messages", json.dumps({
                "from": "dr@clinic.example", "to": ["pat@example.net"], "subject": "Results",
                "text": "All normal.", "html": message_html,
                "options": {"escrow": {"question": "Pet?", "answer": "Rex"}}}))
            self.assertEqual(r.status, 202, r.text)

            # The recipient's journey up to a verified session, with curl.
            rid, page = server.open_notice("pat@example.net")
            answered = server.answer(rid, page, "rex")
            self.assertEqual(answered.status, 303)
            session = re.search(r"__Host-sp_session=([^;]+)", " ".join(answered.cookies)).group(1)

            seen = browse("portal", f"{server.base}/r/{rid}", "__Host-sp_session", session)
            self.assertEqual(seen["status"], 200)
            self.assertIn("Results", seen["mainText"])
            self.assertTrue(seen["frameFound"])
            self.assertEqual(seen["sandbox"], "")
            self.assertIn("Styled heading", seen["frameText"])
            self.assertIn("All normal.", seen["frameText"])
            self.assertNotIn("SCRIPT RAN", seen["frameText"])
            self.assertNotIn("SCRIPT RAN", seen["mainText"])
            self.assertEqual(pixel.hits, [], "the message reached the network")

            control_file = os.path.join(server.tmp, "control.html")
            with open(control_file, "w") as f:
                f.write(message_html)
            control = browse("control", control_file)
            self.assertIn("SCRIPT RAN", control["text"])
            self.assertIn("/script-ran", pixel.hits)
            self.assertIn("/pixel.gif", pixel.hits)
        finally:
            server.cleanup()
            pixel.close()


if __name__ == "__main__":
    unittest.main()
