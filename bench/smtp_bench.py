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
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
import harness  # noqa: E402
import peers  # noqa: E402

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()
    harness.BIN = os.path.abspath(args.bin)
    if os.geteuid() != 0:
        print("smtp_bench: Postfix's master must start as root; skipped (run as root)")
        return

    postfix = peers.Postfix(name="postfix.bench.test", starttls=False, discard=True)
    postfix_port = postfix.port
    server = harness.Sealpost(settings={"trusted_networks": '["127.0.0.1/32"]',
                                        "smtp.max_connections_per_client": "1000"})
    results = []
    try:
        postfix.start()
        server.start()
        for sessions in (1, 20):
            n = args.messages if sessions > 1 else args.messages // 4
            # Warm-up, then the measured run; Postfix first, then sealpost, same load.
            peers.smtp_source(postfix_port, sessions, 50)
            p = peers.smtp_source(postfix_port, sessions, n)
            peers.smtp_source(server.smtp_port, sessions, 50)
            s = peers.smtp_source(server.smtp_port, sessions, n)
            results.append((sessions, n, n / p, n / s))
        accepted = server.sql("SELECT count(*) FROM inbound")[0][0] + \
            server.sql("SELECT count(*) FROM events WHERE type = 'submitted'")[0][0]
    finally:
        server.cleanup()
        postfix.cleanup()

    print("\nSMTP acceptance, 4 KiB messages, smtp-source, 127.0.0.1 (each 250 after an fsync)")
    print(f"{'sessions':>8} {'messages':>8} {'Postfix msg/s':>14} {'sealpost msg/s':>15} {'ratio':>7}")
    for sessions, n, postfix_rate, sealpost_rate in results:
        print(f"{sessions:>8} {n:>8} {postfix_rate:>14.0f} {sealpost_rate:>15.0f} "
              f"{sealpost_rate / postfix_rate:>7.2f}")
    print(f"sealpost committed {accepted} submissions in all (warm-ups included)")


if __name__ == "__main__":
    main()
