# Makefile - the entry point. Thin: it only calls CMake and scripts/.
#   make          configure + build into build/ (binaries in build/bin/)
#   make deps     install missing Debian 12 packages (scripts/deps.sh)
#   make up       deps, build, run the whole stack in the foreground
#                 (INKWELL_INSTANCES=N: N of each service; INKWELL_REDIS_CLUSTER=1:
#                 each database a local 3+3 Redis Cluster; scripts/stack.py reads both)
#   make test     deps, sanitizer build in build-test/, whole ctest suite
#                 (which includes `style`: scripts/check-style.sh)
#   make style    scripts/check-style.sh alone: format, banned calls, complexity
#   make format   clang-format -i every *.c and *.h
#   make bench    every bench/*.sh, each against a stack of its own
BUILD      ?= build
TEST_BUILD ?= build-test
CMAKE_TYPE ?= RelWithDebInfo
JOBS       ?= $(shell nproc)
CTEST_JOBS ?= 2

.PHONY: all build deps up test style web-test-deps openapi-test-deps format bench clean

all: build

build:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(CMAKE_TYPE)
	cmake --build $(BUILD) -j $(JOBS)

deps:
	bash scripts/deps.sh

up: deps build
	exec python3 scripts/stack.py --bin $(BUILD)/bin up

test: deps web-test-deps openapi-test-deps
	CC=clang cmake -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=$(CMAKE_TYPE) -DINK_SANITIZE=ON -DINK_FUZZ=ON
	cmake --build $(TEST_BUILD) -j $(JOBS)
	ctest --test-dir $(TEST_BUILD) --output-on-failure -j $(CTEST_JOBS)

style: deps
	bash scripts/check-style.sh

# The browser tests' npm packages (playwright-core; no browser download:
# they drive Debian's chromium). Reinstalled only when the lock file changes.
WEB_TEST_LOCK := $(wildcard tests/web/package-lock.json)
web-test-deps: deps $(if $(WEB_TEST_LOCK),tests/web/node_modules/.package-lock.json)

tests/web/node_modules/.package-lock.json: tests/web/package-lock.json | deps
	npm ci --prefix tests/web --no-audit --no-fund

# The OpenAPI linter (@redocly/cli) for ctest openapi_lint, the same way.
openapi-test-deps: deps tests/openapi/node_modules/.package-lock.json

tests/openapi/node_modules/.package-lock.json: tests/openapi/package-lock.json | deps
	npm ci --prefix tests/openapi --no-audit --no-fund

format:
	git ls-files -co --exclude-standard -- '*.c' '*.h' | xargs -r clang-format -i

bench: deps build
	for f in bench/*.sh; do INKWELL_BIN=$(BUILD)/bin bash "$$f" || exit 1; done

clean:
	rm -rf $(BUILD) $(TEST_BUILD)
