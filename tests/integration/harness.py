"""Starts a real sealpost on a free loopback port and talks to it with curl.

Every server is started and stopped by the test that needs it, with bounded waits.
Servers log in the text and json formats by turns, so the whole suite runs under both;
when a server is cleaned up its log is checked: json lines parse, and no secret the
harness saw go in (API keys, answers, passwords, content, link secrets) is in it.
"""
import atexit
import email
import email.policy
import glob
import itertools
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
from urllib.parse import urlparse

import openapi

BIN = os.environ.get("SEALPOST_BIN", "../../build/asan/src/app/sealpost")

SECURITY_HEADERS = {
    "strict-transport-security": "max-age=",
    "content-security-policy": "frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


LOG_FORMATS = itertools.cycle(("text", "json"))
# Where secrets are looked for in requests: JSON members and form fields of these names.
SECRET_FIELDS = {"answer", "text", "html", "password", "new_password", "content", "code",
                 "client_secret", "token", "secret", "credentials", "access_token"}
MIN_SECRET = 8         # shorter values ("A", "x") occur in any log by chance
MAX_SECRETS = 2000     # benchmarks send thousands; a sample is enough
TEXT_LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3} (trace|debug|info|warning|error|critical) ")


class PortTaken(Exception):
    """The server could not listen: another process took a port chosen for it."""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Response:
    def __init__(self, status, headers, body, cookies):
        self.status = status
        self.headers = headers  # lower-case name -> list of values
        self.body = body        # bytes
        self.cookies = cookies  # raw Set-Cookie values

    def header(self, name):
        values = self.headers.get(name.lower())
        return values[0] if values else None

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")


_CLUSTER = None
_DATABASES = itertools.count(1)


def shared_cluster():
    """One PostgreSQL cluster for the test process, stopped at exit: with
    SEALPOST_TEST_POSTGRES=1 every server of a suite runs on a database of its own there."""
    global _CLUSTER
    if _CLUSTER is None:
        import pg  # only when asked for: most runs need no PostgreSQL
        _CLUSTER = pg.Cluster()
        atexit.register(_CLUSTER.stop)
    return _CLUSTER


class Sealpost:
    """A sealpost data directory and, once started, its server."""

    def __init__(self, dev=False, settings=None, database=None):
        """`database`: a PostgreSQL URI (pg.Cluster) instead of SQLite in the data directory."""
        self.tmp = tempfile.mkdtemp(prefix="sealpost-it-")
        self.data = os.path.join(self.tmp, "data")
        init = [BIN, "init", "--dir", self.data]
        if database is None and os.environ.get("SEALPOST_TEST_POSTGRES"):
            database = shared_cluster().create_database(f"it{next(_DATABASES)}")
        if database:
            init += ["--database", database]
        out = subprocess.run(init, capture_output=True, text=True, timeout=60,
                             check=True).stdout
        self.api_key = re.search(r"API key \(shown once, keep it safe\): (\S+)", out).group(1)
        self.secrets = {self.api_key, self.api_key.split(":")[-1]}
        self.log_format = next(LOG_FORMATS)
        self.port = free_port()
        self.base = f"https://localhost:{self.port}"
        config = os.path.join(self.data, "config.toml")
        with open(config) as f:
            text = f.read()
        text = text.replace("port = 8443", f"port = {self.port}")
        # Every test server gets its own free SMTP ports too, so tests can run in parallel.
        self.smtp_port = free_port()
        self.smtps_port = free_port()
        self.metrics_port = free_port()
        text = re.sub(r"^port = 9469", f"port = {self.metrics_port}", text, flags=re.M)
        text = re.sub(r"^submission_port = \d+", f"submission_port = {self.smtp_port}", text, flags=re.M)
        text = re.sub(r"^implicit_tls_port = \d+", f"implicit_tls_port = {self.smtps_port}", text,
                      flags=re.M)
        text = text.replace('public_url = "https://localhost:8443"', f'public_url = "{self.base}"')
        text = re.sub(r'^format = "text"', f'format = "{self.log_format}"', text, flags=re.M)
        if dev:
            text = text.replace("enabled = false", "enabled = true")
        # Mail is filed in the outbox unless a test brings mail servers of its own
        # (settings={"mode": '"smtp"', ...}).
        text = re.sub(r'^mode = "smtp"', 'mode = "outbox"', text, flags=re.M)
        for key, value in (settings or {}).items():
            # "section.key" when the key's name is used in more than one section.
            section, _, name = key.rpartition(".")
            start, end = 0, len(text)
            if section:
                start = text.index(f"[{section}]\n")
                following = text.find("\n[", start + 1)
                end = following if following >= 0 else len(text)
            part, n = re.subn(rf"^{name} = .*$", f"{name} = {value}", text[start:end], flags=re.M)
            assert n == 1, key
            text = text[:start] + part + text[end:]
        with open(config, "w") as f:
            f.write(text)
        self.log_format = re.search(r'^format = "(\w+)"', text, flags=re.M).group(1)
        self.config = config
        self.proc = None
        self.log_path = os.path.join(self.tmp, "server.log")
        self.cookie_jar = os.path.join(self.tmp, "cookies")
        self.host = None  # requests go to localhost unless set

    def another_node(self):
        """A second node of this installation (it runs on PostgreSQL): the same
        configuration, master key and TLS certificate, its own data directory and ports.
        Blobs, sessions and everything else it shares through the database."""
        other = object.__new__(Sealpost)
        other.__dict__.update(self.__dict__)
        other.tmp = tempfile.mkdtemp(prefix="sealpost-it-")
        other.data = os.path.join(other.tmp, "data")
        shutil.copytree(self.data, other.data,
                        ignore=shutil.ignore_patterns("outbox", "*.log", "blobs"))
        other.secrets = set(self.secrets)
        other.config = os.path.join(other.data, "config.toml")
        with open(other.config) as f:
            text = f.read()
        text = text.replace(self.data, other.data)
        with open(other.config, "w") as f:
            f.write(text)
        other.proc = None
        other.log_path = os.path.join(other.tmp, "server.log")
        other.cookie_jar = os.path.join(other.tmp, "cookies")
        other._move_ports()
        return other

    def start(self, args=None):
        # A port found free can be taken by another test's server before this one binds
        # it (suites run in parallel): then the server is started again on new ports.
        for attempt in range(3):
            logged = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
            try:
                return self._start_once(args)
            except PortTaken:
                if args is not None or attempt == 2:
                    raise
                with open(self.log_path, "r+b") as log:
                    log.truncate(logged)  # the refused start is no finding of the test's
                self._move_ports()

    def _move_ports(self):
        with open(self.config) as f:
            text = f.read()
        moves = {}
        for name in ("port", "smtp_port", "smtps_port", "metrics_port"):
            moves[name] = (getattr(self, name), free_port())
        http_old, http_new = moves["port"]
        text = re.sub(rf"^port = {http_old}\b", f"port = {http_new}", text, flags=re.M)
        text = text.replace(f"https://localhost:{http_old}", f"https://localhost:{http_new}")
        old, new = moves["metrics_port"]
        text = re.sub(rf"^port = {old}\b", f"port = {new}", text, flags=re.M)
        old, new = moves["smtp_port"]
        text = re.sub(rf"^submission_port = {old}\b", f"submission_port = {new}", text,
                      flags=re.M)
        old, new = moves["smtps_port"]
        text = re.sub(rf"^implicit_tls_port = {old}\b", f"implicit_tls_port = {new}", text,
                      flags=re.M)
        with open(self.config, "w") as f:
            f.write(text)
        for name, (_, new) in moves.items():
            setattr(self, name, new)
        self.base = f"https://localhost:{self.port}"

    def _start_once(self, args):
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(args or [BIN, "serve", "--config", self.config],
                                         stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                if "Address already in use" in self.log():
                    raise PortTaken()
                raise RuntimeError("sealpost exited early:\n" + self.log())
            try:
                if self.get("/healthz").status == 200:
                    return self
            except subprocess.SubprocessError:
                pass
            time.sleep(0.2)
        raise RuntimeError("sealpost did not become ready:\n" + self.log())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        return self.proc.returncode if self.proc else None

    def admin(self, *args, stdin=None, config_path=None):
        """Runs `sealpost admin`; returns (exit code, stdout, stderr)."""
        run = subprocess.run([BIN, "admin", "--config", config_path or self.config, *args],
                             input=stdin,
                             capture_output=True, text=True, timeout=120)
        for shown in re.findall(r"keep it safe\): (\S+)", run.stdout):
            self.keep_secret(shown)
        return run.returncode, run.stdout, run.stderr

    def sql(self, query, params=(), file="sealpost.db"):
        """One query against the server's SQLite database (WAL: safe while it runs)."""
        db = sqlite3.connect("file:" + os.path.join(self.data, file) + "?mode=ro",
                             uri=True, timeout=30)
        try:
            return db.execute(query, params).fetchall()
        finally:
            db.close()

    def spool_sql(self, query, params=()):
        """One query against the spool, where SMTP submissions wait (the inbound table)."""
        return self.sql(query, params, file="sealpost.spool.db")

    def keep_secret(self, value):
        """A value that must never reach the server's log."""
        if isinstance(value, str) and len(value) >= MIN_SECRET and len(self.secrets) < MAX_SECRETS:
            self.secrets.add(value)

    def keep_secrets_of(self, body):
        """The secret members of a JSON request body (answers, content, passwords)."""
        try:
            doc = json.loads(body)
        except (TypeError, ValueError):
            return
        stack = [doc]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                for k, v in node.items():
                    if k in SECRET_FIELDS:
                        self.keep_secret(v)
                    stack.append(v)
            elif isinstance(node, list):
                stack.extend(node)

    def check_log(self):
        """No secret in the log, and in json format every log line is one JSON object."""
        log = self.log()
        # A statement PostgreSQL refused is a bug of ours, whatever the test saw.
        refused = [line for line in log.splitlines() if "SQLSTATE" in line]
        if refused:
            raise AssertionError(f"PostgreSQL refused statements ({self.log_path}): {refused[:3]}")
        leaked = sorted(s for s in self.secrets if s in log)
        if leaked:
            raise AssertionError(f"secrets in the server log {self.log_path}: {leaked}")
        if self.log_format == "json":
            lines = log.splitlines()
            for line in lines:
                if line.startswith("{"):
                    entry = json.loads(line)
                    missing = {"time", "level", "component", "message"} - entry.keys()
                    if missing:
                        raise AssertionError(f"log line without {missing}: {line}")
            text_lines = [line for line in lines if TEXT_LOG_LINE.match(line)]
            if text_lines:
                raise AssertionError(f"text lines in a json log: {text_lines[:3]}")

    def cleanup(self):
        self.stop()
        try:
            self.check_log()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    # --- HTTP through curl -------------------------------------------------------
    def request(self, method, path, headers=(), data=None, data_file=None, form=(),
                files=(), cookies=False, url=None, timeout=300, host=None):
        """`host` (or `self.host`, when set): the host name the browser asks for, on
        this server's loopback port (a namespace's portal)."""
        # Files of this request's own: tests may send requests from several threads.
        fd, header_file = tempfile.mkstemp(dir=self.tmp, prefix="headers-")
        os.close(fd)
        fd, body_file = tempfile.mkstemp(dir=self.tmp, prefix="body-")
        os.close(fd)
        cmd = ["curl", "-sk", "-X", method, "-o", body_file, "-D", header_file,
               "--max-time", str(timeout), "-w", "%{http_code}"]
        for h in headers:
            cmd += ["-H", h]
        if data is not None:
            cmd += ["--data-binary", "@-"]
        if data_file is not None:
            cmd += ["--data-binary", "@" + data_file]
        for name, value in form:
            cmd += ["--data-urlencode", f"{name}={value}"]
            if name in SECRET_FIELDS:
                self.keep_secret(value)
        if data is not None and any(h.lower().startswith("content-type: application/json")
                                    for h in headers):
            self.keep_secrets_of(data)
        for spec in files:
            cmd += ["-F", spec]
        if cookies:
            cmd += ["-b", self.cookie_jar, "-c", self.cookie_jar]
        host = host or self.host
        if host and not url:
            cmd += ["--resolve", f"{host}:{self.port}:127.0.0.1"]
            url = f"https://{host}:{self.port}{path}"
        cmd.append(url or (self.base + path))
        run = subprocess.run(cmd, input=data if isinstance(data, bytes) else
                             (data.encode() if data is not None else None),
                             capture_output=True, timeout=timeout + 30)
        if run.returncode != 0:
            raise subprocess.SubprocessError(f"curl failed ({run.returncode}): {run.stderr!r}")
        headers_out, set_cookies = {}, []
        with open(header_file, "rb") as f:
            header_text = f.read().decode("latin-1")
        for line in header_text.split("\r\n"):
            if ":" in line and not line.startswith("HTTP/"):
                name, value = line.split(":", 1)
                headers_out.setdefault(name.strip().lower(), []).append(value.strip())
                if name.strip().lower() == "set-cookie":
                    set_cookies.append(value.strip())
        with open(body_file, "rb") as f:
            body = f.read()
        os.remove(header_file)
        os.remove(body_file)
        response = Response(int(run.stdout), headers_out, body, set_cookies)
        if not url and path.startswith(("/api/v1/", "/keys/")):
            sent_json = data is not None and any(
                h.lower().startswith("content-type: application/json") for h in headers)
            openapi.check(method, path, response.status, response.header("content-type"), body,
                          request=data if sent_json else None)
        return response

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def api(self, method, path, body=None, content_type="application/json", key=None, **kw):
        headers = [f"X-API-Key: {key or self.api_key}"]
        if content_type:
            headers.append(f"Content-Type: {content_type}")
        return self.request(method, path, headers=headers, data=body, **kw)

    # --- The outbox: the recipient's mailbox in these tests ------------------------
    def notices(self):
        return sorted(glob.glob(os.path.join(self.data, "outbox", "*.eml")))

    def wait_for_notices(self, count, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = self.notices()
            if len(found) >= count:
                return found
            time.sleep(0.1)
        raise AssertionError(f"expected {count} notices, found {len(self.notices())}")

    # --- The recipient in the portal -------------------------------------------------
    def open_notice(self, address):
        """Follows the link in `address`'s notice, as that recipient in a fresh browser;
        returns (recipient id, the page it leads to)."""
        return self.open_link(notice_link(self.notice_for(address)))

    def open_link(self, link):
        """Follows a portal link in a fresh browser; returns (recipient id, the page)."""
        if os.path.exists(self.cookie_jar):
            os.remove(self.cookie_jar)
        r = self.get(urlparse(link).path, cookies=True)
        location = r.header("location")
        return location.split("/")[-1], self.get(location, cookies=True)

    def answer(self, rid, page, answer):
        """Submits `answer` on a question page."""
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        return self.post(f"/r/{rid}", form=[("csrf", csrf), ("answer", answer)], cookies=True)

    def notice_for(self, address, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for path in self.notices():
                with open(path, "rb") as f:
                    msg = email.message_from_bytes(f.read(), policy=email.policy.default)
                if msg["To"] == address:
                    link = re.search(r"/m/[^.\s]+\.([A-Za-z0-9_-]{20,})", msg.as_string())
                    if link:
                        self.keep_secret(link.group(1))
                    return msg
            time.sleep(0.1)
        raise AssertionError(f"no notice for {address}")


def notice_link(msg):
    """The portal link in a notice's plain-text part."""
    text = msg.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https://\S+/m/\S+", text).group(0)
