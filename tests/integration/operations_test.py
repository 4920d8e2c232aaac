"""Running sealpost as a service (issue 27): SIGHUP reloads the certificate for every
listener, SIGTERM lets a message being received over SMTP finish and tells idle sessions
421, and Prometheus (promtool, and a real Prometheus server) reads /metrics. Each test
starts and stops its own server: the signals break its state."""

import email
import email.policy
import glob
import json
import os
import re
import shutil
import threading
import signal
import socket
import ssl
import subprocess
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

import peers
from harness import Sealpost, free_port, notice_link
from smtp_test import Raw, outbox_for, set_up_sender, wait_for


def served_certificate(port, starttls=False):
    """The DER certificate a listener presents on a new connection."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    sock = socket.create_connection(("127.0.0.1", port), timeout=15)
    try:
        if starttls:
            sock.recv(4096)  # greeting
            sock.sendall(b"EHLO probe\r\n")
            reply = b""
            while not reply.endswith(b"\r\n") or reply.split(b"\r\n")[-2][3:4] == b"-":
                reply += sock.recv(4096)
            sock.sendall(b"STARTTLS\r\n")
            assert sock.recv(4096).startswith(b"220")
        with context.wrap_socket(sock) as tls:
            return tls.getpeercert(binary_form=True)
    finally:
        sock.close()


def der_of(pem_file):
    with open(pem_file) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


def new_certificate(directory, name, common_name):
    """A fresh self-signed certificate and key: (cert file, key file)."""
    cert, key = os.path.join(directory, name + ".pem"), os.path.join(directory, name + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "30", "-subj",
                    "/CN=" + common_name, "-keyout", key, "-out", cert],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def wait_for_log(server, text, timeout=30):
    wait_for(lambda: text in server.log(), timeout=timeout, what=repr(text) + " in the log")


class ReloadTest(unittest.TestCase):
    def setUp(self):
        self.server = Sealpost().start()
        self.addCleanup(self.server.cleanup)

    def test_sighup_reloads_the_certificate_for_every_listener(self):
        server = self.server
        tls_dir = os.path.join(server.data, "tls")
        started = der_of(os.path.join(tls_dir, "cert.pem"))
        self.assertEqual(served_certificate(server.port), started)
        # A connection from before the reload, kept open across it.
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        kept = context.wrap_socket(socket.create_connection(("127.0.0.1", server.port), timeout=15))
        self.addCleanup(kept.close)

        # A renewed certificate beside a key that is not its own: refused, the old one stays.
        cert, key = new_certificate(server.tmp, "renewed", "renewed.example")
        _, other_key = new_certificate(server.tmp, "other", "other.example")
        os.replace(cert, os.path.join(tls_dir, "cert.pem"))
        with open(other_key, "rb") as f, open(os.path.join(tls_dir, "key.pem"), "wb") as out:
            out.write(f.read())
        server.proc.send_signal(signal.SIGHUP)
        wait_for_log(server, "certificate not reloaded, the one in use stays")
        self.assertIn("key values mismatch", server.log())
        self.assertEqual(served_certificate(server.port), started)

        # The matching key, and a setting that needs a restart.
        os.replace(key, os.path.join(tls_dir, "key.pem"))
        with open(server.config) as f:
            text = f.read()
        with open(server.config, "w") as f:
            f.write(text.replace("max_connections = 1024", "max_connections = 1000"))
        server.proc.send_signal(signal.SIGHUP)
        wait_for_log(server, "TLS certificate for HTTPS and SMTP reloaded: CN=renewed.example")
        renewed = der_of(os.path.join(tls_dir, "cert.pem"))
        self.assertNotEqual(renewed, started)
        self.assertEqual(served_certificate(server.port), renewed)
        self.assertEqual(served_certificate(server.smtps_port), renewed)
        self.assertEqual(served_certificate(server.smtp_port, starttls=True), renewed)
        self.assertIn("take effect only after a restart: server.max_connections", server.log())

        # The connection from before still works, on the certificate it began with.
        self.assertEqual(kept.getpeercert(binary_form=True), started)
        kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        self.assertTrue(kept.recv(4096).startswith(b"HTTP/1.1 200"))
        self.assertIsNone(server.proc.poll())


class SmtpDrainTest(unittest.TestCase):
    def setUp(self):
        self.server = Sealpost(settings={"trusted_networks": '["127.0.0.1/32"]'})
        self.addCleanup(self.server.cleanup)
        set_up_sender(self.server, "scanner@clinic.example")
        self.server.start()

    def test_sigterm_lets_a_message_being_received_finish_and_tells_idle_sessions(self):
        server = self.server
        idle = Raw(server.smtp_port)
        idle.send(b"EHLO idle\r\n")
        self.assertTrue(idle.reply().startswith("250"))
        sending = Raw(server.smtp_port)
        for command, code in ((b"EHLO device\r\n", "250"),
                              (b"MAIL FROM:<scanner@clinic.example>\r\n", "250"),
                              (b"RCPT TO:<patient@home.example>\r\n", "250"),
                              (b"DATA\r\n", "354")):
            sending.send(command)
            reply = sending.reply()
            self.assertTrue(reply.startswith(code), reply)
        sending.send(b"From: scanner@clinic.example\r\nX-Sealpost-Question: Q?\r\n"
                     b"X-Sealpost-Answer: A\r\nSubject: scan\r\n\r\nfirst half\r\n")

        server.proc.send_signal(signal.SIGTERM)
        # The idle session is told at once, and closed.
        reply = idle.reply()
        self.assertTrue(reply.startswith("421 4.3.2"), reply)
        # The listeners are closed (waited for, bounded).
        wait_for(lambda: refuses(server.smtp_port), timeout=20, what="SMTP listener closed")
        # The message under way arrives whole and is acknowledged; then the session is told.
        sending.send(b"second half\r\n.\r\n")
        reply = sending.reply()
        self.assertTrue(reply.startswith("250"), reply)
        reply = sending.reply()
        self.assertTrue(reply.startswith("421 4.3.2"), reply)
        self.assertEqual(server.proc.wait(timeout=30), 0)

        # Acknowledged means kept: after a restart it goes out.
        server.start()
        notice = wait_for(lambda: outbox_for(server, "patient@home.example"), what="notice")
        self.assertEqual(len(notice), 1)


TOKEN = "metrics-token-0123456789abcdef"


def scrape(server, token=TOKEN):
    """GET /metrics on the metrics listener: (status, text)."""
    request = urllib.request.Request(f"http://127.0.0.1:{server.metrics_port}/metrics")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=15) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def sample(text, name, **labels):
    """The value of one series in the exposition text, or None."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        series, _, value = line.rpartition(" ")
        if series.split("{")[0] != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', series))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(value)
    return None


class MetricsTest(unittest.TestCase):
    """What happened shows in /metrics, in a format promtool accepts and Prometheus
    scrapes; nothing a client sent (a path, an address, a secret) becomes a label."""

    @classmethod
    def setUpClass(cls):
        cls.server = Sealpost(settings={"trusted_networks": '["127.0.0.1/32"]',
                                        "token_file": '"metrics.token"'})
        with open(os.path.join(cls.server.data, "metrics.token"), "w") as f:
            f.write(TOKEN + "\n")
        set_up_sender(cls.server, "scanner@clinic.example")
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def test_what_happened_is_counted_and_promtool_accepts_it(self):
        server = self.server
        body = {"from": "scanner@clinic.example", "to": ["counted@example.net"],
                "subject": "Results", "text": "All fine.",
                "options": {"escrow": {"question": "Q?", "answer": "right"}}}
        self.assertEqual(server.api("POST", "/api/v1/messages", json.dumps(body)).status, 202)
        link = notice_link(server.notice_for("counted@example.net"))
        rid, page = server.open_link(link)
        server.answer(rid, page, "wrong")
        raw = Raw(server.smtp_port)
        raw.send(b"EHLO probe\r\nMAIL FROM:<a@b.example> SIZE=999999999999\r\n")
        self.assertTrue(raw.reply().startswith("250"))
        self.assertTrue(raw.reply().startswith("552"))
        raw.send(b"QUIT\r\n")
        raw.reply()

        # The notice left (delivered into the outbox) before the scrape: wait for its count.
        text = wait_for(lambda: (lambda t: t if sample(
            t, "sealpost_deliveries_total", outcome="delivered", target="outbox") else None)(
                scrape(server)[1]), what="a delivery counted")
        check = subprocess.run(["promtool", "check", "metrics"], input=text, text=True,
                               capture_output=True, timeout=60)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        self.assertEqual(sample(text, "sealpost_http_requests_total", route="/api/v1/messages",
                                method="POST", status="202"), 1)
        self.assertGreaterEqual(sample(text, "sealpost_http_request_duration_seconds_count",
                                       route="/api/v1/messages"), 1)
        self.assertEqual(sample(text, "sealpost_recipient_events_total", event="answer_failed"), 1)
        self.assertGreaterEqual(sample(text, "sealpost_smtp_sessions_total", listener="starttls"), 1)
        self.assertEqual(sample(text, "sealpost_smtp_refusals_total", code="552", status="5.3.4"), 1)
        self.assertIsNotNone(sample(text, "sealpost_queue_entries", state="deferred"))
        self.assertIsNotNone(sample(text, "sealpost_backlog", kind="outbound"))
        # Labels are the server's words: no link secret, path, address or key.
        secret = link.split("/m/")[1]
        for leaked in (secret, rid, "counted@example.net", server.api_key, TOKEN):
            self.assertNotIn(leaked, text)

    def test_a_scrape_without_the_token_is_refused(self):
        status, text = scrape(self.server, token=None)
        self.assertEqual(status, 401)
        self.assertNotIn("sealpost_", text)
        status, _ = scrape(self.server, token="wrong-token-0123456789")
        self.assertEqual(status, 401)

    def test_prometheus_scrapes_it(self):
        server = self.server
        work = os.path.join(server.tmp, "prometheus")
        os.makedirs(work)
        with open(os.path.join(work, "token"), "w") as f:
            f.write(TOKEN)
        config = os.path.join(work, "prometheus.yml")
        with open(config, "w") as f:
            f.write(f"""global:
  scrape_interval: 1s
scrape_configs:
  - job_name: sealpost
    authorization:
      credentials_file: {work}/token
    static_configs:
      - targets: ["127.0.0.1:{server.metrics_port}"]
""")
        port = free_port()
        with open(os.path.join(work, "log"), "wb") as log:
            prometheus = subprocess.Popen(
                ["prometheus", "--config.file", config, "--storage.tsdb.path", work + "/data",
                 "--web.listen-address", f"127.0.0.1:{port}"], stdout=log, stderr=log)
        try:
            def up():
                query = urllib.parse.urlencode({"query": 'up{job="sealpost"}'})
                try:
                    with urllib.request.urlopen(
                            f"http://127.0.0.1:{port}/api/v1/query?{query}", timeout=5) as r:
                        result = json.load(r)["data"]["result"]
                except (OSError, ValueError):
                    return None
                return result and result[0]["value"][1] == "1"
            wait_for(up, timeout=60, what="Prometheus scraping sealpost")
            query = urllib.parse.urlencode({"query": "sealpost_queue_entries"})
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/query?{query}",
                                        timeout=5) as r:
                states = {s["metric"]["state"] for s in json.load(r)["data"]["result"]}
            self.assertEqual(states, {"queued", "in_flight", "deferred", "standby"})
        finally:
            prometheus.terminate()
            prometheus.wait(timeout=30)


class LogTest(unittest.TestCase):
    """The json format: one object a line, the request id the client saw (X-Request-Id)
    and the SMTP session's id as fields; and the harness's leak check is not vacuous."""

    def setUp(self):
        self.server = Sealpost(settings={"log.format": '"json"'}).start()
        self.addCleanup(self.server.cleanup)

    def entries(self):
        return [json.loads(line) for line in self.server.log().splitlines()
                if line.startswith("{")]

    def test_json_lines_carry_the_request_and_session_ids(self):
        server = self.server
        r = server.api("POST", "/api/v1/messages", json.dumps(
            {"from": "a@clinic.example", "to": ["p@example.net"], "text": "hello there",
             "options": {"escrow": {"question": "Q?", "answer": "an answer"}}}))
        self.assertEqual(r.status, 202)
        request_id = r.header("x-request-id")
        self.assertRegex(request_id, r"^[0-9a-f]{16}$")
        self.assertNotEqual(server.get("/healthz").header("x-request-id"), request_id)
        line = wait_for(lambda: [e for e in self.entries() if e.get("request_id") == request_id],
                        timeout=10, what="the request's log line")[0]
        self.assertEqual(line["component"], "http")
        self.assertIn("POST /api/v1/messages 202", line["message"])
        self.assertEqual(line["level"], "info")
        self.assertRegex(line["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

        # A handler's own line carries the id of its request too.
        refused = server.api("GET", "/api/v1/messages/0123", content_type=None,
                             key="0123456789abcdef:not-a-secret")
        self.assertEqual(refused.status, 401)
        refused_id = refused.header("x-request-id")
        lines = wait_for(lambda: [e for e in self.entries() if e.get("request_id") == refused_id
                                  and e["component"] == "api"],
                         timeout=10, what="the handler's log line")
        self.assertIn("authentication failed", lines[0]["message"])
        self.assertEqual(lines[0]["level"], "warning")

        raw = Raw(server.smtps_port, implicit=True)
        raw.send(b"EHLO x\r\nAUTH PLAIN AHNvbWVvbmUAd3JvbmctcGFzc3dvcmQ=\r\n")
        raw.reply()
        self.assertTrue(raw.reply().startswith("5"))
        failed = wait_for(lambda: [e for e in self.entries() if "failed login" in e["message"]],
                          timeout=10, what="the failed login's log line")[0]
        self.assertEqual(failed["component"], "smtp")
        self.assertRegex(failed["session_id"], r"^[0-9a-f]{16}$")
        self.assertEqual(failed["level"], "warning")

    def test_the_leak_check_finds_what_is_in_the_log(self):
        self.server.get("/healthz")
        wait_for(lambda: "/healthz" in self.server.log(), timeout=10, what="a log line")
        self.server.keep_secret("GET /healthz 200")
        with self.assertRaises(AssertionError):
            self.server.check_log()
        self.server.secrets.discard("GET /healthz 200")


def notice_link_in(outboxes, address):
    """The portal link of `address`'s notice, from whichever outbox holds one."""
    for outbox in outboxes:
        for path in sorted(glob.glob(os.path.join(outbox, "*.eml"))):
            with open(path, "rb") as f:
                msg = email.message_from_bytes(f.read(), policy=email.policy.default)
            if msg["To"] == address:
                return notice_link(msg)
    return None


class BackupTest(unittest.TestCase):
    """A backup taken while messages keep arriving, restored into a fresh directory: every
    message acknowledged before the backup began opens there, and every queued one is
    delivered."""

    def setUp(self):
        self.server = Sealpost().start()
        self.addCleanup(self.server.cleanup)
        self.restored = Sealpost()
        self.addCleanup(self.restored.cleanup)

    def send(self, i):
        body = {"from": "a@clinic.example", "to": [f"r{i}@example.net"], "subject": "Results",
                "text": f"Result number {i} is fine.",
                "options": {"escrow": {"question": "Your code?", "answer": f"answer-{i}-{i}"}}}
        r = self.server.api("POST", "/api/v1/messages", json.dumps(body))
        self.assertEqual(r.status, 202, r.text)
        return json.loads(r.body)["id"]

    def test_a_backup_under_load_restores_every_acknowledged_message(self):
        server, restored = self.server, self.restored
        acked = []  # (acknowledged at, index, message id)
        stop = threading.Event()
        errors = []

        def load():
            i = 0
            while not stop.is_set():
                try:
                    message_id = self.send(i)
                    acked.append((time.time(), i, message_id))
                except Exception as e:  # noqa: BLE001 (reported below)
                    errors.append(e)
                    return
                i += 1

        sender = threading.Thread(target=load)
        sender.start()
        try:
            wait_for(lambda: len(acked) >= 8, what="messages before the backup")
            backup_dir = os.path.join(server.tmp, "backup")
            # A removed blob's emptied file, kept for reuse (.spare): no blob, not copied.
            spare = os.path.join(server.data, "blobs", ".spare", "0123456789abcdef")
            open(spare, "w").close()
            began = time.time()
            code, out, err = server.admin("backup", backup_dir)
            self.assertEqual(code, 0, out + err)
            self.assertFalse(os.path.exists(os.path.join(backup_dir, "blobs", ".spare")))
            self.assertIn("master key", out)  # says it is not in the backup
            # More mail after the backup's point, still flowing.
            count = len(acked)
            wait_for(lambda: len(acked) >= count + 3, what="messages after the backup")
        finally:
            stop.set()
            sender.join(timeout=120)
        self.assertEqual(errors, [])
        before = [(i, mid) for at, i, mid in acked if at < began]
        self.assertGreaterEqual(len(before), 8)
        self.assertEqual(server.stop(), 0)

        # A restore needs the master key kept apart, into a place that is fresh.
        config = os.path.join(restored.tmp, "restored", "config.toml")
        code, out, err = restored.admin("restore", backup_dir, config_path=config)
        self.assertEqual(code, 2, out + err)
        self.assertIn("--master-key", err)
        code, out, err = restored.admin("restore", backup_dir, "--master-key",
                                        os.path.join(server.data, "master.key"),
                                        config_path=config)
        self.assertEqual(code, 0, out + err)
        code, out, err = restored.admin("restore", backup_dir, "--master-key",
                                        os.path.join(server.data, "master.key"),
                                        config_path=config)
        self.assertEqual(code, 2, out + err)
        self.assertIn("fresh place", err)

        # The restored copy runs on ports of its own, chosen now: ports chosen when the test
        # began may have been taken meanwhile by a test running beside this one.
        restored.port, restored.smtp_port, restored.smtps_port, restored.metrics_port = (
            free_port(), free_port(), free_port(), free_port())
        restored.base = f"https://localhost:{restored.port}"
        with open(config) as f:
            text = f.read()
        for key, old, new in (("port", server.port, restored.port),
                              ("submission_port", server.smtp_port, restored.smtp_port),
                              ("implicit_tls_port", server.smtps_port, restored.smtps_port),
                              ("port", server.metrics_port, restored.metrics_port)):
            text, n = re.subn(rf"^{key} = {old}\b", f"{key} = {new}", text, flags=re.M)
            self.assertEqual(n, 1, key)
        with open(config, "w") as f:
            f.write(text)
        restored.config = config
        restored.data = os.path.dirname(config)
        restored.log_format = re.search(r'^format = "(\w+)"', text, flags=re.M).group(1)
        restored.start()

        outboxes = [os.path.join(server.data, "outbox"), os.path.join(restored.data, "outbox")]
        for i, message_id in before:
            status = restored.api("GET", f"/api/v1/messages/{message_id}", content_type=None,
                                  key=server.api_key)
            self.assertEqual(status.status, 200, status.text)
            link = wait_for(lambda: notice_link_in(outboxes, f"r{i}@example.net"),
                            what=f"the notice of message {i}")
            rid, page = restored.open_link(link)
            self.assertEqual(restored.answer(rid, page, f"answer-{i}-{i}").status, 303)
            opened = restored.get(f"/r/{rid}", cookies=True)
            self.assertIn(f"Result number {i} is fine.", opened.text)
        # Whatever the copy had queued leaves.
        wait_for(lambda: restored.sql("SELECT count(*) FROM queue WHERE state IN "
                                      "('queued', 'deferred', 'in_flight')")[0][0] == 0,
                 what="the restored queue to empty")
        # The trail says who took the backup (in the copy too: it was recorded first) and
        # who brought it back; the restored chain still verifies.
        backups = restored.sql("SELECT details FROM audit_log WHERE action = 'admin.backup'")
        self.assertEqual(len(backups), 1)
        self.assertEqual(json.loads(backups[0][0]), {"directory": backup_dir,
                                                     "master_key": False})
        restores = restored.sql("SELECT actor_kind, details FROM audit_log "
                                "WHERE action = 'admin.restore'")
        self.assertEqual(len(restores), 1)
        self.assertEqual(restores[0][0], "admin_cli")
        self.assertEqual(json.loads(restores[0][1])["backup"], backup_dir)
        code, out, err = restored.admin("audit", "verify")
        self.assertEqual(code, 0, out + err)


class AdminCheckTest(unittest.TestCase):
    """`admin check` names what to fix: a key file others can read, a self-signed
    certificate, a DKIM key that DNS publishes differently, a missing TLS-RPT record."""

    def test_check_says_what_to_fix(self):
        server = Sealpost()
        self.addCleanup(server.cleanup)
        set_up_sender(server, "a@clinic.example")
        published = {}
        for algorithm in ("rsa", "ed25519"):
            code, out, err = server.admin("dkim", "create", "clinic.example",
                                          "--algorithm", algorithm)
            self.assertEqual(code, 0, err)
            name, strings = re.search(r"^(\S+)\. IN TXT \((.*)\)$", out, re.M).groups()
            published[name] = "".join(re.findall(r'"([^"]*)"', strings))
        rsa_name = [n for n in published if "rsa" in n][0]
        ed_name = [n for n in published if "ed25519" in n][0]
        rsa = published[rsa_name]
        strings = " ".join(f'"{rsa[i:i + 255]}"' for i in range(0, len(rsa), 255))
        records = [f'{rsa_name}. IN TXT {strings}',
                   # The ed25519 record of an older key: not the one that signs.
                   f'{ed_name}. IN TXT "v=DKIM1; k=ed25519; p=b2xkZXIga2V5IG5vdCB0aGlzIG9uZQ=="',
                   '_mta-sts.clinic.example. IN TXT "v=STSv1; id=20261203"']
        dns = peers.Unbound(records).start()
        self.addCleanup(dns.cleanup)
        with open(server.config) as f:
            text = f.read()
        with open(server.config, "w") as f:
            text = re.sub(r'^resolver = ""', f'resolver = "{dns.address}"', text, flags=re.M)
            # The test zones are not signed: no DNSSEC validation.
            f.write(re.sub(r'^dnssec_trust_anchor = .*$', 'dnssec_trust_anchor = ""', text,
                           flags=re.M))

        code, out, err = server.admin("check")
        self.assertEqual(code, 1, out + err)
        lines = out.splitlines()

        def line(level, subject, text):
            found = [l for l in lines if l.startswith(f"{level}  {subject}: ") and text in l]
            self.assertEqual(len(found), 1, (level, subject, text, out))

        line("ok  ", "master key", "(0600)")
        line("warn", "certificate", "self-signed")
        line("ok  ", "certificate", "is valid for")
        line("ok  ", "DKIM clinic.example (rsa-sha256, active)", "publishes the key")
        line("FAIL", "DKIM clinic.example (ed25519-sha256, active)", "publishes another key")
        line("ok  ", "clinic.example", "_mta-sts.clinic.example is published")
        line("warn", "clinic.example", "_smtp._tls.clinic.example is missing")
        self.assertIn("1 to fix", out)

        # Key files others can read are failures, each with its fix.
        os.chmod(os.path.join(server.data, "tls", "key.pem"), 0o644)
        code, out, err = server.admin("check", "--no-dns")
        self.assertEqual(code, 1, out + err)
        self.assertRegex(out, r"FAIL  TLS private key: .*key\.pem has mode 0644: others can "
                              r"read it\. Fix: chmod 600 ")
        self.assertNotIn("DKIM clinic.example", out)  # --no-dns
        # Each run is on record with what it found (counts, never the findings' words).
        runs = [json.loads(d) for (d,) in server.sql(
            "SELECT details FROM audit_log WHERE action = 'admin.check' AND actor_kind = "
            "'admin_cli' ORDER BY seq")]
        self.assertEqual((runs[0]["to_fix"], runs[0]["dns"]), (1, True))
        self.assertGreaterEqual(runs[0]["warnings"], 2)
        self.assertEqual(runs[-1]["dns"], False)
        self.assertGreaterEqual(runs[-1]["to_fix"], 1)
        os.chmod(os.path.join(server.data, "master.key"), 0o644)
        code, out, err = server.admin("check", "--no-dns")
        self.assertEqual(code, 1, out + err)
        self.assertRegex(out, r"FAIL  configuration: .*master\.key must not be readable by group "
                              r"or others \(chmod 600\)")


def refuses(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        return False
    except ConnectionRefusedError:
        return True


if __name__ == "__main__":
    unittest.main()
