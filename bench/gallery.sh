#!/usr/bin/env bash
# bench/gallery.sh - reading the public gallery through the whole stack
# (nginx -> edge -> user-svc -> template-svc -> Redis) beside nginx serving
# static files of the same sizes, in one run, at 64 connections:
#   meta        GET /v1/gallery/{id}          vs  a static JSON file as large
#   image       GET /v1/gallery/{id}/image    vs  a static copy of the PNG
# Goal: >= 20 % of static requests/s, p99 < 10 ms for the metadata.
# nginx micro-caches anonymous gallery reads (1 s, deploy/nginx), so the
# "meta" row is what visitors get; the "meta, uncached" row asks the edge
# directly (no nginx, no cache), i.e. the whole RPC chain on every request.
# Then upload throughput: 1-megapixel JPEGs, 2 at a time, templates/minute.
# Env: INKWELL_BIN, DURATION (10s), CONNECTIONS (64).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
CONNECTIONS=${CONNECTIONS:-64}
PHOTO=${PHOTO:-/usr/share/libjxl-testdata/external/wesaturate/500px/u76c0g_bliznaca_srgb8.png}

bench_stack_up NGINX_AUTH_RATE=100000r/s TEMPLATE_QUOTA=1000000
if [ -z "$bench_launcher" ]; then
	echo "bench/gallery.sh needs its own stack (it writes static files into its data dir)" >&2
	exit 1
fi
user=bench$RANDOM$RANDOM
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
curl -fsS -o /dev/null -H 'Content-Type: application/json' \
	-d "{\"username\":\"$user\",\"password\":\"correct horse battery\"}" "$INKWELL_URL/v1/users"
token=$(curl -fsS -H 'Content-Type: application/json' \
	-d "{\"username\":\"$user\",\"password\":\"correct horse battery\"}" \
	"$INKWELL_URL/v1/sessions" | json '["token"]')
convert "$PHOTO" -resize 1155x866! -quality 90 "$BENCH_TMP/1mp.jpg"
tid=$(curl -fsS -H "Authorization: Bearer $token" -H 'Content-Type: image/jpeg' \
	--data-binary @"$BENCH_TMP/1mp.jpg" "$INKWELL_URL/v1/templates?title=Bench" | json '["id"]')
gid=$(curl -fsS -X POST -H "Authorization: Bearer $token" \
	"$INKWELL_URL/v1/templates/$tid/publish" | json '["gallery_id"]')

# Static twins of the same sizes, served by nginx from its static-bench dir.
curl -fsS "$INKWELL_URL/v1/gallery/$gid" >"$BENCH_DATA/static-bench/meta.json"
curl -fsS "$INKWELL_URL/v1/gallery/$gid/image" >"$BENCH_DATA/static-bench/image.png"

echo "bench/gallery.sh: $INKWELL_URL, wrk -t2 -c$CONNECTIONS -d$DURATION, $(nproc) cores;" \
	"metadata $(stat -c %s "$BENCH_DATA/static-bench/meta.json") B," \
	"image $(stat -c %s "$BENCH_DATA/static-bench/image.png") B"
w() { bench_wrk "$1" "$2" -t2 -c"$CONNECTIONS"; }
out=$(w static-meta /static-bench/meta.json)
read -r sm_rps sm_p99 <<<"$out"
out=$(w meta "/v1/gallery/$gid")
read -r m_rps m_p99 <<<"$out"
out=$(BENCH_BASE=$EDGE_URL w meta-uncached "/v1/gallery/$gid")
read -r mu_rps mu_p99 <<<"$out"
out=$(w static-image /static-bench/image.png)
read -r si_rps si_p99 <<<"$out"
out=$(w image "/v1/gallery/$gid/image")
read -r i_rps i_p99 <<<"$out"
printf '%-40s %12s %10s %10s\n' what "requests/s" "p99 ms" "vs static"
printf '%-40s %12.0f %10.2f %9s%%\n' "nginx static meta.json" "$sm_rps" "$sm_p99" 100.0
printf '%-40s %12.0f %10.2f %9s%%\n' "GET /v1/gallery/{id}" "$m_rps" "$m_p99" "$(bench_ratio "$m_rps" "$sm_rps")"
printf '%-40s %12.0f %10.2f %9s%%\n' "  uncached: edge directly, whole chain" "$mu_rps" "$mu_p99" "$(bench_ratio "$mu_rps" "$sm_rps")"
printf '%-40s %12.0f %10.2f %9s%%\n' "nginx static image.png" "$si_rps" "$si_p99" 100.0
printf '%-40s %12.0f %10.2f %9s%%\n' "GET /v1/gallery/{id}/image" "$i_rps" "$i_p99" "$(bench_ratio "$i_rps" "$si_rps")"

# Uploads: 2 connections (one per core), each upload a full conversion.
out=$(BENCH_IMAGE=$BENCH_TMP/1mp.jpg BENCH_TOKEN=$token \
	bench_wrk upload /v1/templates -t2 -c2 -s bench/wrk/upload.lua --timeout 30s)
read -r u_rps u_p99 <<<"$out"
printf '%-40s %12.0f %10.0f\n' "uploads of 1 MP JPEGs (per minute, p99 ms)" \
	"$(awk -v r="$u_rps" 'BEGIN {print r * 60}')" "$u_p99"
