#!/usr/bin/python3
"""test_pages.py CONVERT PAGE_QUALITY TESTDATA - black-box tests of inkwell-convert.

1. The CLI's contract: usage errors exit 1, bad images exit 2 with one line on stderr and
   no OUT (an existing OUT is left as it was), unreadable input exits 3, --report prints
   one JSON object whose figures agree with page-quality.
2. Real photos from Debian's libjxl-testdata (PNG 8/16-bit, alpha, baseline and
   progressive JPEG): every page must pass shared/tools/page-quality (exit 0).
   Every --detail level and line widths 1..8 pass too, on the hardest of them.
3. --detail steers the number of regions, --line-width the amount of ink.
Fails (does not skip) when the photos or page-quality are missing: CI installs them."""
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
    "external/wesaturate/500px/tmshre_riaphotographs_srgb8.png",
    "external/wesaturate/500px/cvo9xd_keong_macan_srgb8.png",
    "external/wesaturate/500px/u76c0g_bliznaca_srgb8.png",
    "jxl/hdr_room.png",
]
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(*args):
    return subprocess.run([CONVERT, *args], capture_output=True, text=True, timeout=120)


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

    # 2. Real photos through page-quality.
    for rel in PHOTOS:
        src = os.path.join(DATA, rel)
        if not os.path.exists(src):
            check(False, f"photo {rel} present")
            continue
        page = os.path.join(tmp, os.path.basename(rel) + ".page.png")
        r = run(src, page, "--report")
        check(r.returncode == 0 and os.path.exists(page), f"{rel}: converted")
        if r.returncode != 0:
            print(r.stderr)
            continue
        rep = json.loads(r.stdout)
        q = subprocess.run([PQ, src, page], capture_output=True, text=True, timeout=120)
        print("     " + q.stdout.strip())
        check(q.returncode == 0, f"{rel}: page-quality passes")
        check(rep["ok"] and rep["specks"] == 0, f"{rel}: --report says ok")
        fig = dict(kv.split("=") for kv in q.stdout.split() if "=" in kv)
        check(abs(float(fig["ink"]) - rep["ink"]) < 0.002 and
              int(fig["fillable"]) == rep["fillable"], f"{rel}: report agrees with page-quality")

    # 2b. Every detail level and a range of line widths still pass, on the hardest photo.
    src = os.path.join(DATA, PHOTOS[3])
    for args in (["--detail", "1"], ["--detail", "2"], ["--detail", "4"], ["--detail", "5"],
                 ["--line-width", "1"], ["--line-width", "4"], ["--line-width", "8"]):
        page = os.path.join(tmp, "opt.page.png")
        r = run(src, page, *args)
        q = subprocess.run([PQ, src, page], capture_output=True, text=True, timeout=120)
        print("     " + " ".join(args) + ": " + q.stdout.strip())
        check(r.returncode == 0 and q.returncode == 0, f"{PHOTOS[3]} {' '.join(args)}: passes")

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
