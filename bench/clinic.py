"""The sender the API benchmarks share: account Clinic (domain clinic.example), its user
dr@clinic.example, subscribed to an address book that knows the recipient's question
and answer, so a message needs no answer of its own (the API's fast path)."""
import json
import re

SENDER = "dr@clinic.example"
RECIPIENT = "patient@example.net"


def set_up(server):
    """Makes the account, user and book on a server not yet started."""
    for a in (["account", "create", "Clinic"],
              ["domain", "create", "clinic.example", "--account", "Clinic"],
              ["user", "create", SENDER],
              ["book", "create", "account:Clinic:patients"],
              ["book", "link", SENDER, "account:Clinic:patients", "--role", "subscribed"],
              ["book", "add-question", "account:Clinic:patients", RECIPIENT,
               "--question", "Your date of birth?", "--answer", "1970-01-01"]):
        code, _, err = server.admin(*a)
        assert code == 0, err


def sender_client(server, name="bench"):
    """Credentials ("id:secret") of an API client that sends as the user."""
    code, out, err = server.admin("client", "create", name, "--account", "Clinic",
                                  "--user", SENDER)
    assert code == 0, err
    return re.search(r"keep them safe\): (\S+)", out).group(1)


def message(size=4096):
    """The benchmarks' message, as the API's JSON: one escrow recipient, `size` bytes."""
    return json.dumps({"from": SENDER, "to": [RECIPIENT], "subject": "Benchmark",
                       "text": "x" * size})
