#!/usr/bin/env python3
"""The data fits a Redis Cluster (issue 14, part 2): the whole user story on
databases that are each a one-node Redis Cluster owning all 16384 slots
(stack.py, INKWELL_REDIS_CLUSTER_SINGLE=1).

Such a node never redirects, so the services' plain clients work, but Redis
enforces what every real cluster does: a script or multi-key command whose
keys are in different slots fails with CROSSSLOT ("... do not hash to the same
slot"). Story: register, log in, upload, library, publish, gallery, save,
report, moderation (remove), a publisher's own unpublish, logout, revoking
sessions, account erasure. Every step must answer as on a standalone Redis,
and no service may have logged a cross-slot refusal."""

import base64
import hashlib
import os
import uuid

import inkwell_test as it
import test_templates as tt

PW = tt.PW


class RedisClusterStoryTest(it.StackTestCase):
    ENV = {"NGINX_AUTH_RATE": "1000r/s", "INKWELL_REDIS_CLUSTER_SINGLE": "1",
           "USERNAME_HOLD_SECONDS": "3",
           # argon2id twice per password change: on 2 shared cores, give calls room
           "RPC_TIMEOUT_MS": "15000"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.png = tt.photo_bytes("PNG", (240, 160))
        cls.png2 = tt.photo_bytes("PNG", (160, 240))

    def assertNoCrossSlot(self):
        for name in ("user-svc", "template-svc"):
            log = self.log_text(name)
            for mark in ("CROSSSLOT", "same slot"):
                self.assertNotIn(mark, log, "%s logged a cross-slot refusal" % name)

    def test_both_databases_are_clusters(self):
        for name in ("users-redis", "public-redis"):
            port = self.stack.port_of(name)
            self.assertEqual(it.redis(port, "SET", "{a}x", "1"), b"+OK")
            # the node enforces slots: this is what every script must avoid
            self.assertTrue(it.redis(port, "MSET", "a", "1", "b", "2").startswith(b"-CROSSSLOT"))
            it.redis(port, "DEL", "{a}x")

    def test_claim_of_a_crashed_registration_expires(self):
        """Registration claims the name (a lease), writes the user, keeps the
        claim. A claim left by a crash between the steps names a user that
        was never written: the name is taken only until the lease ends."""
        name = "c" + uuid.uuid4().hex[:12]
        users = self.stack.port_of("users-redis")
        self.assertEqual(it.redis(users, "SET", "username:{%s}" % name, uuid.uuid4().hex,
                                  "PX", 2000), b"+OK")
        body = {"username": name, "password": PW}
        st, h, b = self.req("POST", "/v1/users", body)
        self.assertProblem(st, h, b, 409)
        # signing in with the claimed name finds no user
        self.assertEqual(self.req("POST", "/v1/sessions", body)[0], 401)
        got = it.poll(lambda: (lambda r: r if r[0] == 201 else None)(
            self.req("POST", "/v1/users", body)), timeout=10, what="the claim to expire",
            interval=0.2)
        # the new registration's claim is permanent
        self.assertEqual(it.redis(users, "PTTL", "username:{%s}" % name), b":-1")
        self.assertEqual(it.redis(users, "EXISTS", "user:{%s}" % got[2]["id"]), b":1")
        self.assertEqual(self.req("POST", "/v1/sessions", body)[0], 201)

    def test_name_of_a_registration_crashed_before_its_user_was_kept(self):
        """A crash between keeping the claim (step 3) and keeping the user
        (step 4) leaves a permanent name whose user expired: the name is not
        lost, the next registration of it releases it and succeeds, and the
        new user and its name no longer expire."""
        name = "d" + uuid.uuid4().hex[:12]
        users = self.stack.port_of("users-redis")
        gone = uuid.uuid4().hex
        self.assertEqual(it.redis(users, "SET", "username:{%s}" % name, gone), b"+OK")
        body = {"username": name, "password": PW}
        self.assertEqual(self.req("POST", "/v1/sessions", body)[0], 401)
        st, h, b = self.req("POST", "/v1/users", body)
        self.assertEqual(st, 201, b)
        self.assertNotEqual(b["id"], gone)
        self.assertEqual(it.redis(users, "PTTL", "username:{%s}" % name), b":-1")
        self.assertEqual(it.redis(users, "PTTL", "user:{%s}" % b["id"]), b":-1")
        self.assertEqual(self.req("POST", "/v1/sessions", body)[0], 201)
        # a held name (an erased account's) is not released this way
        held = "h" + uuid.uuid4().hex[:12]
        self.assertEqual(it.redis(users, "SET", "username:{%s}" % held, "held:" + gone), b"+OK")
        self.assertProblem(*self.req("POST", "/v1/users", {"username": held, "password": PW}),
                           409)

    def test_orphaned_images_are_reaped(self):
        """A publish writes the PNG/SVG (the item's slot) before the item (the
        {gallery} slot); a crash between leaves bytes no item names, queued
        in blobs:{gallery}:doomed. They are reaped by a later publish, and
        a removed item's bytes go with the removal."""
        public = self.stack.port_of("public-redis")
        orphan = uuid.uuid4().hex
        self.assertEqual(it.redis(public, "SET", "public:{%s}:png" % orphan, "x"), b"+OK")
        self.assertEqual(it.redis(public, "ZADD", "blobs:{gallery}:doomed", 1, orphan), b":1")
        alice = tt.Client(self)
        st, _, t = alice.upload(self.png)
        self.assertEqual(st, 201, t)
        st, _, g = alice.req("POST", "/v1/templates/%s/publish" % t["id"])
        self.assertEqual(st, 201, g)
        gid = g["gallery_id"]
        self.assertEqual(it.redis(public, "EXISTS", "public:{%s}:png" % orphan), b":0")
        # the new item's own bytes are not queued any more
        self.assertEqual(it.redis(public, "ZSCORE", "blobs:{gallery}:doomed", gid), b"$-1")
        self.assertEqual(it.redis(public, "EXISTS", "public:{%s}:png" % gid), b":1")
        self.assertEqual(alice.req("DELETE", "/v1/gallery/" + gid)[0], 204)
        for key in ("public:{gallery}:" + gid, "public:{%s}:png" % gid,
                    "public:{%s}:svg" % gid):
            self.assertEqual(it.redis(public, "EXISTS", key), b":0", key)
        self.assertEqual(it.redis(public, "ZCARD", "blobs:{gallery}:doomed"), b":0")

    def test_revoked_session_without_metadata_never_authenticates(self):
        """A token from before tokens named their user has a session key on
        its own slot. Revoking deletes that key first, then its metadata; a
        password change drops every other session's metadata in one script
        and marks the reset, so a key left behind by a crash is refused. A
        token of today's shape has no such key: its metadata is the session."""
        bob = tt.Client(self)
        users = self.stack.port_of("users-redis")
        st, _, s2 = self.req("POST", "/v1/sessions", {"username": bob.name, "password": PW})
        self.assertEqual(st, 201, s2)
        auth2 = {"Authorization": "Bearer " + s2["token"]}
        old = base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()
        key = "session:{%s}" % hashlib.sha256(old.encode()).hexdigest()
        it.redis(users, "SET", key, bob.id, "EX", 600)
        auth_old = {"Authorization": "Bearer " + old}
        for auth in (auth2, auth_old):
            self.assertEqual(self.req("GET", "/v1/users/me", headers=auth)[0], 200)
        st, _, b = bob.req("PUT", "/v1/users/me/password",
                           {"current_password": PW, "new_password": PW + "-2"})
        self.assertEqual(st, 204, b)
        self.assertEqual(self.req("GET", "/v1/users/me", headers=auth2)[0], 401)
        # as a crash between the reset and the key deletions would leave it
        it.redis(users, "SET", key, bob.id, "EX", 600)
        self.assertEqual(self.req("GET", "/v1/users/me", headers=auth_old)[0], 401)
        self.assertEqual(it.redis(users, "EXISTS", key), b":0")
        self.assertEqual(bob.req("GET", "/v1/users/me")[0], 200)

    def test_user_story(self):
        alice, bob, carol = tt.Client(self), tt.Client(self), tt.Client(self)
        self.grant_admin(carol.name)

        # a second registration of the name is refused, the first still signs in
        st, h, b = self.req("POST", "/v1/users", {"username": alice.name, "password": PW})
        self.assertProblem(st, h, b, 409)
        st, _, b = self.req("GET", "/v1/users/me", headers={"Authorization": "Bearer " +
                                                              alice.token})
        self.assertEqual(st, 200, b)

        # upload (with an Idempotency-Key, replayed), library
        key = {"Idempotency-Key": "story-" + alice.id[:8]}
        st, _, t1 = alice.req("POST", "/v1/templates?title=Flower", self.png,
                              dict(key, **{"Content-Type": "image/png"}))
        self.assertEqual(st, 201, t1)
        st, _, again = alice.req("POST", "/v1/templates?title=Flower", self.png,
                                 dict(key, **{"Content-Type": "image/png"}))
        self.assertEqual((st, again["id"]), (201, t1["id"]), again)
        st, _, t2 = alice.upload(self.png2, query="title=Second")
        self.assertEqual(st, 201, t2)
        st, _, lst = alice.req("GET", "/v1/templates")
        self.assertEqual(st, 200, lst)
        self.assertEqual([t["id"] for t in lst["items"]], [t2["id"], t1["id"]])
        st, _, b = alice.req("PATCH", "/v1/templates/" + t2["id"], {"title": "Renamed"})
        self.assertEqual(st, 200, b)

        # publish (twice: one item), gallery
        st, _, g = alice.req("POST", "/v1/templates/%s/publish" % t1["id"])
        self.assertEqual(st, 201, g)
        gid = g["gallery_id"]
        st, _, g_again = alice.req("POST", "/v1/templates/%s/publish" % t1["id"])
        self.assertEqual(g_again["gallery_id"], gid, g_again)
        st, _, gal = bob.req("GET", "/v1/gallery")
        self.assertEqual(st, 200, gal)
        self.assertIn(gid, [i["gallery_id"] for i in gal["items"]])
        st, _, img = bob.req("GET", "/v1/gallery/%s/image" % gid)
        self.assertEqual(st, 200)
        self.assertTrue(img.startswith(b"\x89PNG"))

        # save, report, moderation
        st, _, saved = bob.req("POST", "/v1/gallery/%s/save" % gid)
        self.assertEqual(st, 201, saved)
        st, _, rep = bob.req("POST", "/v1/gallery/%s/reports" % gid, {"reason": "not a flower"})
        self.assertEqual(st, 201, rep)
        st, _, reports = carol.req("GET", "/v1/admin/reports")
        self.assertEqual(st, 200, reports)
        self.assertIn(rep["report_id"], [r["report_id"] for r in reports["items"]])
        st, _, res = carol.req("POST", "/v1/admin/reports/" + rep["report_id"],
                               {"action": "remove"})
        self.assertEqual((st, res.get("status")), (200, "removed"), res)
        st, h, b = carol.req("GET", "/v1/gallery/" + gid)
        self.assertProblem(st, h, b, 404)
        # the list bob read may be nginx's for up to a second (issue 16)
        it.poll(lambda: gid not in [i["gallery_id"] for i in carol.req("GET", "/v1/gallery")[2]
                                    ["items"]], 3, "the removed item unlisted")
        # the takedown covers the copy bob saved
        st, h, b = bob.req("POST", "/v1/templates/%s/publish" % saved["id"])
        self.assertProblem(st, h, b, 403)
        self.assertEqual(alice.req("GET", "/v1/templates/" + t1["id"])[2]["gallery_id"], None)

        # a publisher unpublishes her own item
        st, _, g2 = alice.req("POST", "/v1/templates/%s/publish" % t2["id"])
        self.assertEqual(st, 201, g2)
        self.assertEqual(alice.req("DELETE", "/v1/gallery/" + g2["gallery_id"])[0], 204)
        self.assertEqual(bob.req("GET", "/v1/gallery/" + g2["gallery_id"])[0], 404)
        self.assertEqual(alice.req("DELETE", "/v1/templates/" + t2["id"])[0], 204)

        # sessions: a second one listed, revoked; logout
        st, _, s2 = self.req("POST", "/v1/sessions", {"username": bob.name, "password": PW})
        self.assertEqual(st, 201, s2)
        st, _, sess = bob.req("GET", "/v1/users/me/sessions")
        self.assertEqual(st, 200, sess)
        self.assertEqual(len(sess["items"]), 2, sess)
        other = [s["id"] for s in sess["items"] if not s["current"]][0]
        self.assertEqual(bob.req("DELETE", "/v1/users/me/sessions/" + other)[0], 204)
        me = self.req("GET", "/v1/users/me", headers={"Authorization": "Bearer " + s2["token"]})
        self.assertEqual(me[0], 401, me)
        st, _, s3 = self.req("POST", "/v1/sessions", {"username": bob.name, "password": PW})
        self.assertEqual(st, 201, s3)
        bearer3 = {"Authorization": "Bearer " + s3["token"]}
        self.assertEqual(self.req("DELETE", "/v1/sessions/current", headers=bearer3)[0], 204)
        self.assertEqual(self.req("GET", "/v1/users/me", headers=bearer3)[0], 401)

        # erasure: bob's gallery item goes, his report stays anonymised
        st, _, bt = bob.upload(self.png2, query="title=Bobs")
        self.assertEqual(st, 201, bt)
        st, _, bg = bob.req("POST", "/v1/templates/%s/publish" % bt["id"])
        self.assertEqual(st, 201, bg)
        st, _, b = bob.req("DELETE", "/v1/users/me", {"password": PW})
        self.assertEqual(st, 204, b)
        self.assertEqual(bob.req("GET", "/v1/users/me")[0], 401)
        self.assertEqual(carol.req("GET", "/v1/gallery/" + bg["gallery_id"])[0], 404)
        st, _, b = self.req("POST", "/v1/sessions", {"username": bob.name, "password": PW})
        self.assertEqual(st, 401, b)
        # the name is held, then free again
        body = {"username": bob.name, "password": PW}
        it.poll(lambda: self.req("POST", "/v1/users", body)[0] == 201, timeout=30,
                what="name free again", interval=0.3)
        # an admin erases alice
        self.assertEqual(carol.req("DELETE", "/v1/admin/users/" + alice.id)[0], 204)
        self.assertEqual(alice.req("GET", "/v1/templates/" + t1["id"])[0], 401)
        self.assertNoCrossSlot()


if __name__ == "__main__":
    it.main()
