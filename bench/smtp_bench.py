"""Issue 5's benchmark: accepted messages per second, Postfix's smtp-source (4 KiB
messages; 1 and 20 parallel sessions) against sealpost's trusted-network submission
listener and against a private Postfix whose smtpd hands everything to the discard
transport — both commit each message to disk before their 250 (sealpost: the group-
committed spool; Postfix: cleanup's fsync of the queue file). Same machine, same run.

Postfix runs from a private configuration in a temporary directory (its own queue,
port, and master.cf without chroot), started and stopped here; as root, as Postfix's
master requires."""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
import harness  # noqa: E402

MASTER_CF = """\
{port}      inet  n       -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


def start_postfix(tmp, port):
    conf = os.path.join(tmp, "etc")
    queue = os.path.join(tmp, "queue")
    data = os.path.join(tmp, "data")
    os.makedirs(conf)
    os.makedirs(queue)  # root-owned; `postfix check` makes its subdirectories
    os.makedirs(data)
    shutil.chown(data, user="postfix")
    with open(os.path.join(conf, "main.cf"), "w") as f:
        f.write(f"""compatibility_level = 3.6
queue_directory = {queue}
data_directory = {data}
myhostname = postfix.bench.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
default_transport = discard
relay_transport = discard
local_transport = discard
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
default_process_limit = 100
maillog_file = {tmp}/postfix.log
maillog_file_prefixes = {tmp}
smtputf8_enable = no
""")
    with open(os.path.join(conf, "master.cf"), "w") as f:
        f.write(MASTER_CF.format(port=f"127.0.0.1:{port}"))
    for command in ("check", "start"):
        run = subprocess.run(["postfix", "-c", conf, command], capture_output=True, text=True,
                             timeout=60)
        if run.returncode != 0:
            log = open(os.path.join(tmp, "postfix.log")).read() if os.path.exists(
                os.path.join(tmp, "postfix.log")) else "(Postfix logs fatal errors only to a tty)"
            raise RuntimeError(f"postfix {command} failed: {run.stderr}{log}")
    return conf


def wait_for_port(port, timeout=30):
    import socket
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                if s.recv(100).startswith(b"220"):
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answers on port {port}")


def smtp_source(port, sessions, messages):
    """Seconds smtp-source needs for `messages` 4 KiB messages over `sessions` sessions."""
    cmd = ["smtp-source", "-s", str(sessions), "-m", str(messages), "-l", "4096",
           "-f", "bench@clinic.example", "-t", "patient@example.net", f"127.0.0.1:{port}"]
    start = time.monotonic()
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    elapsed = time.monotonic() - start
    if run.returncode != 0:
        raise RuntimeError(f"smtp-source failed: {run.stderr}")
    return elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()
    harness.BIN = os.path.abspath(args.bin)
    if os.geteuid() != 0:
        print("smtp_bench: Postfix's master must start as root; skipped (run as root)")
        return

    tmp = tempfile.mkdtemp(prefix="sealpost-smtp-bench-")
    os.chmod(tmp, 0o755)  # Postfix's daemons run as the postfix user
    postfix_port = harness.free_port()
    conf = None
    server = harness.Sealpost(settings={"trusted_networks": '["127.0.0.1/32"]',
                                        "max_connections_per_client": "1000"})
    results = []
    try:
        conf = start_postfix(tmp, postfix_port)
        wait_for_port(postfix_port)
        server.start()
        for sessions in (1, 20):
            n = args.messages if sessions > 1 else args.messages // 4
            # Warm-up, then the measured run; Postfix first, then sealpost, same load.
            smtp_source(postfix_port, sessions, 50)
            p = smtp_source(postfix_port, sessions, n)
            smtp_source(server.smtp_port, sessions, 50)
            s = smtp_source(server.smtp_port, sessions, n)
            results.append((sessions, n, n / p, n / s))
        accepted = server.sql("SELECT count(*) FROM inbound")[0][0] + \
            server.sql("SELECT count(*) FROM events WHERE type = 'submitted'")[0][0]
    finally:
        server.cleanup()
        if conf:
            subprocess.run(["postfix", "-c", conf, "stop"], capture_output=True, timeout=60)
        shutil.rmtree(tmp, ignore_errors=True)

    print("\nSMTP acceptance, 4 KiB messages, smtp-source, 127.0.0.1 (each 250 after an fsync)")
    print(f"{'sessions':>8} {'messages':>8} {'Postfix msg/s':>14} {'sealpost msg/s':>15} {'ratio':>7}")
    for sessions, n, postfix_rate, sealpost_rate in results:
        print(f"{sessions:>8} {n:>8} {postfix_rate:>14.0f} {sealpost_rate:>15.0f} "
              f"{sealpost_rate / postfix_rate:>7.2f}")
    print(f"sealpost committed {accepted} submissions in all (warm-ups included)")


if __name__ == "__main__":
    main()
