#!/usr/bin/env python3
"""Vector and print outputs (issue 11 part 5) through the real nginx -> edge ->
user-svc -> template-svc -> Redis stack: a real photo's SVG rendered by
rsvg-convert matches its PNG, its PDFs are one page of A4 or Letter
(pdfinfo) with the current title at the foot (pdftotext), privacy, ETags,
the gallery's copies, bad paper, and pages kept before SVGs were."""

import io
import re
import subprocess
import tempfile
import uuid
from pathlib import Path

import numpy as np
from PIL import Image

import inkwell_test as it

PW = "correct horse battery"
PHOTO = "/usr/share/libjxl-testdata/jxl/flower/flower.png.im_q85_420.jpg"
NO_VECTOR = "this page has no vector form; convert it again"
# pdfinfo's "Page size" in points, portrait; a landscape drawing turns the sheet.
PAPER = {"a4": (595.28, 841.89), "letter": (612.0, 792.0)}


class Client:
    """One signed-in user."""

    def __init__(self, test):
        self.t = test
        self.name = "v" + uuid.uuid4().hex[:12]
        st, _, body = test.req("POST", "/v1/users", {"username": self.name, "password": PW})
        assert st == 201, body
        self.id = body["id"]
        st, _, body = test.req("POST", "/v1/sessions", {"username": self.name, "password": PW})
        assert st == 201, body
        self.token = body["token"]

    def req(self, method, path, body=None, headers=None):
        h = {"Authorization": "Bearer " + self.token}
        h.update(headers or {})
        return self.t.req(method, path, body, h)


def gray(png):
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=np.int16)


def render_svg(svg):
    """rsvg-convert's rendering of svg (bytes) as a gray numpy array."""
    r = subprocess.run(["rsvg-convert", "--format=png"], input=svg, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60, check=True)
    return gray(r.stdout)


def pdf_info(pdf):
    """(pages, (width, height) in points, text) of a PDF, by poppler's tools."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        info = subprocess.run(["pdfinfo", f.name], stdout=subprocess.PIPE, check=True,
                              timeout=30).stdout.decode()
        text = subprocess.run(["pdftotext", "-layout", f.name, "-"], stdout=subprocess.PIPE,
                              check=True, timeout=30).stdout.decode()
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    m = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)
    return pages, (float(m.group(1)), float(m.group(2))), text


class VectorTest(it.StackTestCase):
    ENV = {"NGINX_AUTH_RATE": "1000r/s"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice = Client(cls)
        cls.bob = Client(cls)
        st, _, t = cls.alice.req("POST", "/v1/templates?title=Flower&detail=3",
                                 Path(PHOTO).read_bytes(), {"Content-Type": "image/jpeg"})
        assert st == 201, (st, t)
        cls.tpl = t
        cls.base = "/v1/templates/%s" % t["id"]

    # A class-level req for setUpClass (the instance one is inherited).
    @classmethod
    def req(cls, method, path, body=None, headers=None):
        return cls.http.req(method, path, body, headers)

    def get_ok(self, who, path, ctype, headers=None):
        st, h, body = (who.req if who else self.req)("GET", path, None, headers)
        self.assertEqual(st, 200, body)
        self.assertEqual(h["Content-Type"], ctype)
        self.assertRegex(h["ETag"] or "", r'^"[0-9a-f]{32}"$')
        return h, body

    def assertPage(self, pdf, paper, title, drawing):
        """pdf is one page of `paper`, turned like the drawing (w, h), with title."""
        pages, size, text = pdf_info(pdf)
        self.assertEqual(pages, 1)
        w, h = PAPER[paper]
        want = (h, w) if drawing[0] > drawing[1] else (w, h)
        self.assertAlmostEqual(size[0], want[0], delta=0.5, msg=size)
        self.assertAlmostEqual(size[1], want[1], delta=0.5, msg=size)
        self.assertIn(title, text)
        # The title is small at the foot: the last text on the page.
        self.assertEqual(text.strip().splitlines()[-1].strip(), title)

    def test_svg_is_the_same_drawing_as_the_png(self):
        h, svg = self.get_ok(self.alice, self.base + "/image.svg", "image/svg+xml")
        self.assertIn("immutable", h["Cache-Control"])
        self.assertIn("default-src 'none'", h["Content-Security-Policy"])
        self.assertTrue(svg.lstrip().startswith(b"<?xml") or svg.lstrip().startswith(b"<svg"))
        _, png = self.get_ok(self.alice, self.base + "/image", "image/png")
        a, b = gray(png), render_svg(svg)
        self.assertEqual(a.shape, b.shape)
        self.assertEqual(a.shape, (self.tpl["height"], self.tpl["width"]))
        self.assertLess(np.abs(a - b).mean(), 3.0)
        ink_a, ink_b = a < 128, b < 128
        self.assertGreater(ink_a.mean(), 0.01, "the page has lines")
        self.assertGreater((ink_a == ink_b).mean(), 0.99)

    def test_pdf_is_one_page_of_the_paper_with_the_title(self):
        size = (self.tpl["width"], self.tpl["height"])
        for query, paper in (("", "a4"), ("?paper=a4", "a4"), ("?paper=letter", "letter"),
                             ("?paper=Letter", "letter")):
            h, pdf = self.get_ok(self.alice, self.base + "/page.pdf" + query, "application/pdf")
            self.assertTrue(pdf.startswith(b"%PDF-"))
            self.assertPage(pdf, paper, "Flower", size)

    def test_pdf_prints_the_current_title(self):
        st, _, t = self.alice.req("POST", "/v1/templates?title=Before",
                                  Path(PHOTO).read_bytes(), {"Content-Type": "image/jpeg"})
        self.assertEqual(st, 201, t)
        path = "/v1/templates/%s/page.pdf?paper=letter" % t["id"]
        h1, pdf = self.get_ok(self.alice, path, "application/pdf")
        self.assertPage(pdf, "letter", "Before", (t["width"], t["height"]))
        self.assertIn("no-cache", h1["Cache-Control"])
        st, _, body = self.alice.req("PATCH", "/v1/templates/" + t["id"], {"title": "After"})
        self.assertEqual(st, 200, body)
        h2, pdf = self.get_ok(self.alice, path, "application/pdf")
        self.assertPage(pdf, "letter", "After", (t["width"], t["height"]))
        self.assertNotEqual(h1["ETag"], h2["ETag"], "a new title is a new PDF")
        st, h, _ = self.alice.req("GET", path, None, {"If-None-Match": h1["ETag"]})
        self.assertEqual(st, 200, "the old title's tag no longer matches")

    def test_etags_answer_304(self):
        for path in (self.base + "/image.svg", self.base + "/page.pdf",
                     self.base + "/page.pdf?paper=letter"):
            h, _ = self.get_ok(self.alice, path, self.ctype(path))
            h2, _ = self.get_ok(self.alice, path, self.ctype(path))
            self.assertEqual(h["ETag"], h2["ETag"], "the same page gets the same tag: " + path)
            st, h3, body = self.alice.req("GET", path, None, {"If-None-Match": h["ETag"]})
            self.assertEqual(st, 304, path)
            self.assertEqual(body, b"")
            self.assertEqual(h3["ETag"], h["ETag"])
        a4 = self.get_ok(self.alice, self.base + "/page.pdf", "application/pdf")[0]["ETag"]
        letter = self.get_ok(self.alice, self.base + "/page.pdf?paper=letter",
                             "application/pdf")[0]["ETag"]
        self.assertNotEqual(a4, letter)

    @staticmethod
    def ctype(path):
        return "image/svg+xml" if path.endswith(".svg") else "application/pdf"

    def test_private_to_its_owner(self):
        for path in (self.base + "/image.svg", self.base + "/page.pdf"):
            st, h, body = self.bob.req("GET", path)
            self.assertProblem(st, h, body, 404)
            st, h, body = self.req("GET", path)
            self.assertProblem(st, h, body, 401)
        st, h, body = self.alice.req("GET", "/v1/templates/%s/image.svg" % ("0" * 32))
        self.assertProblem(st, h, body, 404)

    def test_bad_paper_is_400(self):
        for paper in ("a5", "A4x", "letter%00", "x" * 40):
            st, h, body = self.alice.req("GET", self.base + "/page.pdf?paper=" + paper)
            self.assertProblem(st, h, body, 400, field="paper")
        st, h, body = self.req("GET", "/v1/gallery/%s/page.pdf?paper=legal" % ("0" * 32))
        self.assertProblem(st, h, body, 400, field="paper")

    def publish(self, who, tid):
        st, _, item = who.req("POST", "/v1/templates/%s/publish" % tid)
        self.assertEqual(st, 201, item)
        return item["gallery_id"]

    def test_gallery_routes_copy_of_the_svg_and_cached(self):
        _, svg = self.get_ok(self.alice, self.base + "/image.svg", "image/svg+xml")
        gid = self.publish(self.alice, self.tpl["id"])
        g = "/v1/gallery/" + gid
        h, gsvg = self.get_ok(None, g + "/image.svg", "image/svg+xml")
        self.assertEqual(gsvg, svg, "publishing copies the SVG")
        self.assertIn("public", h["Cache-Control"])
        h2, _ = self.get_ok(None, g + "/image.svg", "image/svg+xml")
        self.assertEqual(h2["X-Cache-Status"], "HIT", "nginx keeps it like the PNG")
        st, _, body = self.req("GET", g + "/image.svg", None, {"If-None-Match": h["ETag"]})
        self.assertEqual(st, 304, body)
        size = (self.tpl["width"], self.tpl["height"])
        for query, paper in (("", "a4"), ("?paper=letter", "letter")):
            h, pdf = self.get_ok(None, g + "/page.pdf" + query, "application/pdf")
            self.assertPage(pdf, paper, "Flower", size)
            st, _, body = self.req("GET", g + "/page.pdf" + query, None,
                                   {"If-None-Match": h["ETag"]})
            self.assertEqual(st, 304, body)
        # nginx keeps one copy per paper; other query parameters are not part of it.
        h, _ = self.get_ok(None, g + "/page.pdf?paper=letter&x=1", "application/pdf")
        self.assertEqual(h["X-Cache-Status"], "HIT")
        # Signed in, the same (the micro-cache is bypassed, not the answer).
        h, _ = self.get_ok(self.bob, g + "/page.pdf?paper=letter", "application/pdf")
        st, h, body = self.req("GET", "/v1/gallery/%s/image.svg" % ("0" * 32))
        self.assertProblem(st, h, body, 404)
        # Saving a gallery item copies its SVG into the saver's library.
        st, _, saved = self.bob.req("POST", g + "/save")
        self.assertEqual(st, 201, saved)
        _, bsvg = self.get_ok(self.bob, "/v1/templates/%s/image.svg" % saved["id"],
                              "image/svg+xml")
        self.assertEqual(bsvg, svg)
        _, pdf = self.get_ok(self.bob, "/v1/templates/%s/page.pdf" % saved["id"],
                             "application/pdf")
        self.assertPage(pdf, "a4", "Flower", size)

    def test_delete_removes_the_svg(self):
        st, _, t = self.alice.req("POST", "/v1/templates?title=Gone",
                                  Path(PHOTO).read_bytes(), {"Content-Type": "image/jpeg"})
        self.assertEqual(st, 201, t)
        users = self.stack.port_of("users-redis")
        key = "template:{%s}:%s:svg" % (self.alice.id, t["id"])
        self.assertEqual(it.redis(users, "EXISTS", key), b":1")
        gid = self.publish(self.alice, t["id"])
        public = self.stack.port_of("public-redis")
        self.assertEqual(it.redis(public, "EXISTS", "public:{%s}:svg" % gid), b":1")
        st, _, body = self.alice.req("DELETE", "/v1/gallery/" + gid)
        self.assertEqual(st, 204, body)
        self.assertEqual(it.redis(public, "EXISTS", "public:{%s}:svg" % gid), b":0")
        st, _, body = self.alice.req("DELETE", "/v1/templates/" + t["id"])
        self.assertEqual(st, 204, body)
        self.assertEqual(it.redis(users, "EXISTS", key), b":0")

    def test_pages_kept_before_svgs_have_no_vector_form(self):
        st, _, t = self.alice.req("POST", "/v1/templates?title=Old",
                                  Path(PHOTO).read_bytes(), {"Content-Type": "image/jpeg"})
        self.assertEqual(st, 201, t)
        # What a template converted before this change looks like: no SVG key.
        users = self.stack.port_of("users-redis")
        self.assertEqual(it.redis(users, "DEL", "template:{%s}:%s:svg" % (self.alice.id, t["id"])),
                         b":1")
        base = "/v1/templates/" + t["id"]
        for path in (base + "/image.svg", base + "/page.pdf?paper=letter"):
            st, h, body = self.alice.req("GET", path)
            self.assertProblem(st, h, body, 404)
            self.assertEqual(body["detail"], NO_VECTOR)
        st, _, body = self.alice.req("GET", base + "/image")
        self.assertEqual(st, 200, "its PNG is still there")
        # Published, it has none in the gallery either (and saving it copies none).
        gid = self.publish(self.alice, t["id"])
        for path in ("/image.svg", "/page.pdf"):
            st, h, body = self.bob.req("GET", "/v1/gallery/" + gid + path)
            self.assertProblem(st, h, body, 404)
            self.assertEqual(body["detail"], NO_VECTOR)
        st, _, saved = self.bob.req("POST", "/v1/gallery/%s/save" % gid)
        self.assertEqual(st, 201, saved)
        st, h, body = self.bob.req("GET", "/v1/templates/%s/image.svg" % saved["id"])
        self.assertProblem(st, h, body, 404)


if __name__ == "__main__":
    it.main()
