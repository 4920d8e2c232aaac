#!/usr/bin/env bash
# Installs the Debian packages sealpost needs to build, run and test.
# Idempotent: installs only what is missing; non-interactive; uses sudo only when not root.
set -euo pipefail
cd "$(dirname "$0")/.."

# Build and run.
packages=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsodium-dev libgmime-3.0-dev libsqlite3-dev librnp-dev libunbound-dev
  libtomlplusplus-dev libspdlog-dev libfmt-dev libcli11-dev libctemplate-dev libre2-dev
  zlib1g-dev libqrencode-dev libcbor-dev
  libpq-dev   # PostgreSQL's client library: several nodes sharing one database
  openssl ca-certificates dns-root-data
)
# npm fetches the web assets built into the binary (web/package.json: Swagger UI for
# /api/docs); use the machine's Node.js when it has one.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
# Tests and benchmarks: real clients and a real browser.
testing=false
if [ "${1:-}" = "--test" ]; then
  testing=true
  packages+=(libgtest-dev libgmock-dev libbenchmark-dev curl python3 sqlite3 wrk chromium
             swaks libnet-ssleay-perl libio-socket-ssl-perl libauthen-sasl-perl postfix
             gnupg gpgsm unbound ldnsutils python3-dkim python3-nacl
             python3-yaml python3-jsonschema   # responses checked against docs/openapi.yaml
             prometheus   # promtool checks /metrics; the tests run their own Prometheus
             lintian systemd   # the Debian package and its unit (make deb)
             postgresql-15)    # tests start PostgreSQL clusters of their own (initdb)
fi

# Fuzzing (make fuzz): clang with libFuzzer and the sanitizer runtimes.
if [ "${1:-}" = "--fuzz" ]; then
  packages+=(clang libclang-rt-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Web assets from npm, exactly as locked, with no install scripts run (swagger-ui-dist
# would otherwise run a telemetry package's).
if [ ! -f web/node_modules/swagger-ui-dist/swagger-ui-bundle.js ] ||
   [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  echo "install-deps: npm ci in web"
  (cd web && npm ci --ignore-scripts --no-audit --no-fund)
fi

# Browser test tooling from npm, exactly as locked; it uses Debian's Chromium and
# downloads no browser of its own.
if $testing && { [ ! -d tests/browser/node_modules/playwright-core ] ||
                [ ! -d tests/browser/node_modules/@axe-core/playwright ] ||
                [ tests/browser/package-lock.json -nt tests/browser/node_modules/.package-lock.json ]; }; then
  echo "install-deps: npm ci in tests/browser"
  (cd tests/browser && npm ci --no-audit --no-fund)
fi
