"""A PostgreSQL cluster of a test's own (issue 23): initdb in a temporary directory, its
own port, reached by the Unix socket in that directory, stopped at the end. As
src/store/postgres/test_cluster.cc does for the C++ tests."""

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time


def _bin():
    if os.environ.get("SEALPOST_PG_BIN"):
        return os.environ["SEALPOST_PG_BIN"]
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]))
    if not found:
        raise RuntimeError("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin "
                           "(scripts/install-deps.sh --test installs postgresql-15)")
    return os.path.dirname(found[-1])


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, durable=False, settings=()):
        """`durable`: commits reach the disk (fsync on), as in production; tests leave it
        off (nothing of a test's cluster outlives it), benchmarks turn it on. `settings`:
        more "name=value" for the server (a profile's pg_stat_statements, say)."""
        self.bin = _bin()
        self.dir = tempfile.mkdtemp(prefix="sealpost-pg-")
        self.log = os.path.join(self.dir, "postgres.log")
        self._as_postgres = None
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)

            def demote():
                os.setgid(user.pw_gid)
                os.setuid(user.pw_uid)
            self._as_postgres = demote
        data = os.path.join(self.dir, "data")
        with open(self.log, "ab") as log:
            subprocess.run([f"{self.bin}/initdb", "-D", data, "-A", "trust", "-U", "sealpost",
                            "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"],
                           stdout=log, stderr=subprocess.STDOUT, check=True, timeout=120,
                           preexec_fn=self._as_postgres)
        for attempt in range(3):
            self.port = _free_port()
            with open(self.log, "ab") as log:
                self.proc = subprocess.Popen(
                    [f"{self.bin}/postgres", "-D", data, "-p", str(self.port), "-k", self.dir,
                     "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300",
                     "-c", f"fsync={'on' if durable else 'off'}",
                     *[arg for setting in settings for arg in ("-c", setting)]],
                    stdout=log, stderr=subprocess.STDOUT, preexec_fn=self._as_postgres)
            deadline = time.time() + 60
            while time.time() < deadline and self.proc.poll() is None:
                ready = subprocess.run([f"{self.bin}/pg_isready", "-q", "-h", self.dir, "-p",
                                        str(self.port)], timeout=10)
                if ready.returncode == 0:
                    return
                time.sleep(0.1)
            if self.proc.poll() is None:
                self.stop()
                raise RuntimeError("PostgreSQL not ready in 60 s; see " + self.log)
        raise RuntimeError("PostgreSQL did not start; see " + self.log)

    def uri(self, database):
        return f"postgresql://sealpost@/{database}?host={self.dir}&port={self.port}"

    def create_database(self, name):
        subprocess.run([f"{self.bin}/createdb", "-h", self.dir, "-p", str(self.port),
                        "-U", "sealpost", name], check=True, timeout=60, capture_output=True)
        return self.uri(name)

    def psql(self, database, query):
        """Runs `query`; its rows, each a list of texts."""
        out = subprocess.run([f"{self.bin}/psql", "-h", self.dir, "-p", str(self.port),
                              "-U", "sealpost", "-d", database, "-At", "-F", "\t", "-c", query],
                             check=True, timeout=60, capture_output=True, text=True).stdout
        return [line.split("\t") for line in out.splitlines()]

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # fast shutdown
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)
