"""Issue 19's memory and storage figures: one API message with a 20 MB attachment to 20
recipients, (a) each with an S/MIME certificate in the sender's address book, (b) each
getting the message itself by standard delivery (the road TLS-only copies take) — both
delivered into a local receiving server (Postfix's smtp-sink). For each: the server's
peak RSS above what it held before the upload, the growth of database + WAL and of the
blob files, the time to the 202 and until every copy is delivered.
  python3 bench/content_bench.py --bin build/release/src/app/sealpost [--bin OTHER]
The issue's targets: peak RSS above idle < 64 MiB, database + WAL growth < 8 MiB, blob
growth about the content once. Not a test: nothing here fails on size or speed."""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
import harness  # noqa: E402
import peers  # noqa: E402
from limits_bench import status_kib  # noqa: E402  (bench/ is this script's own directory)

SENDER = "dr@clinic.example"
BOOK = f"user:{SENDER}:certs"
RECIPIENTS = 20
ATTACHMENT = 20 * 1000 * 1000


def reset_peak(pid):
    # Writing 5 to clear_refs resets VmHWM to the current RSS (Linux >= 4.0).
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


def tree_bytes(path):
    total = 0
    for d, _, names in os.walk(path):
        for n in names:
            try:
                total += os.path.getsize(os.path.join(d, n))
            except OSError:
                pass
    return total


def db_bytes(data):
    return sum(os.path.getsize(os.path.join(data, n)) for n in os.listdir(data)
               if n.startswith("sealpost.db"))


def certificate(tmp, address):
    key, pem = os.path.join(tmp, address + ".key"), os.path.join(tmp, address + ".pem")
    subprocess.run(["openssl", "req", "-x509", "-new", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "30", "-subj", "/CN=r",
                    "-keyout", key, "-out", pem, "-addext", f"subjectAltName=email:{address}",
                    "-addext", "keyUsage=critical,digitalSignature,keyAgreement",
                    "-addext", "extendedKeyUsage=emailProtection"],
                   check=True, capture_output=True)
    return pem


def run_case(binary, sink_port, case, tmp, payload):
    harness.BIN = binary
    server = harness.Sealpost(settings={
        "mode": '"smtp"', "transport": f'["* = 127.0.0.1:{sink_port} tls=none"]',
        "max_connections_per_domain": "20"})
    domain = "smime.example" if case == "smime" else "plain.example"
    rcpts = [f"r{i}@{domain}" for i in range(RECIPIENTS)]
    steps = [["account", "create", "Clinic"],
             ["domain", "create", "clinic.example", "--account", "Clinic"],
             ["user", "create", SENDER]]
    if case == "smime":
        steps += [["book", "create", BOOK], ["book", "link", SENDER, BOOK, "--role", "default"]]
    else:
        rules = os.path.join(tmp, "rules.json")
        with open(rules, "w") as f:  # a rule the message does not match: standard delivery
            json.dump({"content_rules": [{"keyword": "biopsy"}]}, f)
        steps += [["settings", "import", "account", "Clinic", rules]]
    for a in steps:
        code, _, err = server.admin(*a)
        assert code == 0, (a, err)
    if case == "smime":
        for r in rcpts:
            code, _, err = server.admin("book", "add-key", BOOK, r, certificate(tmp, r))
            assert code == 0, err
    try:
        server.start()
        pid = server.proc.pid
        message = os.path.join(tmp, "message.json")
        with open(message, "w") as f:
            json.dump({"from": SENDER, "to": rcpts, "subject": "Scan", "text": "Attached."}, f)
        before_db, before_blobs = db_bytes(server.data), tree_bytes(os.path.join(server.data, "blobs"))
        idle = status_kib(pid, "VmRSS")
        reset_peak(pid)
        started = time.monotonic()
        r = server.request("POST", "/api/v1/messages", headers=[f"X-API-Key: {server.api_key}"],
                           files=[f"message=<{message};type=application/json",
                                  f"file=@{payload};filename=scan.bin;type=application/octet-stream"])
        accepted = time.monotonic() - started
        assert r.status == 202, r.text
        # What was kept at the 202, before anything left (then again once all is delivered).
        db_at_202 = db_bytes(server.data) - before_db
        blobs_at_202 = tree_bytes(os.path.join(server.data, "blobs")) - before_blobs
        methods = {x["method"] for x in json.loads(r.body)["recipients"]}
        deadline = time.monotonic() + 1800
        while server.sql("SELECT count(*) FROM recipients WHERE status = 'delivered'")[0][0] < RECIPIENTS:
            if time.monotonic() > deadline:
                raise RuntimeError("not delivered in 30 minutes")
            time.sleep(0.2)
        delivered = time.monotonic() - started
        peak = status_kib(pid, "VmHWM")
        grown_db = db_bytes(server.data) - before_db
        grown_blobs = tree_bytes(os.path.join(server.data, "blobs")) - before_blobs
        return {"case": case, "methods": sorted(methods), "rss_above_idle_mib": (peak - idle) / 1024,
                "db_wal_growth_mib": grown_db / 2**20, "blob_growth_mib": grown_blobs / 2**20,
                "db_wal_at_202_mib": db_at_202 / 2**20, "blobs_at_202_mib": blobs_at_202 / 2**20,
                "accepted_s": accepted, "delivered_s": delivered}
    finally:
        server.cleanup()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", action="append", required=True)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="sealpost-content-bench-")
    payload = os.path.join(tmp, "scan.bin")
    with open(payload, "wb") as f:
        f.write(os.urandom(ATTACHMENT))
    sink_port = peers.free_port()
    sink_args = ["smtp-sink"] + (["-u", "nobody"] if os.geteuid() == 0 else [])
    sink = subprocess.Popen(sink_args + [f"127.0.0.1:{sink_port}", "256"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        peers.wait_for_smtp("127.0.0.1", sink_port)
        print(f"one API message, {ATTACHMENT // 10**6} MB attachment, {RECIPIENTS} recipients, "
              "delivered into smtp-sink")
        for binary in args.bin:
            for case in ("smime", "standard"):
                got = run_case(os.path.abspath(binary), sink_port, case, tmp, payload)
                print(f"{binary}: {case:8} {','.join(got['methods'])}: peak RSS above idle "
                      f"{got['rss_above_idle_mib']:.0f} MiB; at the 202 database+WAL "
                      f"+{got['db_wal_at_202_mib']:.1f} MiB, blobs +{got['blobs_at_202_mib']:.1f} MiB; "
                      f"once delivered database+WAL +{got['db_wal_growth_mib']:.1f} MiB, "
                      f"blobs +{got['blob_growth_mib']:.1f} MiB; "
                      f"202 after {got['accepted_s']:.1f} s, all delivered after "
                      f"{got['delivered_s']:.1f} s")
    finally:
        sink.terminate()
        sink.wait(timeout=10)


if __name__ == "__main__":
    main()
