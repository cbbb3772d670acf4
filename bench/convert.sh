#!/bin/sh
# bench/convert.sh [PHOTO] - speed and memory of inkwell-convert on a 12-megapixel JPEG,
# against `vips canny` and ImageMagick `convert -canny` on the same file in the same run.
#
# Makes a 4000x3000 JPEG (quality 90) from PHOTO (default: the flower of Debian's
# libjxl-testdata), runs ours and vips RUNS times each, taking turns (ImageMagick IM_RUNS
# times: one run takes minutes), and prints the median wall time, the median peak RSS
# (/usr/bin/time -v) and peak RSS per input pixel, then the ratios. Goals (issue 11): inkwell wall <= 0.3x vips
# canny; inkwell peak RSS <= 3 bytes per input pixel, progressive JPEGs included (a
# progressive 8000x6000 JPEG of the same photo, 4:2:0 and 4:4:4, RUNS times each, taking
# turns with the others: libjpeg's own store of a multi-scan file's DCT coefficients would
# take 3 and 6 bytes a pixel; the decoder's compact one, decode_jpeg_store.c, a fraction).
# A benchmark, not a test: it never fails on the goals, it reports them.
# Env: INKWELL_CONVERT (default build/bin/inkwell-convert), RUNS (5), IM_RUNS (1; 0 skips
# ImageMagick).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${INKWELL_CONVERT:-$ROOT/build/bin/inkwell-convert}
SRC=${1:-/usr/share/libjxl-testdata/jxl/flower/flower.png}
RUNS=${RUNS:-5}
IM_RUNS=${IM_RUNS:-1}
PIXELS=12000000

for tool in "$BIN" vips convert /usr/bin/time; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "convert.sh: $tool not found (build inkwell-convert; apt install libvips-tools imagemagick time)" >&2
		exit 1
	fi
done
[ -r "$SRC" ] || { echo "convert.sh: cannot read $SRC" >&2; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT INT TERM
PHOTO=$WORK/photo12mp.jpg
convert "$SRC" -resize '4000x3000^' -gravity center -extent 4000x3000 -quality 90 "$PHOTO"
echo "input: $PHOTO from $SRC: $(identify -format '%wx%h %[size]' "$PHOTO"), $(nproc) cores"
PROGR=$WORK/progressive48mp.jpg
convert "$SRC" -resize '8000x6000^' -gravity center -extent 8000x6000 -quality 85 \
	-sampling-factor 4:2:0 -interlace JPEG "$PROGR"
PROGR444=$WORK/progressive48mp444.jpg
convert "$SRC" -resize '8000x6000^' -gravity center -extent 8000x6000 -quality 85 \
	-sampling-factor 4:4:4 -interlace JPEG "$PROGR444"
echo "progressive: $(identify -format '%wx%h %[size]' "$PROGR"), 4:4:4 $(identify -format '%[size]' "$PROGR444")"

# median of the numbers on stdin
median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# run_once NAME CMD... : runs CMD once, appends its wall time (s) to NAME.wall and its
# peak RSS (KiB) to NAME.rss
run_once() {
	name=$1
	shift
	rm -f "$WORK/out.png"
	if ! /usr/bin/time -v -o "$WORK/time.txt" "$@" >/dev/null 2>"$WORK/err.txt"; then
		echo "convert.sh: $name failed:" >&2
		cat "$WORK/err.txt" "$WORK/time.txt" >&2
		exit 1
	fi
	awk -F': ' '/Elapsed \(wall clock\)/ {
		n = split($2, t, ":"); s = 0
		for (k = 1; k <= n; k++) s = s * 60 + t[k]
		print s }' "$WORK/time.txt" >>"$WORK/$name.wall"
	awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/time.txt" >>"$WORK/$name.rss"
}

# summary NAME RUNS PIXELS : leaves NAME_wall (median s) and NAME_rss (median KiB), prints them
summary() {
	name=$1 runs=$2 px=$3
	wall=$(median <"$WORK/$name.wall")
	rss=$(median <"$WORK/$name.rss")
	eval "${name}_wall=\$wall ${name}_rss=\$rss"
	awk -v n="$name" -v r="$runs" -v w="$wall" -v m="$rss" -v px="$px" 'BEGIN {
		printf "%-10s runs=%d  median wall %7.3f s  peak RSS %7.1f MiB  %5.2f bytes/input pixel\n",
			n, r, w, m / 1024, m * 1024 / px }'
}

# measure NAME RUNS CMD... : runs CMD RUNS times, then its summary
measure() {
	name=$1 runs=$2
	shift 2
	i=0
	while [ "$i" -lt "$runs" ]; do
		run_once "$name" "$@"
		i=$((i + 1))
	done
	summary "$name" "$runs" "$PIXELS"
}

# Ours and vips take turns, so a load that comes and goes (shared machines) weighs on both.
i=0
while [ "$i" -lt "$RUNS" ]; do
	run_once inkwell "$BIN" "$PHOTO" "$WORK/out.png"
	run_once vips vips canny "$PHOTO" "$WORK/out.png"
	run_once progr48 "$BIN" "$PROGR" "$WORK/out.png"
	run_once progr444 "$BIN" "$PROGR444" "$WORK/out.png"
	i=$((i + 1))
done
summary inkwell "$RUNS" "$PIXELS"
summary vips "$RUNS" "$PIXELS"
summary progr48 "$RUNS" 48000000
summary progr444 "$RUNS" 48000000
magick_wall=0
[ "$IM_RUNS" -eq 0 ] || measure magick "$IM_RUNS" convert "$PHOTO" -canny 0x1+10%+30% "$WORK/out.png"

awk -v iw="$inkwell_wall" -v vw="$vips_wall" -v mw="$magick_wall" -v ir="$inkwell_rss" \
	-v px="$PIXELS" 'BEGIN {
	printf "ratio wall inkwell/vips   %.3f  (goal <= 0.3: %s)\n", iw / vw, iw / vw <= 0.3 ? "met" : "NOT met"
	if (mw > 0) printf "ratio wall inkwell/magick %.4f\n", iw / mw
	bpp = ir * 1024 / px
	printf "inkwell peak RSS %.2f bytes/input pixel  (goal <= 3: %s)\n", bpp, bpp <= 3 ? "met" : "NOT met"
}'
awk -v r="$progr48_rss" -v r4="$progr444_rss" 'BEGIN {
	bpp = r * 1024 / 48000000
	b4 = r4 * 1024 / 48000000
	printf "progressive 48 MP peak RSS %.2f bytes/input pixel  (goal <= 3: %s; libjpeg'"'"'s own coefficient store alone would be 3.0)\n", bpp, bpp <= 3 ? "met" : "NOT met"
	printf "progressive 48 MP 4:4:4 peak RSS %.2f bytes/input pixel  (goal <= 3: %s; libjpeg'"'"'s own store alone would be 6.0)\n", b4, b4 <= 3 ? "met" : "NOT met"
}'
