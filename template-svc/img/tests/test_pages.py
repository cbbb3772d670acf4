#!/usr/bin/python3
"""test_pages.py CONVERT PAGE_QUALITY TESTDATA - black-box tests of inkwell-convert.

1. The CLI's contract: usage errors exit 1, bad images exit 2 with one line on stderr and
   no OUT (an existing OUT is left as it was), unreadable input exits 3, --report prints
   one JSON object whose figures agree with page-quality.
2. Every real photo of Debian's libjxl-testdata (PNG 8/16-bit, gray, alpha, baseline and
   progressive JPEG), at --detail 1, 3 and 5: every page must pass
   shared/tools/page-quality --lines (every band, `lines` included); one that fails fails
   the test. Line widths 1..8 pass on the hardest photo.
3. --detail steers the number of regions, --line-width the amount of ink.
Fails (does not skip) when the photos or page-quality are missing: CI installs them."""
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile

CONVERT, PQ, DATA = sys.argv[1:4]
PHOTOS = [
    "jxl/flower/flower.png.im_q85_420.jpg",
    "jxl/flower/flower.png.im_q85_420_progr.jpg",
    "jxl/flower/flower.png.im_q85_gray.jpg",
    "jxl/flower/flower.png.im_q85_444.jpg",
    "jxl/flower/flower_cropped.jpg",
    "jxl/flower/flower_alpha.png",
    "external/wesaturate/500px/tmshre_riaphotographs_srgb8.png",
    "external/wesaturate/500px/tmshre_riaphotographs_alpha.png",
    "external/wesaturate/500px/cvo9xd_keong_macan_srgb8.png",
    "external/wesaturate/500px/cvo9xd_keong_macan_grayscale.png",
    "external/wesaturate/500px/u76c0g_bliznaca_srgb8.png",
    "jxl/hdr_room.png",
]
LEVELS = (1, 3, 5)
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(*args):
    return subprocess.run([CONVERT, *args], capture_output=True, text=True, timeout=120)


def printable(rep):
    """The page-only bands: closed regions a child can fill, a light page, no specks."""
    return (0.02 <= rep["ink"] <= 0.25 and rep["specks"] == 0 and rep["fillable"] >= 5 and
            rep["slivers"] <= max(3, rep["fillable"] // 10) and rep["largest"] <= 0.5)


def main():
    for need in [PQ, DATA]:
        if not os.path.exists(need):
            sys.exit(f"missing {need}: install libjxl-testdata / shared tools (not skipped)")
    tmp = tempfile.mkdtemp(prefix="img_pages_")
    out = os.path.join(tmp, "page.png")
    photo = os.path.join(DATA, PHOTOS[0])

    # 1. CLI contract.
    r = run()
    check(r.returncode == 1 and "usage" in r.stderr, "no arguments: exit 1 with usage")
    r = run(photo, out, "--detail", "9")
    check(r.returncode == 1 and not os.path.exists(out), "--detail 9: exit 1, no OUT")
    r = run(photo, out, "--line-width", "x")
    check(r.returncode == 1, "--line-width x: exit 1")
    r = run(photo, out, "--frobnicate")
    check(r.returncode == 1, "unknown option: exit 1")
    r = run(os.path.join(tmp, "missing.jpg"), out)
    check(r.returncode == 3 and not os.path.exists(out), "missing input: exit 3, no OUT")
    bad = os.path.join(tmp, "bad.png")
    with open(bad, "wb") as f:
        f.write(b"this is not an image at all")
    r = run(bad, out)
    check(r.returncode == 2 and r.stderr.count("\n") == 1 and "not a PNG or JPEG" in r.stderr,
          "not an image: exit 2, one line on stderr")
    check(not os.path.exists(out), "failed conversion leaves no OUT")
    trunc = os.path.join(tmp, "trunc.jpg")
    with open(photo, "rb") as f:
        head = f.read(20000)
    with open(trunc, "wb") as f:
        f.write(head)
    with open(out, "wb") as f:
        f.write(b"previous")
    r = run(trunc, out)
    check(r.returncode == 2 and "truncated" in r.stderr, "truncated JPEG: exit 2, says truncated")
    with open(out, "rb") as f:
        check(f.read() == b"previous", "failed conversion leaves an existing OUT untouched")
    os.unlink(out)
    check(not [n for n in os.listdir(tmp) if n.startswith("page.png.")], "no temp files left")

    # 2. Every real photo at detail 1, 3 and 5 through page-quality --lines (two at once).
    def page(job):
        rel, d = job
        src = os.path.join(DATA, rel)
        out_png = os.path.join(tmp, f"{os.path.basename(rel)}.d{d}.png")
        r = run(src, out_png, "--detail", str(d), "--report")
        if r.returncode != 0:
            return job, r, None, None
        q = subprocess.run([PQ, "--lines", src, out_png], capture_output=True, text=True,
                           timeout=120)
        qb = subprocess.run([PQ, src, out_png], capture_output=True, text=True, timeout=120)
        return job, r, q, qb

    jobs = [(rel, d) for rel in PHOTOS for d in LEVELS]
    for rel in PHOTOS:
        check(os.path.exists(os.path.join(DATA, rel)), f"photo {rel} present")
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(page, [j for j in jobs if os.path.exists(os.path.join(DATA, j[0]))]))
    for (rel, d), r, q, qb in results:
        what = f"{rel} --detail {d}"
        check(r.returncode == 0, f"{what}: converted")
        if q is None:
            print(r.stderr)
            continue
        print("     " + q.stdout.strip())
        rep = json.loads(r.stdout)
        check(printable(rep), f"{what}: closed and printable")
        check(q.returncode == 0, f"{what}: page-quality --lines passes")
        check(rep["ok"] == (qb.returncode == 0), f"{what}: --report agrees")
        fig = dict(kv.split("=") for kv in q.stdout.split() if "=" in kv)
        check(abs(float(fig["ink"]) - rep["ink"]) < 0.002 and
              int(fig["fillable"]) == rep["fillable"], f"{what}: report agrees with page-quality")

    # 2a. A partly transparent photo is drawn as its picture: the vignetted copy of the
    # tulips (same RGB, alpha 2..255) gives the opaque copy's page, byte for byte.
    for d in LEVELS:
        pages = []
        for rel in PHOTOS[6:8]:
            name = os.path.join(tmp, f"{os.path.basename(rel)}.d{d}.png")
            if os.path.exists(name):
                with open(name, "rb") as f:
                    pages.append(f.read())
        check(len(pages) == 2 and pages[0] == pages[1],
              f"tulips under a vignette of alpha --detail {d}: same page")

    # 2b. Line widths 1..8 still pass, on the hardest photo.
    src = os.path.join(DATA, PHOTOS[8])
    for args in (["--line-width", "1"], ["--line-width", "4"], ["--line-width", "8"]):
        page_png = os.path.join(tmp, "opt.page.png")
        r = run(src, page_png, *args)
        q = subprocess.run([PQ, src, page_png], capture_output=True, text=True, timeout=120)
        print("     " + " ".join(args) + ": " + q.stdout.strip())
        check(r.returncode == 0 and q.returncode == 0, f"{PHOTOS[8]} {' '.join(args)}: passes")

    # 3. Options steer the page.
    counts, inks = {}, {}
    for d in (1, 5):
        r = run(photo, out, "--detail", str(d), "--report")
        counts[d] = json.loads(r.stdout)["fillable"] if r.returncode == 0 else -1
    check(0 < counts[1] < counts[5], f"--detail 1 -> 5 adds regions ({counts[1]} < {counts[5]})")
    for lw in (1, 4):
        r = run(photo, out, "--line-width", str(lw), "--report")
        inks[lw] = json.loads(r.stdout)["ink"] if r.returncode == 0 else -1
    check(0 < inks[1] < inks[4], f"--line-width 1 -> 4 adds ink ({inks[1]} < {inks[4]})")
    r = run(photo, out, "--max-side", "300", "--report")
    rep = json.loads(r.stdout) if r.returncode == 0 else {}
    check(max(rep.get("width", 0), rep.get("height", 0)) == 300, "--max-side 300")

    for n in os.listdir(tmp):
        os.unlink(os.path.join(tmp, n))
    os.rmdir(tmp)
    if failures:
        sys.exit(f"{len(failures)} failed: " + "; ".join(failures))
    print("all passed")


main()
