"""Issue 5's benchmark: accepted messages per second, Postfix's smtp-source (4 KiB
messages; 1 and 20 parallel sessions) against sealpost's trusted-network submission
listener and against a private Postfix whose smtpd hands everything to the discard
transport — both commit each message to disk before their 250 (sealpost: the group-
committed spool; Postfix: cleanup's fsync of the queue file). Same machine, same run.

Postfix runs from a private configuration in a temporary directory (its own queue,
port, and master.cf without chroot), started and stopped here; as root, as Postfix's
master requires.

What each server does with the mail meanwhile: Postfix discards it; sealpost processes
it and delivers it over SMTP into Postfix's smtp-sink, as it would to a next hop. With
--outbox, sealpost files it in its development outbox instead (a file and a sync per
pass, which no production setup does: the figures of stops before 55 were taken so).

Issue 19.6: with --sustained SECONDS, sealpost alone then takes 20 sessions of
smtp-source for that long, and every 10 s the run reports how many messages were
accepted and how many processed (planned, sealed, queued) in the interval, and how
many wait: the backlog must stay bounded (acceptance slows down past
delivery.backlog_slow_down and refuses past backlog_refuse) while processing goes on."""
import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
import harness  # noqa: E402
import peers  # noqa: E402
from fresh_fs import add_argument as add_fresh_fs, fresh_fs  # noqa: E402

def Sustained(server, seconds):
    """Loads `server` with 20 sessions for `seconds`; returns one row per 10 s:
    (elapsed, accepted/s, processed/s, submissions waiting, queue entries waiting)."""
    stop = time.monotonic() + seconds
    failures = []

    def load():
        while time.monotonic() < stop:
            try:
                peers.smtp_source(server.smtp_port, 20, 1000)
            except RuntimeError as e:  # refused past the hard limit: say so, go on
                failures.append(str(e)[:200])

    def counts():
        waiting = server.spool_sql("SELECT count(*) FROM inbound")[0][0]
        processed = server.sql("SELECT count(*) FROM events WHERE type = 'submitted'")[0][0]
        queued = server.sql("SELECT count(*) FROM queue WHERE state IN ('queued', 'deferred')")[0][0]
        return waiting + processed, processed, waiting, queued

    rows = []
    start = time.monotonic()
    last = counts()
    loader = threading.Thread(target=load)
    loader.start()
    while time.monotonic() < stop:
        time.sleep(10)
        now = counts()
        rows.append((time.monotonic() - start, (now[0] - last[0]) / 10, (now[1] - last[1]) / 10,
                     now[2], now[3]))
        last = now
    loader.join()
    if failures:
        print(f"smtp-source runs that ended in a refusal: {len(failures)}; first: {failures[0]}")
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--sustained", type=int, default=0, metavar="SECONDS",
                        help="then load sealpost alone this long (20 sessions)")
    parser.add_argument("--outbox", action="store_true",
                        help="sealpost files what it delivers in its development outbox "
                             "(default: it delivers into an smtp-sink)")
    add_fresh_fs(parser)
    args = parser.parse_args()
    harness.BIN = os.path.abspath(args.bin)
    if os.geteuid() != 0:
        print("smtp_bench: Postfix's master must start as root; skipped (run as root)")
        return

    with fresh_fs(args.fresh_fs) as fs:
        run(args, fs)


def run(args, fs):
    postfix = peers.Postfix(name="postfix.bench.test", starttls=False, discard=True)
    postfix_port = postfix.port
    settings = {"trusted_networks": '["127.0.0.1/32"]', "smtp.max_connections_per_client": "1000"}
    sink = None
    if not args.outbox:
        sink_port = peers.free_port()
        sink = subprocess.Popen(["smtp-sink", "-u", "nobody", f"127.0.0.1:{sink_port}", "256"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        settings.update({"mode": '"smtp"', "transport": f'["* = 127.0.0.1:{sink_port} tls=none"]',
                         "max_connections_per_domain": "20"})
    server = harness.Sealpost(settings=settings)
    if sink:
        # As relay_bench.py: the sender's domain sends in the clear what cannot go over
        # TLS (the sink speaks none), rather than bouncing it.
        for a in (["account", "create", "Clinic"],
                  ["domain", "create", "clinic.example", "--account", "Clinic"],
                  ["user", "create", "bench@clinic.example"],
                  ["settings", "set", "domain", "clinic.example", "failure_action=send-plain"]):
            code, _, err = server.admin(*a)
            assert code == 0, err
    results = []
    try:
        if sink:
            peers.wait_for_smtp("127.0.0.1", sink_port)
        postfix.start()
        server.start()
        for sessions in (1, 20):
            n = args.messages if sessions > 1 else args.messages // 4
            # Warm-up, then the measured run; Postfix first, then sealpost, same load. Each
            # starts with what the last one wrote written back: on a journaled file system a
            # sync carries every file's dirty data, so the other's leftovers would be billed.
            peers.smtp_source(postfix_port, sessions, 50)
            os.sync()
            p = peers.smtp_source(postfix_port, sessions, n)
            peers.smtp_source(server.smtp_port, sessions, 50)
            os.sync()
            s = peers.smtp_source(server.smtp_port, sessions, n)
            results.append((sessions, n, n / p, n / s))
        # The spool first, then the marks of ended submissions (kept an hour): one that
        # ends between the two reads is in both, and counted once.
        spooled = {row[0] for row in server.spool_sql("SELECT id FROM inbound")}
        ended = {row[0] for row in server.sql("SELECT id FROM inbound_done")}
        accepted = len(spooled | ended)
        if args.sustained:
            sustained = Sustained(server, args.sustained)
    finally:
        server.cleanup()
        postfix.cleanup()
        if sink:
            sink.terminate()
            sink.wait(timeout=10)

    print("\nSMTP acceptance, 4 KiB messages, smtp-source, 127.0.0.1 (each 250 after an fsync); "
          f"files on {'a fresh journaled ext4 (--fresh-fs)' if fs else tempfile.gettempdir()}; "
          f"sealpost delivers {'into its outbox' if args.outbox else 'into an smtp-sink'}, "
          "Postfix discards")
    print(f"{'sessions':>8} {'messages':>8} {'Postfix msg/s':>14} {'sealpost msg/s':>15} {'ratio':>7}")
    for sessions, n, postfix_rate, sealpost_rate in results:
        print(f"{sessions:>8} {n:>8} {postfix_rate:>14.0f} {sealpost_rate:>15.0f} "
              f"{sealpost_rate / postfix_rate:>7.2f}")
    print(f"sealpost committed {accepted} submissions in all (warm-ups included)")
    if args.sustained:
        print(f"\nSustained: 20 sessions for {args.sustained} s; per 10 s interval")
        print(f"{'at s':>5} {'accepted/s':>11} {'processed/s':>12} {'waiting':>8} {'queue':>6}")
        for at, acc, proc, waiting, queued in sustained:
            print(f"{at:>5.0f} {acc:>11.0f} {proc:>12.0f} {waiting:>8} {queued:>6}")
        total_acc = sum(r[1] for r in sustained) * 10
        total_proc = sum(r[2] for r in sustained) * 10
        print(f"mean: {total_acc / (10 * len(sustained)):.0f} accepted/s, "
              f"{total_proc / (10 * len(sustained)):.0f} processed/s; "
              f"largest backlog {max(r[3] for r in sustained)} submissions")


if __name__ == "__main__":
    main()
