"""Issue 22's benchmark: the console's heaviest pages — the dashboard (as shown, and
counted afresh), the sent list and an address book's page — with 10,000 messages sent and
a 100,000-entry address book,
each measured with wrk (one connection, signed in) beside /healthz in the same run.
The aim is p99 under 50 ms. Prints one line per page: requests/s, p50 and p99."""
import argparse
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
import clinic  # noqa: E402
import harness  # noqa: E402

PASSWORD = "the benchmark's console password"
BOOK = "account:Clinic:patients"


def wrk(url, seconds, headers=(), script=None):
    cmd = ["wrk", "-t1", "-c1", f"-d{seconds}s", "--latency"]
    for h in headers:
        cmd += ["-H", h]
    if script:
        cmd += ["-s", script]
    out = subprocess.run(cmd + [url], capture_output=True, text=True,
                         timeout=seconds + 120).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, p50, p99, int(errors.group(1)) if errors else 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--setup-only", action="store_true")
    parser.add_argument("--entries", type=int, default=100000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--keep", action="store_true",
                        help="leave the server's directory (its database) to look at")
    args = parser.parse_args()
    harness.BIN = os.path.abspath(args.bin)

    server = harness.Sealpost(settings={"rate_limit_per_minute": 0})
    try:
        clinic.set_up(server)
        code, _, err = server.admin("user", "console", clinic.SENDER, "org-admin")
        assert code == 0, err
        csv = os.path.join(server.tmp, "book.csv")
        with open(csv, "w") as f:
            f.write("address,question,answer\n")
            for i in range(args.entries):
                f.write(f"patient{i}@example.net,Your date of birth?,19{i % 100:02d}-01-01\n")
        started = time.time()
        code, _, err = server.admin("book", "import-questions", BOOK, csv)
        assert code == 0, err
        print(f"book: {args.entries} entries imported in {time.time() - started:.1f} s")
        credentials = clinic.sender_client(server)
        server.start()

        # The messages, sent through the API as fast as it takes them.
        body = os.path.join(server.tmp, "post.lua")
        with open(body, "w") as f:
            f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                    f'wrk.headers["X-API-Key"] = "{credentials}"\n'
                    f"wrk.body = [[{clinic.message(1024)}]]\n")
        started = time.time()
        while server.sql("SELECT count(*) FROM messages")[0][0] < args.messages:
            subprocess.run(["wrk", "-t2", "-c8", "-d5s", "-s", body,
                            server.base + "/api/v1/messages"], capture_output=True, timeout=120)
        count = server.sql("SELECT count(*) FROM messages")[0][0]
        print(f"messages: {count} sent in {time.time() - started:.1f} s")

        # Signed in to the console as an organisation administrator.
        server.cookie_jar = os.path.join(server.tmp, "jar")
        msg = server.notice_for(clinic.SENDER, timeout=120)
        token = re.search(r"/console/reset/([A-Za-z0-9_-]{43})",
                          msg.get_body(preferencelist=("plain",)).get_content()).group(1)
        page = server.get(f"/console/reset/{token}", cookies=True)
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        server.post(f"/console/reset/{token}", cookies=True,
                    form=[("csrf", csrf), ("password", PASSWORD), ("password2", PASSWORD)])
        page = server.get("/console/sign-in", cookies=True)
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        r = server.post("/console/sign-in", cookies=True,
                        form=[("csrf", csrf), ("address", clinic.SENDER), ("password", PASSWORD)])
        assert r.status == 303, r.text
        with open(server.cookie_jar) as f:
            cookie = re.search(r"__Host-sp_console\s+(\S+)", f.read()).group(1)

        if args.setup_only:
            return
        # The dashboard as people see it (counted at most once a minute), and counted
        # afresh on every request (its cold cost).
        pages = [("healthz", "/healthz"), ("dashboard", "/console/dashboard"),
                 ("recounted", "/console/dashboard?recount=1"),
                 ("sent list", "/console/sent"),
                 ("book view", "/console/books/account%3AClinic%3Apatients")]
        for name, path in pages:
            r = server.request("GET", path, headers=[f"Cookie: __Host-sp_console={cookie}"])
            assert r.status == 200, (name, r.status, r.text[:300])
            print(f"{name}: {len(r.body)} bytes")
        print(f"{'page':<12} {'req/s':>8} {'p50':>10} {'p99':>10} errors")
        for name, path in pages:
            rps, p50, p99, errors = wrk(server.base + path, args.seconds,
                                        headers=[f"Cookie: __Host-sp_console={cookie}"])
            print(f"{name:<12} {rps:>8.1f} {p50:>10} {p99:>10} {errors}")
    finally:
        if args.keep:
            server.stop()
            print("kept:", server.data)
        else:
            server.cleanup()


if __name__ == "__main__":
    main()
