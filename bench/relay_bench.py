"""Issue 4's benchmark: relay throughput end to end. Postfix's smtp-source submits
messages (4 KiB and 100 KiB, 20 sessions) and they are relayed into Postfix's
smtp-sink — once through a private Postfix (relayhost = the sink), once through
sealpost (trusted-network submission → policy → queue → SMTP client, transport map to
the sink). The clock runs from the first submission to the last message the relay
reports delivered (Postfix: status=sent in its log; sealpost: its queue). Both relays
commit each message before accepting it, use 20 connections to the sink at most and
no TLS. Same machine, same run; Postfix's master must start as root."""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
import harness  # noqa: E402
import peers  # noqa: E402
from fresh_fs import add_argument as add_fresh_fs, fresh_fs  # noqa: E402

SENDER = "bench@clinic.example"
RCPT = "patient@example.net"
SETTLE_SECONDS = 3


def settle():
    """Lets the machine settle between runs: what was written is written back, then a pause."""
    os.sync()
    time.sleep(SETTLE_SECONDS)


def relay_seconds(port, sessions, messages, size, delivered_count):
    """Seconds from the first submission until `messages` more have been delivered."""
    before = delivered_count()
    start = time.monotonic()
    peers.smtp_source(port, sessions, messages, size, SENDER, RCPT)
    deadline = time.monotonic() + 1800
    while delivered_count() < before + messages:
        if time.monotonic() > deadline:
            raise RuntimeError("relay did not finish in 30 minutes")
        time.sleep(0.05)
    return time.monotonic() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--reuse-seconds", default="2", help="sealpost's connection_reuse_seconds")
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure each size this many times, Postfix and sealpost in turn; "
                             "the median of each is reported (this machine's figures swing)")
    add_fresh_fs(parser)
    args = parser.parse_args()
    harness.BIN = os.path.abspath(args.bin)
    if os.geteuid() != 0:
        print("relay_bench: Postfix's master must start as root; skipped (run as root)")
        return
    with fresh_fs(args.fresh_fs) as fs:
        run(args, fs)


def run(args, fs):
    sink_port = peers.free_port()
    sink = subprocess.Popen(["smtp-sink", "-u", "nobody", f"127.0.0.1:{sink_port}", "256"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    postfix = peers.Postfix(name="relay.bench.example", starttls=False,
                            relay_to=f"127.0.0.1:{sink_port}")
    server = harness.Sealpost(settings={
        "trusted_networks": '["127.0.0.1/32"]', "smtp.max_connections_per_client": "1000",
        "mode": '"smtp"', "transport": f'["* = 127.0.0.1:{sink_port} tls=none"]',
        "max_connections_per_domain": "20", "connection_reuse_seconds": args.reuse_seconds})
    for a in (["account", "create", "Clinic"], ["domain", "create", "clinic.example", "--account",
                                                "Clinic"], ["user", "create", SENDER],
              ["settings", "set", "domain", "clinic.example", "failure_action=send-plain"]):
        code, _, err = server.admin(*a)
        assert code == 0, err
    results = []
    try:
        peers.wait_for_smtp("127.0.0.1", sink_port)
        postfix.start()
        server.start()
        postfix_sent = lambda: postfix.log().count("status=sent")  # noqa: E731
        sealpost_sent = lambda: server.sql(  # noqa: E731
            f"SELECT count(*) FROM queue WHERE state = 'delivered' AND rcpt_to = '{RCPT}'")[0][0]
        for size, n in ((4096, args.messages), (102400, max(50, args.messages // 4))):
            # Warm-up, then the measured runs; Postfix then sealpost in turn, same load, so
            # both see the same moments of a machine whose speed varies.
            relay_seconds(postfix.port, 20, 50, size, postfix_sent)
            relay_seconds(server.smtp_port, 20, 50, size, sealpost_sent)
            p_rates, s_rates = [], []
            for _ in range(args.rounds):
                # Each relay starts on a settled machine: the other's cleanup (hundreds of
                # files removed, each a discard on this VM's disk) slowed whoever came
                # next by up to half, and so did the writeback of what the last run wrote
                # (a journal commit for one file's fsync carries every dirty file's data).
                settle()
                p_rates.append(n / relay_seconds(postfix.port, 20, n, size, postfix_sent))
                settle()
                s_rates.append(n / relay_seconds(server.smtp_port, 20, n, size, sealpost_sent))
            results.append((size, n, statistics.median(p_rates), statistics.median(s_rates),
                            min(s / p for s, p in zip(s_rates, p_rates)),
                            max(s / p for s, p in zip(s_rates, p_rates))))
    finally:
        server.cleanup()
        postfix.cleanup()
        sink.terminate()
        sink.wait(timeout=10)

    print("\nRelay end to end into smtp-sink, 20 sessions in, at most 20 connections out; files on "
          f"{'a fresh journaled ext4 (--fresh-fs)' if fs else tempfile.gettempdir()}")
    print(f"(median of {args.rounds} round(s); ratio range over the rounds)")
    print(f"{'size':>8} {'messages':>8} {'Postfix msg/s':>14} {'sealpost msg/s':>15} {'ratio':>7} "
          f"{'range':>11}")
    for size, n, postfix_rate, sealpost_rate, low, high in results:
        print(f"{size // 1024:>6}Ki {n:>8} {postfix_rate:>14.0f} {sealpost_rate:>15.0f} "
              f"{sealpost_rate / postfix_rate:>7.2f} {low:>5.2f}-{high:<5.2f}")


if __name__ == "__main__":
    main()
