"""Issue 23: several sealpost nodes share one PostgreSQL database. The test starts its own
cluster (initdb in a temporary directory, its own port) and three nodes on it; 3,000
messages go in across the nodes, by SMTP and by the API, while one node is killed with -9
and started again. Every message arrives at a real Postfix, and no more arrive twice than
were being delivered by the node that died. A portal session made on one node opens the
message on another, and wrong answers given on three nodes add up to one lock. The guessing
guards and rate limits count what every node saw: wrong answers from one address spread
over the nodes meet one hourly cap, an API client's requests one quota."""
import json
import os
import re
import shutil
import smtplib
import threading
import time
import unittest

import peers
import pg
from harness import Sealpost, notice_link
from smtp_test import wait_for

SENDER = "lab@clinic.example"
SMTP_PER_NODE = 900   # by SMTP to each of the three nodes
BY_API = 300          # by the API, to the second node
MESSAGES = 3 * SMTP_PER_NODE + BY_API
MAX_IN_FLIGHT = 20    # per node: what the killed node can have had on the wire
GUESS_CAP = 9         # wrong answers an hour from one client address, on all nodes together
# Each message has one recipient, p<n>: the mail itself (SMTP, sent plain) or the notice
# of an escrowed copy (API) names it.
SEQ = re.compile(rb"^To: p(\d+)@multi\.example\r?$", re.M)


class MultiNodeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = pg.Cluster()
        port = peers.free_port()
        # Started once the nodes run: deliveries begin while mail still comes in.
        cls.mx = peers.Postfix(port=port, name="mx.multi.example", starttls=False,
                               domains=["multi.example"])
        first = Sealpost(database=cls.cluster.create_database("sealpost"), settings={
            "trusted_networks": '["127.0.0.1/32"]', "smtp.max_connections_per_client": "100",
            "mode": '"smtp"', "transport": f'["* = 127.0.0.1:{port} tls=none"]',
            "max_connections_per_domain": "5", "max_in_flight": str(MAX_IN_FLIGHT),
            "first_retry_seconds": "1", "max_retry_seconds": "2",
            "max_failures_per_address_per_hour": str(GUESS_CAP),
            "expiry_sweep_seconds": "1"})  # every node sweeps every second: they meet
        for args in (["account", "create", "Lab"],
                     ["domain", "create", "clinic.example", "--account", "Lab"],
                     ["user", "create", SENDER],
                     ["settings", "set", "domain", "clinic.example", "failure_action=send-plain"]):
            code, _, err = first.admin(*args)
            assert code == 0, err
        cls.database = "sealpost"
        cls.nodes = [first, first.another_node(), first.another_node()]
        for node in cls.nodes:
            node.start()
        cls.mx.start()

    @classmethod
    def tearDownClass(cls):
        try:
            for node in cls.nodes:
                node.cleanup()
        finally:
            cls.mx.cleanup()
            cls.cluster.stop()

    def received(self):
        """The number of each test message Postfix filed, with repeats."""
        seqs = []
        box = os.path.join(self.mx.mail, "box", "new")
        for name in os.listdir(box) if os.path.isdir(box) else ():
            try:
                with open(os.path.join(self.mx.mail, "box", "new", name), "rb") as f:
                    m = SEQ.search(f.read(8192))
            except FileNotFoundError:
                continue
            if m:
                seqs.append(int(m.group(1)))
        return seqs

    def submit_smtp(self, node, first, count):
        sent = 0
        while sent < count:
            try:
                with smtplib.SMTP("127.0.0.1", node.smtp_port, timeout=60) as s:
                    while sent < count:
                        n = first + sent
                        s.sendmail(SENDER, [f"p{n}@multi.example"],
                                   f"From: {SENDER}\r\nTo: p{n}@multi.example\r\n"
                                   f"Subject: result {n}\r\n\r\nSodium 14{n % 10} mmol/L\r\n")
                        sent += 1  # acknowledged: the node committed it
            except (OSError, smtplib.SMTPException):
                time.sleep(0.2)  # the node died: what it acknowledged is kept; go on

    def submit_api(self, node, first, count):
        self.api_failures = []
        for n in range(first, first + count):
            body = json.dumps({"from": SENDER, "to": [f"p{n}@multi.example"],
                               "subject": f"result {n}", "text": f"Potassium 4.{n % 10}\n",
                               "options": {"escrow": {"question": "Your birth year?",
                                                      "answer": f"19{n % 100:02d}"}}})
            for _ in range(100):
                try:
                    r = node.api("POST", "/api/v1/messages", body, timeout=30)
                except Exception:  # noqa: BLE001 (the node is down: try again)
                    r = None
                if r is not None and r.status == 202:
                    break
                if r is not None and r.status < 500:  # refused: the test's own fault
                    self.api_failures.append(f"{n}: {r.status} {r.text[:300]}")
                    return
                time.sleep(0.2)
            else:
                self.api_failures.append(f"{n}: not accepted in 100 tries")
                return

    def test_1_three_nodes_deliver_everything_through_a_kill(self):
        a, b, c = self.nodes
        threads = [threading.Thread(target=self.submit_smtp, args=(node, i * SMTP_PER_NODE,
                                                                   SMTP_PER_NODE))
                   for i, node in enumerate(self.nodes)]
        threads.append(threading.Thread(target=self.submit_api,
                                        args=(b, 3 * SMTP_PER_NODE, BY_API)))
        for t in threads:
            t.start()
        wait_for(lambda: len(self.received()) >= 600, timeout=300, what="600 deliveries")
        b.proc.kill()  # amid submissions and deliveries
        b.proc.wait(timeout=30)
        at_kill = len(self.received())
        time.sleep(1)
        b.start()
        for t in threads:
            t.join(timeout=900)
        self.assertEqual(self.api_failures, [])
        wait_for(lambda: len(set(self.received())) == MESSAGES, timeout=600,
                 what="every message delivered")
        seqs = self.received()
        self.assertEqual(set(seqs), set(range(MESSAGES)))
        duplicates = len(seqs) - MESSAGES
        # Only what the killed node had on the wire can have gone without its result
        # being recorded; the other nodes never take an entry it holds.
        self.assertLessEqual(duplicates, MAX_IN_FLIGHT)
        print(f"multinode_test: {MESSAGES} messages, {at_kill} delivered before the kill, "
              f"{duplicates} duplicates")

    def escrow(self, node, address, answer):
        body = json.dumps({"from": SENDER, "to": [address], "subject": "Your results",
                           "text": "Results inside.\n",
                           "options": {"escrow": {"question": "Your dog's name?",
                                                  "answer": answer}}})
        r = node.api("POST", "/api/v1/messages", body)
        self.assertEqual(r.status, 202, r.text)
        return json.loads(r.body)["id"]

    def notice_link(self, address):
        def find():
            box = os.path.join(self.mx.mail, "box", "new")
            for name in os.listdir(box) if os.path.isdir(box) else ():
                with open(os.path.join(box, name), "rb") as f:
                    raw = f.read()
                if f"To: {address}".encode() in raw:
                    import email
                    import email.policy
                    return email.message_from_bytes(raw, policy=email.policy.default)
            return None
        return notice_link(wait_for(find, timeout=120, what=f"the notice to {address}"))

    def test_2_a_session_made_on_one_node_opens_the_message_on_another(self):
        a, b, c = self.nodes
        self.escrow(a, "homer@multi.example", "Santa's Little Helper")
        link = self.notice_link("homer@multi.example")
        rid, page = a.open_link(link)
        r = a.answer(rid, page, "Santa's Little Helper")
        self.assertEqual(r.status, 303, r.text)
        shutil.copy(a.cookie_jar, c.cookie_jar)  # the same browser, sent to another node
        r = c.get(f"/r/{rid}", cookies=True)
        self.assertEqual(r.status, 200, r.text)
        self.assertIn("Results inside.", r.text)
        # Without the cookie, no node shows it.
        r = b.get(f"/r/{rid}", cookies=False)
        self.assertNotIn("Results inside.", r.text)

    def test_3_wrong_answers_on_three_nodes_add_up_to_one_lock(self):
        self.escrow(self.nodes[0], "marge@multi.example", "Blue hair")
        link = self.notice_link("marge@multi.example")
        # Four wrong answers, each on the next node: the count is the copy's, not a node's.
        for left, node in zip((4, 3, 2, 1), (0, 1, 2, 0)):
            rid, page = self.nodes[node].open_link(link)
            page = self.nodes[node].answer(rid, page, "wrong")
            self.assertIn(f"{left} attempt", page.text)
        rid, page = self.nodes[1].open_link(link)
        locked = self.nodes[1].answer(rid, page, "wrong")
        self.assertEqual(locked.status, 403)
        self.assertIn("locked", locked.text)
        # Even the right answer, on the third node, no longer opens it.
        rid, page = self.nodes[2].open_link(link)
        self.assertEqual(page.status, 403)
        self.assertIn("locked", page.text)

    def limit_events(self, scope):
        """What the nodes counted under `scope` and wrote for one another (count, keys)."""
        rows = self.cluster.psql(self.database, "SELECT coalesce(sum(count), 0), "
                                 "count(DISTINCT key) FROM limit_events "
                                 f"WHERE scope = '{scope}'")
        return int(rows[0][0]), int(rows[0][1])

    def settled(self, scope):
        """What the nodes counted under `scope`, once each has written its last (each writes
        ten times a second: two reads half a second apart agree)."""
        last = None
        for _ in range(60):
            now = self.limit_events(scope)
            if now == last:
                return now
            last = now
            time.sleep(0.5)
        self.fail(f"{scope}: the count did not settle")

    def shared(self, scope, count):
        """Waits until `count` of `scope` are written, then for every node to have read them
        (each reads a few times a second: a second is many passes)."""
        wait_for(lambda: self.limit_events(scope)[0] >= count, timeout=30,
                 what=f"{count} {scope} counted")
        time.sleep(1)

    def test_4_wrong_answers_from_one_address_meet_one_cap_on_all_nodes(self):
        # Wrong answers so far (test 3), all from 127.0.0.1: each node wrote its own.
        so_far, keys = self.settled("portal.client")
        self.assertEqual(keys, 1)  # one address; its digest, not the address itself
        self.assertEqual(self.cluster.psql(self.database, "SELECT count(*) FROM limit_events "
                                           "WHERE key LIKE '%127.0.0.1%'"), [["0"]])
        more = GUESS_CAP - so_far
        self.assertGreater(more, 0)
        # Four wrong answers at most on each copy (a fifth would lock it, and a locked
        # copy's refusals count against nobody), each on the next node: no node alone
        # reaches the cap.
        links = []
        for i in range((more + 3) // 4):
            self.escrow(self.nodes[0], f"bart{i}@multi.example", "Eat my shorts")
            links.append(self.notice_link(f"bart{i}@multi.example"))
        for i in range(more):
            node = self.nodes[i % 3]
            rid, page = node.open_link(links[i // 4])
            page = node.answer(rid, page, "wrong")
            self.assertEqual(page.status, 200, page.text)
        self.shared("portal.client", GUESS_CAP)
        # Every node now refuses this address, even the right answer, before looking at it.
        for node in self.nodes:
            rid, page = node.open_link(links[0])
            refused = node.answer(rid, page, "Eat my shorts")
            self.assertEqual(refused.status, 429, refused.text)
            self.assertNotIn("Results inside.", refused.text)

    def test_5_an_api_clients_requests_meet_one_quota_on_all_nodes(self):
        code, out, err = self.nodes[0].admin("client", "create", "Lab sync", "--account", "Lab",
                                             "--rate-limit", "6")
        self.assertEqual(code, 0, err)
        key = re.search(r"keep them safe\): (\S+)", out).group(1)
        for i in range(6):  # two on each node: none alone used its quota
            r = self.nodes[i % 3].api("GET", "/api/v1/messages/" + "0" * 32, key=key)
            self.assertEqual(r.status, 404, r.text)  # through the gate: no such message
        self.shared("api.client", 6)
        for node in self.nodes:
            r = node.api("GET", "/api/v1/messages/" + "0" * 32, key=key)
            self.assertEqual(r.status, 429, r.text)
            self.assertEqual(r.header("content-type"), "application/problem+json")
            self.assertIn("6 requests a minute", json.loads(r.body)["detail"])

    def expired_events(self, ids):
        quoted = ",".join(f"'{i}'" for i in ids)
        rows = self.cluster.psql(self.database, "SELECT message_id, count(*) FROM events "
                                 f"WHERE type = 'expired' AND message_id IN ({quoted}) "
                                 "GROUP BY message_id")
        return {row[0]: int(row[1]) for row in rows}

    def expire(self, ids):
        quoted = ",".join(f"'{i}'" for i in ids)
        self.cluster.psql(self.database, "UPDATE messages SET expires_at = "
                          f"extract(epoch FROM now())::bigint - 1 WHERE id IN ({quoted})")

    def destroyed_in_logs(self):
        return sum(int(n) for node in self.nodes
                   for n in re.findall(r"(\d+) expired message\(s\) destroyed", node.log()))

    def test_6_the_expiry_sweep_destroys_each_expired_message_once(self):
        before = self.destroyed_in_logs()
        ids = [self.escrow(self.nodes[i % 3], f"ned{i}@multi.example", "Okily dokily")
               for i in range(20)]
        self.expire(ids)  # time passes, for twenty messages at once
        wait_for(lambda: len(self.expired_events(ids)) == len(ids), timeout=60,
                 what="every expired message destroyed")
        # A sentinel expiring after them: once it is gone too, the nodes have swept again
        # (each every second) and found nothing more to do with the twenty.
        sentinel = self.escrow(self.nodes[1], "maude@multi.example", "Okily dokily")
        self.expire([sentinel])
        wait_for(lambda: self.expired_events([sentinel]), timeout=60,
                 what="the sentinel destroyed")
        self.assertEqual(self.expired_events(ids), {i: 1 for i in ids})
        self.assertEqual(self.destroyed_in_logs() - before, len(ids) + 1)
        # Gone on every node: each copy's link says it has expired.
        link = self.notice_link("ned7@multi.example")
        for node in self.nodes:
            _, page = node.open_link(link)
            self.assertEqual(page.status, 410, page.text)


if __name__ == "__main__":
    unittest.main()
