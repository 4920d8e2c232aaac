"""Issue 27's master-key rotation, timed: a running server holding N escrow messages
(each recipient's question sealed under the master key; the domain's default question
stretched once), then `sealpost admin keys rotate` from start to end (the server asked
to reload, every value re-wrapped, the old key removed). Reports values re-wrapped per
second. No peer does the same; the figure is for the note."""
import argparse
import json
import os
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
import harness  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--messages", type=int, default=5000)
    args = parser.parse_args()
    harness.BIN = args.bin
    server = harness.Sealpost(settings={"rate_limit_per_minute": 0})  # no client rate limit
    try:
        for cmd in (("account", "create", "Clinic"),
                    ("domain", "create", "clinic.example", "--account", "Clinic"),
                    ("settings", "set", "domain", "clinic.example", "default_question=Code?|0000")):
            code, _, err = server.admin(*cmd)
            assert code == 0, err
        server.start()

        def send(i):
            body = {"from": "dr@clinic.example", "to": [f"p{i}@example.net"], "text": "Fine."}
            r = server.api("POST", "/api/v1/messages", json.dumps(body))
            assert r.status == 202, r.text

        began = time.time()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(send, range(args.messages)))
        print(f"{args.messages} messages sent in {time.time() - began:.1f} s")
        began = time.time()
        code, out, err = server.admin("keys", "rotate")
        took = time.time() - began
        assert code == 0, out + err
        rewrapped = int(re.search(r"^(\d+) value\(s\) re-wrapped", out, re.M).group(1))
        print(f"keys rotate: {rewrapped} values re-wrapped, {took:.2f} s in all, "
              f"{rewrapped / took:.0f} values/s")
    finally:
        server.cleanup()


if __name__ == "__main__":
    main()
