#!/usr/bin/env python3
"""Writes whose outcome is unknown, and Idempotency-Key retries, through the
real nginx -> edge -> user-svc -> template-svc -> Redis stack (issue 12,
defect 3).

- A users Redis that hangs (SIGSTOP) while an upload is stored: the client
  is told 504 "the outcome is unknown", never 503 "try again shortly"; the
  store runs when Redis resumes.
- POST routes that create things honour Idempotency-Key: a retry with the
  same key and body gets the first result (same id, status and body) and
  creates nothing new; the same key with another body is 422; a retry while
  the first call runs is 409; keys are per user (per client to register).
"""

import os
import signal
import subprocess
import threading
import uuid

import inkwell_test as it
import test_templates as tt


def key():
    return str(uuid.uuid4())


class IdempotencyTest(it.StackTestCase):
    ENV = {"NGINX_AUTH_RATE": "1000r/s"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.png = tt.photo_bytes("PNG", (240, 160))
        cls.png2 = tt.photo_bytes("PNG", (200, 200))

    # helpers ---------------------------------------------------------------

    def pid_of(self, name):
        return self.stack.components[name].proc.pid

    def redis_cli(self, *args):
        port = self.stack.port_of("users-redis")
        r = subprocess.run(["redis-cli", "-p", str(port)] + [str(a) for a in args],
                           capture_output=True, text=True, timeout=10)
        return r.stdout

    def calls(self, cmd):
        """How many times the users Redis ran `cmd` so far (INFO commandstats)."""
        for line in self.redis_cli("INFO", "commandstats").splitlines():
            if line.startswith("cmdstat_%s:" % cmd):
                return int(line.split("calls=")[1].split(",")[0])
        return 0

    def library(self, client):
        st, _, page = client.req("GET", "/v1/templates?limit=100")
        self.assertEqual(st, 200, page)
        return [t["id"] for t in page["items"]]

    def upload(self, client, data, k, query="title=Flower&detail=3&line_width=2"):
        h = {"Content-Type": "image/png"}
        if k is not None:
            h["Idempotency-Key"] = '"%s"' % k  # an sf-string, as the draft spells it
        return client.req("POST", "/v1/templates?" + query, data, h)

    def upload_while_users_redis_hangs(self, client, data, k):
        """Upload with template-svc stopped until user-svc has checked the
        quota (the last users Redis command before the conversion), then hang
        the users Redis, let the conversion run, and wait for the answer:
        the store is sent to a Redis that does not answer. Resumes Redis
        after the answer; returns (status, headers, body)."""
        result = []
        ts, rd = self.pid_of("template-svc"), self.pid_of("users-redis")
        before = self.calls("zcard")
        os.kill(ts, signal.SIGSTOP)
        try:
            th = threading.Thread(target=lambda: result.append(self.upload(client, data, k)))
            th.start()
            it.poll(lambda: self.calls("zcard") > before, 10, "the quota check")
            os.kill(rd, signal.SIGSTOP)
        finally:
            os.kill(ts, signal.SIGCONT)
        try:
            th.join(60)
        finally:
            os.kill(rd, signal.SIGCONT)
        self.assertFalse(th.is_alive())
        return result[0]

    def assertOutcomeUnknown(self, st, h, b):
        self.assertProblem(st, h, b, 504)
        self.assertIn("outcome is unknown", b.get("detail", ""), b)
        self.assertIsNone(h.get("Retry-After"), "a 504 invites no blind retry")

    # the hung Redis --------------------------------------------------------

    def test_a_store_that_timed_out_is_504_outcome_unknown(self):
        alice = tt.Client(self)
        st, h, b = self.upload_while_users_redis_hangs(alice, self.png, None)
        self.assertOutcomeUnknown(st, h, b)
        # the store reached Redis and ran when it resumed: "unknown" was true
        ids = it.poll(lambda: self.library(alice), 10, "the late store")
        self.assertEqual(len(ids), 1)

    def test_retry_after_unknown_outcome_returns_the_stored_template(self):
        alice = tt.Client(self)
        k = key()
        st, h, b = self.upload_while_users_redis_hangs(alice, self.png, k)
        self.assertOutcomeUnknown(st, h, b)
        ids = it.poll(lambda: self.library(alice), 10, "the late store")
        st, _, t = self.upload(alice, self.png, k)
        self.assertEqual(st, 201, t)
        self.assertEqual([t["id"]], ids)
        self.assertEqual(self.library(alice), ids, "no duplicate")

    def test_a_hung_redis_while_signing_the_caller_in_is_503(self):
        alice = tt.Client(self)
        rd = self.pid_of("users-redis")
        os.kill(rd, signal.SIGSTOP)
        try:
            # signing the caller in only reads: nothing was done, try again
            st, h, b = self.upload(alice, self.png, key())
            self.assertProblem(st, h, b, 503)
            self.assertEqual(h.get("Retry-After"), "1")
        finally:
            os.kill(rd, signal.SIGCONT)
        self.assertEqual(self.library(alice), [])

    # retries ---------------------------------------------------------------

    def test_upload_retry_same_result_other_body_422(self):
        alice, bob = tt.Client(self), tt.Client(self)
        k = key()
        st, h, first = self.upload(alice, self.png, k)
        self.assertEqual(st, 201, first)
        st2, h2, again = self.upload(alice, self.png, k)
        self.assertEqual((st2, again), (201, first), "same status and body")
        self.assertEqual(h2.get("Location"), h.get("Location"))
        # multipart with another boundary is the same request
        body, ctype = tt.multipart("image", "a.png", "image/png", self.png)
        st, _, mp = alice.req("POST", "/v1/templates?title=Flower&detail=3&line_width=2",
                              body, {"Content-Type": ctype, "Idempotency-Key": k})
        self.assertEqual((st, mp["id"]), (201, first["id"]))
        self.assertEqual(self.library(alice), [first["id"]], "nothing new")
        # the same key with another body (image, or query) is refused
        st, h, b = self.upload(alice, self.png2, k)
        self.assertProblem(st, h, b, 422)
        self.assertIn("Idempotency-Key", b["detail"])
        st, h, b = self.upload(alice, self.png, k, "title=Other")
        self.assertProblem(st, h, b, 422)
        self.assertEqual(self.library(alice), [first["id"]])
        # keys are per user: bob's same key is his own
        st, _, bobs = self.upload(bob, self.png, k)
        self.assertEqual(st, 201, bobs)
        self.assertNotEqual(bobs["id"], first["id"])
        # no key: every upload is new
        st, _, nokey = self.upload(alice, self.png, None)
        self.assertEqual(st, 201)
        self.assertEqual(len(self.library(alice)), 2)
        # malformed keys are 400
        for bad in ("", "has space", "x" * 129, "{tag}", '"'):
            st, h, b = alice.req("POST", "/v1/templates", self.png,
                                 {"Content-Type": "image/png", "Idempotency-Key": bad})
            self.assertProblem(st, h, b, 400)
        self.assertEqual(len(self.library(alice)), 2)

    def test_retry_while_the_first_runs_is_409(self):
        alice = tt.Client(self)
        k = key()
        port = self.stack.port_of("users-redis")
        ts = self.pid_of("template-svc")
        result = []
        os.kill(ts, signal.SIGSTOP)  # the first call waits in its conversion
        try:
            th = threading.Thread(target=lambda: result.append(self.upload(alice, self.png, k)))
            th.start()
            ikey = "idem:{%s}:%s" % (alice.id, k)
            it.poll(lambda: it.redis(port, "EXISTS", ikey) == b":1", 10, "the claim")
            st, h, b = self.upload(alice, self.png, k)
            self.assertProblem(st, h, b, 409)
            self.assertIn("in progress", b["detail"])
        finally:
            os.kill(ts, signal.SIGCONT)
        th.join(60)
        st, _, first = result[0]
        self.assertEqual(st, 201, first)
        st, _, again = self.upload(alice, self.png, k)
        self.assertEqual((st, again["id"]), (201, first["id"]))
        self.assertEqual(self.library(alice), [first["id"]])

    def test_failed_call_frees_its_key(self):
        alice = tt.Client(self)
        k = key()
        st, h, b = self.upload(alice, b"not an image at all", k)
        self.assertEqual(st // 100, 4, b)
        # nothing was made, so the key is free again: a corrected request may use it
        st, _, t = self.upload(alice, self.png, k)
        self.assertEqual(st, 201, t)
        self.assertEqual(self.library(alice), [t["id"]])

    def test_publish_save_report_register_retries(self):
        alice, bob = tt.Client(self), tt.Client(self)
        st, _, t = alice.upload(self.png2)
        self.assertEqual(st, 201, t)
        path = "/v1/templates/%s/publish" % t["id"]
        k = key()
        st, h, g = alice.req("POST", path, None, {"Idempotency-Key": k})
        self.assertEqual(st, 201, g)
        st2, h2, g2 = alice.req("POST", path, None, {"Idempotency-Key": k})
        self.assertEqual((st2, g2), (201, g), "the first result: 201 again, not 200")
        self.assertEqual(h2.get("Location"), h.get("Location"))
        st, _, g3 = alice.req("POST", path, None, {"Idempotency-Key": key()})
        self.assertEqual((st, g3["gallery_id"]), (200, g["gallery_id"]))
        gid = g["gallery_id"]

        # save: a retry makes no second copy
        k = key()
        st, _, c = bob.req("POST", "/v1/gallery/%s/save" % gid, None, {"Idempotency-Key": k})
        self.assertEqual(st, 201, c)
        st, _, c2 = bob.req("POST", "/v1/gallery/%s/save" % gid, None, {"Idempotency-Key": k})
        self.assertEqual((st, c2), (201, c))
        self.assertEqual(self.library(bob), [c["id"]])
        # the same key on another route is another request
        st, h, b = bob.req("POST", path.replace(t["id"], c["id"]), None, {"Idempotency-Key": k})
        self.assertProblem(st, h, b, 422)

        # report
        k = key()
        rpath = "/v1/gallery/%s/reports" % gid
        st, _, r = bob.req("POST", rpath, {"reason": "spam"}, {"Idempotency-Key": k})
        self.assertEqual(st, 201, r)
        st, _, r2 = bob.req("POST", rpath, {"reason": "spam"}, {"Idempotency-Key": k})
        self.assertEqual((st, r2), (201, r))
        st, h, b = bob.req("POST", rpath, {"reason": "other"}, {"Idempotency-Key": k})
        self.assertProblem(st, h, b, 422)

        # register: per client; a retry gets the account, not 409 "taken"
        k = key()
        name = "r" + uuid.uuid4().hex[:12]
        body = {"username": name, "password": tt.PW}
        st, _, u = self.req("POST", "/v1/users", body, {"Idempotency-Key": k})
        self.assertEqual(st, 201, u)
        st, _, u2 = self.req("POST", "/v1/users", body, {"Idempotency-Key": k})
        self.assertEqual((st, u2), (201, u))
        st, h, b = self.req("POST", "/v1/users", dict(body, username=name + "x"),
                            {"Idempotency-Key": k})
        self.assertProblem(st, h, b, 422)
        # the password is not in the stored fingerprint, but a replay checks it
        st, h, b = self.req("POST", "/v1/users", dict(body, password=tt.PW + "!"),
                            {"Idempotency-Key": k})
        self.assertProblem(st, h, b, 422)
        st, h, b = self.req("POST", "/v1/users", body, {"Idempotency-Key": key()})
        self.assertProblem(st, h, b, 409)

    def test_the_web_app_sends_a_key_with_each_create(self):
        src = (it.REPO / "web" / "js" / "api.js").read_text()
        self.assertIn("Idempotency-Key", src)
        for call in ("'/v1/users'", "/publish`", "/save`", "/reports`"):
            line = next(ln for ln in src.splitlines() if call in ln and "request(" in ln)
            self.assertIn("idempotent: true", line, line)
        self.assertIn("xhr.setRequestHeader('Idempotency-Key'", src)


if __name__ == "__main__":
    it.main()
