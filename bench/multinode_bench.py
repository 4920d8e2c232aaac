"""Issue 23's benchmark: relay throughput on one node with SQLite, one node with
PostgreSQL, and two and three nodes sharing PostgreSQL, beside Postfix relaying the same
load into the same smtp-sink in the same run. Postfix's smtp-source submits 4 KiB
messages, 20 sessions spread over the nodes; the clock runs from the first submission to
the last message the nodes record delivered. Each node's CPU time per message is
reported too: this machine has two cores, so three nodes and PostgreSQL share them, and
the CPU a message costs is what predicts larger machines. Afterwards the delivered
entries are checked: no entry was delivered twice (each is delivered once, by one node).
Same machine, same run; Postfix's master must start as root."""
import argparse
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
import harness  # noqa: E402
import peers  # noqa: E402
import pg  # noqa: E402

SENDER = "bench@clinic.example"
RCPT = "patient@example.net"


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds(cluster):
    """The cluster's processes (the postmaster and its backends) together."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry) == cluster.proc.pid or int(fields[1]) == cluster.proc.pid:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def relay(ports, messages, size, delivered):
    """Seconds from the first submission until `messages` more are delivered."""
    before = delivered()
    start = time.monotonic()
    share = messages // len(ports)
    threads = [threading.Thread(target=peers.smtp_source,
                                args=(port, max(1, 20 // len(ports)),
                                      share + (messages % len(ports) if i == 0 else 0), size,
                                      SENDER, RCPT))
               for i, port in enumerate(ports)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    deadline = time.monotonic() + 1800
    while delivered() < before + messages:
        if time.monotonic() > deadline:
            raise RuntimeError("relay did not finish in 30 minutes")
        time.sleep(0.05)
    return time.monotonic() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--messages", type=int, default=3000)
    args = parser.parse_args()
    harness.BIN = os.path.abspath(args.bin)
    if os.geteuid() != 0:
        print("multinode_bench: Postfix's master must start as root; skipped (run as root)")
        return

    sink_port = peers.free_port()
    sink = subprocess.Popen(["smtp-sink", "-u", "nobody", f"127.0.0.1:{sink_port}", "256"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    postfix = peers.Postfix(name="relay.bench.example", starttls=False,
                            relay_to=f"127.0.0.1:{sink_port}")
    cluster = pg.Cluster(durable=True)
    settings = {"trusted_networks": '["127.0.0.1/32"]', "smtp.max_connections_per_client": "1000",
                "mode": '"smtp"', "transport": f'["* = 127.0.0.1:{sink_port} tls=none"]',
                "max_connections_per_domain": "20"}
    results = []
    try:
        peers.wait_for_smtp("127.0.0.1", sink_port)
        postfix.start()
        postfix_sent = lambda: postfix.log().count("status=sent")  # noqa: E731
        relay([postfix.port], 200, 4096, postfix_sent)  # warm-up
        postfix_rate = args.messages / relay([postfix.port], args.messages, 4096, postfix_sent)
        for name, nodes in (("SQLite, 1 node", 1), ("PostgreSQL, 1 node", 1),
                            ("PostgreSQL, 2 nodes", 2), ("PostgreSQL, 3 nodes", 3)):
            db = f"bench{len(results)}"
            database = None if name.startswith("SQLite") else cluster.create_database(db)
            first = harness.Sealpost(settings=settings, database=database)
            for a in (["account", "create", "Clinic"],
                      ["domain", "create", "clinic.example", "--account", "Clinic"],
                      ["user", "create", SENDER],
                      ["settings", "set", "domain", "clinic.example", "failure_action=send-plain"]):
                code, _, err = first.admin(*a)
                assert code == 0, err
            servers = [first] + [first.another_node() for _ in range(nodes - 1)]
            try:
                for s in servers:
                    s.start()
                if database is None:
                    delivered = lambda: first.sql(  # noqa: E731
                        "SELECT count(*) FROM queue WHERE state = 'delivered'")[0][0]
                else:
                    delivered = lambda: int(cluster.psql(  # noqa: E731
                        db, "SELECT count(*) FROM queue WHERE state = 'delivered'")[0][0])
                ports = [s.smtp_port for s in servers]
                relay(ports, 200, 4096, delivered)  # warm-up
                cpu_before = [cpu_seconds(s.proc.pid) for s in servers]
                pg_before = postgres_cpu_seconds(cluster)
                rate = args.messages / relay(ports, args.messages, 4096, delivered)
                cpu = sum(cpu_seconds(s.proc.pid) - b for s, b in zip(servers, cpu_before))
                pg_cpu = postgres_cpu_seconds(cluster) - pg_before if database else 0.0
                twice = "-"
                if database is not None:
                    # Each entry's results are recorded once per attempt: a delivered entry
                    # with more than one was tried again (a deferral, or a lease that ran
                    # out while another node held it: a possible double delivery).
                    twice = cluster.psql(db, "SELECT count(*) FROM queue WHERE state = "
                                             "'delivered' AND attempts > 1")[0][0]
                results.append((name, rate, 1000 * cpu / args.messages,
                                1000 * pg_cpu / args.messages, twice))
            finally:
                for s in servers:
                    s.cleanup()
    finally:
        postfix.cleanup()
        sink.terminate()
        sink.wait(timeout=10)
        cluster.stop()

    print(f"\nRelay of {args.messages} 4 KiB messages into smtp-sink, 20 sessions in "
          f"(spread over the nodes); Postfix {postfix_rate:.0f} msg/s in the same run")
    print(f"{'configuration':<22} {'msg/s':>7} {'vs Postfix':>10} {'sealpost CPU ms/msg':>20} "
          f"{'PostgreSQL CPU ms/msg':>22} {'tried 2+ times':>14}")
    for name, rate, cpu_ms, pg_ms, twice in results:
        print(f"{name:<22} {rate:>7.0f} {rate / postfix_rate:>10.2f} {cpu_ms:>20.2f} "
              f"{pg_ms:>22.2f} {twice:>14}")


if __name__ == "__main__":
    main()
