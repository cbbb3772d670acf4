#!/usr/bin/env bash
# check-style.sh - the style rules a tool can judge, over every tracked C
# file (STYLE.md §6, "tools enforce style"); `make test` runs it first and
# ctest runs it as `style`, so CI fails on any of:
#   1. clang-format --dry-run --Werror (the project's .clang-format);
#   2. a banned call, as curl's checksrc: sprintf strcpy strcat strtok atoi gets;
#   3. McCabe complexity over 15 (Debian pmccabe), unless the function is in
#      scripts/complexity-allow.txt with its reason.
# Prints every finding, exits 1 when there is one. Run from anywhere.
set -euo pipefail

cd "$(dirname "$0")/.."
MAX=15
ALLOW=scripts/complexity-allow.txt
status=0

for tool in clang-format pmccabe git; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "check-style: $tool is missing (make deps installs it)" >&2
		exit 1
	fi
done

mapfile -t files < <(git ls-files -- '*.c' '*.h')
mapfile -t cfiles < <(git ls-files -- '*.c')

# 1. formatting
if ! clang-format --dry-run --Werror "${files[@]}" 2>/tmp/check-style.$$; then
	grep -E '^[^ ].*: (error|warning):' /tmp/check-style.$$ | sed 's/^/check-style: format: /' || true
	status=1
fi
rm -f /tmp/check-style.$$

# 2. banned calls (snprintf/vsnprintf and names that merely end in one are fine)
banned=$(grep -nE '(^|[^A-Za-z0-9_])(sprintf|strcpy|strcat|strtok|atoi|gets)[[:space:]]*\(' \
	"${files[@]}" | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/?\*|//)' || true)
if [ -n "$banned" ]; then
	sed 's/^/check-style: banned call: /' <<<"$banned"
	status=1
fi

# 3. complexity: pmccabe prints "modified traditional statements line lines
# file(line): name". We judge the modified count, as curl's top-complexity
# does: a switch is one decision (a table of cases, like ink_strerror's),
# every if, loop, && and || one more.
allowed=$(grep -vE '^[[:space:]]*(#|$)' "$ALLOW" | awk '{print $1}' | sort -u)
over=$(pmccabe "${cfiles[@]}" 2>/dev/null | awk -v max="$MAX" '$1 > max {print $1, $6, $7}')
over_names=$(awk '{print $3}' <<<"$over" | sort -u)
while read -r n where name; do
	[ -n "${name:-}" ] || continue
	if ! grep -qx "$name" <<<"$allowed"; then
		echo "check-style: complexity $n > $MAX: $where $name (split it, or list it in $ALLOW with a reason)"
		status=1
	fi
done <<<"$over"
for name in $allowed; do
	if ! grep -qx "$name" <<<"$over_names"; then
		echo "check-style: $ALLOW lists $name, which is no longer over $MAX: remove it"
		status=1
	fi
done
while read -r name reason; do
	if [ -n "$name" ] && [ -z "${reason:-}" ]; then
		echo "check-style: $ALLOW: $name has no reason"
		status=1
	fi
done < <(grep -vE '^[[:space:]]*(#|$)' "$ALLOW")

if [ "$status" -eq 0 ]; then
	echo "check-style: ${#files[@]} files formatted, no banned calls, complexity <= $MAX (or allowed)"
fi
exit "$status"
