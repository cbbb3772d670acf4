#!/usr/bin/env python3
"""No acknowledged write without a replica (issue 14, part 3): with
REDIS_WAIT_REPLICAS=1 every write the API acknowledges is followed by
`WAIT 1 REDIS_WAIT_TIMEOUT_MS` on the connection that made it.

- Against standalone Redis servers with no replica, WAIT confirms nothing, so
  every acknowledged write answers 504 "the outcome is unknown" (the write is
  on the primary, which a failover could lose) - never 2xx. Reads still work.
- With a real replica (`redis-server --replicaof`) beside each database, the
  same writes answer 2xx, and what they wrote is on the replica."""

import base64
import hashlib
import os
import shutil
import subprocess
import uuid

import inkwell_test as it
import stack
import test_templates as tt

PW = tt.PW
WAIT_ENV = {"NGINX_AUTH_RATE": "1000r/s", "REDIS_WAIT_REPLICAS": "1",
            "REDIS_WAIT_TIMEOUT_MS": "300"}


def assertUnknownOutcome(test, st, h, b):
    test.assertProblem(st, h, b, 504)
    test.assertIn("outcome is unknown", b.get("detail", ""), b)


class WaitWithoutReplicaTest(it.StackTestCase):
    ENV = WAIT_ENV

    def test_acknowledged_writes_answer_unknown_outcome(self):
        name = "w" + uuid.uuid4().hex[:12]
        st, h, b = self.req("POST", "/v1/users", {"username": name, "password": PW})
        assertUnknownOutcome(self, st, h, b)
        # A signed-in user, made in Redis directly (no write of ours could be
        # acknowledged to make one): a session from before the per-user index.
        users = self.stack.port_of("users-redis")
        uid = uuid.uuid4().hex
        token = base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()
        it.redis(users, "HSET", "user:{%s}" % uid, "id", uid, "username", name + "x",
                 "role", "user", "created_at", 1)
        it.redis(users, "SET", "session:{%s}" % hashlib.sha256(token.encode()).hexdigest(),
                 uid, "EX", 600)
        auth = {"Authorization": "Bearer " + token}
        st, _, me = self.req("GET", "/v1/users/me", headers=auth)
        self.assertEqual(st, 200, me)
        png = tt.photo_bytes("PNG", (120, 80))
        st, h, b = self.req("POST", "/v1/templates?title=Flower", png,
                            dict(auth, **{"Content-Type": "image/png"}))
        assertUnknownOutcome(self, st, h, b)
        # ...and indeed it is on the primary: reads need no replica
        st, _, lib = self.req("GET", "/v1/templates", headers=auth)
        self.assertEqual((st, len(lib["items"])), (200, 1), lib)
        st, _, b = self.req("GET", "/v1/gallery")
        self.assertEqual(st, 200, b)
        self.assertIn("reached 0 of 1 replicas", self.log_text("edge") +
                      self.log_text("user-svc"))


class WaitWithReplicaTest(it.StackTestCase):
    # a replica that is there acknowledges within ms; 2 s so that a loaded
    # CI machine (ASan, a conversion beside it) cannot make it look absent
    ENV = dict(WAIT_ENV, REDIS_WAIT_TIMEOUT_MS="2000")
    START = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.replicas = []
        st = cls.stack
        try:
            st.check_ports_free()
            for db in ("users-redis", "public-redis"):
                st.start_component(db)
                cls.replicas.append(cls.start_replica(db))
            for name in stack.COMPONENTS:
                if name not in ("users-redis", "public-redis"):
                    st.start_component(name)
            st.wait_ready(30.0)
        except BaseException:
            cls.tearDownClass()
            raise
        cls.png = tt.photo_bytes("PNG", (240, 160))

    @classmethod
    def start_replica(cls, db):
        port = stack.free_port()
        d = cls.data_dir / ("replica-" + db)
        d.mkdir(parents=True, exist_ok=True)
        log = open(cls.data_dir / "logs" / ("replica-%s.log" % db), "ab")
        proc = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(d),
             "--save", "", "--appendonly", "no",
             "--replicaof", "127.0.0.1", str(cls.stack.port_of(db))],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        primary = cls.stack.port_of(db)
        # connected is not enough: WAIT counts a replica only once its first
        # sync is done and it is `online`.
        it.poll(lambda: b"state=online" in info_replication(primary), 15,
                "%s's replica to finish its first sync" % db)
        return (port, proc, d)

    @classmethod
    def tearDownClass(cls):
        for _, proc, d in getattr(cls, "replicas", []):
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            shutil.rmtree(d, ignore_errors=True)
        super().tearDownClass()

    def test_acknowledged_writes_succeed_and_are_on_the_replica(self):
        alice, bob = tt.Client(self), tt.Client(self)  # register + sign in: 201
        users_replica, public_replica = self.replicas[0][0], self.replicas[1][0]
        self.assertEqual(it.redis(users_replica, "EXISTS", "user:{%s}" % alice.id), b":1")
        st, _, t = alice.upload(self.png)
        self.assertEqual(st, 201, t)
        self.assertEqual(it.redis(users_replica, "EXISTS",
                                  "template:{%s}:%s:png" % (alice.id, t["id"])), b":1")
        st, _, g = alice.req("POST", "/v1/templates/%s/publish" % t["id"])
        self.assertEqual(st, 201, g)
        gid = g["gallery_id"]
        for key in ("public:{gallery}:" + gid, "public:{%s}:png" % gid):
            self.assertEqual(it.redis(public_replica, "EXISTS", key), b":1", key)
        st, _, rep = bob.req("POST", "/v1/gallery/%s/reports" % gid, {"reason": "copied"})
        self.assertEqual(st, 201, rep)
        st, _, b = alice.req("PATCH", "/v1/templates/" + t["id"], {"title": "Renamed"})
        self.assertEqual(st, 200, b)
        self.assertEqual(alice.req("DELETE", "/v1/gallery/" + gid)[0], 204)
        self.assertEqual(alice.req("DELETE", "/v1/templates/" + t["id"])[0], 204)
        self.assertEqual(self.req("DELETE", "/v1/sessions/current",
                                  headers={"Authorization": "Bearer " + bob.token})[0], 204)
        st, _, b = alice.req("DELETE", "/v1/users/me", {"password": PW})
        self.assertEqual(st, 204, b)
        self.assertEqual(it.redis(users_replica, "EXISTS", "user:{%s}" % alice.id), b":0")


def info_replication(port):
    try:
        return stack._redis_call(port, "INFO", "replication", timeout=2)
    except OSError:
        return b""


if __name__ == "__main__":
    it.main()
