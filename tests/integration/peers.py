"""Real mail peers for tests and benchmarks, each started and stopped by its user, on
loopback only: a private Postfix (as a recipient's mail server, with or without
STARTTLS, filing what it accepts in a Maildir; or discarding it), and unbound serving
test DNS zones (DNSSEC-signed where asked), and an HTTPS server for MTA-STS policies.
Postfix's master must start as root."""
import email
import glob
import http.server
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.request

MASTER_CF = """\
{listen}      inet  n       -       n       -       -       smtpd
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
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_smtp(address, port, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection((address, port), timeout=1) as s:
                if s.recv(100).startswith(b"220"):
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answers SMTP on {address}:{port}")


def smtp_source(port, sessions, messages, size=4096, sender="bench@clinic.example",
                recipient="patient@example.net"):
    """Postfix's smtp-source: `messages` of `size` bytes over `sessions` sessions.
    Returns the seconds it took."""
    cmd = ["smtp-source", "-s", str(sessions), "-m", str(messages), "-l", str(size),
           "-f", sender, "-t", recipient, f"127.0.0.1:{port}"]
    start = time.monotonic()
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    if run.returncode != 0:
        raise RuntimeError(f"smtp-source failed: {run.stderr}")
    return time.monotonic() - start


def read_text(path):
    """A log file's text, or "" before it exists."""
    if not os.path.exists(path):
        return ""
    with open(path, errors="replace") as f:
        return f.read()


def self_signed(directory, name, also=(), ips=()):
    """A self-signed ECDSA certificate for `name` (and the names in `also`, and the IP
    addresses in `ips`); returns (cert, key) paths. It is its own CA: trusting it makes
    PKIX checks pass."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    names = ",".join([*(f"DNS:{n}" for n in (name, *also)), *(f"IP:{a}" for a in ips)])
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "30", "-subj", f"/CN={name}",
                    "-addext", f"subjectAltName={names}", "-keyout", key, "-out", cert],
                   check=True, capture_output=True, timeout=60)
    return cert, key


class Postfix:
    """A private Postfix: its own configuration, queue and port, master.cf without
    chroot. `domains` are accepted into one Maildir (every recipient in the same box;
    X-Original-To tells them apart); with `discard`, everything is thrown away instead.
    `access` maps recipient addresses to replies ("450 4.2.0 try later"); its
    certificate names `name` and `cert_names`. With
    `relay_to` ("127.0.0.1:2525"), it relays everything there, in clear."""

    def __init__(self, address="127.0.0.1", port=None, name="mx.test", starttls=True,
                 domains=(), access=None, discard=False, relay_to=None, cert_names=()):
        self.address, self.port, self.name = address, port or free_port(), name
        self.tmp = tempfile.mkdtemp(prefix="sealpost-postfix-")
        os.chmod(self.tmp, 0o755)  # Postfix's daemons run as other users
        self.conf = os.path.join(self.tmp, "etc")
        self.mail = os.path.join(self.tmp, "mail")
        queue, data = os.path.join(self.tmp, "queue"), os.path.join(self.tmp, "data")
        for d in (self.conf, queue, data, self.mail):
            os.makedirs(d)
        shutil.chown(data, user="postfix")
        shutil.chown(self.mail, user="nobody", group="nogroup")
        tls = ""
        if starttls:
            cert, key = self_signed(self.conf, name, cert_names)
            tls = f"""smtpd_tls_security_level = may
smtpd_tls_cert_file = {cert}
smtpd_tls_key_file = {key}
smtpd_tls_received_header = yes
smtpd_tls_loglevel = 1
"""
        else:
            tls = "smtpd_tls_security_level = none\n"
        restrictions = "permit_mynetworks, reject_unauth_destination"
        if access:
            pairs = ", ".join(f"{{{k} = {v}}}" for k, v in access.items())
            restrictions = f"check_recipient_access inline:{{ {pairs} }}, " + restrictions
        if relay_to:
            host, relay_port = relay_to.rsplit(":", 1)
            delivery = (f"relayhost = [{host}]:{relay_port}\nsmtp_tls_security_level = none\n"
                        "default_transport = smtp\n")
        elif discard:
            delivery = ("default_transport = discard\nrelay_transport = discard\n"
                        "local_transport = discard\n")
        else:
            delivery = f"""virtual_mailbox_domains = {' '.join(domains) or 'none.invalid'}
virtual_mailbox_base = {self.mail}
virtual_mailbox_maps = static:box/
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
virtual_minimum_uid = 100
default_transport = error:this test server relays nothing
"""
        with open(os.path.join(self.conf, "main.cf"), "w") as f:
            f.write(f"""compatibility_level = 3.6
queue_directory = {queue}
data_directory = {data}
myhostname = {name}
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = {restrictions}
{delivery}smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
default_process_limit = 100
maillog_file = {self.tmp}/postfix.log
maillog_file_prefixes = {self.tmp}
smtputf8_enable = no
{tls}""")
        with open(os.path.join(self.conf, "master.cf"), "w") as f:
            f.write(MASTER_CF.format(listen=f"{self.address}:{self.port}"))

    def start(self):
        for command in ("check", "start"):
            # Postfix tells what is wrong only to a terminal: script(1) gives it one.
            run = subprocess.run(["script", "-qec", f"postfix -c {self.conf} {command}",
                                  "/dev/null"], capture_output=True, text=True, timeout=60)
            if run.returncode != 0:
                raise RuntimeError(f"postfix {command} failed: {run.stdout}{self.log()}")
        wait_for_smtp(self.address, self.port)
        return self

    def stop(self):
        subprocess.run(["postfix", "-c", self.conf, "stop"], capture_output=True, timeout=60)

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def log(self):
        return read_text(os.path.join(self.tmp, "postfix.log"))

    def messages(self):
        """Everything delivered so far, as email.message.Message objects. Read file by
        file: Postfix may be making the Maildir's folders while we look."""
        out = []
        for path in sorted(glob.glob(os.path.join(self.mail, "box", "new", "*")) +
                           glob.glob(os.path.join(self.mail, "box", "cur", "*"))):
            with open(path, "rb") as f:
                out.append(email.message_from_bytes(f.read()))
        return out

    def messages_for(self, address):
        return [m for m in self.messages() if m.get("X-Original-To", "").lower() == address.lower()]

    def raw_for(self, address):
        """The bytes of each message delivered to `address`."""
        out = []
        for path in glob.glob(os.path.join(self.mail, "box", "new", "*")) + \
                glob.glob(os.path.join(self.mail, "box", "cur", "*")):
            with open(path, "rb") as f:
                raw = f.read()
            if f"X-Original-To: {address}\n".encode() in raw:
                out.append(raw)
        return out


class Unbound:
    """unbound answering for test zones from `records` ("name. IN TYPE data" lines);
    names in `zones` without records answer NXDOMAIN. Not under "test.": unbound and
    libunbound answer NXDOMAIN for the special-use test. and invalid. themselves.
    `signed` maps zone origins ("sealtest.") to their records: each is signed with
    DNSSEC (ldns-signzone, a fresh ECDSA key, NSEC) and served with its signatures;
    `trust_anchor` is the file of those zones' keys, for a validating resolver."""

    def __init__(self, records, zones=("example.",), signed=None, port=None):
        self.port = port or free_port()  # a port of its own, or one it takes over
        self.tmp = tempfile.mkdtemp(prefix="sealpost-unbound-")
        self.conf = os.path.join(self.tmp, "unbound.conf")
        self.trust_anchor = os.path.join(self.tmp, "trust-anchor.key")
        lines = [f'  local-zone: "{z}" static' for z in zones]
        lines += [f"  local-data: '{r}'" if '"' in r else f'  local-data: "{r}"' for r in records]
        auth_zones, anchors = "", []
        for origin, zone_records in (signed or {}).items():
            zone_file, anchor = self._sign(origin, zone_records)
            anchors.append(anchor)
            auth_zones += (f'auth-zone:\n  name: "{origin}"\n  zonefile: "{zone_file}"\n'
                           "  for-downstream: yes\n  for-upstream: no\n  fallback-enabled: no\n")
        with open(self.trust_anchor, "w") as f:
            f.write("".join(anchors))
        with open(self.conf, "w") as f:
            f.write(f"""server:
  interface: 127.0.0.1
  port: {self.port}
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "{self.tmp}"
  pidfile: "{self.tmp}/unbound.pid"
  use-syslog: no
  logfile: "{self.tmp}/unbound.log"
  verbosity: 1
  do-ip6: no
  access-control: 127.0.0.0/8 allow
  module-config: "iterator"
{chr(10).join(lines)}
{auth_zones}remote-control:
  control-enable: no
""")
        self.proc = None

    def _sign(self, origin, records):
        """Writes and signs the zone; returns (signed zone file, its DNSKEY lines)."""
        base = os.path.join(self.tmp, origin.rstrip("."))
        with open(base + ".zone", "w") as f:
            f.write(f"$ORIGIN {origin}\n$TTL 300\n"
                    f"@ IN SOA ns.{origin} admin.{origin} 1 3600 600 86400 300\n"
                    f"@ IN NS ns.{origin}\nns IN A 127.0.0.1\n" + "\n".join(records) + "\n")
        key = subprocess.run(["ldns-keygen", "-a", "ECDSAP256SHA256", "-k", origin], cwd=self.tmp,
                             capture_output=True, text=True, check=True, timeout=60).stdout.strip()
        key = os.path.join(self.tmp, key)
        subprocess.run(["ldns-signzone", "-f", base + ".signed", base + ".zone", key],
                       capture_output=True, text=True, check=True, timeout=60)
        with open(key + ".key") as f:
            anchor = "".join(line.split(";")[0].rstrip() + "\n" for line in f if "DNSKEY" in line)
        return base + ".signed", anchor

    @property
    def address(self):
        return f"127.0.0.1@{self.port}"

    def start(self):
        check = subprocess.run(["unbound-checkconf", self.conf], capture_output=True, text=True,
                               timeout=30)
        if check.returncode != 0:
            raise RuntimeError("unbound configuration: " + check.stdout + check.stderr)
        self.proc = subprocess.Popen(["unbound", "-d", "-c", self.conf],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("unbound exited: " + self.log())
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.settimeout(0.5)
                # A minimal query for "example." SOA; any answer means unbound is up.
                query = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x00\x00\x06\x00\x01"
                try:
                    s.sendto(query, ("127.0.0.1", self.port))
                    if s.recv(512)[:2] == b"\x12\x34":
                        return self
                except OSError:
                    time.sleep(0.2)
        raise RuntimeError("unbound did not start: " + self.log())

    def log(self):
        return read_text(os.path.join(self.tmp, "unbound.log"))

    def cleanup(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)


class PolicyServer:
    """HTTPS on loopback serving MTA-STS policies (RFC 8461 §3.3): `policies` maps a
    Host ("mta-sts.sts.example") to (status, extra headers, body); POSTs (TLS reports)
    are kept in `posts`. Its certificate names every host and those in `also`; `cert` is
    the file to trust."""

    def __init__(self, address, policies, also=()):
        self.address, self.port = address, free_port()
        self.tmp = tempfile.mkdtemp(prefix="sealpost-mta-sts-")
        names = sorted(policies)
        self.cert, key = self_signed(self.tmp, names[0], [*names[1:], *also])
        self.requests = []
        self.posts = []  # (host, path, content type, body): TLS reports uploaded (RFC 8460)
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                host = self.headers.get("Host", "").split(":")[0]
                server.requests.append((host, self.path))
                status, headers, body = policies.get(host, (404, {}, "no such host"))
                if self.path != "/.well-known/mta-sts.txt":
                    status, headers, body = 404, {}, "no such path"
                self.send_response(status)
                for k, v in {"Content-Type": "text/plain", **headers}.items():
                    self.send_header(k, v)
                data = body.encode()
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                server.posts.append((self.headers.get("Host", ""), self.path,
                                     self.headers.get("Content-Type", ""), self.rfile.read(length)))
                self.send_response(201)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer((address, self.port), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, key)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.thread = None

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def cleanup(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        shutil.rmtree(self.tmp, ignore_errors=True)


RECEIVER_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "browser",
                               "webhook_receiver.mjs")


class WebhookReceiver:
    """An HTTPS webhook receiver on loopback (tests/browser/webhook_receiver.mjs) that
    checks each delivery with the Standard Webhooks reference library. Each endpoint is
    a path, /hook/<name>, with its own secret; `url(name)` is what to register. It can
    be stopped and started again on the same port (a receiver that was down). With
    `same_certificate_as`, it uses that receiver's certificate (already trusted)."""

    def __init__(self, address="127.0.0.1", same_certificate_as=None):
        self.address, self.port = address, free_port()
        self.tmp = tempfile.mkdtemp(prefix="sealpost-webhooks-")
        if same_certificate_as:
            self.cert, self.key = same_certificate_as.cert, same_certificate_as.key
        else:
            self.cert, self.key = self_signed(self.tmp, "hooks.test", ips=(address,))
        self.proc = None

    def url(self, name):
        return f"https://{self.address}:{self.port}/hook/{name}"

    def start(self, secrets=None):
        """`secrets`: {name: "whsec_..."} the receiver knows from its first request."""
        self.proc = subprocess.Popen(["node", RECEIVER_SCRIPT, self.address, str(self.port),
                                      self.cert, self.key, json.dumps(secrets or {})],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("listening"):
            raise RuntimeError("webhook receiver did not start: " + line)
        self.proc.stdout.close()
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def _call(self, method, name, body=None):
        context = ssl.create_default_context(cafile=self.cert)
        request = urllib.request.Request(
            f"https://{self.address}:{self.port}/control/{name}", method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, context=context, timeout=10) as answer:
            data = answer.read()
            return json.loads(data) if data else None

    def control(self, name, **change):
        """secret="whsec_...", fail_next=n, delay_ms=n (hold each answer that long)"""
        self._call("POST", name, change)

    def seen(self, name):
        """{"attempts": [...], "delivered": {webhook-id: {count, payload, received_ms}},
        "max_in_flight": n}"""
        return self._call("GET", name)

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)
