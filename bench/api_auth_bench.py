"""Issue 20's benchmark: what each way of signing in costs. The escrow API's fast path
(POST /api/v1/messages, 4 KiB, one recipient, answer from an address book; 16
connections, wrk) with X-API-Key, HTTP Basic, an OAuth bearer token and signed requests
(RFC 9421), in the same run against the same server, each as a ratio of X-API-Key in the
same round (aim: overhead under 5%). Signed requests are signed beforehand, each with its
own nonce (wrk's Lua has no HMAC), and sent in turn by wrk's request() hook."""
import argparse
import base64
import json
import os
import re
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
import clinic  # noqa: E402
import harness  # noqa: E402
from api_clients_test import signed_headers  # noqa: E402


def cpu_seconds(pid):
    """The server's CPU time so far (user + system), from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(url, seconds, connections, script, pid):
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script, url]
    before = cpu_seconds(pid)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120).stdout
    cpu = cpu_seconds(pid) - before
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    # The server's CPU per request: what a method costs it, whatever the client (wrk's
    # Lua, on the same two cores) and the disk's syncs do to the rate.
    return rps, p99, int(errors.group(1)) if errors else 0, out, cpu * 1e6 / max(total, 1)


def lua_string(s):
    return json.dumps(s)  # a JSON string is a valid Lua string literal for this text


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    harness.BIN = os.path.abspath(args.bin)

    server = harness.Sealpost(settings={"rate_limit_per_minute": 0})
    try:
        clinic.set_up(server)
        credentials = clinic.sender_client(server)
        server.start()
        url = server.base + "/api/v1/messages"
        body = clinic.message()

        r = server.request("POST", "/api/v1/oauth/token",
                           headers=["Authorization: Basic " +
                                    base64.b64encode(credentials.encode()).decode()],
                           form=[("grant_type", "client_credentials")])
        token = json.loads(r.body)["access_token"]
        r = server.request("POST", "/api/v1/sessions", headers=[f"X-API-Key: {credentials}"])
        session = json.loads(r.body)

        def static_script(name, header):
            path = os.path.join(server.tmp, name + ".lua")
            with open(path, "w") as f:
                f.write('wrk.method = "POST"\n'
                        f'wrk.headers["{header[0]}"] = {lua_string(header[1])}\n'
                        'wrk.headers["Content-Type"] = "application/json"\n'
                        f"wrk.body = {lua_string(body)}\n")
            return path

        def hooked_script(name, header):
            # The same request as static_script, but made per request by the request()
            # hook, as the signed requests must be: wrk's Lua then costs both alike on a
            # machine the server shares, and the ratio is the server's own.
            path = os.path.join(server.tmp, name + ".lua")
            with open(path, "w") as f:
                f.write(f"local body = {lua_string(body)}\n"
                        f"local h = {{[{lua_string(header[0])}]={lua_string(header[1])}, "
                        '["Content-Type"]="application/json"}\n'
                        "function request()\n"
                        '  return wrk.format("POST", "/api/v1/messages", h, body)\n'
                        "end\n")
            return path

        scripts = {
            "X-API-Key": static_script("key", ("X-API-Key", credentials)),
            "X-API-Key, per request": hooked_script("key-hooked", ("X-API-Key", credentials)),
            "Basic": static_script("basic", ("Authorization", "Basic " + base64.b64encode(
                credentials.encode()).decode())),
            "Bearer": static_script("bearer", ("Authorization", "Bearer " + token)),
        }

        def signed_script(round_no):
            # Enough signed requests for the run at 3x the key's rate, each used once.
            count = int(args.seconds * 4000)
            path = os.path.join(server.tmp, f"signed{round_no}.lua")
            with open(path, "w") as f:
                f.write(f"local body = {lua_string(body)}\nlocal signed = {{\n")
                for _ in range(count):
                    headers = dict(h.split(": ", 1) for h in
                                   signed_headers("POST", url, session, body))
                    f.write("{" + ",".join(f"[{lua_string(k)}]={lua_string(v)}"
                                           for k, v in headers.items()) + "},\n")
                f.write("}\n"
                        "local threads, next_id = 0, 0\n"
                        "function setup(thread) thread:set('id', threads); threads = threads + 1 end\n"
                        "function init(args) i = id + 1; step = 2 end\n"
                        "function request()\n"
                        "  local h = signed[i]; i = i + step\n"
                        "  if h == nil then h = signed[1] end\n"
                        '  return wrk.format("POST", "/api/v1/messages", h, body)\n'
                        "end\n")
            return path

        results = {name: [] for name in list(scripts) + ["Signed"]}
        order = list(scripts.items()) + [("Signed", None)]
        for round_no in range(args.rounds):
            # Each round in another order: the database grows as the run goes, and no
            # method should always come last.
            turn = order[round_no % len(order):] + order[:round_no % len(order)]
            for name, script in turn:
                if name == "Signed":
                    script = signed_script(round_no)
                rps, p99, errors, raw, cpu_us = wrk(url, args.seconds, args.connections, script,
                                                    server.proc.pid)
                if errors:
                    print(raw)
                results[name].append((rps, p99, errors, cpu_us))
                time.sleep(1)

        # The database grows through the run, so a method's best round and X-API-Key's
        # best round are not alike: each method is set against X-API-Key in the same
        # round (the same size of database), and the median of those ratios is shown.
        print("\n## sealpost benchmark (issue 20): the cost of each way of signing in\n")
        print(f"machine: {os.cpu_count()} cores; server: {args.bin}; {args.connections} "
              f"connections; {args.rounds} rounds of {args.seconds} s in turning order; "
              "ratio: the median of each round's method / X-API-Key\n")
        print("| method | msg/s (median) | p99 (best round) | non-2xx | vs X-API-Key | per round "
              "| server CPU µs/request (median) | CPU vs X-API-Key |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for name, runs in results.items():
            ratios = [run[0] / base[0] for run, base in zip(runs, results["X-API-Key"])]
            cpu_ratios = [run[3] / base[3] for run, base in zip(runs, results["X-API-Key"])]
            rps = statistics.median(run[0] for run in runs)
            p99 = max(runs)[1]
            errors = sum(run[2] for run in runs)
            cpu = statistics.median(run[3] for run in runs)
            print(f"| {name} | {rps:.1f} | {p99} | {errors} | {statistics.median(ratios):.3f} | "
                  + " ".join(f"{r:.2f}" for r in ratios)
                  + f" | {cpu:.0f} | {statistics.median(cpu_ratios):.3f} |")
        # Signed requests are made per request by wrk's Lua; set against X-API-Key made
        # the same way, the ratio leaves the client's share of the two cores out.
        ratios = [run[0] / base[0] for run, base in
                  zip(results["Signed"], results["X-API-Key, per request"])]
        print(f"\nSigned vs X-API-Key sent the same way (request() hook): "
              f"{statistics.median(ratios):.3f} (per round "
              + " ".join(f"{r:.2f}" for r in ratios) + ")")
    finally:
        server.cleanup()


if __name__ == "__main__":
    main()
