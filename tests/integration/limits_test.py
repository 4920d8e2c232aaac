"""Issue 18.6 against the real binary: no one client takes the gateway down. Credentials
are checked from the header before any body is read; connections are capped per client
address, and a client that connects and says nothing is let go after 10 s; request
bodies buffered in memory share a budget (503 with Retry-After beyond it).
Each test that fills a limit has a server of its own."""
import json
import os
import smtplib
import signal
import socket
import sqlite3
import ssl
import subprocess
import threading
import time
import unittest

from harness import Sealpost


def tls_socket(server, source="127.0.0.1"):
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=30,
                                   source_address=(source, 0))
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx.wrap_socket(raw, server_hostname="localhost")


def read_response_head(sock, timeout=30):
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def add_clinic(test, server):
    """The account, domain and sender dr@clinic.example, sending in clear where no
    other way is found."""
    for a in (["account", "create", "Clinic"],
              ["domain", "create", "clinic.example", "--account", "Clinic"],
              ["user", "create", "dr@clinic.example"],
              ["settings", "set", "domain", "clinic.example", "failure_action=send-plain"]):
        code, _, err = server.admin(*a)
        test.assertEqual(code, 0, err)


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(field + " not found")


class UnauthenticatedBodiesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Sealpost().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def upload(self, headers, size, results):
        """Announces a `size`-byte body and sends as much of it as the server takes."""
        try:
            sock = tls_socket(self.server)
            sock.sendall(("POST /api/v1/address-books/account:x:y/import HTTP/1.1\r\n"
                          "Host: localhost\r\nContent-Type: text/csv\r\n" + headers +
                          f"Content-Length: {size}\r\n\r\n").encode())
            chunk = b"a,b,c\n" * 10922
            sent, head = 0, b""
            sock.settimeout(0.5)
            while sent < size:
                try:
                    sent += sock.send(chunk[:size - sent])
                except (socket.timeout, ssl.SSLWantWriteError):
                    break  # the server stopped reading: the answer is waiting
                except OSError:
                    break
            head = read_response_head(sock)
            results.append((head, sent))
            sock.close()
        except OSError as e:
            results.append((repr(e).encode(), 0))

    def test_the_key_is_checked_before_the_body_is_read(self):
        pid = self.server.proc.pid
        before = rss_kib(pid)
        results, threads = [], []
        for i in range(32):
            key = "X-API-Key: nope:nope\r\n" if i % 2 else ""
            t = threading.Thread(target=self.upload, args=(key, 60 * 1024 * 1024, results))
            t.start()
            threads.append(t)
        for t in threads:
            t.join(120)
        self.assertEqual(len(results), 32)
        for head, sent in results:
            self.assertTrue(head.startswith(b"HTTP/1.1 401"), head[:200])
            self.assertIn(b"application/problem+json", head)
            self.assertIn(b"WWW-Authenticate: ", head)
            self.assertIn(b"X-API-Key", head.split(b"WWW-Authenticate: ")[1].split(b"\r\n")[0])
            self.assertLess(sent, 60 * 1024 * 1024)  # refused without the body
        grown_mib = (rss_kib(pid) - before) / 1024
        # Each refused upload costs a connection's buffers, not its 60 MB (1.85 GiB before).
        self.assertLess(grown_mib, 100, f"RSS grew {grown_mib:.0f} MiB")
        # And the server still answers a real request.
        self.assertEqual(self.server.get("/healthz").status, 200)


class ConnectionCapTest(unittest.TestCase):
    def setUp(self):
        self.server = Sealpost(settings={"server.max_connections_per_client": "50"}).start()
        self.addCleanup(self.server.cleanup)

    def test_one_address_cannot_shut_others_out(self):
        idle = []
        for _ in range(1000):
            idle.append(socket.create_connection(("127.0.0.1", self.server.port), timeout=10))
        self.addCleanup(lambda: [s.close() for s in idle])
        # Beyond the cap the server lets go at once (the 51st on is closed unread).
        last = idle[-1]
        last.settimeout(5)
        self.assertEqual(last.recv(1), b"")
        # Another client (another loopback address) is served at once.
        started = time.monotonic()
        other = subprocess.run(["curl", "-sk", "--interface", "127.0.0.2", "-o", "/dev/null",
                                "-w", "%{http_code}", "--max-time", "20",
                                f"https://localhost:{self.server.port}/healthz"],
                               capture_output=True, text=True, timeout=30)
        elapsed = time.monotonic() - started
        self.assertEqual(other.stdout, "200", other.stderr)
        self.assertLess(elapsed, 5.0)
        # A connection within the cap that never starts TLS is let go after 10 s.
        first = idle[0]
        first.settimeout(20)
        started = time.monotonic()
        self.assertEqual(first.recv(1), b"")
        self.assertLess(time.monotonic() - started, 15)
        # Shut down with connections still pending: a clean exit (ASan would fail it on a
        # session touching the server's state after it is gone).
        self.assertEqual(self.server.stop(), 0, self.server.log()[-3000:])


class BodyBudgetTest(unittest.TestCase):
    def setUp(self):
        self.server = Sealpost(settings={"max_body_memory_bytes": str(1024 * 1024)}).start()
        self.addCleanup(self.server.cleanup)

    def test_buffered_bodies_beyond_the_budget_get_503(self):
        key = self.server.api_key
        head = ("POST /api/v1/address-books/account:x:y/import HTTP/1.1\r\nHost: localhost\r\n"
                f"X-API-Key: {key}\r\nContent-Type: text/csv\r\n")
        # A first upload holds 700 KiB of the 1 MiB budget while its body trickles in.
        holder = tls_socket(self.server)
        holder.sendall((head + f"Content-Length: {700 * 1024}\r\n\r\n").encode() + b"a,b,c\n")
        time.sleep(0.5)  # the server is reading its body now
        second = tls_socket(self.server)
        second.sendall((head + f"Content-Length: {700 * 1024}\r\n\r\n").encode())
        answer = read_response_head(second)
        self.assertTrue(answer.startswith(b"HTTP/1.1 503"), answer[:200])
        self.assertIn(b"Retry-After: 5", answer)
        self.assertIn(b"application/problem+json", answer)
        second.close()
        # Once the first is done, the budget is back.
        holder.close()
        deadline = time.time() + 10
        while True:
            r = self.server.api("POST", "/api/v1/address-books/account:x:y/import",
                                "address,question,answer\n", content_type="text/csv")
            if r.status != 503 or time.time() > deadline:
                break
            time.sleep(0.2)
        self.assertNotEqual(r.status, 503, r.text)


SLOW_FSYNC = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
/* A slow disk for one directory: fsync and fdatasync of files under SLOW_FSYNC_UNDER
   take SLOW_FSYNC_MS longer. Everything else is untouched. */
static int slowed(int fd) {
  char link[64], path[4096];
  const char* under = getenv("SLOW_FSYNC_UNDER");
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, path, sizeof path - 1);
  if (!under || n <= 0) return 0;
  path[n] = 0;
  if (strstr(path, under) == NULL) return 0;
  usleep(1000 * atoi(getenv("SLOW_FSYNC_MS")));
  return 1;
}
int fsync(int fd) {
  static int (*real)(int);
  if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
  slowed(fd);
  return real(fd);
}
int fdatasync(int fd) {
  static int (*real)(int);
  if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
  slowed(fd);
  return real(fd);
}
"""


class SlowDiskTest(unittest.TestCase):
    """Uploads are encrypted and written on the worker pool: a slow disk under the blob
    store slows that upload, not everyone else's requests."""

    def setUp(self):
        self.server = Sealpost()
        self.addCleanup(self.server.cleanup)
        shim = os.path.join(self.server.tmp, "slow_fsync.so")
        source = os.path.join(self.server.tmp, "slow_fsync.c")
        with open(source, "w") as f:
            f.write(SLOW_FSYNC)
        subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", shim, source, "-ldl"],
                       check=True, timeout=60)
        saved = dict(os.environ)
        os.environ.update({
            "LD_PRELOAD": shim, "SLOW_FSYNC_UNDER": os.path.join(self.server.data, "blobs"),
            "SLOW_FSYNC_MS": "2500",
            # The shim comes before ASan's runtime in the test build: allowed here.
            "ASAN_OPTIONS": (saved.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0").strip(":")})
        try:
            self.server.start()
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def test_a_slow_blob_store_does_not_stall_other_requests(self):
        note = os.path.join(self.server.tmp, "scan.txt")
        with open(note, "w") as f:
            f.write("scan results\n")
        result = {}

        def upload():
            started = time.monotonic()
            r = self.server.request("POST", "/api/v1/messages", headers=[
                f"X-API-Key: {self.server.api_key}"], files=[
                'message={"from": "lab@clinic.example", "to": ["marge@example.net"], '
                '"text": "Scan attached", "options": {"escrow": {"question": "Q?", '
                '"answer": "A"}}};type=application/json', f"file=@{note};type=text/plain"])
            result["status"], result["seconds"] = r.status, time.monotonic() - started

        thread = threading.Thread(target=upload)
        thread.start()
        slowest = 0.0
        while thread.is_alive():
            started = time.monotonic()
            self.assertEqual(self.server.get("/healthz").status, 200)
            slowest = max(slowest, time.monotonic() - started)
            time.sleep(0.05)
        thread.join()
        self.assertEqual(result["status"], 202)
        # The disk really was slow for the upload (its blobs' fsyncs) ...
        self.assertGreater(result["seconds"], 2.5)
        # ... and nobody else waited for it.
        self.assertLess(slowest, 1.5, f"/healthz took {slowest:.2f} s beside a slow upload")


class BacklogTest(unittest.TestCase):
    """Issue 19.6: acceptance cannot run ahead of delivery without bound. A receiving
    server that accepts connections and never answers keeps every copy in flight; past
    the refusal limit SMTP answers 452 4.3.1 (nothing stored) and the API 503 with
    Retry-After, and both the admin command and the API show the backlog."""

    def setUp(self):
        self.silent = socket.socket()
        self.silent.bind(("127.0.0.1", 0))
        self.silent.listen(64)  # accepted by the kernel, never answered
        port = self.silent.getsockname()[1]
        self.server = Sealpost(settings={
            "mode": '"smtp"', "transport": f'["* = 127.0.0.1:{port} tls=none"]',
            "trusted_networks": '["127.0.0.1/32"]', "backlog_slow_down": "1",
            "backlog_refuse": "3", "in_flow_delay_ms": "50"})
        add_clinic(self, self.server)
        self.server.start()

    def tearDown(self):
        self.server.cleanup()
        self.silent.close()

    def smtp(self, n):
        with smtplib.SMTP("127.0.0.1", self.server.smtp_port, timeout=30) as s:
            s.ehlo("client.example")
            s.mail("dr@clinic.example")
            s.rcpt(f"pat{n}@example.net")
            code, reply = s.data(f"From: dr@clinic.example\r\nTo: pat{n}@example.net\r\n"
                                 f"Subject: {n}\r\n\r\nresults\r\n".encode())
            return code, reply.decode()

    def test_past_the_limit_mail_is_refused_for_now_and_the_backlog_is_shown(self):
        replies = []
        deadline = time.time() + 60
        while not replies or replies[-1][0] != 452:
            self.assertLess(time.time(), deadline, f"never refused: {replies}")
            replies.append(self.smtp(len(replies)))
            time.sleep(0.2)
        self.assertGreaterEqual(len(replies), 4)  # three waited before any refusal
        self.assertTrue(all(code == 250 for code, _ in replies[:-1]), replies)
        self.assertEqual(replies[-1][1], "4.3.1 Too much mail is waiting to be sent; try again later")
        accepted = len(replies) - 1
        self.assertEqual(self.server.spool_sql("SELECT count(*) FROM inbound")[0][0] +
                         self.server.sql("SELECT count(*) FROM queue")[0][0], accepted)

        r = self.server.request("POST", "/api/v1/messages",
                                headers=[f"X-API-Key: {self.server.api_key}",
                                         "Content-Type: application/json"],
                                data='{"from": "dr@clinic.example", "to": ["pat@example.net"], '
                                     '"subject": "x", "text": "y"}')
        self.assertEqual(r.status, 503, r.text)
        self.assertEqual(r.header("retry-after"), "60")
        self.assertEqual(json.loads(r.body)["title"], "Too much mail waiting")
        self.assertEqual(self.server.sql("SELECT count(*) FROM messages")[0][0], accepted)

        r = self.server.request("GET", "/api/v1/queue/backlog",
                                headers=[f"X-API-Key: {self.server.api_key}"])
        self.assertEqual(r.status, 200, r.text)
        backlog = json.loads(r.body)
        self.assertEqual(backlog["waiting"], accepted)
        self.assertEqual((backlog["slow_down_at"], backlog["refuse_at"]), (1, 3))
        self.assertEqual(backlog["state"], "refusing new mail")
        code, out, err = self.server.admin("queue", "list")
        self.assertEqual(code, 0, err)
        self.assertRegex(out, r"backlog: \d+ submissions to process, \d+ entries to send "
                              r"\(slows acceptance at 1, refuses at 3\): refusing new mail")


class BusyWorkerPoolTest(unittest.TestCase):
    """Issue 19.5: every piece of blocking work, the portal's too, goes through the one
    bounded worker pool. With one worker and room for one piece of work, a request whose
    database write waits on a lock holds the pool; a portal page meanwhile gets the busy
    page (503, Retry-After) at once instead of queueing without bound, and is served
    again as soon as the pool is free."""

    def setUp(self):
        self.server = Sealpost(settings={"worker_threads": "1", "max_waiting_work": "1"})
        add_clinic(self, self.server)
        self.server.start()

    def tearDown(self):
        self.server.cleanup()

    def test_a_portal_page_gets_503_while_the_pool_is_full(self):
        confirm = "/account/confirm/" + "ab" * 16
        self.assertEqual(self.server.get(confirm).status, 404)  # a dead link, looked up
        lock = sqlite3.connect(os.path.join(self.server.data, "sealpost.db"), timeout=30,
                               isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")  # every write of the server's now waits
        sent = {}

        def send():
            sent["r"] = self.server.request(
                "POST", "/api/v1/messages",
                headers=[f"X-API-Key: {self.server.api_key}", "Content-Type: application/json"],
                data='{"from": "dr@clinic.example", "to": ["pat@example.net"], '
                     '"subject": "x", "text": "y", "options": {"escrow": '
                     '{"question": "Your date of birth?", "answer": "1970-01-01"}}}')

        sender = threading.Thread(target=send)
        sender.start()
        try:
            # The pool is full from when the send's write starts waiting for the lock (after
            # its Argon2id, slow under ASan on a busy machine) for 5 s: polled until then.
            # A poll that reached the pool first gets the send refused (503): sent again.
            deadline = time.time() + 30
            while True:
                r = self.server.get(confirm)
                if r.status == 503 or time.time() > deadline:
                    break
                if not sender.is_alive() and sent["r"].status == 503:
                    sender = threading.Thread(target=send)
                    sender.start()
                time.sleep(0.05)
            self.assertEqual(r.status, 503, r.text)
            self.assertEqual(r.header("retry-after"), "5")
            self.assertIn("The service is busy", r.text)
        finally:
            lock.execute("COMMIT")
            lock.close()
            sender.join(timeout=30)
        self.assertEqual(sent["r"].status, 202, sent["r"].text)  # it waited, then went on
        self.assertEqual(self.server.get(confirm).status, 404)  # served again

class ReadinessTest(unittest.TestCase):
    """/readyz asks each part (database, blob store, queue runner, submission processor,
    SMTP listeners and spool) and says which is not ready, and why in a few words, with a
    503 — never a path or a system error (the route needs no credential). This test
    breaks the blob store: its own server."""

    def setUp(self):
        self.server = Sealpost().start()
        self.addCleanup(self.server.cleanup)

    def readyz(self, until=None):
        """The answer; with `until`, the first with that status (the checks run at most
        once a second, so a change shows within one), waited for at most 10 s."""
        deadline = time.time() + 10
        while True:
            r = self.server.get("/readyz")
            if until is None or r.status == until or time.time() > deadline:
                return r.status, r, json.loads(r.body)
            time.sleep(0.1)

    def test_readyz_names_the_part_that_is_not_ready(self):
        status, _, body = self.readyz()
        self.assertEqual(status, 200, body)
        self.assertEqual(body["status"], "ready")
        self.assertEqual(body["checks"], {"database": "ok", "blobs": "ok", "queue": "ok",
                                          "submission": "ok", "smtp": "ok", "spool": "ok"})
        # The blob store's directory becomes a file: nothing can be written under it.
        blobs = os.path.join(self.server.data, "blobs")
        os.rename(blobs, blobs + ".away")
        with open(blobs, "w") as f:
            f.write("not a directory")
        status, r, body = self.readyz(until=503)
        self.assertEqual(status, 503, body)
        self.assertIn("application/problem+json", r.header("Content-Type"))
        self.assertEqual(r.header("Retry-After"), "5")
        self.assertEqual(body["checks"]["blobs"], "cannot write")
        self.assertEqual(body["checks"]["database"], "ok")
        self.assertEqual(body["detail"], "blobs: cannot write")
        self.assertNotIn(self.server.tmp, json.dumps(body))
        # Put back, ready again; /healthz answered all along.
        os.remove(blobs)
        os.rename(blobs + ".away", blobs)
        self.assertEqual(self.readyz(until=200)[0], 200)
        self.assertEqual(self.server.get("/healthz").status, 200)

class ShutdownTest(unittest.TestCase):
    """SIGTERM: the listener closes at once, a request under way still gets its answer
    (saying "Connection: close"), and the process exits cleanly. Stops its own server."""

    def setUp(self):
        self.server = Sealpost().start()
        self.addCleanup(self.server.cleanup)

    def test_sigterm_lets_a_request_under_way_finish(self):
        body = json.dumps({"from": "bench@clinic.example", "to": ["patient@example.net"],
                           "subject": "Results", "text": "All fine.",
                           "options": {"escrow": {"question": "Q?", "answer": "benchmark"}}})
        sock = tls_socket(self.server)
        sock.sendall((f"POST /api/v1/messages HTTP/1.1\r\nHost: localhost\r\n"
                      f"X-API-Key: {self.server.api_key}\r\nContent-Type: application/json\r\n"
                      f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n").encode())
        # "100 Continue": the server has the request (its key checked), not yet its body.
        self.assertTrue(read_response_head(sock).startswith(b"HTTP/1.1 100"))
        self.server.proc.send_signal(signal.SIGTERM)
        # The listener closes: a new connection is refused (waited for, bounded).
        deadline = time.time() + 20
        refused = False
        while time.time() < deadline and not refused:
            try:
                socket.create_connection(("127.0.0.1", self.server.port), timeout=5).close()
                time.sleep(0.05)
            except ConnectionRefusedError:
                refused = True
        self.assertTrue(refused, "still accepting connections after SIGTERM")
        sock.sendall(body.encode())
        head = read_response_head(sock)
        self.assertTrue(head.startswith(b"HTTP/1.1 202"), head[:300])
        self.assertIn(b"connection: close", head.lower())
        sock.close()
        self.assertEqual(self.server.proc.wait(timeout=30), 0)
        self.assertEqual(self.server.sql("SELECT count(*) FROM messages")[0][0], 1)
        self.assertIn("shutting down", self.server.log())



if __name__ == "__main__":
    unittest.main()
