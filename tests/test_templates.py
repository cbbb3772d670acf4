#!/usr/bin/env python3
"""Templates, gallery and moderation through the real nginx -> edge ->
user-svc -> template-svc -> Redis stack: the whole user story with two users
and an admin, privacy, bad uploads, quota, durability and concurrency."""

import io
import struct
import subprocess
import threading
import time
import urllib.parse
import uuid
import zlib

from PIL import Image

import inkwell_test as it

PW = "correct horse battery"
PHOTO = "/usr/share/libjxl-testdata/external/wesaturate/500px/u76c0g_bliznaca_srgb8.png"


def photo_bytes(fmt, size=(480, 320)):
    img = Image.open(PHOTO).convert("RGB").resize(size)
    out = io.BytesIO()
    img.save(out, fmt, quality=90) if fmt == "JPEG" else img.save(out, fmt)
    return out.getvalue()


def png_chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data +
            struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))


def png_bomb(side=8000):
    """A real decompression bomb: side x side gray zeros, a few tens of KiB."""
    raw = zlib.compress(b"\0" * ((side + 1) * side), 9)
    return (b"\x89PNG\r\n\x1a\n" +
            png_chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)) +
            png_chunk(b"IDAT", raw) + png_chunk(b"IEND", b""))


def multipart(field, filename, ctype, data):
    boundary = "----inkwell" + uuid.uuid4().hex
    body = (("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
             "Content-Type: %s\r\n\r\n" % (boundary, field, filename, ctype)).encode() + data +
            ("\r\n--%s--\r\n" % boundary).encode())
    return body, "multipart/form-data; boundary=" + boundary


class Client:
    """One signed-in user; with `of`, another session of that client's user."""

    def __init__(self, test, name=None, of=None):
        self.t = test
        self.name = of.name if of else name or "u" + uuid.uuid4().hex[:12]
        if of:
            self.id = of.id
        else:
            st, _, body = test.req("POST", "/v1/users", {"username": self.name, "password": PW})
            test.assertEqual(st, 201, body)
            self.id = body["id"]
        st, _, body = test.req("POST", "/v1/sessions", {"username": self.name, "password": PW})
        test.assertEqual(st, 201, body)
        self.token = body["token"]

    def req(self, method, path, body=None, headers=None):
        h = {"Authorization": "Bearer " + self.token}
        h.update(headers or {})
        return self.t.req(method, path, body, h)

    def upload(self, data, ctype="image/png", query="title=Flower&detail=3&line_width=2"):
        return self.req("POST", "/v1/templates?" + query, data, {"Content-Type": ctype})


class TemplatesStoryTest(it.StackTestCase):
    ENV = {"NGINX_AUTH_RATE": "1000r/s"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.png = photo_bytes("PNG")
        cls.jpeg = photo_bytes("JPEG")

    def make_admin(self, client):
        env = {"USERS_REDIS_ADDR": "127.0.0.1:%d" % self.stack.port_of("users-redis")}
        r = subprocess.run([str(it.BIN / "user-svc"), "grant-admin", client.name], env=env,
                           capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_full_story(self):
        alice, bob, carol = Client(self), Client(self), Client(self)
        self.make_admin(carol)

        # upload: raw PNG and multipart JPEG
        st, h, t1 = alice.upload(self.png)
        self.assertEqual(st, 201, t1)
        self.assertEqual(t1["title"], "Flower")
        self.assertRegex(t1["id"], r"^[0-9a-f]{32}$")
        self.assertGreater(t1["width"], 0)
        self.assertEqual(h.get("Location"), "/v1/templates/" + t1["id"])
        self.assertEqual(t1["image_url"], "/v1/templates/%s/image" % t1["id"])
        body, ctype = multipart("image", "cat.jpg", "image/jpeg", self.jpeg)
        st, _, t2 = alice.upload(body, ctype, "title=Cat")
        self.assertEqual(st, 201, t2)

        # library: newest first, cursor pages
        st, _, lst = alice.req("GET", "/v1/templates")
        self.assertEqual(st, 200)
        self.assertEqual([t["id"] for t in lst["items"]], [t2["id"], t1["id"]])
        st, _, page1 = alice.req("GET", "/v1/templates?limit=1")
        self.assertEqual([t["id"] for t in page1["items"]], [t2["id"]])
        self.assertTrue(page1["next_cursor"])
        st, _, page2 = alice.req("GET", "/v1/templates?limit=1&cursor=" + page1["next_cursor"])
        self.assertEqual([t["id"] for t in page2["items"]], [t1["id"]])
        self.assertIsNone(page2["next_cursor"])

        # image: a valid PNG, cacheable, 304 on If-None-Match
        st, h, png = alice.req("GET", t1["image_url"])
        self.assertEqual(st, 200)
        self.assertEqual(h.get("Content-Type"), "image/png")
        img = Image.open(io.BytesIO(png))
        self.assertEqual(img.size, (t1["width"], t1["height"]))
        etag = h.get("ETag")
        self.assertTrue(etag)
        self.assertIn("max-age", h.get("Cache-Control") or "")
        st, _, _ = alice.req("GET", t1["image_url"], headers={"If-None-Match": etag})
        self.assertEqual(st, 304)

        # rename
        st, _, t = alice.req("PATCH", "/v1/templates/" + t1["id"], {"title": "Rose"})
        self.assertEqual((st, t["title"]), (200, "Rose"))

        # privacy: bob sees nothing of alice's, on every route, as 404
        for method, path, body in [
                ("GET", "/v1/templates/" + t1["id"], None),
                ("GET", "/v1/templates/%s/image" % t1["id"], None),
                ("PATCH", "/v1/templates/" + t1["id"], {"title": "Mine"}),
                ("DELETE", "/v1/templates/" + t1["id"], None),
                ("POST", "/v1/templates/%s/publish" % t1["id"], None)]:
            with self.subTest(route=(method, path)):
                st, h, b = bob.req(method, path, body)
                self.assertProblem(st, h, b, 404)
        self.assertEqual(bob.req("GET", "/v1/templates")[2]["items"], [])
        # anonymous: 401
        for method, path in [("GET", "/v1/templates"), ("GET", "/v1/templates/" + t1["id"]),
                             ("POST", "/v1/templates/%s/publish" % t1["id"])]:
            st, h, b = self.req(method, path)
            self.assertProblem(st, h, b, 401)

        # publish, twice: one item
        st, _, g = alice.req("POST", "/v1/templates/%s/publish" % t1["id"])
        self.assertEqual(st, 201, g)
        gid = g["gallery_id"]
        st, _, g_again = alice.req("POST", "/v1/templates/%s/publish" % t1["id"])
        self.assertEqual(st, 200, g_again)
        self.assertEqual(g_again["gallery_id"], gid)

        # anonymous gallery
        st, _, gal = self.req("GET", "/v1/gallery")
        self.assertEqual(st, 200)
        self.assertEqual([i["gallery_id"] for i in gal["items"]].count(gid), 1)
        st, _, item = self.req("GET", "/v1/gallery/" + gid)
        fetched = time.monotonic()
        self.assertEqual((st, item["title"], item["publisher"]), (200, "Rose", alice.name))
        st, h, again = self.req("GET", "/v1/gallery/" + gid)
        self.assertEqual((st, again), (200, item))
        if time.monotonic() - fetched < 0.9:  # within the micro-cache's second
            self.assertEqual(h.get("X-Cache-Status"), "HIT")
        st, h, gpng = self.req("GET", "/v1/gallery/%s/image" % gid)
        self.assertEqual(st, 200)
        self.assertEqual(gpng, png)
        self.assertIn("public", h.get("Cache-Control"))
        # the next view of a public image is nginx's, not a trip to Redis
        st, h, again = self.req("GET", "/v1/gallery/%s/image" % gid)
        self.assertEqual((st, again, h.get("X-Cache-Status")), (200, png, "HIT"))

        # bob saves a copy; bob may not unpublish; bob reports
        st, _, saved = bob.req("POST", "/v1/gallery/%s/save" % gid)
        self.assertEqual(st, 201, saved)
        self.assertEqual([t["id"] for t in bob.req("GET", "/v1/templates")[2]["items"]],
                         [saved["id"]])
        self.assertEqual(bob.req("GET", saved["image_url"])[2], png)
        st, h, b = bob.req("DELETE", "/v1/gallery/" + gid)
        self.assertProblem(st, h, b, 403)
        st, _, rep = bob.req("POST", "/v1/gallery/%s/reports" % gid, {"reason": "not a flower"})
        self.assertEqual(st, 201, rep)

        # reports are for admins only
        st, h, b = bob.req("GET", "/v1/admin/reports")
        self.assertProblem(st, h, b, 403)
        st, _, reports = carol.req("GET", "/v1/admin/reports")
        self.assertEqual(st, 200)
        mine = [r for r in reports["items"] if r["report_id"] == rep["report_id"]]
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine[0]["gallery_id"], gid)
        st, _, res = carol.req("POST", "/v1/admin/reports/" + rep["report_id"],
                               {"action": "remove"})
        self.assertEqual((st, res["status"]), (200, "removed"))
        # gone for everyone, signed in or not, when nginx's one-second
        # micro-cache of the metadata runs out (a token does not bypass it:
        # the public gallery answers the same to all, issue 16)
        removed = time.monotonic()
        it.poll_fresh(lambda: carol.req("GET", "/v1/gallery/" + gid)[0] == 404, removed, 2.0, 3,
                      "signed-in 404 after removal")
        it.poll_fresh(lambda: self.req("GET", "/v1/gallery/" + gid)[0] == 404, removed, 2.0, 3,
                      "anonymous 404 after removal")
        st, h, b = carol.req("GET", "/v1/gallery/" + gid)
        self.assertProblem(st, h, b, 404)
        # alice keeps her private template; bob keeps his copy
        self.assertEqual(alice.req("GET", "/v1/templates/" + t1["id"])[0], 200)
        self.assertEqual(bob.req("GET", "/v1/templates/" + saved["id"])[0], 200)
        # ...but what moderation took down cannot be published straight back
        st, h, b = alice.req("POST", "/v1/templates/%s/publish" % t1["id"])
        self.assertProblem(st, h, b, 403)
        self.assertIn("moderation", b["detail"])
        # resolving the report again the same way is harmless; the other way conflicts
        st, _, res = carol.req("POST", "/v1/admin/reports/" + rep["report_id"],
                               {"action": "remove"})
        self.assertEqual((st, res["status"]), (200, "removed"))
        st, h, b = carol.req("POST", "/v1/admin/reports/" + rep["report_id"],
                             {"action": "dismiss"})
        self.assertProblem(st, h, b, 409)

        # the publisher may unpublish her own item, and publish it again later
        st, _, g2 = alice.req("POST", "/v1/templates/%s/publish" % t2["id"])
        self.assertEqual(st, 201)
        self.assertEqual(alice.req("DELETE", "/v1/gallery/" + g2["gallery_id"])[0], 204)
        self.assertEqual(self.req("GET", "/v1/gallery/" + g2["gallery_id"])[0], 404)
        st, _, g2b = alice.req("POST", "/v1/templates/%s/publish" % t2["id"])
        self.assertEqual(st, 201, g2b)
        self.assertNotEqual(g2b["gallery_id"], g2["gallery_id"])
        # ...but unpublishing a reported item neither erases the reports nor
        # lets it come straight back
        st, _, rep2 = bob.req("POST", "/v1/gallery/%s/reports" % g2b["gallery_id"],
                              {"reason": "scary"})
        self.assertEqual(st, 201, rep2)
        self.assertEqual(alice.req("DELETE", "/v1/gallery/" + g2b["gallery_id"])[0], 204)
        open_ids = [r["report_id"] for r in carol.req("GET", "/v1/admin/reports")[2]["items"]]
        self.assertNotIn(rep2["report_id"], open_ids, "closed with its item")
        st, _, res2 = carol.req("POST", "/v1/admin/reports/" + rep2["report_id"],
                                {"action": "remove"})
        self.assertEqual((st, res2["status"]), (200, "removed"), "kept, as removed")
        st, h, b = alice.req("POST", "/v1/templates/%s/publish" % t2["id"])
        self.assertProblem(st, h, b, 403)

        # delete from library
        self.assertEqual(alice.req("DELETE", "/v1/templates/" + t2["id"])[0], 204)
        self.assertEqual(alice.req("GET", "/v1/templates/" + t2["id"])[0], 404)

    def test_bad_uploads_store_nothing(self):
        u = Client(self)
        trunc = self.jpeg[:len(self.jpeg) // 2]
        cases = [
            (b"", "image/png", 400),
            (trunc, "image/jpeg", 400),
            (png_bomb(), "image/png", 413),
            (b"hello, I am not a picture at all" * 10, "image/png", 400),
            (self.png, "text/plain", 415),
            (self.png, "application/json", 415),
            (self.png[:40], "image/png", 400),
        ]
        for data, ctype, status in cases:
            with self.subTest(ctype=ctype, size=len(data), status=status):
                st, h, b = u.upload(data, ctype)
                self.assertProblem(st, h, b, status)
                self.assertTrue(b.get("detail"), b)
        for query in ["detail=9", "detail=abc", "line_width=0", "line_width=99",
                      "title=" + "x" * 200]:
            with self.subTest(query=query):
                st, h, b = u.upload(self.png, "image/png", query)
                self.assertProblem(st, h, b, 400)
        self.assertEqual(u.req("GET", "/v1/templates")[2]["items"], [])
        self.assertEqual(self.health()[0], 200)

    def test_bad_ids_and_unknown_routes(self):
        u = Client(self)
        for path in ["/v1/templates/nothex", "/v1/templates/" + "0" * 32,
                     "/v1/templates/%2e%2e%2fetc", "/v1/gallery/" + "f" * 32]:
            st, h, b = u.req("GET", path)
            self.assertProblem(st, h, b, 404)

    def test_bad_paging_parameters_are_400(self):
        alice = Client(self)
        for q in ("limit=0", "limit=101", "limit=x", "limit=", "limit=+5", "limit=%205",
                  "limit=%095", "limit=%0A5", "limit=5%00", "cursor=%%%", "cursor=" + "A" * 500):
            for who, path in ((alice, "/v1/templates?"), (self, "/v1/gallery?")):
                with self.subTest(query=q, path=path):
                    st, h, b = who.req("GET", path + q)
                    self.assertProblem(st, h, b, 400)

    def test_no_request_fails_after_redis_drops_every_connection(self):
        # What a Redis restart looks like to the services: every pooled
        # connection closed while idle. The next command on each must go
        # through on a new connection, not fail with 503.
        alice = Client(self)
        st, _, t = alice.upload(self.png)
        self.assertEqual(st, 201, t)
        warm = [threading.Thread(target=lambda: [alice.req("GET", "/v1/templates"),
                                                 self.req("GET", "/v1/gallery?limit=3")])
                for _ in range(16)]  # spread over many workers' connections
        for th in warm:
            th.start()
        for th in warm:
            th.join()
        for db in ("users-redis", "public-redis"):
            killed = it.redis(self.stack.port_of(db), "CLIENT", "KILL", "TYPE", "normal")
            self.assertTrue(killed.startswith(b":") and int(killed[1:]) > 0, (db, killed))
        statuses = []
        lock = threading.Lock()

        def browse():
            for _ in range(4):
                got = [alice.req("GET", "/v1/templates")[0],
                       self.req("GET", "/v1/gallery?limit=%d" % (len(statuses) % 50 + 1))[0]]
                with lock:
                    statuses.extend(got)
        threads = [threading.Thread(target=browse) for _ in range(16)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        self.assertEqual(set(statuses), {200}, statuses)

    def test_paging_loses_nothing_when_many_templates_share_a_millisecond(self):
        alice = Client(self)
        small = photo_bytes("PNG", (96, 64))
        ids = []
        lock = threading.Lock()

        def upload(n):
            for _ in range(n):
                st, _, t = alice.upload(small)
                self.assertEqual(st, 201, t)
                with lock:
                    ids.append(t["id"])
        threads = [threading.Thread(target=upload, args=(10,)) for _ in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        # A burst of saves in one millisecond: every entry gets the same score.
        uid = alice.req("GET", "/v1/users/me")[2]["id"]
        port = self.stack.port_of("users-redis")
        for tid in ids:
            self.assertEqual(it.redis(port, "ZADD", "user:{%s}:templates" % uid, "XX", "CH",
                                      1700000000000, tid), b":1")
        seen, cursor = [], ""
        for _ in range(len(ids) + 2):
            st, _, page = alice.req("GET", "/v1/templates?limit=3" + cursor)
            self.assertEqual(st, 200, page)
            seen += [t["id"] for t in page["items"]]
            if not page["next_cursor"]:
                break
            cursor = "&cursor=" + page["next_cursor"]
        self.assertEqual(len(seen), len(set(seen)), "no template twice")
        self.assertEqual(sorted(seen), sorted(ids), "every template once")

    def test_library_page_skips_a_template_whose_hash_is_gone_and_keeps_titles_intact(self):
        # The page script returns one NUL-joined row per index entry
        # (user-svc/library_query.c): a title that needs JSON escaping and
        # a stray index entry (a delete racing the read) must both survive it.
        alice = Client(self)
        title = 'Tom "the cat" \\ caf\u00e9 \U0001F431 <b>'
        st, _, t = alice.upload(photo_bytes("PNG", (96, 64)),
                                query="title=" + urllib.parse.quote(title))
        self.assertEqual(st, 201, t)
        uid = alice.req("GET", "/v1/users/me")[2]["id"]
        ghost = "f" * 32
        self.assertEqual(it.redis(self.stack.port_of("users-redis"), "ZADD",
                                  "user:{%s}:templates" % uid, 99999999999999, ghost), b":1")
        st, _, page = alice.req("GET", "/v1/templates")
        self.assertEqual(st, 200, page)
        self.assertEqual([i["id"] for i in page["items"]], [t["id"]], "the ghost is not listed")
        self.assertEqual(page["items"][0]["title"], title)
        self.assertEqual(page["items"][0], alice.req("GET", "/v1/templates/" + t["id"])[2],
                         "the page shows a template as the get does")
        st, _, one = alice.req("GET", "/v1/templates?limit=1")
        self.assertEqual(st, 200, one)
        self.assertEqual(one["items"], [], "the ghost fills the first page of one")
        self.assertIsNotNone(one["next_cursor"], "and the cursor moves past it")
        st, _, two = alice.req("GET", "/v1/templates?limit=1&cursor=" + one["next_cursor"])
        self.assertEqual([i["id"] for i in two["items"]], [t["id"]], two)

    def test_racing_publishes_make_one_item_and_one_201(self):
        alice = Client(self)
        # a page of its own: test_full_story's moderator takes self.png's down
        st, _, t = alice.upload(photo_bytes("PNG", (300, 200)))
        self.assertEqual(st, 201, t)
        results = []

        def publish():
            st, _, g = alice.req("POST", "/v1/templates/%s/publish" % t["id"])
            results.append((st, g.get("gallery_id")))
        threads = [threading.Thread(target=publish) for _ in range(8)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        self.assertEqual(sorted(st for st, _ in results), [200] * 7 + [201])
        self.assertEqual(len({gid for _, gid in results}), 1)
        self.assertEqual(alice.req("GET", "/v1/templates/" + t["id"])[2]["gallery_id"],
                         results[0][1])

    def test_concurrent_uploads_of_eight_users(self):
        users = [Client(self) for _ in range(8)]
        results = {}

        def go(c):
            results[c.name] = c.upload(self.png, "image/png", "title=" + c.name)

        threads = [threading.Thread(target=go, args=(c,)) for c in users]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for c in users:
            st, _, t = results[c.name]
            self.assertEqual(st, 201, t)
            items = c.req("GET", "/v1/templates")[2]["items"]
            self.assertEqual([(i["id"], i["title"]) for i in items], [(t["id"], c.name)])


class QuotaTest(it.StackTestCase):
    ENV = {"TEMPLATE_QUOTA": "2", "NGINX_AUTH_RATE": "1000r/s"}

    def test_quota(self):
        u = Client(self)
        png = photo_bytes("PNG", (160, 120))
        self.assertEqual(u.upload(png)[0], 201)
        self.assertEqual(u.upload(png)[0], 201)
        st, h, b = u.upload(png)
        self.assertProblem(st, h, b, 429)
        self.assertIn("quota", b["detail"])
        self.assertEqual(len(u.req("GET", "/v1/templates")[2]["items"]), 2)


class DurabilityTest(it.StackTestCase):
    ENV = {"NGINX_AUTH_RATE": "1000r/s"}

    def test_kill9_everything_and_restart(self):
        u = Client(self)
        st, _, t = u.upload(photo_bytes("PNG", (200, 150)))
        self.assertEqual(st, 201)
        st, _, g = u.req("POST", "/v1/templates/%s/publish" % t["id"])
        self.assertEqual(st, 201)
        # kill -9 loses nothing the kernel already has (everysec only bounds
        # loss on a machine crash). Redis normally write()s the AOF before it
        # answers, but with everysec it may postpone that write (up to 2 s)
        # while a slow fsync is still running: wait until both have written.
        for name in ("users-redis", "public-redis"):
            port = self.stack.port_of(name)
            it.poll(lambda: b"aof_buffer_length:0" in subprocess.run(
                ["redis-cli", "-p", str(port), "INFO", "persistence"],
                capture_output=True, check=True).stdout, 5, "%s to write its AOF" % name)
        self.stack.kill9_all()
        self.stack.start()
        st, _, got = u.req("GET", "/v1/templates/" + t["id"])
        self.assertEqual((st, got["title"]), (200, t["title"]))
        self.assertEqual(self.req("GET", "/v1/gallery/" + g["gallery_id"])[0], 200)
        self.assertEqual(u.req("GET", t["image_url"])[0], 200)


if __name__ == "__main__":
    it.main()
