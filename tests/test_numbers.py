#!/usr/bin/env python3
"""Paint by numbers (issue 19) through the real nginx -> edge -> user-svc -> template-svc ->
Redis stack: POST /v1/templates?style=numbers&colors=N&palette=photo|crayons24 gives a
template with its style and palette; /image is the numbered page, /image?numbers=0 the plain
outline, /regions.png the 16-bit regions (every region holds exactly one number of its own),
/page.pdf carries the legend (pdftotext shows every number); bad parameters are 400
problem+json naming the field; a lines page has an empty palette and no regions. Published,
the gallery item keeps the style and palette, its own /image?numbers=0, /regions.png and a
PDF with the legend, and saving it gives a numbered library template again. Every answer
is validated against docs/openapi.yaml by inkwell_test."""

import io
import subprocess
import tempfile
import uuid
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage

import inkwell_test as it

PW = "correct horse battery"
PHOTO = "/usr/share/libjxl-testdata/jxl/flower/flower.png.im_q85_420.jpg"


class Client:
    """One signed-in user."""

    def __init__(self, test):
        self.name = "n" + uuid.uuid4().hex[:12]
        st, _, body = test.req("POST", "/v1/users", {"username": self.name, "password": PW})
        assert st == 201, body
        st, _, body = test.req("POST", "/v1/sessions", {"username": self.name, "password": PW})
        assert st == 201, body
        self.token = body["token"]
        self.t = test

    def req(self, method, path, body=None, headers=None):
        h = {"Authorization": "Bearer " + self.token}
        h.update(headers or {})
        return self.t.req(method, path, body, h)


def upload(who, query):
    return who.req("POST", "/v1/templates?" + query, Path(PHOTO).read_bytes(),
                   {"Content-Type": "image/jpeg"})


class NumbersTest(it.StackTestCase):
    ENV = {"NGINX_AUTH_RATE": "1000r/s"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice = Client(cls)
        st, _, t = upload(cls.alice, "title=Flower&style=numbers&colors=8")
        assert st == 201, (st, t)
        cls.tpl = t
        cls.base = "/v1/templates/%s" % t["id"]

    @classmethod
    def req(cls, method, path, body=None, headers=None):
        return cls.http.req(method, path, body, headers)

    def get_png(self, path):
        st, h, body = self.alice.req("GET", path)
        self.assertEqual(st, 200, body)
        self.assertEqual(h["Content-Type"], "image/png")
        return Image.open(io.BytesIO(body))

    def test_template_has_style_and_palette(self):
        t = self.tpl
        self.assertEqual(t["style"], "numbers")
        pal = t["palette"]
        self.assertTrue(1 <= len(pal) <= 8, pal)
        self.assertEqual([p["number"] for p in pal], list(range(1, len(pal) + 1)))
        st, _, again = self.alice.req("GET", self.base)
        self.assertEqual(st, 200)
        self.assertEqual(again["palette"], pal)
        st, _, page = self.alice.req("GET", "/v1/templates")
        self.assertEqual(st, 200)
        mine = [i for i in page["items"] if i["id"] == t["id"]]
        self.assertEqual(mine[0]["palette"], pal)

    def test_regions_have_one_number_each(self):
        regions = self.get_png(self.base + "/regions.png")
        self.assertIn(regions.mode, ("I;16", "I;16B", "I"))
        reg = np.asarray(regions).astype(np.int64)
        numbered = np.asarray(self.get_png(self.base + "/image").convert("L")).astype(int)
        plain = np.asarray(self.get_png(self.base + "/image?numbers=0").convert("L")).astype(int)
        self.assertEqual(reg.shape, (self.tpl["height"], self.tpl["width"]))
        self.assertEqual(reg.shape, plain.shape)
        numbers = {p["number"] for p in self.tpl["palette"]}
        self.assertTrue(set(np.unique(reg)) <= numbers | {0})
        # The numbers are what differs; each region holds the glyphs of one number.
        diff = numbered != plain
        self.assertTrue(diff.any())
        self.assertTrue((plain[diff] == 255).all(), "numbers sit on white")
        self.assertTrue((reg[diff] > 0).all(), "numbers sit inside regions")
        lab, n = ndimage.label(reg > 0)
        holding = set(np.unique(lab[diff]))
        self.assertEqual(holding, set(range(1, n + 1)), "every region has a number")

    def test_bad_parameters_are_400(self):
        for q, field in (("style=dots", "style"), ("style=numbers&colors=3", "colors"),
                         ("style=numbers&colors=33", "colors"),
                         ("style=numbers&palette=paints", "palette")):
            st, h, body = upload(self.alice, q)
            self.assertProblem(st, h, body, 400)
            self.assertIn(field, [e["field"] for e in body["errors"]], body)
        st, h, body = self.alice.req("GET", self.base + "/image?numbers=2")
        self.assertProblem(st, h, body, 400)

    def test_pdf_legend_shows_every_number(self):
        st, h, pdf = self.alice.req("GET", self.base + "/page.pdf")
        self.assertEqual(st, 200)
        self.assertTrue(pdf.startswith(b"%PDF-"))
        with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
            f.write(pdf)
            f.flush()
            text = subprocess.run(["pdftotext", f.name, "-"], stdout=subprocess.PIPE,
                                  check=True, timeout=30).stdout.decode()
        words = set(text.split())
        for p in self.tpl["palette"]:
            self.assertIn(str(p["number"]), words, text)
        self.assertIn("Flower", words)

    def test_crayons_have_names(self):
        st, _, t = upload(self.alice, "style=numbers&palette=crayons24&colors=6")
        self.assertEqual(st, 201, t)
        self.assertTrue(1 <= len(t["palette"]) <= 6)
        self.assertTrue(all(p.get("name") for p in t["palette"]), t["palette"])

    def test_lines_page_has_no_numbers(self):
        st, _, t = upload(self.alice, "title=Lines")
        self.assertEqual(st, 201, t)
        self.assertEqual((t["style"], t["palette"]), ("lines", []))
        base = "/v1/templates/%s" % t["id"]
        _, _, a = self.alice.req("GET", base + "/image")
        _, _, b = self.alice.req("GET", base + "/image?numbers=0")
        self.assertEqual(a, b)
        st, h, body = self.alice.req("GET", base + "/regions.png")
        self.assertProblem(st, h, body, 404)

    def pdf_words(self, path):
        st, h, pdf = self.alice.req("GET", path)
        self.assertEqual(st, 200)
        self.assertTrue(pdf.startswith(b"%PDF-"))
        with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
            f.write(pdf)
            f.flush()
            text = subprocess.run(["pdftotext", f.name, "-"], stdout=subprocess.PIPE,
                                  check=True, timeout=30).stdout.decode()
        return set(text.split()), text

    def test_published_item_keeps_numbers_and_saves_numbered(self):
        st, _, g = self.alice.req("POST", self.base + "/publish")
        self.assertIn(st, (200, 201), g)
        gid = g["gallery_id"]
        gbase = "/v1/gallery/%s" % gid
        self.assertEqual((g["style"], g["palette"]), ("numbers", self.tpl["palette"]))
        st, _, item = self.req("GET", gbase)
        self.assertEqual(st, 200, item)
        self.assertEqual((item["style"], item["palette"]), ("numbers", self.tpl["palette"]))
        st, _, page = self.req("GET", "/v1/gallery?limit=100")
        self.assertEqual(st, 200)
        listed = [i for i in page["items"] if i["gallery_id"] == gid]
        self.assertEqual(listed[0]["palette"], self.tpl["palette"])
        # The item's pictures are the template's own.
        for suffix in ("/image", "/image?numbers=0", "/regions.png"):
            _, _, mine = self.alice.req("GET", self.base + suffix)
            st, h, public = self.req("GET", gbase + suffix)
            self.assertEqual(st, 200, suffix)
            self.assertEqual(h["Content-Type"], "image/png")
            self.assertEqual(public, mine, suffix)
        _, _, numbered = self.req("GET", gbase + "/image")
        _, _, plain = self.req("GET", gbase + "/image?numbers=0")
        self.assertNotEqual(numbered, plain)
        st, h, body = self.req("GET", gbase + "/image?numbers=2")
        self.assertProblem(st, h, body, 400)
        words, text = self.pdf_words(gbase + "/page.pdf")
        for p in self.tpl["palette"]:
            self.assertIn(str(p["number"]), words, text)
        # Saving it brings the numbers back into a library.
        bob = Client(self)
        st, _, copy = bob.req("POST", gbase + "/save")
        self.assertEqual(st, 201, copy)
        self.assertEqual((copy["style"], copy["palette"]), ("numbers", self.tpl["palette"]))
        cbase = "/v1/templates/%s" % copy["id"]
        for suffix in ("/image?numbers=0", "/regions.png"):
            _, _, mine = self.alice.req("GET", self.base + suffix)
            st, _, saved = bob.req("GET", cbase + suffix)
            self.assertEqual(st, 200, suffix)
            self.assertEqual(saved, mine, suffix)

    def test_removed_item_leaves_no_numbered_blobs(self):
        st, _, t = upload(self.alice, "title=Gone&style=numbers&colors=4")
        self.assertEqual(st, 201, t)
        st, _, g = self.alice.req("POST", "/v1/templates/%s/publish" % t["id"])
        self.assertIn(st, (200, 201), g)
        gid = g["gallery_id"]
        pub = self.stack.port_of("public-redis")
        keys = ["public:{%s}:%s" % (gid, k) for k in ("png", "plain", "regions")]
        self.assertEqual(it.redis(pub, "EXISTS", *keys), b":3")
        st, _, _ = self.alice.req("DELETE", "/v1/gallery/" + gid)
        self.assertEqual(st, 204)
        # The removal reaps its item's blobs before it answers.
        self.assertEqual(it.redis(pub, "EXISTS", *keys), b":0")

    def test_published_lines_item_has_no_numbers(self):
        st, _, t = upload(self.alice, "title=LinesPub")
        self.assertEqual(st, 201, t)
        st, _, g = self.alice.req("POST", "/v1/templates/%s/publish" % t["id"])
        self.assertIn(st, (200, 201), g)
        gbase = "/v1/gallery/%s" % g["gallery_id"]
        self.assertEqual((g["style"], g["palette"]), ("lines", []))
        _, _, a = self.req("GET", gbase + "/image")
        _, _, b = self.req("GET", gbase + "/image?numbers=0")
        self.assertEqual(a, b)
        st, h, body = self.req("GET", gbase + "/regions.png")
        self.assertProblem(st, h, body, 404)


if __name__ == "__main__":
    it.main()
