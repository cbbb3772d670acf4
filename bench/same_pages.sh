#!/bin/sh
# bench/same_pages.sh OLD NEW [OUTDIR] - do two builds of inkwell-convert draw the same pages?
#
# A speed change must not change a page. This converts the pages of the engine's tests
# (img_pages: every photo at --detail 1, 3 and 5, and line widths 1, 4, 8 of its hardest photo;
# img_numbers: the numbered pages with their plain page and regions) and the 12 MP benchmark
# JPEG of bench/convert.sh with both binaries, to PNG and to SVG, and cmp's every pair.
# PDFs are left out: cairo stamps them with the time. Prints one line per differing file and
# a summary; exit 0 when every file is byte-identical, 1 otherwise. The old pages are kept in
# OUTDIR and reused by later runs with that OUTDIR.
# Env: INK_TESTDATA (default /usr/share/libjxl-testdata), JOBS (2).
set -eu
[ $# -ge 2 ] || { echo "usage: same_pages.sh OLD NEW [OUTDIR]" >&2; exit 2; }
OLD=$1 NEW=$2
DATA=${INK_TESTDATA:-/usr/share/libjxl-testdata}
JOBS=${JOBS:-2}
OUT=${3:-$(mktemp -d)}
mkdir -p "$OUT/old" "$OUT/new"

PHOTOS="jxl/flower/flower.png.im_q85_420.jpg jxl/flower/flower.png.im_q85_420_progr.jpg
jxl/flower/flower.png.im_q85_gray.jpg jxl/flower/flower.png.im_q85_444.jpg
jxl/flower/flower_cropped.jpg jxl/flower/flower_alpha.png
external/wesaturate/500px/tmshre_riaphotographs_srgb8.png
external/wesaturate/500px/tmshre_riaphotographs_alpha.png
external/wesaturate/500px/cvo9xd_keong_macan_srgb8.png
external/wesaturate/500px/cvo9xd_keong_macan_grayscale.png
external/wesaturate/500px/u76c0g_bliznaca_srgb8.png jxl/hdr_room.png"
HARD=$DATA/external/wesaturate/500px/cvo9xd_keong_macan_srgb8.png
BIG=$OUT/photo12mp.jpg
[ -r "$BIG" ] || convert "$DATA/jxl/flower/flower.png" -resize '4000x3000^' -gravity center \
	-extent 4000x3000 -quality 90 "$BIG"

# One job a line: TAG IN ARGS... ; each is run by both binaries, to .png and to .svg (numbered
# jobs also write their plain page and regions).
page_jobs() {
	for p in $PHOTOS; do
		for d in 1 3 5; do
			echo "$(basename "$p").d$d $DATA/$p --detail $d"
		done
	done
	for lw in 1 4 8; do
		echo "hard.lw$lw $HARD --line-width $lw"
	done
	echo "big12mp $BIG --detail 3"
	n=0
	for p in jxl/flower/flower.png.im_q85_420.jpg \
		external/wesaturate/500px/cvo9xd_keong_macan_srgb8.png \
		external/wesaturate/500px/tmshre_riaphotographs_srgb8.png; do
		echo "num$n $DATA/$p --style numbers"
		n=$((n + 1))
	done
	echo "num.crayons $HARD --style numbers --palette crayons24 --colors 8"
	echo "num.c4d5 $DATA/jxl/flower/flower.png.im_q85_420.jpg --style numbers --colors 4 --detail 5"
}

export OLD NEW OUT
# The old pages are made once per OUTDIR: a second run against another NEW reuses them.
page_jobs | while read -r tag in args; do
	[ -e "$OUT/old/done" ] || echo "old $tag $in $args"
	echo "new $tag $in $args"
done | xargs -P "$JOBS" -L 1 sh -c '
	side=$0 tag=$1 in=$2; shift 2
	bin=$OLD; [ "$side" = new ] && bin=$NEW
	dir=$OUT/$side; extra=""
	case " $* " in *" numbers "*) extra="--plain $dir/$tag.plain.png --regions $dir/$tag.regions.png" ;; esac
	"$bin" "$in" "$dir/$tag.png" "$@" $extra >/dev/null 2>"$dir/$tag.png.err" || echo "$side $tag: png failed: $(cat "$dir/$tag.png.err")"
	"$bin" "$in" "$dir/$tag.svg" "$@" >/dev/null 2>"$dir/$tag.svg.err" || echo "$side $tag: svg failed: $(cat "$dir/$tag.svg.err")"
'
touch "$OUT/old/done"

same=0 diff=0
for f in "$OUT"/old/*.png "$OUT"/old/*.svg; do
	n=$OUT/new/$(basename "$f")
	if cmp -s "$f" "$n"; then
		same=$((same + 1))
	else
		diff=$((diff + 1))
		echo "differs: $(basename "$f")"
	fi
done
echo "same_pages: $same files identical, $diff differ (outputs in $OUT)"
[ "$diff" -eq 0 ]
