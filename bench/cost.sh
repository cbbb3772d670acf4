#!/bin/sh
# bench/cost.sh - CPU-seconds per conversion and per signed-in library read with 1 and
# with 2 instances of every service (bench/cost.py says how it is measured).
# Fails when 2 instances make a request dearer than COST_MAX_RATIO (1.3) x 1.
# Env: INKWELL_BIN, INSTANCES, CONVERSIONS, READS, READ_THREADS, COST_CLUSTER=1.
set -eu
cd "$(dirname "$0")/.."
exec /usr/bin/python3 bench/cost.py
