"""Issue 20's webhook benchmark: events pushed per second to a real receiver (the test
receiver, Node's HTTPS server checking every signature with the Standard Webhooks
reference library), against the rate the API produced them in the same run, and the lag
from event to delivery.

1. Throughput: wrk drives POST /api/v1/messages (4 KiB, one escrow recipient, answer
   from an address book) for --seconds; every accepted message makes one
   message.accepted event for the endpoint. Reported: events produced per second,
   events delivered per second while the load ran and until the outbox was empty, and
   their ratio (1.0: the sender keeps up).
2. Lag: messages sent one at a time at --probe-rate a second; lag = when the receiver
   got the event minus when the API answered 202 (the event is committed before the
   202). p50/p99/max."""
import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
import clinic  # noqa: E402
import harness  # noqa: E402
import peers  # noqa: E402


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--probes", type=int, default=200)
    parser.add_argument("--probe-rate", type=float, default=20)
    args = parser.parse_args()
    harness.BIN = os.path.abspath(args.bin)

    receiver = peers.WebhookReceiver()
    server = harness.Sealpost(settings={"rate_limit_per_minute": 0,
                                        "webhooks.allow_internal": "true",
                                        "trusted_ca_file": f'"{receiver.cert}"'})
    try:
        clinic.set_up(server)
        credentials = clinic.sender_client(server)
        server.start()
        r = server.api("POST", "/api/v1/webhooks", json.dumps(
            {"url": receiver.url("bench"), "events": ["message.accepted"], "account": "Clinic"}))
        assert r.status == 201, r.text
        secret = json.loads(r.body)["secret"]
        server.keep_secret(secret)
        receiver.start(secrets={"bench": secret})
        body = clinic.message()
        probe = server.api("POST", "/api/v1/messages", body, key=credentials)
        assert probe.status == 202, probe.text

        # 1. Throughput.
        script = os.path.join(server.tmp, "send.lua")
        with open(script, "w") as f:
            f.write('wrk.method = "POST"\n'
                    f'wrk.headers["X-API-Key"] = {json.dumps(credentials)}\n'
                    'wrk.headers["Content-Type"] = "application/json"\n'
                    f"wrk.body = {json.dumps(body)}\n")
        start = time.time()
        out = subprocess.run(["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s",
                              "-s", script, server.base + "/api/v1/messages"],
                             capture_output=True, text=True, timeout=args.seconds + 120).stdout
        load_end = time.time()
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        deadline = time.time() + 300
        while server.sql("SELECT count(*) FROM webhook_deliveries WHERE state = 'pending'")[0][0]:
            if time.time() > deadline:
                raise AssertionError("the outbox did not empty in 5 minutes")
            time.sleep(0.2)
        produced = server.sql("SELECT count(*) FROM webhook_deliveries")[0][0] - 1  # the probe
        seen = receiver.seen("bench")
        times = sorted(d["received_ms"] / 1000 for d in seen["delivered"].values())
        delivered = len(times)
        during = sum(1 for t in times if t <= load_end)
        drained = times[-1]
        duplicates = sum(d["count"] - 1 for d in seen["delivered"].values())
        unverified = sum(1 for a in seen["attempts"] if not a["verified"])

        # 2. Lag, one message at a time.
        answered = {}
        for _ in range(args.probes):
            began = time.time()
            r = server.api("POST", "/api/v1/messages", body, key=credentials)
            assert r.status == 202, r.text
            answered[json.loads(r.body)["id"]] = time.time()
            time.sleep(max(0.0, 1 / args.probe_rate - (time.time() - began)))
        deadline = time.time() + 60
        while True:
            got = {d["payload"]["data"]["message_id"]: d["received_ms"] / 1000
                   for d in receiver.seen("bench")["delivered"].values()}
            if all(m in got for m in answered) or time.time() > deadline:
                break
            time.sleep(0.2)
        lags = [(got[m] - t) * 1000 for m, t in answered.items() if m in got]

        elapsed = load_end - start
        print("\n## sealpost benchmark (issue 20): webhooks delivered to a real receiver\n")
        print(f"machine: {os.cpu_count()} cores; server: {args.bin}; receiver: Node "
              f"{subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip()}"
              " with standardwebhooks verifying each delivery\n")
        print("| measure | value |")
        print("| --- | --- |")
        print(f"| API load | {args.connections} connections, {args.seconds} s, "
              f"non-2xx {non2xx.group(1) if non2xx else 0} |")
        print(f"| events produced (message.accepted) | {produced} ({produced / elapsed:.1f}/s) |")
        print(f"| delivered while the load ran | {during} ({during / elapsed:.1f}/s) |")
        print(f"| delivered in all | {delivered} in {drained - start:.1f} s "
              f"({delivered / (drained - start):.1f}/s) |")
        print(f"| delivered/s vs produced/s (while loaded) | {during / produced:.3f} |")
        print(f"| duplicates, unverified attempts | {duplicates}, {unverified} |")
        print(f"| lag, {len(lags)} events at {args.probe_rate:g}/s: p50 / p99 / max | "
              f"{percentile(lags, 50):.0f} / {percentile(lags, 99):.0f} / {max(lags):.0f} ms |")
    finally:
        server.cleanup()
        receiver.cleanup()


if __name__ == "__main__":
    main()
