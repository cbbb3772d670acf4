#!/bin/sh
# with_redis.sh TEST [ARGS...] - run TEST against a real, throw-away
# redis-server: start one on a free loopback port (no persistence), wait
# until it answers PING, run TEST with INK_TEST_REDIS=127.0.0.1:PORT, then
# stop that server (only the one started here) and exit with TEST's status.
set -u
[ $# -ge 1 ] || { echo "usage: with_redis.sh TEST [ARGS...]" >&2; exit 2; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/tsvc-redis.XXXXXX") || exit 2
pid=""
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

tries=0
while :; do
	tries=$((tries + 1))
	[ $tries -le 20 ] || { echo "with_redis.sh: no redis-server came up" >&2; exit 2; }
	# a pseudo-random port in 61000..65499: above Linux's ephemeral range
	# (client sockets) and scripts/stack.py's stacks (10000..32000), which
	# check their ports free before binding them. If it is taken,
	# redis-server exits.
	port=$(( ( $$ * 7919 + tries * 104729 + $(date +%N | sed 's/^0*//;s/^$/0/') ) % 4500 + 61000 ))
	redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
		--dir "$dir" --logfile "$dir/redis.log" &
	pid=$!
	up=0
	for _ in $(seq 1 100); do
		if ! kill -0 "$pid" 2>/dev/null; then
			break
		fi
		# ours, not another server that held the port first
		if redis-cli -h 127.0.0.1 -p "$port" info server 2>/dev/null |
			tr -d '\r' | grep -qx "process_id:$pid"; then
			up=1
			break
		fi
		sleep 0.05
	done
	[ $up -eq 1 ] && break
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=""
done

INK_TEST_REDIS="127.0.0.1:$port" "$@"
status=$?
exit $status
