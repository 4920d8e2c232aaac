#!/usr/bin/env bash
# Runs each fuzz target for the given seconds from its seed corpus (fuzz/corpus/<name>),
# keeping what it learns in build/fuzz/corpus/<name>. Fails if any target finds a crash.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build/fuzz}
SECONDS_EACH=${2:-60}
for target in smtp_session_fuzz submitted_message_fuzz multipart_fuzz; do
  corpus="$BUILD/corpus/$target"
  mkdir -p "$corpus" "$BUILD/crashes"
  echo "fuzz: $target for ${SECONDS_EACH}s"
  "$BUILD/fuzz/$target" -max_total_time="$SECONDS_EACH" -max_len=8192 -timeout=10 \
    -artifact_prefix="$BUILD/crashes/$target-" -print_final_stats=1 \
    "$corpus" "fuzz/corpus/$target" 2>&1 | grep -E "^(#[0-9]+ *DONE|stat::number_of_executed_units|stat::peak_rss|==[0-9]+==ERROR|SUMMARY)" || true
  if ls "$BUILD/crashes/$target-"* >/dev/null 2>&1; then
    echo "fuzz: $target found a failing input: $(ls "$BUILD/crashes/$target-"*)"
    exit 1
  fi
done
echo "fuzz: no failures"
