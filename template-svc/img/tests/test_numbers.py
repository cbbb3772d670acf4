#!/usr/bin/python3
"""test_numbers.py CONVERT PAGE_QUALITY TESTDATA - paint by numbers (issue 19), black box
through inkwell-convert --style numbers on real photos of Debian's libjxl-testdata.

For each photo and palette (photo, crayons24):
  - regions.png is 16-bit gray; every region of it (4-connected pixels of one number) holds
    exactly one label, and the label's number is the region's;
  - every drawn number (the pixels where the numbered page differs from the plain one) lies
    inside its label's box, on white, inside a region of its number, and clear of ink;
  - the palette has at most N entries, numbered dark to light (crayons: fixed numbers and
    names), and every number on the page is in it;
  - the same photo and options give the same bytes (PNG, SVG, regions, plain);
  - page.pdf's legend: pdftotext shows every palette number;
  - shared/tools/page-quality passes every band on the plain outline.
And: bad --colors/--palette/--style exit 1; the numbered SVG is the plain one plus glyphs."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image
from scipy import ndimage

CONVERT, PQ, DATA = sys.argv[1:4]
PHOTOS = [
    "jxl/flower/flower.png.im_q85_420.jpg",
    "external/wesaturate/500px/cvo9xd_keong_macan_srgb8.png",
    "external/wesaturate/500px/tmshre_riaphotographs_srgb8.png",
]
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(*args):
    return subprocess.run([CONVERT, *args], capture_output=True, text=True, timeout=300)


def lab_l(hexrgb):
    def lin(c):
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (lin(int(hexrgb[i:i + 2], 16)) for i in (1, 3, 5))
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return 116 * (y ** (1 / 3) if y > 0.008856 else 7.787 * y + 16 / 116) - 16


def convert(tmp, tag, photo, *opts):
    out = {k: os.path.join(tmp, f"{tag}.{k}") for k in ("png", "svg", "plain.png", "regions.png",
                                                        "pdf", "plain.svg")}
    r = run(photo, out["png"], "--style", "numbers", "--plain", out["plain.png"], "--regions",
            out["regions.png"], "--numbers", *opts)
    if r.returncode != 0:
        return None, r.stderr
    meta = json.loads(r.stdout)
    r2 = run(photo, out["svg"], "--style", "numbers", "--plain", out["plain.svg"], *opts)
    r3 = run(photo, out["pdf"], "--style", "numbers", *opts)
    if r2.returncode != 0 or r3.returncode != 0:
        return None, r2.stderr + r3.stderr
    return (out, meta), ""


def check_regions(name, out, meta):
    im = Image.open(out["regions.png"])
    check(im.mode in ("I;16", "I;16B", "I"), f"{name}: regions.png is 16-bit gray ({im.mode})")
    reg = np.asarray(im).astype(np.int64)
    plain = np.asarray(Image.open(out["plain.png"]).convert("L"))
    check(((reg == 0) == (plain < 128)).mean() > 0.999,
          f"{name}: regions.png is 0 exactly on the plain page's ink")
    comp = np.zeros(reg.shape, np.int64)
    n = 0
    for v in np.unique(reg[reg > 0]):
        lab, k = ndimage.label(reg == v)
        comp[lab > 0] = lab[lab > 0] + n
        n += k
    per = np.zeros(n + 1, np.int64)
    bad_num = 0
    for lb in meta["labels"]:
        x, y = int(lb["x"]), int(lb["y"])
        c = comp[y, x]
        per[c] += 1
        bad_num += reg[y, x] != lb["number"]
    check(per[0] == 0, f"{name}: every label sits in a region ({per[0]} on ink)")
    check(n > 0 and (per[1:] == 1).all(),
          f"{name}: each of {n} regions has exactly one number "
          f"({int((per[1:] == 0).sum())} none, {int((per[1:] > 1).sum())} several)")
    check(bad_num == 0, f"{name}: each label's number is its region's ({bad_num} wrong)")
    return reg, plain


def check_glyphs(name, out, meta, reg, plain):
    num = np.asarray(Image.open(out["png"]).convert("L"))
    diff = num != plain
    owner = np.zeros(num.shape, np.int64)
    for lb in meta["labels"]:
        x0, y0, x1, y1 = lb["box"]
        ys = slice(max(0, int(y0 - 1.5)), int(y1 + 2.5))
        xs = slice(max(0, int(x0 - 1.5)), int(x1 + 2.5))
        owner[ys, xs] = lb["number"]
    check(diff.any(), f"{name}: the numbered page has numbers")
    check((owner[diff] > 0).all(), f"{name}: every drawn number pixel is inside a label's box")
    check((plain[diff] == 255).all(), f"{name}: numbers are drawn on white only")
    check((reg[diff] == owner[diff]).all(),
          f"{name}: every number's pixels lie in a region of that number")
    clear = ndimage.distance_transform_edt(plain >= 128)
    check(clear[diff].min() >= 1.5 if diff.any() else False,
          f"{name}: numbers clear of ink (closest {clear[diff].min() if diff.any() else 0:.1f} px)")


def check_palette(name, meta, n, crayons):
    pal = meta["palette"]
    nums = [p["number"] for p in pal]
    check(0 < len(pal) <= n, f"{name}: palette has {len(pal)} <= {n} entries")
    check(nums == sorted(set(nums)), f"{name}: palette numbers distinct and ascending")
    ls = [lab_l(p["rgb"]) for p in pal]
    check(all(a <= b + 1e-6 for a, b in zip(ls, ls[1:])), f"{name}: palette dark to light")
    check({lb["number"] for lb in meta["labels"]} <= set(nums),
          f"{name}: every number on the page is in the palette")
    if crayons:
        check(all("name" in p for p in pal) and max(nums) <= 24, f"{name}: crayons are named")
    else:
        check(nums == list(range(1, len(pal) + 1)) and all("name" not in p for p in pal),
              f"{name}: photo palette numbered 1..{len(pal)}")


def check_pdf(name, out, meta):
    r = subprocess.run(["pdftotext", out["pdf"], "-"], capture_output=True, text=True)
    words = set(r.stdout.split())
    missing = [p["number"] for p in meta["palette"] if str(p["number"]) not in words]
    check(r.returncode == 0 and not missing, f"{name}: page.pdf legend shows every number "
          f"(missing {missing})")


def one(tmp, photo, opts, n, crayons, twice=False):
    name = f"{os.path.basename(photo)} {' '.join(opts)}"
    res, err = convert(tmp, "a", photo, *opts)
    check(res is not None, f"{name}: converts ({err.strip()})")
    if res is None:
        return
    out, meta = res
    reg, plain = check_regions(name, out, meta)
    check_glyphs(name, out, meta, reg, plain)
    check_palette(name, meta, n, crayons)
    check_pdf(name, out, meta)
    if twice:
        res2, _ = convert(tmp, "b", photo, *opts)
        same = res2 is not None and all(
            open(out[k], "rb").read() == open(res2[0][k], "rb").read()
            for k in ("png", "svg", "plain.png", "regions.png", "plain.svg")) and res2[1] == meta
        check(same, f"{name}: deterministic (same bytes twice)")
    psvg = open(out["plain.svg"]).read()
    nsvg = open(out["svg"]).read()
    check(nsvg.startswith(psvg[:-len('"/>\n</svg>\n')]) and len(nsvg) > len(psvg),
          f"{name}: numbered SVG = plain SVG + glyph outlines")
    pq = subprocess.run([PQ, photo, out["plain.png"]], capture_output=True, text=True)
    print("     " + pq.stdout.strip())
    check(pq.returncode == 0, f"{name}: page-quality passes every band on the plain outline")


def main():
    for p in PHOTOS:
        if not os.path.exists(os.path.join(DATA, p)):
            check(False, f"test photo missing: {p}")
    with tempfile.TemporaryDirectory() as tmp:
        photo = os.path.join(DATA, PHOTOS[0])
        for bad in (["--colors", "3"], ["--colors", "33"], ["--palette", "paints"],
                    ["--style", "dots"]):
            r = run(photo, os.path.join(tmp, "x.png"), "--style", "numbers", *bad)
            check(r.returncode == 1, f"bad option {' '.join(bad)} exits 1")
        for i, p in enumerate(PHOTOS):
            one(tmp, os.path.join(DATA, p), [], 12, False, twice=i == 0)
        one(tmp, os.path.join(DATA, PHOTOS[1]), ["--palette", "crayons24", "--colors", "8"], 8,
            True, twice=True)
        one(tmp, os.path.join(DATA, PHOTOS[0]), ["--colors", "4", "--detail", "5"], 4, False)
    if failures:
        print(f"{len(failures)} failed")
        sys.exit(1)
    print("all passed")


main()
