#!/usr/bin/env python3
"""`template-svc migrate-keys` (issue 14): a public database written before
its keys fitted a Redis Cluster (`public:{pid}`, `published:{src}`,
`report:{rid}`, `reports:open`, ...) is renamed to the `{gallery}` names, and
the stack then serves what was there: the item in the gallery, its image, its
open report. A second run renames nothing."""

import hashlib
import subprocess
import uuid

import inkwell_test as it
import test_templates as tt


class MigrateKeysTest(it.StackTestCase):
    ENV = {"NGINX_AUTH_RATE": "1000r/s"}

    def migrate(self):
        env = {"PUBLIC_REDIS_ADDR": "127.0.0.1:%d" % self.stack.port_of("public-redis"),
               "PATH": "/usr/bin:/bin"}
        r = subprocess.run([str(it.BIN / "template-svc"), "migrate-keys"], env=env,
                           capture_output=True, timeout=60, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def test_old_keys_are_renamed_and_served(self):
        admin = tt.Client(self)
        self.grant_admin(admin.name)
        pub = self.stack.port_of("public-redis")
        png = tt.photo_bytes("PNG", (120, 80))
        pid, rid, src = uuid.uuid4().hex, uuid.uuid4().hex, "old:" + uuid.uuid4().hex[:8]
        sha = hashlib.sha256(png).hexdigest()
        pub_id = uuid.uuid4().hex
        it.redis(pub, "HSET", "public:{%s}" % pid, "id", pid, "source_key", src,
                 "title", "Old", "width", 120, "height", 80, "publisher_id", pub_id,
                 "publisher_name", "olduser", "published_at", 1700000000000,
                 "etag", "0" * 32, "sha256", sha)
        with __import__("socket").create_connection(("127.0.0.1", pub)) as s:
            key = b"public:{%s}:png" % pid.encode()
            s.sendall(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" %
                      (len(key), key, len(png), png))
            self.assertEqual(s.makefile("rb").readline(), b"+OK\r\n")
        it.redis(pub, "ZADD", "gallery", 1700000000000, pid)
        it.redis(pub, "SET", "published:{%s}" % src, pid)
        it.redis(pub, "SADD", "copies:{%s}" % sha, pid)
        it.redis(pub, "HSET", "report:{%s}" % rid, "id", rid, "gallery_id", pid,
                 "reason", "old report", "reporter_id", admin.id, "reporter_name", admin.name,
                 "created_at", 1700000000001, "status", "open")
        it.redis(pub, "HSET", "public:{%s}:reports" % pid, admin.id, rid)
        it.redis(pub, "ZADD", "reports:open", 1700000000001, rid)
        # before: the item is indexed but its hash is not where the code looks
        st, h, b = admin.req("GET", "/v1/gallery/" + pid)
        self.assertProblem(st, h, b, 404)

        out = self.migrate()
        self.assertIn("6 keys renamed, 0 left", out)
        # the 404 above may be nginx's for up to a second (issue 16)
        it.poll(lambda: admin.req("GET", "/v1/gallery/" + pid)[0] == 200, 3, "the migrated item")
        st, _, b = admin.req("GET", "/v1/gallery/" + pid)
        self.assertEqual((st, b.get("title")), (200, "Old"), b)
        st, _, img = admin.req("GET", "/v1/gallery/%s/image" % pid)
        self.assertEqual((st, img), (200, png))
        st, _, reps = admin.req("GET", "/v1/admin/reports")
        self.assertIn(rid, [x["report_id"] for x in reps["items"]], reps)
        # the moderation links survived the move: removing it takes the
        # page down for every source
        st, _, res = admin.req("POST", "/v1/admin/reports/" + rid, {"action": "remove"})
        self.assertEqual((st, res.get("status")), (200, "removed"), res)
        self.assertEqual(it.redis(pub, "EXISTS", "takedown:{gallery}:" + sha), b":1")
        self.assertEqual(it.redis(pub, "EXISTS", "public:{%s}:png" % pid), b":0")
        self.assertIn("0 keys renamed, 0 left", self.migrate())


if __name__ == "__main__":
    it.main()
