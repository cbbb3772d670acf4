#!/usr/bin/env bash
# bench/edge.sh - what the edge costs, next to what nginx alone can do.
# In one run, wrk (64 connections, 2 threads, DURATION each) against:
#   static  nginx serving a small file           /static-bench/small.json
#   livez   nginx -> edge                         /livez
#   readyz  nginx -> edge -> user-svc -> template-svc -> Redis (full-chain RPC)
# and prints requests/s, p99 latency and each one's ratio to static.
#
# Starts its own stack (scripts/stack.py) on free ports with a throwaway
# data dir and stops it at the end; or set INKWELL_URL=http://127.0.0.1:P to
# measure a running stack. Env: INKWELL_BIN (default build/bin), DURATION
# (default 10s), CONNECTIONS (64), THREADS (2).
set -euo pipefail

cd "$(dirname "$0")/.."
BIN=${INKWELL_BIN:-build/bin}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
launcher=""
tmp=$(mktemp -d -t inkwell-bench-XXXXXX)

cleanup() {
	if [ -n "$launcher" ] && kill -0 "$launcher" 2>/dev/null; then
		kill -TERM "$launcher"
		wait "$launcher" || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

if [ -z "${INKWELL_URL:-}" ]; then
	port=$(cd scripts && python3 -c 'import stack; print(stack.free_port_base())')
	# Access log off: measure serving, not logging.
	INKWELL_PORT=$port INKWELL_DATA=$tmp/data NGINX_ACCESS_LOG=off LOG_LEVEL=warn \
		python3 scripts/stack.py --bin "$BIN" up >"$tmp/up.out" 2>"$tmp/up.err" &
	launcher=$!
	deadline=$((SECONDS + 60))
	until grep -q '^Inkwell is up at ' "$tmp/up.out"; do
		if ! kill -0 "$launcher" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
			echo "bench: the stack did not come up:" >&2
			tail -n 30 "$tmp/up.err" >&2
			exit 1
		fi
		sleep 0.2 # polling the launcher's output, with a deadline
	done
	INKWELL_URL=http://127.0.0.1:$port
fi

# run NAME PATH -> "rps p99_ms" on stdout, wrk's report in $tmp/NAME.txt
run() {
	wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$INKWELL_URL$2" >"$tmp/$1.txt"
	if grep -q 'Non-2xx' "$tmp/$1.txt"; then
		echo "bench: $1 got non-2xx answers:" >&2
		cat "$tmp/$1.txt" >&2
		exit 1
	fi
	awk '/Requests\/sec:/ {rps=$2}
	     /^ +99%/ {v=$2; u=v; sub(/[a-z]+$/, "", v); sub(/^[0-9.]+/, "", u);
	               ms = (u=="us") ? v/1000 : (u=="s") ? v*1000 : v}
	     END {printf "%s %s\n", rps, ms}' "$tmp/$1.txt"
}

echo "bench/edge.sh: $INKWELL_URL, wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $(nproc) cores"
out=$(run static /static-bench/small.json)
read -r s_rps s_p99 <<<"$out"
out=$(run livez /livez)
read -r l_rps l_p99 <<<"$out"
out=$(run readyz /readyz)
read -r r_rps r_p99 <<<"$out"
printf '%-8s %-52s %12s %10s %9s\n' target path "requests/s" "p99 ms" "vs static"
row() {
	printf '%-8s %-52s %12.0f %10.2f %8.1f%%\n' "$1" "$2" "$3" "$4" \
		"$(awk -v a="$3" -v b="$s_rps" 'BEGIN {print 100 * a / b}')"
}
row static "nginx /static-bench/small.json" "$s_rps" "$s_p99"
row livez "nginx -> edge /livez" "$l_rps" "$l_p99"
row readyz "nginx -> edge -> user-svc -> template-svc /readyz" "$r_rps" "$r_p99"
