# bench/lib.sh - what the HTTP benchmarks share (source it, do not run it):
# a stack of their own on free ports, and wrk runs reduced to "rps p99_ms".
#
# bench_stack_up [ENV=VALUE ...]  starts scripts/stack.py up with a throwaway
#   data dir (unless INKWELL_URL is already set), waits for its "Inkwell is
#   up" line and sets INKWELL_URL, EDGE_URL (the edge itself, behind nginx),
#   BENCH_DATA (the data dir) and BENCH_TMP. The EXIT trap stops it.
# bench_wrk NAME PATH [wrk args...]  runs wrk against $INKWELL_URL$PATH, keeps
#   the report in $BENCH_TMP/NAME.txt, fails on non-2xx answers, prints
#   "requests_per_s p99_ms". With BENCH_ALLOW_NON2XX=1 non-2xx answers are
#   counted instead (load shedding is a result, not a failure) and it prints
#   "ok_requests_per_s p99_ms non2xx_percent". BENCH_BASE=URL aims at
#   another base than $INKWELL_URL (e.g. $EDGE_URL).
# bench_ratio A B  prints 100*A/B with one decimal.

BIN=${INKWELL_BIN:-build/bin}
DURATION=${DURATION:-10s}
BENCH_TMP=$(mktemp -d -t inkwell-bench-XXXXXX)
BENCH_DATA=$BENCH_TMP/data
bench_launcher=""

bench_cleanup() {
	if [ -n "$bench_launcher" ] && kill -0 "$bench_launcher" 2>/dev/null; then
		kill -TERM "$bench_launcher"
		wait "$bench_launcher" || true
	fi
	rm -rf "$BENCH_TMP"
}
trap bench_cleanup EXIT

bench_stack_up() {
	if [ -n "${INKWELL_URL:-}" ]; then
		return 0
	fi
	local port
	port=$(cd scripts && python3 -c 'import stack; print(stack.free_port_base())')
	# Access log off, services quiet: measure serving, not logging.
	env INKWELL_PORT="$port" INKWELL_DATA="$BENCH_DATA" NGINX_ACCESS_LOG=off LOG_LEVEL=warn "$@" \
		python3 scripts/stack.py --bin "$BIN" up >"$BENCH_TMP/up.out" 2>"$BENCH_TMP/up.err" &
	bench_launcher=$!
	local deadline=$((SECONDS + 60))
	until grep -q '^Inkwell is up at ' "$BENCH_TMP/up.out"; do
		if ! kill -0 "$bench_launcher" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
			echo "bench: the stack did not come up:" >&2
			tail -n 30 "$BENCH_TMP/up.err" >&2
			exit 1
		fi
		sleep 0.2 # polling the launcher's output, with a deadline
	done
	INKWELL_URL=http://127.0.0.1:$port
	EDGE_URL=http://127.0.0.1:$((port + 1)) # scripts/stack.py PORT_OFFSET
}

bench_wrk() {
	local name=$1 path=$2
	shift 2
	wrk --latency -d"$DURATION" "$@" "${BENCH_BASE:-$INKWELL_URL}$path" >"$BENCH_TMP/$name.txt"
	if [ "${BENCH_ALLOW_NON2XX:-0}" != 1 ] && grep -q 'Non-2xx' "$BENCH_TMP/$name.txt"; then
		echo "bench: $name got non-2xx answers:" >&2
		cat "$BENCH_TMP/$name.txt" >&2
		exit 1
	fi
	awk -v shed="${BENCH_ALLOW_NON2XX:-0}" '
	     /requests in/ {total=$1; secs=$4; sub(/s,?$/, "", secs)}
	     /Non-2xx/ {bad=$NF}
	     /Requests\/sec:/ {rps=$2}
	     /^ +99%/ {v=$2; u=v; sub(/[a-z]+$/, "", v); sub(/^[0-9.]+/, "", u);
	               ms = (u=="us") ? v/1000 : (u=="s") ? v*1000 : v}
	     END {if (shed == 1) printf "%.2f %s %.1f\n", (total - bad) / secs, ms,
	                                (total > 0) ? 100 * bad / total : 0;
	          else printf "%s %s\n", rps, ms}' "$BENCH_TMP/$name.txt"
}

bench_ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", (b > 0) ? 100 * a / b : 0}'
}
