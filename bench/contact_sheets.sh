#!/bin/sh
# bench/contact_sheets.sh [OUTDIR] - one contact sheet per real photo: source | detail 1 |
# detail 3 | detail 5, each page captioned with its page-quality --lines figures, so a person
# can look at what users get (issue 11). Photos: the real ones of Debian's libjxl-testdata.
# Needs inkwell-convert (INKWELL_CONVERT, default build/bin/inkwell-convert), ImageMagick
# and shared/tools/page-quality beside the checkout. Prints where the sheets are.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${INKWELL_CONVERT:-${INKWELL_BIN:+$INKWELL_BIN/inkwell-convert}}
BIN=${BIN:-$ROOT/build/bin/inkwell-convert}
PQ=${INK_PAGE_QUALITY:-$ROOT/../shared/tools/page-quality}
DATA=${INK_TESTDATA:-/usr/share/libjxl-testdata}
OUT=${1:-$ROOT/build/contact-sheets}
PHOTOS="jxl/flower/flower.png.im_q85_420.jpg jxl/flower/flower.png.im_q85_420_progr.jpg
jxl/flower/flower.png.im_q85_gray.jpg jxl/flower/flower.png.im_q85_444.jpg
jxl/flower/flower_cropped.jpg jxl/flower/flower_alpha.png jxl/hdr_room.png
external/wesaturate/500px/tmshre_riaphotographs_srgb8.png
external/wesaturate/500px/tmshre_riaphotographs_alpha.png
external/wesaturate/500px/cvo9xd_keong_macan_srgb8.png
external/wesaturate/500px/cvo9xd_keong_macan_grayscale.png
external/wesaturate/500px/u76c0g_bliznaca_srgb8.png"

for tool in "$BIN" convert montage; do
	command -v "$tool" >/dev/null 2>&1 || { echo "contact_sheets.sh: $tool not found" >&2; exit 1; }
done
[ -x "$PQ" ] || { echo "contact_sheets.sh: page-quality not found at $PQ" >&2; exit 1; }
mkdir -p "$OUT"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT INT TERM

for rel in $PHOTOS; do
	src=$DATA/$rel
	name=$(basename "$rel" | sed 's/\.[a-z]*$//')
	[ -r "$src" ] || { echo "contact_sheets.sh: missing $src" >&2; exit 1; }
	# The source flattened over white, as the engine sees it, at page size.
	convert "$src" -background white -flatten +repage -resize '1000x1000>' "$WORK/src.png"
	set -- -label "source" "$WORK/src.png"
	for d in 1 3 5; do
		"$BIN" "$src" "$WORK/d$d.png" --detail "$d"
		fig=$("$PQ" --lines "$src" "$WORK/d$d.png" | grep -o 'fillable=[0-9]*\|detail=[0-9.]*\|lines=[0-9.]*\|ok$\|BAD$' | tr '\n' ' ' || true)
		set -- "$@" -label "detail $d: $fig" "$WORK/d$d.png"
	done
	montage "$@" -tile 4x1 -geometry '+8+8' -font DejaVu-Sans -pointsize 11 "$OUT/$name.png"
	echo "$OUT/$name.png"
done
