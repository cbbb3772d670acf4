#!/bin/sh
# run_fuzz.sh FUZZER SEEDS WORKDIR SECONDS - runs the libFuzzer harness for a bounded time
# over a copy of the seed corpus; exits non-zero on any crash, leak or sanitizer report
# (libFuzzer's own status), leaving the crashing input in WORKDIR.
set -eu
fuzzer=$1 seeds=$2 work=$3 secs=$4
rm -rf "$work"
mkdir -p "$work/corpus"
cp "$seeds"/*.png "$seeds"/*.jpg "$seeds"/*.svg "$work/corpus/"
cd "$work"
exec "$fuzzer" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -timeout=20 \
	-print_final_stats=1 -artifact_prefix="$work/" corpus
