#!/usr/bin/env bash
# deps.sh - install the Debian 12 packages Inkwell needs to build, run and
# test everything (`make deps`). Idempotent: when every package is already
# installed it only asks dpkg and returns. Runs apt-get update first when it
# has something to install; uses sudo only when not root.
set -euo pipefail

PACKAGES=(
	# build
	build-essential cmake pkg-config clang libclang-rt-14-dev clang-format
	libprotobuf-c-dev protobuf-c-compiler libnng-dev libhiredis-dev libcivetweb-dev
	libpng-dev zlib1g-dev libjpeg62-turbo-dev libexif-dev libjansson-dev libsodium-dev
	libcmocka-dev libpotrace-dev libcairo2-dev fonts-dejavu-core libminizip-dev
	# style check (scripts/check-style.sh): McCabe complexity
	pmccabe
	# run
	redis-server redis-tools nginx
	# test and benchmark
	wrk docker-compose imagemagick libvips-tools libjxl-testdata
	# the metrics test (tests/test_metrics.py): a real prometheus server and promtool
	prometheus
	# the compose test (tests/test_compose.py): the engine, and debootstrap for
	# the base image when Docker Hub is out of reach
	docker.io debootstrap
	librsvg2-bin poppler-utils
	python3 python3-pil python3-numpy python3-scipy curl time procps
	# docs/openapi.yaml: YAML -> JSON at build time, and the tests' contract check (issue 15)
	python3-yaml python3-jsonschema
	# web app tests (issue 7): Debian's browser, driven by playwright-core from npm
	chromium nodejs npm
)

# One dpkg-query for all: "name status" lines for the packages dpkg knows.
status=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)

missing=()
for p in "${PACKAGES[@]}"; do
	# NodeSource's nodejs bundles npm (and conflicts with Debian's npm).
	if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then
		continue
	fi
	grep -qx "$p installed" <<<"$status" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#PACKAGES[@]} packages present"
	exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	SUDO=(sudo)
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
