#!/usr/bin/env bash
# bench/auth.sh - sign-up and sign-in through the whole stack at 16
# connections, beside the floor: how many argon2id hashes (user-svc's
# parameters) this machine makes per second with one thread per core. Every
# registration and login costs exactly one hash, so the API cannot beat the
# floor; the ratio says how much of the machine the hashing gets.
# Env: INKWELL_BIN, DURATION (10s), CONNECTIONS (16), INKWELL_URL (use a
# running stack; its rate limit must allow the load).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
CONNECTIONS=${CONNECTIONS:-16}

floor=$("$BIN/inkwell-pwhash-bench" "$(nproc)" 5)
bench_stack_up NGINX_AUTH_RATE=100000r/s NGINX_AUTH_BURST=100000
export BENCH_USER=benchlogin$RANDOM
curl -fsS -o /dev/null -H 'Content-Type: application/json' \
	-d "{\"username\":\"$BENCH_USER\",\"password\":\"correct horse battery\"}" \
	"$INKWELL_URL/v1/users"

echo "bench/auth.sh: $INKWELL_URL, wrk -t2 -c$CONNECTIONS -d$DURATION, $(nproc) cores"
# Past what the cores can hash before the edge's deadline, user-svc sheds
# sign-ins with 503 + Retry-After: counted, not an error.
export BENCH_ALLOW_NON2XX=1
out=$(bench_wrk register /v1/users -t2 -c"$CONNECTIONS" -s bench/wrk/register.lua)
read -r reg_rps reg_p99 reg_shed <<<"$out"
# Registrations wrk had in flight when it stopped are still queued for a
# hashing slot; the gate is FIFO, so one login answered means they are done.
curl -fsS -o /dev/null -H 'Content-Type: application/json' \
	-d "{\"username\":\"$BENCH_USER\",\"password\":\"correct horse battery\"}" \
	"$INKWELL_URL/v1/sessions"
out=$(bench_wrk login /v1/sessions -t2 -c"$CONNECTIONS" -s bench/wrk/login.lua)
read -r log_rps log_p99 log_shed <<<"$out"
printf '%-34s %12s %10s %10s %8s\n' what "ok per s" "p99 ms" "vs floor" "shed"
printf '%-34s %12.1f %10s %9s%% %8s\n' "crypto_pwhash_str alone (floor)" "$floor" "-" "100.0" "-"
printf '%-34s %12.1f %10.1f %9s%% %7s%%\n' "POST /v1/users (register)" "$reg_rps" "$reg_p99" \
	"$(bench_ratio "$reg_rps" "$floor")" "$reg_shed"
printf '%-34s %12.1f %10.1f %9s%% %7s%%\n' "POST /v1/sessions (login)" "$log_rps" "$log_p99" \
	"$(bench_ratio "$log_rps" "$floor")" "$log_shed"
