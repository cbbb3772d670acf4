#!/usr/bin/env bash
# bench/edge.sh - what the edge costs, next to what nginx alone can do.
# In one run, wrk (64 connections, 2 threads, DURATION each) against:
#   static  nginx serving a small file           /static-bench/small.json
#   livez   nginx -> edge                         /livez
#   readyz  nginx -> edge -> user-svc -> template-svc -> Redis (full-chain RPC)
# and prints requests/s, p99 latency and each one's ratio to static.
#
# Starts its own stack (bench/lib.sh) on free ports with a throwaway data dir
# and stops it at the end; or set INKWELL_URL=http://127.0.0.1:P to measure a
# running stack. Env: INKWELL_BIN (default build/bin), DURATION (default
# 10s), CONNECTIONS (64), THREADS (2).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}

bench_stack_up
echo "bench/edge.sh: $INKWELL_URL, wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $(nproc) cores"
w() { bench_wrk "$1" "$2" -t"$THREADS" -c"$CONNECTIONS"; }
out=$(w static /static-bench/small.json)
read -r s_rps s_p99 <<<"$out"
out=$(w livez /livez)
read -r l_rps l_p99 <<<"$out"
out=$(w readyz /readyz)
read -r r_rps r_p99 <<<"$out"
printf '%-8s %-52s %12s %10s %9s\n' target path "requests/s" "p99 ms" "vs static"
row() {
	printf '%-8s %-52s %12.0f %10.2f %8s%%\n' "$1" "$2" "$3" "$4" "$(bench_ratio "$3" "$s_rps")"
}
row static "nginx /static-bench/small.json" "$s_rps" "$s_p99"
row livez "nginx -> edge /livez" "$l_rps" "$l_p99"
row readyz "nginx -> edge -> user-svc -> template-svc /readyz" "$r_rps" "$r_p99"
