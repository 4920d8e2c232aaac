"""Issue 23: several sealpost nodes share one PostgreSQL database. The test starts its own
cluster (initdb in a temporary directory, its own port) and three nodes on it; 3,000
messages go in across the nodes, by SMTP and by the API, while one node is killed with -9
and started again. Every message arrives at a real Postfix, and no more arrive twice than
were being delivered by the node that died. A portal session made on one node opens the
message on another, and wrong answers given on three nodes add up to one lock."""
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
            "first_retry_seconds": "1", "max_retry_seconds": "2"})
        for args in (["account", "create", "Lab"],
                     ["domain", "create", "clinic.example", "--account", "Lab"],
                     ["user", "create", SENDER],
                     ["settings", "set", "domain", "clinic.example", "failure_action=send-plain"]):
            code, _, err = first.admin(*args)
            assert code == 0, err
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

if __name__ == "__main__":
    unittest.main()
