#!/usr/bin/env bash
# Installs the Debian packages sealpost needs to build, run and test.
# Idempotent: installs only what is missing; non-interactive; uses sudo only when not root.
set -euo pipefail

# Build and run.
packages=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsodium-dev libgmime-3.0-dev libsqlite3-dev
  libtomlplusplus-dev libspdlog-dev libfmt-dev libcli11-dev libctemplate-dev
  openssl ca-certificates
)
# Tests and benchmarks.
if [ "${1:-}" = "--test" ]; then
  packages+=(libgtest-dev libgmock-dev libbenchmark-dev curl python3 sqlite3 wrk)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
