#!/usr/bin/env python3
"""test_jpeg_rss.py CONVERT PHOTO - issue 11's memory goal on a progressive JPEG.

Tiles PHOTO (a real photo, native detail) into an 8000x6000 progressive 4:2:0 JPEG at
quality 90, converts it with inkwell-convert and reads its peak RSS (/usr/bin/time, as
bench/convert.sh does; a child of this process would count the parent's pages it had
before exec):
it must be at most 3 bytes per input pixel. libjpeg's own coefficient store alone would
be 3.0 (the previous decoder peaked at 3.2). The small page (--max-side 256) keeps the
engine's later stages quick under the sanitizers; the decode is the same at any page size
up to 1000 px (IDCT scale 1/8). Under ASan the quarantine is turned off (freed memory would
otherwise stay resident); shadow memory and redzones still count, so a sanitized binary
only overstates the peak.
"""
import os
import subprocess
import sys
import tempfile

from PIL import Image

CONVERT, PHOTO = sys.argv[1:3]
W, H = 8000, 6000
LIMIT = 3.0


def main():
    src = Image.open(PHOTO).convert("RGB")
    big = Image.new("RGB", (W, H))
    for y in range(0, H, src.height):
        for x in range(0, W, src.width):
            big.paste(src, (x, y))
    with tempfile.TemporaryDirectory() as tmp:
        jpg = os.path.join(tmp, "progressive48.jpg")
        out = os.path.join(tmp, "page.png")
        big.save(jpg, quality=90, subsampling=2, progressive=True)
        del big
        env = dict(os.environ)
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=0"
        rss = os.path.join(tmp, "rss")
        run = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss, CONVERT, jpg, out,
                              "--max-side", "256"], env=env, capture_output=True, text=True,
                             timeout=240)
        if run.returncode != 0:
            print(f"FAIL: inkwell-convert exited {run.returncode}: {run.stderr}")
            return 1
        with Image.open(out) as page:
            if page.size != (256, 192):
                print(f"FAIL: page is {page.size}, want (256, 192)")
                return 1
        with open(rss) as f:
            peak = int(f.read().split()[-1]) * 1024
        bpp = peak / (W * H)
        print(f"progressive {W}x{H} 4:2:0 q90, {os.path.getsize(jpg)} bytes: peak RSS "
              f"{peak / 2**20:.1f} MiB, {bpp:.2f} bytes/input pixel (limit {LIMIT})")
        if bpp > LIMIT:
            print("FAIL: over the limit")
            return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
