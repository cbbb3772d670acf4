#!/usr/bin/env bash
# bench/rpc.sh - what common/'s RPC layer (envelope, deadline, method table,
# request id) costs over the nng REQ/REP it is built on: round trips per
# second through ink_rpc_call_raw -> ink_rpc_server, beside raw nng contexts
# ping-ponging a message of the same size, in one run, same threads.
# The raw figure is also the ceiling of any RPC hop on this machine: every
# uncached request crossing two hops pays it twice.
# Env: INKWELL_BIN, SECONDS_PER_RUN (5), THREADS (32 callers), WORKERS (16).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${INKWELL_BIN:-build/bin}
port=$(cd scripts && python3 -c 'import stack; print(stack.free_port_base(span=2))')
out=$(LOG_LEVEL=warn "$BIN/inkwell-rpc-bench" "$port" "${SECONDS_PER_RUN:-5}" \
	"${THREADS:-32}" "${WORKERS:-16}")
raw=$(awk '$1 == "raw" {print $2}' <<<"$out")
ink=$(awk '$1 == "ink" {print $2}' <<<"$out")
echo "bench/rpc.sh: tcp loopback, ${THREADS:-32} callers, ${WORKERS:-16} workers, $(nproc) cores"
printf '%-44s %14s %10s\n' what "round trips/s" "vs raw"
printf '%-44s %14.0f %9s%%\n' "raw nng REQ/REP contexts (floor)" "$raw" 100.0
printf '%-44s %14.0f %9s%%\n' "ink_rpc_call_raw -> ink_rpc_server" "$ink" \
	"$(awk -v a="$ink" -v b="$raw" 'BEGIN {printf "%.1f", 100 * a / b}')"
