"""test_signed_in.py - signed-in reads that authenticate inside their call
(issue 16), through the real stack: the token's hash rides in the RPC's
Caller and user-svc resolves it in the method's own call, with no
Authenticate first and no session cached at the edge (the library pages it
keeps are sent only when that call says they are still right). So what must
still hold:
a logout or a revoked session stops a token on the very next request of
each fast library route, a bad token there is 401 (never served as
anonymous), another user's template is 404. The public gallery's reads take
no token at all (one hop, straight to template-svc, and nginx's micro-cache
for everyone): whatever token they carry, revoked or garbage, they answer
exactly what an anonymous visitor gets, while every gallery write with that
token is 401; an item taken down is gone within the micro-cache's second.
"""

import base64
import hashlib
import io
import os
import time
import uuid

from PIL import Image

import inkwell_test as it

PW = "correct horse battery"
PHOTO = "/usr/share/libjxl-testdata/external/wesaturate/500px/u76c0g_bliznaca_srgb8.png"


def small_png():
    img = Image.open(PHOTO).convert("RGB").resize((160, 120))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


class SignedInReadsTest(it.StackTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.png = small_png()

    def user(self):
        name = "s" + uuid.uuid4().hex[:12]
        st, _, b = self.req("POST", "/v1/users", {"username": name, "password": PW})
        self.assertEqual(st, 201, b)
        return name

    def login(self, name):
        st, _, b = self.req("POST", "/v1/sessions", {"username": name, "password": PW})
        self.assertEqual(st, 201, b)
        return b["token"]

    def as_(self, token, method, path, body=None, headers=None):
        h = {"Authorization": "Bearer " + token}
        h.update(headers or {})
        return self.req(method, path, body, h)

    def published(self, token):
        """A template of the token's user, published: (template id, gallery id)."""
        st, _, t = self.as_(token, "POST", "/v1/templates?title=Fern", self.png,
                            {"Content-Type": "image/png"})
        self.assertEqual(st, 201, t)
        st, _, g = self.as_(token, "POST", "/v1/templates/%s/publish" % t["id"])
        self.assertIn(st, (200, 201), g)
        return t["id"], g["gallery_id"]

    def routes(self, tid):
        """The library's fast reads: each one checks the token."""
        return ["/v1/templates", "/v1/templates/" + tid]

    def public(self, gid):
        """The public gallery's reads: none checks a token."""
        base = "/v1/gallery/" + gid
        return ["/v1/gallery?limit=100", base, base + "/image", base + "/image?numbers=0",
                base + "/page.pdf", "/v1/gallery/" + uuid.uuid4().hex]

    def assertAnonymous(self, token, path):
        """With `token` the route answers exactly what an anonymous visitor gets.
        The token's request goes first, so it is the one nginx may store: then
        its answer must hold nothing of that request (its id)."""
        rid = self.new_rid()
        mine = self.as_(token, "GET", path, headers={"X-Request-Id": rid})
        anon = self.req("GET", path)
        self.assertNotIn(rid.encode(), mine[2] if isinstance(mine[2], bytes)
                         else str(mine[2]).encode(), path)
        self.assertIn(anon[0], (200, 404), path)
        for name in ("Content-Type", "Cache-Control", "WWW-Authenticate"):
            self.assertEqual(mine[1].get(name), anon[1].get(name), (path, name))
        self.assertEqual((mine[0], mine[2]), (anon[0], anon[2]), path)

    def assertRefused(self, token, path):
        st, h, b = self.as_(token, "GET", path)
        self.assertProblem(st, h, b, 401)
        self.assertIn('error="invalid_token"', h.get("WWW-Authenticate", ""), path)

    def test_logout_stops_the_token_at_once_on_each_route(self):
        name = self.user()
        token = self.login(name)
        tid, gid = self.published(token)
        for path in self.routes(tid) + ["/v1/gallery/" + gid]:
            st, _, b = self.as_(token, "GET", path)
            self.assertEqual(st, 200, (path, b))
        st, _, _ = self.as_(token, "DELETE", "/v1/sessions/current")
        self.assertEqual(st, 204)
        # No waiting: the very next request of each route is refused.
        for path in self.routes(tid):
            with self.subTest(path=path):
                self.assertRefused(token, path)
        # The public item is still there, for everyone: the logged-out token
        # is ignored there, not refused.
        st, _, b = self.as_(token, "GET", "/v1/gallery/" + gid)
        self.assertEqual((st, b["gallery_id"]), (200, gid))
        st, _, b = self.req("GET", "/v1/gallery/" + gid)
        self.assertEqual((st, b["gallery_id"]), (200, gid))

    def test_revoked_session_stops_at_once_and_the_other_goes_on(self):
        name = self.user()
        keep, drop = self.login(name), self.login(name)
        tid, gid = self.published(keep)
        st, _, lst = self.as_(keep, "GET", "/v1/users/me/sessions")
        self.assertEqual(st, 200, lst)
        current = [s["id"] for s in lst["items"] if s.get("current")]
        others = [s["id"] for s in lst["items"] if not s.get("current")]
        self.assertEqual((len(current), len(others)), (1, 1), lst)
        st, _, b = self.as_(keep, "DELETE", "/v1/users/me/sessions/" + others[0])
        self.assertEqual(st, 204, b)
        for path in self.routes(tid):
            with self.subTest(path=path):
                self.assertRefused(drop, path)
                st, _, b = self.as_(keep, "GET", path)
                self.assertEqual(st, 200, (path, b))

    def test_concurrent_reads_of_several_users_each_get_their_own_answer(self):
        """The edge sends reads made at the same moment together in one
        round trip (common/rpc_batch.h): under load each must still get its
        own answer, its own user's library, its own 404 and its own 401."""
        import threading
        users = []
        for title in ("Heron", "Otter"):
            name = self.user()
            token = self.login(name)
            st, _, t = self.as_(token, "POST", "/v1/templates?title=" + title, self.png,
                                {"Content-Type": "image/png"})
            self.assertEqual(st, 201, t)
            users.append((token, title, t["id"]))
        gone = self.login(self.user())
        self.assertEqual(self.as_(gone, "DELETE", "/v1/sessions/current")[0], 204)
        (ta, title_a, tid_a), (tb, title_b, tid_b) = users
        # (token, path, what the answer must be)
        plan = [(ta, "/v1/templates", ("list", title_a)),
                (tb, "/v1/templates", ("list", title_b)),
                (ta, "/v1/templates/" + tid_a, ("get", title_a)),
                (tb, "/v1/templates/" + tid_b, ("get", title_b)),
                (tb, "/v1/templates/" + tid_a, ("status", 404)),
                (gone, "/v1/templates", ("status", 401))]
        wrong = []

        def reader(k):
            for i in range(12):
                token, path, want = plan[(k + i) % len(plan)]
                st, _, b = self.as_(token, "GET", path)
                if want[0] == "status":
                    ok = st == want[1]
                elif want[0] == "list":
                    ok = st == 200 and [x["title"] for x in b["items"]] == [want[1]]
                else:
                    ok = st == 200 and b["title"] == want[1]
                if not ok:
                    wrong.append((path, want, st, b))

        threads = [threading.Thread(target=reader, args=(k,)) for k in range(24)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(wrong, [])

    def test_bad_tokens_are_401_never_anonymous(self):
        name = self.user()
        tid, gid = self.published(self.login(name))
        for token in ["A" * 43, "not-a-session-token", "x"]:
            for path in self.routes(tid):
                with self.subTest(token=token, path=path):
                    self.assertRefused(token, path)

    def test_public_gallery_reads_ignore_bad_tokens_and_writes_refuse_them(self):
        name = self.user()
        token = self.login(name)
        tid, gid = self.published(token)
        revoked = self.login(name)
        st, _, _ = self.as_(revoked, "DELETE", "/v1/sessions/current")
        self.assertEqual(st, 204)
        for bad in [revoked, "A" * 43, "x"]:
            for path in self.public(gid):
                with self.subTest(token=bad[:8], path=path):
                    self.assertAnonymous(bad, path)
        # not even a malformed Authorization header matters to a public read
        st, _, b = self.req("GET", "/v1/gallery/" + gid, headers={"Authorization": "Basic eA=="})
        self.assertEqual((st, b["gallery_id"]), (200, gid))
        # ...but every gallery write with such a token is refused
        writes = [("POST", "/v1/gallery/%s/save" % gid, None),
                  ("POST", "/v1/gallery/%s/reports" % gid, {"reason": "not a flower"}),
                  ("POST", "/v1/templates/%s/publish" % tid, None),
                  ("DELETE", "/v1/gallery/" + gid, None)]
        for bad in [revoked, "A" * 43]:
            for method, path, body in writes:
                with self.subTest(token=bad[:8], write=path):
                    st, h, b = self.as_(bad, method, path, body)
                    self.assertProblem(st, h, b, 401)
                    self.assertIn('error="invalid_token"', h.get("WWW-Authenticate", ""))
        # and none of them was done: the item is still up, with no copy saved
        st, _, b = self.as_(token, "GET", "/v1/gallery/" + gid)
        self.assertEqual((st, b["gallery_id"]), (200, gid))
        st, _, lst = self.as_(token, "GET", "/v1/templates")
        self.assertEqual([t["id"] for t in lst["items"]], [tid])

    def test_another_users_template_is_404_and_not_listed(self):
        alice, bob = self.login(self.user()), self.login(self.user())
        tid, gid = self.published(alice)
        st, h, b = self.as_(bob, "GET", "/v1/templates/" + tid)
        self.assertProblem(st, h, b, 404)
        st, _, lst = self.as_(bob, "GET", "/v1/templates")
        self.assertEqual((st, lst["items"]), (200, []))
        # the public item is public to bob, signed in
        st, _, b = self.as_(bob, "GET", "/v1/gallery/" + gid)
        self.assertEqual((st, b["gallery_id"]), (200, gid))
        st, _, lst = self.as_(alice, "GET", "/v1/templates")
        self.assertEqual([t["id"] for t in lst["items"]], [tid])
        self.assertEqual(lst["items"][0]["gallery_id"], gid)

    def test_a_removed_item_is_gone_within_a_second_signed_in(self):
        alice = self.login(self.user())
        tid, gid = self.published(alice)
        st, _, b = self.as_(alice, "GET", "/v1/gallery/" + gid)  # now in nginx's cache
        self.assertEqual((st, b["gallery_id"]), (200, gid))
        st, _, _ = self.as_(alice, "DELETE", "/v1/gallery/" + gid)
        self.assertEqual(st, 204)
        removed = time.monotonic()
        it.poll_fresh(lambda: self.as_(alice, "GET", "/v1/gallery/" + gid)[0] == 404, removed,
                      2.0, 3, "signed-in 404 after removal")
        st, h, b = self.as_(alice, "GET", "/v1/gallery/" + gid)
        self.assertProblem(st, h, b, 404)
        for path in ["/v1/templates/" + tid, "/v1/templates"]:
            st, _, b = self.as_(alice, "GET", path)
            t = b if path.endswith(tid) else b["items"][0]
            self.assertEqual((st, t["id"], t["gallery_id"]), (200, tid, None), path)

    def me(self, token):
        st, _, me = self.as_(token, "GET", "/v1/users/me")
        self.assertEqual(st, 200, me)
        return me

    def test_a_token_names_its_user_and_only_its_secret_opens_the_session(self):
        """A token is `<user id>.<secret>`: the id says where the session
        lives (so the read checks it in the same script), the secret alone
        opens it. The session is in the user's own keys; nothing else names
        it. Another user's id, or another secret, opens nothing."""
        alice, bob = self.login(self.user()), self.login(self.user())
        tid, _ = self.published(alice)
        aid, bid = self.me(alice)["id"], self.me(bob)["id"]
        uid, _, secret = alice.partition(".")
        self.assertRegex(alice, r"^[0-9a-f]{32}\.[A-Za-z0-9_-]{43}$")
        self.assertEqual(uid, aid)
        users = self.stack.port_of("users-redis")
        h = hashlib.sha256(alice.encode()).hexdigest()
        sid = hashlib.blake2b(h.encode(), digest_size=16).hexdigest()
        self.assertEqual(it.redis(users, "EXISTS", "user:{%s}:session:%s" % (aid, sid)), b":1")
        self.assertEqual(it.redis(users, "EXISTS", "session:{%s}" % h), b":0")
        forged = [bid + "." + secret,                       # bob's slot, alice's secret
                  aid + "." + bob.partition(".")[2],        # alice's slot, bob's secret
                  uuid.uuid4().hex + "." + secret,          # nobody's slot
                  secret]                                   # the secret alone
        for token in forged:
            for path in self.routes(tid) + ["/v1/users/me", "/v1/users/me/sessions"]:
                with self.subTest(token=token, path=path):
                    self.assertRefused(token, path)
            st, h2, b = self.as_(token, "DELETE", "/v1/sessions/current")
            self.assertProblem(st, h2, b, 401)
        for path in self.routes(tid):
            self.assertEqual(self.as_(alice, "GET", path)[0], 200, path)
        self.assertEqual(self.as_(bob, "GET", "/v1/templates/" + tid)[0], 404)

    def test_an_older_token_works_until_it_is_ended(self):
        """Tokens issued before tokens named their user (a bare secret, its
        session found through `session:{hash}`) keep working on every route
        until they expire or are ended; a logout ends one at once."""
        name = self.user()
        uid = self.me(self.login(name))["id"]
        old = base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()
        users = self.stack.port_of("users-redis")
        key = "session:{%s}" % hashlib.sha256(old.encode()).hexdigest()
        self.assertEqual(it.redis(users, "SET", key, uid, "EX", 600), b"+OK")
        tid, _ = self.published(old)
        for path in self.routes(tid) + ["/v1/users/me"]:
            st, _, b = self.as_(old, "GET", path)
            self.assertEqual(st, 200, (path, b))
        st, _, lst = self.as_(old, "GET", "/v1/templates")
        self.assertEqual([t["id"] for t in lst["items"]], [tid])
        st, _, _ = self.as_(old, "DELETE", "/v1/sessions/current")
        self.assertEqual(st, 204)
        self.assertEqual(it.redis(users, "EXISTS", key), b":0")
        for path in self.routes(tid):
            with self.subTest(path=path):
                self.assertRefused(old, path)

    def test_a_full_library_page_reads_every_template(self):
        alice = self.login(self.user())
        ids = set()
        for i in range(3):
            st, _, t = self.as_(alice, "POST", "/v1/templates?title=P%d" % i, self.png,
                                {"Content-Type": "image/png"})
            self.assertEqual(st, 201, t)
            ids.add(t["id"])
        st, _, p1 = self.as_(alice, "GET", "/v1/templates?limit=2")
        self.assertEqual((st, len(p1["items"])), (200, 2), p1)
        self.assertTrue(p1.get("next_cursor"), p1)
        st, _, p2 = self.as_(alice, "GET", "/v1/templates?limit=2&cursor=" + p1["next_cursor"])
        self.assertEqual((st, len(p2["items"])), (200, 1), p2)
        got = [t for t in p1["items"] + p2["items"]]
        self.assertEqual({t["id"] for t in got}, ids)
        self.assertEqual(sorted(t["title"] for t in got), ["P0", "P1", "P2"])
        for t in got:
            self.assertEqual((t["width"] > 0, t["height"] > 0, t["gallery_id"]), (True, True, None),
                             t)

    def test_reads_record_a_use_once_a_minute_and_write_nothing_else(self):
        """A signed-in read is a read: it writes nothing to the users
        database (no AOF append, nothing for a replica) while the session's
        last use is under a minute old, and records the use once it is older,
        as the sessions list shows."""
        alice = self.login(self.user())
        tid, _ = self.published(alice)
        users = self.stack.port_of("users-redis")
        aid = self.me(alice)["id"]
        h = hashlib.sha256(alice.encode()).hexdigest()
        meta = "user:{%s}:session:%s" % (aid, hashlib.blake2b(h.encode(), digest_size=16).hexdigest())

        def changes():
            info = it.redis_bulk(users, "INFO", "persistence").decode()
            return int(info.split("rdb_changes_since_last_save:")[1].split()[0])

        before = changes()
        for _ in range(10):
            for path in self.routes(tid):
                self.assertEqual(self.as_(alice, "GET", path)[0], 200, path)
        self.assertEqual(changes(), before)

        long_ago = int(time.time() * 1000) - 120000
        self.assertEqual(it.redis(users, "HSET", meta, "last_used_at", long_ago), b":0")
        self.assertEqual(self.as_(alice, "GET", self.routes(tid)[1])[0], 200)
        used = int(it.redis_bulk(users, "HGET", meta, "last_used_at"))
        self.assertGreater(used, long_ago + 60000)
        st, _, ss = self.as_(alice, "GET", "/v1/users/me/sessions")
        self.assertEqual(st, 200, ss)
        mine = [s for s in ss["items"] if s["current"]]
        self.assertEqual(len(mine), 1, ss)
        self.assertNotEqual(mine[0]["last_used_at"][:16],
                            time.strftime("%Y-%m-%dT%H:%M", time.gmtime(long_ago / 1000)), mine)


class KeptLibraryPagesTest(it.StackTestCase):
    """The edge keeps each library page it answered and sends it again while
    user-svc, asked every time, says the library is still at that page's
    version (issue 16). Every write that changes what a page shows replaces
    the version, so the next read shows the change: a stale page here would
    be a user's rename, upload, delete or takedown seemingly lost."""

    ENV = {"NGINX_AUTH_RATE": "1000r/s"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.png = small_png()

    def kept_count(self):
        """How many library pages the edge answered from its kept copy."""
        import http.client
        c = http.client.HTTPConnection("127.0.0.1", self.stack.metrics_port_of("edge"),
                                       timeout=5)
        try:
            c.request("GET", "/metrics")
            text = c.getresponse().read().decode()
        finally:
            c.close()
        for line in text.splitlines():
            if line.startswith('inkwell_edge_library_pages_total{answer="kept"}'):
                return float(line.split()[-1])
        return 0.0

    def page(self, client, query=""):
        st, h, b = client.req("GET", "/v1/templates" + query)
        self.assertEqual(st, 200, b)
        return h, b

    def titles(self, client, query=""):
        return [(t["title"], t["gallery_id"]) for t in self.page(client, query)[1]["items"]]

    def test_a_kept_page_is_served_only_while_nothing_changed(self):
        import test_templates as tt
        alice, carol = tt.Client(self), tt.Client(self)
        self.grant_admin(carol.name)
        made = []
        for title in ("Fern", "Moss"):
            st, _, t = alice.upload(self.png, query="title=" + title)
            self.assertEqual(st, 201, t)
            made.append(t)
        first = self.page(alice)
        before = self.kept_count()
        again = self.page(alice)
        self.assertEqual(self.kept_count(), before + 1, "the second read was not the kept page")
        self.assertEqual(again[1], first[1])
        self.assertEqual(again[0].get("Content-Type"), "application/json")
        self.assertEqual(self.titles(alice), [("Moss", None), ("Fern", None)])

        # Each write shows on the very next read.
        st, _, b = alice.req("PATCH", "/v1/templates/" + made[0]["id"], {"title": "Rose"})
        self.assertEqual(st, 200, b)
        self.assertEqual(self.titles(alice), [("Moss", None), ("Rose", None)])
        st, _, g = alice.req("POST", "/v1/templates/%s/publish" % made[1]["id"])
        self.assertEqual(st, 201, g)
        self.assertEqual(self.titles(alice), [("Moss", g["gallery_id"]), ("Rose", None)])
        # a takedown by someone else (an admin) reaches alice's page too
        st, _, b = carol.req("DELETE", "/v1/gallery/" + g["gallery_id"])
        self.assertEqual(st, 204, b)
        self.assertEqual(self.titles(alice), [("Moss", None), ("Rose", None)])
        st, _, b = alice.req("DELETE", "/v1/templates/" + made[0]["id"])
        self.assertEqual(st, 204, b)
        self.assertEqual(self.titles(alice), [("Moss", None)])
        st, _, t = alice.upload(self.png, query="title=Ivy")
        self.assertEqual(st, 201, t)
        self.assertEqual(self.titles(alice), [("Ivy", None), ("Moss", None)])

        # Pages of another limit or cursor are pages of their own, Link included.
        h, one = self.page(alice, "?limit=1")
        self.assertEqual([t["title"] for t in one["items"]], ["Ivy"])
        self.assertEqual(self.page(alice, "?limit=1")[0].get("Link"), h.get("Link"))
        self.assertIn('rel="next"', h.get("Link", ""))
        nxt = self.page(alice, "?limit=1&cursor=" + one["next_cursor"])[1]
        self.assertEqual([t["title"] for t in nxt["items"]], ["Moss"])

        # A second session's write shows to the first; a logout stops the
        # first at once, kept page or not; nobody else reads alice's page.
        second = tt.Client(self, of=alice)
        st, _, b = second.req("PATCH", "/v1/templates/" + t["id"], {"title": "Oak"})
        self.assertEqual(st, 200, b)
        self.assertEqual(self.titles(alice), [("Oak", None), ("Moss", None)])
        self.assertEqual(self.titles(carol), [])
        st, _, _ = alice.req("DELETE", "/v1/sessions/current")
        self.assertEqual(st, 204)
        st, h, b = alice.req("GET", "/v1/templates")
        self.assertProblem(st, h, b, 401)
        self.assertEqual(self.titles(second), [("Oak", None), ("Moss", None)])


if __name__ == "__main__":
    it.main()
