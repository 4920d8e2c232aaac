#!/usr/bin/env bash
# Makes the keys and certificates pki_bench needs (with gpg and openssl, in a temporary
# GNUPGHOME), then runs it. Usage: bench/pki_bench.sh path/to/pki_bench
set -euo pipefail
BENCH=$1
home=$(mktemp -d /tmp/sealpost-pki-bench.XXXXXX)
trap 'GNUPGHOME=$home gpgconf --kill all 2>/dev/null || true; rm -rf "$home"' EXIT
chmod 700 "$home"
export GNUPGHOME=$home
gpg() { command gpg --batch --yes --pinentry-mode loopback --passphrase '' "$@"; }
fpr() { gpg --with-colons --fingerprint "$1" | awk -F: '/^fpr/ {print $10; exit}'; }
gpg --quick-gen-key "RSA <bench@example.org>" rsa3072 cert,sign never 2>/dev/null
gpg --quick-add-key "$(fpr 'RSA <bench@example.org>')" rsa3072 encr never 2>/dev/null
rsa_fpr=$(fpr 'RSA <bench@example.org>')
gpg --armor --export "$rsa_fpr" > "$home/rsa.asc"
# gpg 2.2's "default" is RSA-3072: ask for Ed25519 with a Curve25519 subkey by name.
gpg --quick-gen-key "X <bench@example.org>" ed25519 cert,sign never 2>/dev/null
gpg --quick-add-key "$(fpr 'X <bench@example.org>')" cv25519 encr never 2>/dev/null
x_fpr=$(fpr 'X <bench@example.org>')
gpg --armor --export "$x_fpr" > "$home/x25519.asc"
openssl req -x509 -new -newkey rsa:3072 -nodes -days 2 -subj /CN=bench -keyout "$home/rsa.key" \
  -out "$home/rsa.pem" -addext subjectAltName=email:bench@example.org \
  -addext keyUsage=keyEncipherment -addext extendedKeyUsage=emailProtection 2>/dev/null
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=bench \
  -keyout "$home/ec.key" -out "$home/ec.pem" -addext subjectAltName=email:bench@example.org \
  -addext keyUsage=keyAgreement -addext extendedKeyUsage=emailProtection \
  -addext 1.2.840.113549.1.9.15=DER:300D300B060960864801650304012E 2>/dev/null
"$BENCH" "$home" "$home/rsa.asc" "$rsa_fpr" "$home/x25519.asc" "$x_fpr" "$home/rsa.pem" "$home/ec.pem"
