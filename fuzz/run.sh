#!/usr/bin/env bash
# Runs each fuzz target for the given seconds from its seed corpus (fuzz/corpus/<name>),
# keeping what it learns in build/fuzz/corpus/<name>. Fails if any target finds a crash.
# Usage: fuzz/run.sh [BUILD] [SECONDS] ["target ..."]  (default: every target)
#
# -close_fd_mask=2: the libraries under test report every malformed input on stderr
# (Debian's RNP is built with its console log always on: 72,000 lines in 15 s of key
# import). libFuzzer then writes its own output and the sanitizers' reports to a copy of
# stderr, so findings still show and the fuzzer spends its time fuzzing, not printing.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build/fuzz}
SECONDS_EACH=${2:-60}
TARGETS=${3:-"smtp_session_fuzz submitted_message_fuzz multipart_fuzz key_import_fuzz
              smtp_reply_fuzz form_fuzz csv_fuzz client_key_fuzz api_request_fuzz
              content_rules_fuzz dkim_canon_fuzz dns_answer_fuzz mta_sts_fuzz
              link_token_fuzz received_fuzz audit_export_fuzz api_credentials_fuzz
              webauthn_fuzz forms_fuzz campaigns_fuzz"}
for target in $TARGETS; do
  corpus="$BUILD/corpus/$target"
  mkdir -p "$corpus" "$BUILD/crashes"
  echo "fuzz: $target for ${SECONDS_EACH}s"
  log="$BUILD/$target.log"
  status=0
  "$BUILD/fuzz/$target" -max_total_time="$SECONDS_EACH" -max_len=8192 -timeout=10 -close_fd_mask=2 \
    -artifact_prefix="$BUILD/crashes/$target-" -print_final_stats=1 \
    "$corpus" "fuzz/corpus/$target" >"$log" 2>&1 || status=$?
  grep -E "^(stat::number_of_executed_units|stat::peak_rss|==[0-9]+==ERROR|SUMMARY)" "$log" || true
  if [ "$status" -ne 0 ]; then
    echo "fuzz: $target failed (exit $status); see $log"
    ls "$BUILD/crashes/$target-"* 2>/dev/null || true
    exit 1
  fi
done
echo "fuzz: no failures"
