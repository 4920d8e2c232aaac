"""Issue 25's benchmark: a campaign to N contacts (default 100,000) into Postfix's
smtp-sink, beside a private Postfix relaying the same number of messages (smtp-source,
20 sessions) into the same sink — the clock runs from the start until the last message
is reported delivered (sealpost: its queue; Postfix: status=sent in its log). sealpost's
resident memory is sampled as the campaign goes: it should not grow with the number of
recipients. Contacts are imported from CSV first (timed too). Same machine, same run;
Postfix's master must start as root."""
import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
import harness  # noqa: E402
import peers  # noqa: E402

SENDER = "news@clinic.example"


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--contacts", type=int, default=100000)
    args = parser.parse_args()
    harness.BIN = os.path.abspath(args.bin)
    if os.geteuid() != 0:
        print("campaigns_bench: Postfix's master must start as root; skipped (run as root)")
        return
    n = args.contacts
    sink_port = peers.free_port()
    sink = subprocess.Popen(["smtp-sink", "-u", "nobody", f"127.0.0.1:{sink_port}", "256"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    postfix = peers.Postfix(name="relay.bench.example", starttls=False,
                            relay_to=f"127.0.0.1:{sink_port}")
    server = harness.Sealpost(settings={
        "mode": '"smtp"', "transport": f'["* = 127.0.0.1:{sink_port} tls=none"]',
        "max_connections_per_domain": "20", "rate_limit_per_minute": "0"})
    try:
        for a in (["account", "create", "Clinic"],
                  ["domain", "create", "clinic.example", "--account", "Clinic"],
                  ["user", "create", SENDER],
                  ["settings", "set", "domain", "clinic.example", "failure_action=send-plain"],
                  ["contacts", "new-list", "news", "--account", "Clinic"]):
            code, _, err = server.admin(*a)
            assert code == 0, err
        csv = os.path.join(server.tmp, "contacts.csv")
        with open(csv, "w") as f:
            f.write("email,first_name,plan\n")
            for i in range(n):
                f.write(f"p{i}@example.net,P{i},{('gold', 'silver', 'bronze')[i % 3]}\n")
        text = os.path.join(server.tmp, "news.txt")
        with open(text, "w") as f:
            f.write("Dear {{first_name}}, your {{plan}} plan covers the flu shot this year.\n" +
                    "x" * 3500 + "\nStop: {{@unsubscribe_url}}\n")
        started = time.monotonic()
        code, out, err = server.admin("contacts", "import", csv, "--account", "Clinic",
                                      "--list", "news", "--consent", "bench")
        assert code == 0, err
        print(f"import: {n} contacts in {time.monotonic() - started:.1f} s")
        for a in (["segment", "save", "all", "--account", "Clinic", "--list", "news"],
                  ["template", "save", "news", "--account", "Clinic", "--subject",
                   "Flu shots, {{first_name}}", "--text", text],
                  ["campaign", "create", "flu", "--account", "Clinic", "--segment", "all",
                   "--template", "news", "--from", SENDER, "--per-minute", "100000",
                   "--per-domain", "100000"]):
            code, _, err = server.admin(*a)
            assert code == 0, err
        peers.wait_for_smtp("127.0.0.1", sink_port)
        postfix.start()
        server.start()

        # Postfix: the same number of ~4 KiB messages relayed into the sink.
        before = postfix.log().count("status=sent")
        started = time.monotonic()
        peers.smtp_source(postfix.port, 20, n, 4096, SENDER, "patient@example.net")
        while postfix.log().count("status=sent") < before + n:
            time.sleep(0.2)
        postfix_rate = n / (time.monotonic() - started)

        idle = rss_kib(server.proc.pid)
        code, _, err = server.admin("campaign", "schedule", "flu", "--account", "Clinic")
        assert code == 0, err
        started = time.monotonic()
        samples = []
        made_at = None  # when every contact's message was made (the step's side)
        while True:
            done = server.sql("SELECT count(*) FROM queue WHERE state = 'delivered'")[0][0]
            samples.append((done, rss_kib(server.proc.pid)))
            if made_at is None and server.sql(
                    "SELECT count(*) FROM campaign_sends WHERE state = 'sent'")[0][0] >= n:
                made_at = time.monotonic() - started
            if done >= n:
                break
            time.sleep(1)
        seconds = time.monotonic() - started
        rate = n / seconds
        print(f"campaign: {n} messages delivered in {seconds:.1f} s = {rate:.0f}/s; "
              f"Postfix relaying {n}: {postfix_rate:.0f}/s; ratio {rate / postfix_rate:.2f}")
        if made_at:
            print(f"campaign: every message made (planned, sealed, queued) after {made_at:.1f} s "
                  f"= {n / made_at:.0f}/s; the rest of the time is delivery")
        quarter = [kib for done, kib in samples if done >= n // 4]
        print(f"memory: idle {idle // 1024} MiB; at 25% {quarter[0] // 1024 if quarter else 0} MiB; "
              f"peak {max(k for _, k in samples) // 1024} MiB; at the end {samples[-1][1] // 1024} MiB")
    finally:
        server.cleanup()
        postfix.cleanup()
        sink.terminate()


if __name__ == "__main__":
    main()
