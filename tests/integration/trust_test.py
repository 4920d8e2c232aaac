"""Issue 18 against the real binary: trust holes where features meet. A copy the sender
protected with a question asks it wherever it is opened (the Message Center too, after
a password reset by whoever holds the mailbox), and its key needs the answer."""
import re
import unittest

import namespaces_test
from harness import notice_link
from namespaces_test import SPRING_HOST, csrf_of, PASSWORD


class MessageCenterQuestionTest(namespaces_test.MessageCenterTest):
    # The inherited tests run in namespaces_test already.
    test_inbox_search_open_compose_and_mode_switch = None
    test_two_step_sign_in_at_the_portal = None
    test_a_long_inbox_comes_a_page_at_a_time = None

    def reset_password(self, address, new):
        """Whoever holds the mailbox: "Forgot password", then the mailed link."""
        server = self.server
        server.get("/account/reset", cookies=True)  # a fresh form cookie
        form = server.get("/account/reset", cookies=True)
        mails = set(server.notices())
        r = server.post("/account/reset", form=[("csrf", csrf_of(form)), ("address", address)],
                        cookies=True)
        self.assertEqual(r.status, 200, r.text)
        mail = self.mail(server, address, "Set a new password", mails)
        path = re.search(r"https://\S+?(/account/reset/\S+)",
                         mail.get_body(preferencelist=("plain",)).get_content()).group(1)
        page = server.get(path, cookies=True)
        done = server.post(path, form=[("csrf", csrf_of(page)), ("password", new),
                                       ("password2", new)], cookies=True)
        self.assertEqual(done.status, 200, done.text)

    def test_a_question_copy_asks_its_question_in_the_message_center(self):
        server = self.server
        server.host = SPRING_HOST
        self.center("springfield", True)
        # Pat has an account (registered from a sign-in message) ...
        self.send("dr@springfield.example", "pat@example.net", "Come in on Monday",
                  subject="Appointment", question=False)
        self.register(server, "pat@example.net")
        # ... and is then sent results the sender protected with a question.
        self.send("dr@springfield.example", "pat@example.net", "Cholesterol 7.2",
                  subject="Lipids")
        rid = server.sql("SELECT r.id FROM recipients r JOIN messages m ON m.id = r.message_id "
                         "WHERE r.verification = 'question'")[0][0]
        # The key needs the answer: nothing faster to test than Argon2id is kept of it.
        answer_hash, answer_kdf, center = server.sql(
            f"SELECT answer_hash, answer_kdf, length(center_key) FROM recipients WHERE id = '{rid}'")[0]
        self.assertEqual(answer_hash, "")
        self.assertRegex(answer_kdf, r"^argon2id\$v=19\$m=\d+,t=\d+,p=1$")
        self.assertGreater(center, 0)

        # Someone who controls only the mailbox resets the password and signs in.
        self.reset_password("pat@example.net", "a new long passphrase")
        signed = self.sign_in_direct(SPRING_HOST, "pat@example.net", "a new long passphrase")
        self.assertEqual(signed.status, 303, signed.text)
        inbox = self.inbox(SPRING_HOST)
        self.assertIn(f"/inbox/open/{rid}", inbox.text)  # listed ...
        asked = server.get(f"/inbox/open/{rid}", cookies=True)
        self.assertEqual(asked.status, 200, asked.text)  # ... but asks before it opens
        self.assertIn("Your dog&#39;s name?", asked.text)
        self.assertNotIn("Cholesterol", asked.text)
        self.assertIsNone(asked.header("location"))
        self.assertNotIn("__Host-sp_session", " ".join(asked.cookies))
        self.assertEqual(asked.header("cache-control"), "no-store")
        # A wrong answer counts toward the lock, as on the link's page.
        wrong = server.post(f"/inbox/open/{rid}", form=[("csrf", csrf_of(asked)),
                                                       ("answer", "Fido")], cookies=True)
        self.assertEqual(wrong.status, 200, wrong.text)
        self.assertIn("You have 4 attempts left", wrong.text)
        self.assertNotIn("Cholesterol", wrong.text)
        self.assertEqual(server.sql(f"SELECT failures FROM recipients WHERE id = '{rid}'"), [(1,)])
        # A form token of another copy or a forged one is refused.
        forged = server.post(f"/inbox/open/{rid}", form=[("csrf", "forged"), ("answer", "Rex")],
                             cookies=True)
        self.assertEqual(forged.status, 403)
        # The right answer opens it.
        right = server.post(f"/inbox/open/{rid}", form=[("csrf", csrf_of(wrong)),
                                                       ("answer", "  rex ")], cookies=True)
        self.assertEqual(right.status, 303, right.text)
        self.assertIn("Cholesterol 7.2", server.get(right.header("location"), cookies=True).text)
        self.assertIn(("verified", "message center, answer"), server.sql(
            f"SELECT type, detail FROM events WHERE recipient_id = '{rid}'"))
        self.assertEqual(server.sql(f"SELECT failures FROM recipients WHERE id = '{rid}'"), [(0,)])

        # The notice's link still works the same way: question, then the message.
        notice = self.mail(server, "pat@example.net", "You have been sent")
        link_rid, page = server.open_link(notice_link(notice))
        self.assertEqual(link_rid, rid)
        self.assertIn("Your dog&#39;s name?", page.text)
        self.assertEqual(server.answer(rid, page, "Rex").status, 303)


if __name__ == "__main__":
    unittest.main()
