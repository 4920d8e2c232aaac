"""Issue 8's measurement (the issue names no peer): how fast a Message Center inbox is
served and searched when it holds many messages. The server (release build) gets a
namespace with the Message Center on and N messages to one recipient; the recipient
signs in, and wrk asks for the inbox, and for a search, with the account's session —
beside GET /healthz on the same server as the HTTP stack's own ceiling. Each inbox
request reads the account's center rows and opens every subject (AES-GCM)."""
import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
import harness  # noqa: E402
import portal_accounts_test as accounts  # noqa: E402
from api_bench import wrk  # noqa: E402

HOST = "portal.bench.test"


class Recipient:
    """Just enough of a test case for the shared registration helpers."""
    mail = accounts.PortalAccountsTest.mail
    open_fresh = accounts.PortalAccountsTest.open_fresh
    register = accounts.PortalAccountsTest.register

    def assertIn(self, a, b):
        assert a in b, a

    def assertEqual(self, a, b, msg=None):
        assert a == b, (a, b, msg)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    harness.BIN = os.path.abspath(args.bin)

    server = harness.Sealpost(settings={"rate_limit_per_minute": 0})  # no client rate limit
    try:
        server.start()
        for cmd in (("namespace", "create", "bench", "--display-name", "Bench Clinic", "--host", HOST,
                     "--message-center", "on"),
                    ("account", "create", "Bench"),
                    ("domain", "create", "clinic.example", "--account", "Bench"),
                    ("settings", "set", "domain", "clinic.example", "namespace=bench")):
            code, _, err = server.admin(*cmd)
            assert code == 0, err

        def send(i):
            r = server.api("POST", "/api/v1/messages", json.dumps({
                "from": f"dr{i % 20}@clinic.example", "to": ["pat@example.net"],
                "subject": f"Results {i}" + (" lipid panel" if i % 50 == 0 else ""),
                "text": "x" * 1024}))
            assert r.status == 202, r.text

        send(0)
        server.host = HOST
        Recipient().register(server, "pat@example.net")
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            list(pool.map(send, range(1, args.messages)))
        with open(server.cookie_jar) as f:
            session = re.search(r"__Host-sp_account\t(\S+)", f.read()).group(1)
        server.host = None
        lua = os.path.join(server.tmp, "inbox.lua")
        with open(lua, "w") as f:
            f.write(f'wrk.headers["Cookie"] = "__Host-sp_account={session}"\n')
        inbox = server.get("/inbox", headers=[f"Cookie: __Host-sp_account={session}"])
        shown = re.search(r"Messages 1 to (\d+) of (\d+)\.", inbox.text)
        assert shown and int(shown.group(2)) == args.messages, inbox.text[-2000:]

        h = wrk(server.base + "/healthz", 10, args.connections)
        i = wrk(server.base + "/inbox", args.seconds, args.connections, lua)
        s = wrk(server.base + "/inbox?q=lipid", args.seconds, args.connections, lua)
        o = wrk(server.base + "/inbox?page=10", args.seconds, args.connections, lua)
        print(f"messages in the inbox: {shown.group(2)}, {shown.group(1)} on its first page")
        print(f"GET /healthz           {h[0]:9.1f} req/s  p50 {h[1]:>8}  p99 {h[2]:>8}")
        print(f"GET /inbox             {i[0]:9.1f} req/s  p50 {i[1]:>8}  p99 {i[2]:>8}  "
              f"non-2xx {i[3]}")
        print(f"GET /inbox?q=lipid     {s[0]:9.1f} req/s  p50 {s[1]:>8}  p99 {s[2]:>8}  "
              f"non-2xx {s[3]}")
        print(f"GET /inbox?page=10     {o[0]:9.1f} req/s  p50 {o[1]:>8}  p99 {o[2]:>8}  "
              f"non-2xx {o[3]}")
        print(f"inbox / healthz: {i[0] / h[0]:.3f}")
    finally:
        server.cleanup()


if __name__ == "__main__":
    main()
