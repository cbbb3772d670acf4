#!/usr/bin/env python3
"""A takedown covers every copy of a page, and a template forgets a gallery
item that is gone - through the real nginx -> edge -> user-svc ->
template-svc -> Redis stack (issue 12, defects 2 and 5).

Story: alice publishes template T as gallery item G; bob saves G into his
library as copy C (and dave publishes his own saved copy before anything
happens); an admin removes G. Then no copy of that page can be published
again (403, "removed by a moderator"), the live copies went down with G, and
T's gallery_id reads null in the item and in the library list."""


import inkwell_test as it
import test_templates as tt


class ModerationCopiesTest(it.StackTestCase):
    ENV = {"NGINX_AUTH_RATE": "1000r/s"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.png = tt.photo_bytes("PNG", (240, 160))  # the page taken down

    def publish(self, client, tid):
        return client.req("POST", "/v1/templates/%s/publish" % tid)

    def library_gallery_ids(self, client):
        st, _, page = client.req("GET", "/v1/templates?limit=100")
        self.assertEqual(st, 200, page)
        return {t["id"]: t["gallery_id"] for t in page["items"]}

    def assertRemovedByModerator(self, st, h, b):
        self.assertProblem(st, h, b, 403)
        self.assertIn("removed by a moderator", b.get("detail", ""), b)

    def test_takedown_covers_saved_copies(self):
        alice, bob, dave, carol = (tt.Client(self) for _ in range(4))
        self.grant_admin(carol.name)

        st, _, t = alice.upload(self.png)
        self.assertEqual(st, 201, t)
        st, _, g = self.publish(alice, t["id"])
        self.assertEqual(st, 201, g)
        gid = g["gallery_id"]

        # bob saves G: a private copy C with the same page
        st, _, c = bob.req("POST", "/v1/gallery/%s/save" % gid)
        self.assertEqual(st, 201, c)
        self.assertIsNone(c["gallery_id"])
        # dave saves and publishes his copy while G is still up: allowed
        st, _, d = dave.req("POST", "/v1/gallery/%s/save" % gid)
        self.assertEqual(st, 201, d)
        st, _, dg = self.publish(dave, d["id"])
        self.assertEqual(st, 201, dg)
        self.assertNotEqual(dg["gallery_id"], gid)

        # the admin takes G down
        st, _, b = carol.req("DELETE", "/v1/gallery/" + gid)
        self.assertEqual(st, 204, b)

        # every copy is refused, with the reason; nothing new is public
        self.assertRemovedByModerator(*self.publish(alice, t["id"]))
        self.assertRemovedByModerator(*self.publish(bob, c["id"]))
        self.assertRemovedByModerator(*self.publish(dave, d["id"]))
        # the live copy went down with G (for everyone within nginx's
        # micro-cache's second: a token does not bypass it, issue 16)
        h = {"Authorization": "Bearer " + carol.token}
        it.poll(lambda: self.req("GET", "/v1/gallery/" + dg["gallery_id"], headers=h)[0] == 404,
                3, "the live copy's 404")
        st, _, b = self.req("GET", "/v1/gallery/" + dg["gallery_id"], headers=h)
        self.assertProblem(st, _, b, 404)

        def listed_now():
            st, _, page = self.req("GET", "/v1/gallery?limit=100", headers=h)
            self.assertEqual(st, 200, page)
            ids = [i["gallery_id"] for i in page["items"]]
            return ids if gid not in ids and dg["gallery_id"] not in ids else None

        listed = it.poll(listed_now, 3, "G and its live copy unlisted")
        self.assertNotIn(gid, listed)
        self.assertNotIn(dg["gallery_id"], listed)

        # the same photo converted again is the same page: refused too
        st, _, again = bob.upload(self.png)
        self.assertEqual(st, 201, again)
        st, _, img_t = alice.req("GET", "/v1/templates/%s/image" % t["id"])
        st2, _, img_a = bob.req("GET", "/v1/templates/%s/image" % again["id"])
        self.assertEqual((st, st2), (200, 200))
        if img_t == img_a:  # conversion is deterministic for the same input
            self.assertRemovedByModerator(*self.publish(bob, again["id"]))

        # the private copies stay in their owners' libraries
        self.assertEqual(bob.req("GET", "/v1/templates/" + c["id"])[0], 200)

        # T and dave's copy no longer name their removed items (defect 5)
        st, _, tt_now = alice.req("GET", "/v1/templates/" + t["id"])
        self.assertEqual(st, 200, tt_now)
        self.assertIsNone(tt_now["gallery_id"])
        self.assertIsNone(self.library_gallery_ids(alice)[t["id"]])
        self.assertIsNone(self.library_gallery_ids(dave)[d["id"]])
        st, _, dn = dave.req("GET", "/v1/templates/" + d["id"])
        self.assertIsNone(dn["gallery_id"])

        # another page of alice's is unaffected
        st, _, other = alice.upload(tt.photo_bytes("PNG", (200, 200)))
        self.assertEqual(st, 201, other)
        st, _, og = self.publish(alice, other["id"])
        self.assertEqual(st, 201, og)

    def test_gallery_id_is_null_after_unpublish(self):
        alice = tt.Client(self)
        st, _, t = alice.upload(tt.photo_bytes("PNG", (220, 150)), query="title=Mine")
        self.assertEqual(st, 201, t)
        st, _, g = self.publish(alice, t["id"])
        self.assertEqual(st, 201, g)
        st, _, now = alice.req("GET", "/v1/templates/" + t["id"])
        self.assertEqual(now["gallery_id"], g["gallery_id"])
        self.assertEqual(self.library_gallery_ids(alice)[t["id"]], g["gallery_id"])

        st, _, b = alice.req("DELETE", "/v1/gallery/" + g["gallery_id"])
        self.assertEqual(st, 204, b)
        # the list first this time, then the item
        self.assertIsNone(self.library_gallery_ids(alice)[t["id"]])
        st, _, now = alice.req("GET", "/v1/templates/" + t["id"])
        self.assertEqual(st, 200, now)
        self.assertIsNone(now["gallery_id"])
        # the stale id was cleared in the users Redis, not only hidden
        port = self.stack.port_of("users-redis")
        key = "template:{%s}:%s" % (alice.id, t["id"])
        self.assertEqual(it.redis(port, "HSTRLEN", key, "gallery_id"), b":0")

        # an unreported item withdrawn by its publisher may go up again
        st, _, g2 = self.publish(alice, t["id"])
        self.assertEqual(st, 201, g2)
        self.assertNotEqual(g2["gallery_id"], g["gallery_id"])
        st, _, now = alice.req("GET", "/v1/templates/" + t["id"])
        self.assertEqual(now["gallery_id"], g2["gallery_id"])

    def test_reads_keep_the_recorded_id_while_template_svc_is_down(self):
        alice = tt.Client(self)
        st, _, t = alice.upload(tt.photo_bytes("PNG", (210, 140)), query="title=Kept")
        self.assertEqual(st, 201, t)
        st, _, g = self.publish(alice, t["id"])
        self.assertEqual(st, 201, g)
        self.stack.stop_component("template-svc")
        try:
            st, _, now = alice.req("GET", "/v1/templates/" + t["id"])
            self.assertEqual(st, 200, now)
            self.assertEqual(now["gallery_id"], g["gallery_id"])
        finally:
            self.stack.start_component("template-svc")


if __name__ == "__main__":
    it.main()
