#!/usr/bin/env bash
# bench/signed_in.sh - signed-in reads through the whole stack (nginx ->
# edge -> services -> Redis) beside nginx serving a static file of the same
# size, in one run, at 64 connections, every request with a bearer token
# (issue 16):
#   list     GET /v1/templates          (the library grid)
#   get      GET /v1/templates/{id}     (opening a page)
#   gallery  GET /v1/gallery/{id}       (browsing the gallery signed in: public,
#            so the token is not read and nginx's micro-cache answers; a
#            second row measures the uncached one hop at the edge's port)
# Floor: >= 15 % of static requests/s each, p99 < 15 ms, no non-2xx.
# Goal: 25 %, p99 < 10 ms.
# Env: INKWELL_BIN, DURATION (10s), CONNECTIONS (64), TEMPLATES (20: the
# library's size, one page of the grid).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
CONNECTIONS=${CONNECTIONS:-64}
TEMPLATES=${TEMPLATES:-20}
PHOTO=${PHOTO:-/usr/share/libjxl-testdata/external/wesaturate/500px/u76c0g_bliznaca_srgb8.png}

bench_stack_up NGINX_AUTH_RATE=100000r/s TEMPLATE_QUOTA=1000000
if [ -z "$bench_launcher" ]; then
	echo "bench/signed_in.sh needs its own stack (it writes static files into its data dir)" >&2
	exit 1
fi
user=bench$RANDOM$RANDOM
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
curl -fsS -o /dev/null -H 'Content-Type: application/json' \
	-d "{\"username\":\"$user\",\"password\":\"correct horse battery\"}" "$INKWELL_URL/v1/users"
token=$(curl -fsS -H 'Content-Type: application/json' \
	-d "{\"username\":\"$user\",\"password\":\"correct horse battery\"}" \
	"$INKWELL_URL/v1/sessions" | json '["token"]')
auth="Authorization: Bearer $token"
convert "$PHOTO" -resize 320x240! -quality 90 "$BENCH_TMP/small.jpg"
for i in $(seq "$TEMPLATES"); do
	tid=$(curl -fsS -H "$auth" -H 'Content-Type: image/jpeg' \
		--data-binary @"$BENCH_TMP/small.jpg" "$INKWELL_URL/v1/templates?title=Bench$i" | json '["id"]')
done
gid=$(curl -fsS -X POST -H "$auth" "$INKWELL_URL/v1/templates/$tid/publish" | json '["gallery_id"]')

# Static twins of the same sizes, served by nginx from its static-bench dir.
curl -fsS -H "$auth" "$INKWELL_URL/v1/templates" >"$BENCH_DATA/static-bench/list.json"
curl -fsS -H "$auth" "$INKWELL_URL/v1/templates/$tid" >"$BENCH_DATA/static-bench/get.json"
curl -fsS -H "$auth" "$INKWELL_URL/v1/gallery/$gid" >"$BENCH_DATA/static-bench/gallery.json"

echo "bench/signed_in.sh: $INKWELL_URL, wrk -t2 -c$CONNECTIONS -d$DURATION, $(nproc) cores;" \
	"list $(stat -c %s "$BENCH_DATA/static-bench/list.json") B," \
	"get $(stat -c %s "$BENCH_DATA/static-bench/get.json") B," \
	"gallery $(stat -c %s "$BENCH_DATA/static-bench/gallery.json") B"
w() { bench_wrk "$1" "$2" -t2 -c"$CONNECTIONS" "${@:3}"; }
# CPU ticks (1/100 s) the stack spent so far: every process under the
# launcher (nginx, edge, services, Redis), for a CPU cost per request.
stack_ticks() {
	local tree=" $bench_launcher " pid ppid grew=1 t=0
	while [ $grew = 1 ]; do
		grew=0
		while read -r pid ppid; do
			case "$tree" in *" $pid "*) continue ;; *" $ppid "*) tree="$tree$pid " grew=1 ;; esac
		done < <(ps -e -o pid=,ppid=)
	done
	for pid in $tree; do
		t=$((t + $(awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
	done
	echo "$t"
}
printf '%-28s %12s %10s %10s %8s %6s\n' what "requests/s" "p99 ms" "vs static" "CPU us" floor
row() { # name label path [base]: the static twin, then the route (at base, default nginx), then one line
	local name=$1 label=$2 path=$3 base=${4:-} s_rps s_p99 r_rps r_p99 t0 t1 verdict
	read -r s_rps s_p99 <<<"$(w "static-$name" "/static-bench/$name.json")"
	t0=$(stack_ticks)
	read -r r_rps r_p99 <<<"$(BENCH_BASE=$base w "$name" "$path" -H "$auth")"
	t1=$(stack_ticks)
	verdict=$(awk -v a="$r_rps" -v b="$s_rps" -v p="$r_p99" \
		'BEGIN {print (100 * a >= 15 * b && p < 15) ? "ok" : "BELOW"}')
	printf '%-28s %12.0f %10.2f %9s%% %8s %6s\n' "  nginx static $name.json" "$s_rps" "$s_p99" 100.0 - -
	# CPU per request: the stack's ticks over the run's requests (wrk's own
	# CPU is not in it).
	printf '%-28s %12.0f %10.2f %9s%% %8.0f %6s\n' "$label" "$r_rps" "$r_p99" \
		"$(bench_ratio "$r_rps" "$s_rps")" \
		"$(awk -v t=$((t1 - t0)) -v n="$(awk '/requests in/ {print $1}' "$BENCH_TMP/$name.txt")" \
			'BEGIN {print (n > 0) ? t * 10000 / n : 0}')" "$verdict"
}
row list "GET /v1/templates" /v1/templates
row get "GET /v1/templates/{id}" "/v1/templates/$tid"
row gallery "GET /v1/gallery/{id}" "/v1/gallery/$gid"
# The gallery is public (no token read) and nginx's micro-cache answers it for
# everyone; this row is the uncached one-hop path (edge -> template-svc), at
# the edge's own port, against the same static twin.
row gallery "  same, edge, uncached" "/v1/gallery/$gid" "$EDGE_URL"
