#!/usr/bin/env bash
# DKIM signing per message: sealpost's signer (Google Benchmark) and python3-dkim, the
# independent implementation the tests verify against, on the same kinds of message.
set -euo pipefail
"$1" --benchmark_min_time=1
/usr/bin/python3 - <<'PY'
import subprocess, time, dkim
for algorithm, keygen in (("rsa-2048", ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]),
                          ("ed25519", None)):
    if keygen:
        key = subprocess.run(keygen, capture_output=True, check=True).stdout
        sig_alg = b"rsa-sha256"
    else:
        import nacl.signing, base64
        key = base64.b64encode(bytes(nacl.signing.SigningKey.generate()))
        sig_alg = b"ed25519-sha256"
    for size in (4096, 102400):
        msg = (b"From: Dr Hibbert <dr@clinic.example>\r\nTo: pat@example.net\r\nSubject: Results\r\n"
               b"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <1@clinic.example>\r\n\r\n")
        while len(msg) < size:
            msg += b"Potassium 4.1 mmol/L   sodium 140 mmol/L \t creatinine 88\r\n"
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < 1:
            dkim.sign(msg, b"s1", b"clinic.example", key, canonicalize=(b"relaxed", b"relaxed"),
                      signature_algorithm=sig_alg)
            n += 1
        print(f"python3-dkim sign {algorithm} {size} bytes: {(time.perf_counter() - start) / n * 1e6:.0f} us/message")
PY
