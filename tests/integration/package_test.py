"""The Debian package (`make deb`): built with CPack from this build, then read as an
administrator's tools would read it: its files, its control fields, the stripped binary
and its -dbgsym, lintian, and the systemd unit through systemd-analyze (verify, and the
security exposure score, which must stay "OK")."""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

import harness

BUILD = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(harness.BIN))))


def run(*cmd, cwd=None, timeout=600):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)


class PackageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sealpost-deb-")
        built = run("cpack", "-G", "DEB", "-B", cls.tmp, "--config",
                    os.path.join(BUILD, "CPackConfig.cmake"))
        assert built.returncode == 0, built.stdout + built.stderr
        cls.deb = os.path.join(cls.tmp, "sealpost_0.1.0_amd64.deb")
        cls.dbgsym = os.path.join(cls.tmp, "sealpost-dbgsym_0.1.0_amd64.ddeb")
        cls.root = os.path.join(cls.tmp, "root")
        extracted = run("dpkg-deb", "-x", cls.deb, cls.root)
        assert extracted.returncode == 0, extracted.stderr

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_files_and_control_fields(self):
        listing = run("dpkg-deb", "-c", self.deb).stdout
        for path in ("./usr/bin/sealpost", "./lib/systemd/system/sealpost.service",
                     "./usr/share/doc/sealpost/copyright", "./usr/share/doc/sealpost/changelog.gz",
                     "./usr/share/man/man1/sealpost.1.gz"):
            self.assertIn(path, listing)
        self.assertRegex(listing, r"-rwxr-xr-x root/root .* \./usr/bin/sealpost")
        info = run("dpkg-deb", "-I", self.deb).stdout
        self.assertIn("Package: sealpost", info)
        self.assertIn("Section: mail", info)
        depends = re.search(r"Depends: (.*)", info).group(1)
        for needed in ("adduser", "libc6", "libsqlite3-0", "libssl3", "libsodium23", "librnp0"):
            self.assertIn(needed, depends)
        for script in ("postinst", "prerm", "postrm"):
            self.assertRegex(info, rf"\d+ bytes,\s+\d+ lines\s+\*\s+{script}")

    def test_the_binary_is_stripped_and_its_symbols_are_in_dbgsym(self):
        sections = run("readelf", "-SW", os.path.join(self.root, "usr/bin/sealpost")).stdout
        self.assertNotIn(".debug_info", sections)
        self.assertIn(".gnu_debuglink", sections)
        listing = run("dpkg-deb", "-c", self.dbgsym).stdout
        self.assertRegex(listing, r"\./usr/lib/debug/\.build-id/[0-9a-f]{2}/[0-9a-f]+\.debug")

    def test_lintian_finds_no_error_or_warning(self):
        lint = run("lintian", "--no-tag-display-limit", self.deb)
        problems = [l for l in lint.stdout.splitlines() if re.match(r"^[EW]: ", l)]
        self.assertEqual(problems, [], lint.stdout + lint.stderr)

    def test_the_unit_verifies_and_its_exposure_is_low(self):
        unit = os.path.join(self.root, "lib/systemd/system/sealpost.service")
        with open(unit) as f:
            text = f.read()
        for setting in ("NoNewPrivileges=yes", "ProtectSystem=strict",
                        "ReadWritePaths=/var/lib/sealpost", "PrivateTmp=yes",
                        "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
                        "AmbientCapabilities=CAP_NET_BIND_SERVICE",
                        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
                        "SystemCallFilter=@system-service", "User=sealpost",
                        "ExecStart=/usr/bin/sealpost serve --config /etc/sealpost/config.toml"):
            self.assertIn(setting, text)
        # verify checks that ExecStart runs: point it at the binary the package holds.
        local = os.path.join(self.tmp, "sealpost.service")
        with open(local, "w") as f:
            f.write(text.replace("/usr/bin/sealpost", os.path.join(self.root, "usr/bin/sealpost")))
        verify = run("systemd-analyze", "verify", local)
        self.assertEqual(verify.returncode, 0, verify.stderr)
        self.assertEqual(verify.stderr.strip(), "")
        security = run("systemd-analyze", "security", "--offline=true", unit)
        score = re.search(r"Overall exposure level for sealpost.service: ([\d.]+) (\w+)",
                          security.stdout)
        self.assertIsNotNone(score, security.stdout + security.stderr)
        print(f"\nsystemd-analyze security: {score.group(1)} {score.group(2)}")
        self.assertLessEqual(float(score.group(1)), 2.0)
        self.assertEqual(score.group(2), "OK")


if __name__ == "__main__":
    unittest.main()
