"""Issue 18.6's figures: what one unauthenticated client can do to the gateway.
(1) 32 clients each announce and send a 60 MB body to an API route without a valid key:
the server's peak RSS growth, and how long they take to be refused. (2) One address
holds 1,030 idle TCP connections (never starting TLS); how long another client waits for
GET /healthz. Run it against two binaries (before and after) to compare:
  python3 bench/limits_bench.py --bin build/release/src/app/sealpost [--bin OTHER ...]
Not a test: nothing here fails on speed."""
import argparse
import os
import socket
import ssl
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
import harness  # noqa: E402

SIZE = 60 * 1000 * 1000


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def upload(port, out):
    started = time.monotonic()
    try:
        raw = socket.create_connection(("127.0.0.1", port), timeout=120)
        ctx = ssl.create_default_context()
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
        sock = ctx.wrap_socket(raw, server_hostname="localhost")
        sock.sendall(("POST /api/v1/address-books/account:x:y/import HTTP/1.1\r\n"
                      "Host: localhost\r\nContent-Type: text/csv\r\n"
                      f"Content-Length: {SIZE}\r\n\r\n").encode())
        chunk = b"a,b,c\n" * 10922
        sent = 0
        sock.settimeout(2)
        try:
            while sent < SIZE:
                sent += sock.send(chunk[:SIZE - sent])
        except (OSError, ssl.SSLError):
            pass
        sock.settimeout(120)
        head = b""
        try:
            while b"\r\n\r\n" not in head:
                more = sock.recv(65536)
                if not more:
                    break
                head += more
        except (OSError, ssl.SSLError):
            pass
        out.append((head[:12].decode(errors="replace"), sent, time.monotonic() - started))
    except OSError as e:
        out.append((repr(e), 0, time.monotonic() - started))


def measure(binary):
    harness.BIN = binary
    server = harness.Sealpost().start()
    try:
        pid = server.proc.pid
        base = status_kib(pid, "VmRSS")
        results = []
        threads = [threading.Thread(target=upload, args=(server.port, results)) for _ in range(32)]
        started = time.monotonic()
        for t in threads:
            t.start()
        peak = base
        while any(t.is_alive() for t in threads):
            peak = max(peak, status_kib(pid, "VmRSS"))
            time.sleep(0.05)
        took = time.monotonic() - started
        statuses = sorted(set(r[0] for r in results))
        sent_mb = sum(r[1] for r in results) / 1e6
        print(f"  32 unauthenticated 60 MB uploads: answered {statuses} in {took:.1f} s; "
              f"{sent_mb:.0f} MB taken in; peak RSS growth {(peak - base) / 1024:.0f} MiB")

        idle = [socket.create_connection(("127.0.0.1", server.port), timeout=10)
                for _ in range(1030)]
        started = time.monotonic()
        other = subprocess.run(["curl", "-sk", "--interface", "127.0.0.2", "-o", "/dev/null",
                                "-w", "%{http_code}", "--max-time", "60",
                                f"https://localhost:{server.port}/healthz"],
                               capture_output=True, text=True)
        print(f"  another client's GET /healthz beside 1,030 idle sockets from one address: "
              f"{other.stdout or 'failed'} after {time.monotonic() - started:.2f} s")
        for s in idle:
            s.close()
    finally:
        server.cleanup()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", action="append", required=True)
    args = parser.parse_args()
    for binary in args.bin:
        print(binary)
        measure(binary)


if __name__ == "__main__":
    main()
