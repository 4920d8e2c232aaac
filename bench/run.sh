#!/usr/bin/env bash
# Benchmarks (not tests: nothing here fails on speed). Usage: bench/run.sh [sealpost binary]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-build/release/src/app/sealpost}
python3 bench/api_bench.py --bin "$BIN" "${@:2}"
