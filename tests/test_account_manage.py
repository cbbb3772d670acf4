#!/usr/bin/env python3
"""Accounts users can manage (issue 18), through the real nginx -> edge ->
user-svc -> template-svc -> Redis stack: change password (other sessions
revoked, the current one stays), list and revoke sessions, delete the
account with its data (gallery items gone, saved copies stay, reports
anonymised, the name free after the hold), the streamed ZIP export, an
admin's removal, a crashed erasure completed by a retry, and the same rate
limit as sign-in for a wrong password."""

import io
import json
import time
import zipfile

import inkwell_test as it
import test_templates as tt

PW = tt.PW
NEW_PW = "another-long-password-2"


def login(test, name, password=PW, agent="test-agent/1.0"):
    return test.req("POST", "/v1/sessions", {"username": name, "password": password},
                    {"User-Agent": agent})


def bearer(token):
    return {"Authorization": "Bearer " + token}


class ManageBase(it.StackTestCase):
    ENV = {"NGINX_AUTH_RATE": "1000r/s", "USERNAME_HOLD_SECONDS": "3",
           "ERASE_RETRY_SECONDS": "1"}

    def second_session(self, client, agent="second-device/2.0"):
        st, _, b = login(self, client.name, agent=agent)
        self.assertEqual(st, 201, b)
        return b["token"]

    def me_status(self, token):
        return self.req("GET", "/v1/users/me", headers=bearer(token))[0]

    def users_redis(self, *args):
        return it.redis(self.stack.port_of("users-redis"), *args)


class PasswordAndSessionsTest(ManageBase):
    def test_password_change_revokes_other_sessions_only(self):
        alice = tt.Client(self)
        other = self.second_session(alice)
        path = "/v1/users/me/password"

        # bad bodies: 400 problem+json naming the field; nothing changes
        st, h, b = alice.req("PUT", path, {"current_password": PW})
        self.assertProblem(st, h, b, 400, field="new_password")
        st, h, b = alice.req("PUT", path, {"current_password": PW, "new_password": "short"})
        self.assertProblem(st, h, b, 400, field="new_password")
        st, h, b = alice.req("PUT", path, {"current_password": PW, "new_password": NEW_PW,
                                           "extra": "x"})
        self.assertProblem(st, h, b, 400, field="extra")
        st, h, b = alice.req("PUT", path, "{not json", {"Content-Type": "application/json"})
        self.assertProblem(st, h, b, 400)
        # a wrong current password is 401 like a failed sign-in
        st, h, b = alice.req("PUT", path, {"current_password": "wrong-password-123",
                                           "new_password": NEW_PW})
        self.assertProblem(st, h, b, 401)
        # nothing lost: both sessions live, the old password still signs in
        self.assertEqual(self.me_status(alice.token), 200)
        self.assertEqual(self.me_status(other), 200)
        self.assertEqual(login(self, alice.name)[0], 201)

        st, _, b = alice.req("PUT", path, {"current_password": PW, "new_password": NEW_PW})
        self.assertEqual(st, 204, b)
        self.assertEqual(self.me_status(alice.token), 200)  # the calling session stays
        self.assertEqual(self.me_status(other), 401)  # every other one is revoked at once
        self.assertEqual(login(self, alice.name)[0], 401)
        self.assertEqual(login(self, alice.name, NEW_PW)[0], 201)

    def test_sessions_list_and_revoke(self):
        bob, carol = tt.Client(self), tt.Client(self)
        phone = self.second_session(bob, agent="phone-browser/9")
        st, _, b = bob.req("GET", "/v1/users/me/sessions")
        self.assertEqual(st, 200, b)
        items = b["items"]
        self.assertEqual(len(items), 2, items)
        self.assertEqual(sum(1 for s in items if s["current"]), 1, items)
        for s in items:
            self.assertRegex(s["id"], r"^[0-9a-f]{32}$")
            for k in ("created_at", "last_used_at", "expires_at"):
                self.assertRegex(s[k], r"^\d{4}-\d\d-\d\dT", s)
        raw = json.dumps(b)
        self.assertNotIn(bob.token, raw)
        self.assertNotIn(phone, raw)
        by_agent = {s["user_agent"]: s for s in items}
        self.assertIn("phone-browser/9", by_agent)
        phone_id = by_agent["phone-browser/9"]["id"]
        self.assertFalse(by_agent["phone-browser/9"]["current"])

        # a foreign session id is 404, and that session lives on
        st, _, cb = carol.req("GET", "/v1/users/me/sessions")
        carol_id = cb["items"][0]["id"]
        st, h, b = bob.req("DELETE", "/v1/users/me/sessions/" + carol_id)
        self.assertProblem(st, h, b, 404)
        self.assertEqual(self.me_status(carol.token), 200)
        st, h, b = bob.req("DELETE", "/v1/users/me/sessions/not-an-id")
        self.assertProblem(st, h, b, 404)

        # revoking works at once
        st, _, b = bob.req("DELETE", "/v1/users/me/sessions/" + phone_id)
        self.assertEqual(st, 204, b)
        self.assertEqual(self.me_status(phone), 401)
        self.assertEqual(self.me_status(bob.token), 200)
        st, _, b = bob.req("GET", "/v1/users/me/sessions")
        self.assertEqual([s["current"] for s in b["items"]], [True], b)
        st, h, b = bob.req("DELETE", "/v1/users/me/sessions/" + phone_id)
        self.assertProblem(st, h, b, 404)
        # logging out drops the session from the list too
        st, _, b = carol.req("DELETE", "/v1/sessions/current")
        self.assertEqual(st, 204, b)
        self.assertEqual(self.users_redis("ZCARD", "user:{%s}:sessions" % carol.id), b":0")

    def test_user_agent_is_kept_readable(self):
        # The session list is JSON: bytes that are not printable ASCII come
        # back as "?", and an agent past 200 bytes is cut, never a 500.
        for agent, shown in ((b"broken-\xff\xfe/1", "broken-??/1"), ("x" * 300, "x" * 200)):
            dave = tt.Client(self)
            self.second_session(dave, agent=agent)
            st, _, b = dave.req("GET", "/v1/users/me/sessions")
            self.assertEqual(st, 200, b)
            other = [s for s in b["items"] if not s["current"]]
            self.assertEqual([s["user_agent"] for s in other], [shown], b)


class DeleteAccountTest(ManageBase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.png = tt.photo_bytes("PNG", (240, 160))
        cls.png2 = tt.photo_bytes("PNG", (160, 240))

    def test_delete_account_with_its_data(self):
        alice, bob, admin = tt.Client(self), tt.Client(self), tt.Client(self)
        self.grant_admin(admin.name)
        st, _, t1 = alice.upload(self.png)
        self.assertEqual(st, 201, t1)
        st, _, t2 = alice.upload(self.png2, query="title=Second")
        self.assertEqual(st, 201, t2)
        st, _, g = alice.req("POST", "/v1/templates/%s/publish" % t1["id"])
        self.assertEqual(st, 201, g)
        gid = g["gallery_id"]
        # bob saves alice's item: his copy is his
        st, _, copy = bob.req("POST", "/v1/gallery/%s/save" % gid)
        self.assertEqual(st, 201, copy)
        # bob publishes a page of his own, which alice reports
        st, _, bt = bob.upload(self.png2, query="title=Bobs")
        st, _, bg = bob.req("POST", "/v1/templates/%s/publish" % bt["id"])
        self.assertEqual(st, 201, bg)
        st, _, rep = alice.req("POST", "/v1/gallery/%s/reports" % bg["gallery_id"],
                               {"reason": "looks copied"})
        self.assertEqual(st, 201, rep)

        # bad body, wrong password: clear 4xx and nothing lost
        st, h, b = alice.req("DELETE", "/v1/users/me", {"pass": PW})
        self.assertProblem(st, h, b, 400, field="password")
        st, h, b = alice.req("DELETE", "/v1/users/me", {"password": "wrong-password-123"})
        self.assertProblem(st, h, b, 401)
        self.assertEqual(alice.req("GET", "/v1/templates/" + t1["id"])[0], 200)
        self.assertEqual(bob.req("GET", "/v1/gallery/" + gid)[0], 200)

        st, _, b = alice.req("DELETE", "/v1/users/me", {"password": PW})
        self.assertEqual(st, 204, b)
        # the name is held (USERNAME_HOLD_SECONDS=3, from the erasure's last
        # step): asked at once, not after the checks below eat the 3 s
        body = {"username": alice.name, "password": PW}
        st, h, b = self.req("POST", "/v1/users", body)
        self.assertProblem(st, h, b, 409)

        # the account and its sessions are gone
        self.assertEqual(self.me_status(alice.token), 401)
        self.assertEqual(login(self, alice.name)[0], 401)
        # its templates and images are 404 for everyone
        for who in (bob, admin):
            for t in (t1, t2):
                st, h, b = who.req("GET", "/v1/templates/" + t["id"])
                self.assertProblem(st, h, b, 404)
                st, h, b = who.req("GET", "/v1/templates/%s/image" % t["id"])
                self.assertProblem(st, h, b, 404)
            # bob's view above may be nginx's for up to a second (issue 16)
            it.poll(lambda: who.req("GET", "/v1/gallery/" + gid)[0] == 404, 3,
                    "the erased account's item 404")
            st, h, b = who.req("GET", "/v1/gallery/" + gid)
            self.assertProblem(st, h, b, 404)
            st, h, b = who.req("GET", "/v1/gallery/%s/image" % gid)
            self.assertProblem(st, h, b, 404)
        for k in ("user:{%s}" % alice.id, "user:{%s}:templates" % alice.id,
                  "user:{%s}:library_version" % alice.id,
                  "template:{%s}:%s:png" % (alice.id, t1["id"])):
            self.assertEqual(self.users_redis("EXISTS", k), b":0", k)
        # bob's saved copy survives, image and all
        st, _, b = bob.req("GET", "/v1/templates/" + copy["id"])
        self.assertEqual(st, 200, b)
        st, _, img = bob.req("GET", "/v1/templates/%s/image" % copy["id"])
        self.assertEqual(st, 200)
        self.assertTrue(img.startswith(b"\x89PNG"))
        # the report alice filed stays for moderators, the reporter anonymised
        st, _, reports = admin.req("GET", "/v1/admin/reports")
        self.assertEqual(st, 200, reports)
        mine = [r for r in reports["items"] if r["report_id"] == rep["report_id"]]
        self.assertEqual(len(mine), 1, reports)
        self.assertEqual(mine[0]["reporter"], "[deleted user]")
        self.assertNotIn(alice.name, json.dumps(reports))

        # ...and free again once the hold runs out
        got = it.poll(lambda: (lambda r: r if r[0] == 201 else None)(
            self.req("POST", "/v1/users", body)), timeout=15, what="name free again",
            interval=0.3)
        self.assertNotEqual(got[2]["id"], alice.id)
        st, _, lb = login(self, alice.name)
        st, _, page = self.req("GET", "/v1/templates", headers=bearer(lb["token"]))
        self.assertEqual(page["items"], [], page)

    def test_admin_removal_is_logged(self):
        admin, bob, dave = tt.Client(self), tt.Client(self), tt.Client(self)
        self.grant_admin(admin.name)
        st, _, t = dave.upload(self.png)
        self.assertEqual(st, 201, t)
        st, h, b = bob.req("DELETE", "/v1/admin/users/" + dave.id)
        self.assertProblem(st, h, b, 403)
        self.assertEqual(self.me_status(dave.token), 200)
        st, h, b = admin.req("DELETE", "/v1/admin/users/" + "0" * 32)
        self.assertProblem(st, h, b, 404)
        st, _, b = admin.req("DELETE", "/v1/admin/users/" + dave.id)
        self.assertEqual(st, 204, b)
        self.assertEqual(self.me_status(dave.token), 401)
        st, h, b = admin.req("GET", "/v1/templates/" + t["id"])
        self.assertProblem(st, h, b, 404)
        self.assertIn("user %s removed by admin %s" % (dave.id, admin.id),
                      self.log_text("user-svc"))
        st, h, b = admin.req("DELETE", "/v1/admin/users/" + dave.id)
        self.assertProblem(st, h, b, 404)

    def test_crashed_erasure_is_completed(self):
        """A crash right after the marker (step 1 of erase.c): the account is
        already unusable, and the sweeper's retry finishes every step."""
        erin, bob = tt.Client(self), tt.Client(self)
        st, _, t = erin.upload(self.png)
        st, _, g = erin.req("POST", "/v1/templates/%s/publish" % t["id"])
        self.assertEqual(st, 201, g)
        began = int(time.time() * 1000) - 5000
        self.assertEqual(self.users_redis("HSET", "user:{%s}" % erin.id, "erasing", began),
                         b":1")
        self.assertEqual(self.users_redis("ZADD", "erasing", began, erin.id), b":1")

        self.assertEqual(self.me_status(erin.token), 401)
        self.assertEqual(login(self, erin.name)[0], 401)
        # the user hash goes one command before the marker does: both, polled
        it.poll(lambda: self.users_redis("EXISTS", "user:{%s}" % erin.id) == b":0"
                and self.users_redis("ZCARD", "erasing") == b":0",
                timeout=20, what="the sweeper finishes the erasure", interval=0.2)
        st, h, b = bob.req("GET", "/v1/gallery/" + g["gallery_id"])
        self.assertProblem(st, h, b, 404)
        self.assertEqual(
            self.users_redis("EXISTS", "template:{%s}:%s" % (erin.id, t["id"])), b":0")
        self.assertIn("resuming the erasure of user " + erin.id, self.log_text("user-svc"))


class ExportTest(ManageBase):
    def test_export_zip_lists_every_template(self):
        carol = tt.Client(self)
        self.second_session(carol)
        ids = []
        for size in ((240, 160), (160, 240), (200, 200)):
            st, _, t = carol.upload(tt.photo_bytes("PNG", size))
            self.assertEqual(st, 201, t)
            ids.append(t["id"])
        st, h, body = carol.req("GET", "/v1/users/me/export")
        self.assertEqual(st, 200, body)
        self.assertEqual(h.get("Content-Type"), "application/zip")
        self.assertEqual(h.get("Transfer-Encoding"), "chunked")
        # the streamed answer carries its trace like every other answer
        self.assertRegex(h.get("traceparent", ""), r"^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$")
        self.assertIn("attachment", h.get("Content-Disposition", ""))
        z = zipfile.ZipFile(io.BytesIO(body))
        self.assertIsNone(z.testzip())
        names = set(z.namelist())
        self.assertIn("account.json", names)
        for tid in ids:
            self.assertIn("templates/%s.png" % tid, names)
            self.assertIn("templates/%s.svg" % tid, names)
            st, _, png = carol.req("GET", "/v1/templates/%s/image" % tid)
            self.assertEqual(z.read("templates/%s.png" % tid), png)
            self.assertTrue(z.read("templates/%s.svg" % tid).lstrip().startswith(b"<"))
        acct = json.loads(z.read("account.json"))
        self.assertEqual(acct["user"]["username"], carol.name)
        self.assertEqual(sorted(t["id"] for t in acct["templates"]), sorted(ids))
        self.assertEqual(len(acct["sessions"]), 2)
        self.assertNotIn(carol.token, z.read("account.json").decode())

        # no token: 401 problem, no archive
        st, h, b = self.req("GET", "/v1/users/me/export")
        self.assertProblem(st, h, b, 401)


class RateLimitTest(ManageBase):
    ENV = {"NGINX_AUTH_RATE": "1r/m", "NGINX_AUTH_BURST": "4"}

    def test_wrong_password_shares_the_sign_in_limit(self):
        dan = tt.Client(self)  # register + sign in: 2 of the burst of 5
        seen = []
        for _ in range(6):
            r = dan.req("PUT", "/v1/users/me/password",
                        {"current_password": "wrong-password-123", "new_password": NEW_PW})
            seen.append(r[0])
            if r[0] == 429:
                self.assertProblem(*r, 429)
                break
        self.assertEqual(seen[0], 401, seen)
        self.assertEqual(seen[-1], 429, seen)
        # the same zone: sign-in is limited now too
        self.assertEqual(login(self, dan.name)[0], 429)
        # reading is not limited
        self.assertEqual(self.me_status(dan.token), 200)


if __name__ == "__main__":
    it.main()
