#!/usr/bin/env bash
# Benchmarks (not tests: nothing here fails on speed). Usage: bench/run.sh [sealpost binary]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-build/release/src/app/sealpost}
BUILD=$(dirname "$(dirname "$(dirname "$BIN")")")
if [ -x "$BUILD/bench/policy_bench" ]; then
  "$BUILD/bench/policy_bench" --benchmark_min_time=2
fi
if [ -x "$BUILD/bench/dkim_bench" ]; then
  bench/dkim_bench.sh "$BUILD/bench/dkim_bench"
fi
if [ -x "$BUILD/bench/answer_guess_bench" ]; then
  "$BUILD/bench/answer_guess_bench" 5
fi
if [ -x "$BUILD/bench/pki_bench" ]; then
  bench/pki_bench.sh "$BUILD/bench/pki_bench"
fi
python3 bench/api_bench.py --bin "$BIN" "${@:2}"
python3 bench/smtp_bench.py --bin "$BIN"
python3 bench/relay_bench.py --bin "$BIN"
python3 bench/center_bench.py --bin "$BIN"
python3 bench/limits_bench.py --bin "$BIN"
python3 bench/api_auth_bench.py --bin "$BIN"
python3 bench/webhook_bench.py --bin "$BIN"
python3 bench/forms_bench.py --bin "$BIN"
python3 bench/campaigns_bench.py --bin "$BIN"
python3 bench/multinode_bench.py --bin "$BIN"
if [ -x "$BUILD/bench/queue_claim_bench" ]; then
  python3 bench/queue_claim_bench.py --bench "$BUILD/bench/queue_claim_bench"
fi
