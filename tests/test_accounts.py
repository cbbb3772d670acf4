#!/usr/bin/env python3
"""Accounts through the real nginx -> edge -> user-svc -> Redis stack:
registration rules, strict JSON validation, login/logout/expiry, tokens,
races, rate limits, admin grant, and health during a burst of logins."""

import json
import subprocess
import threading
import uuid

import inkwell_test as it

GOOD_PW = "correct horse battery"


def redis_dbsize(port):
    line = it.redis(port, "DBSIZE")
    assert line.startswith(b":"), line
    return int(line[1:])


def uname(prefix="u"):
    return prefix + uuid.uuid4().hex[:12]


class AccountsTest(it.StackTestCase):
    ENV = {"NGINX_AUTH_RATE": "1000r/s"}

    def register(self, username, password=GOOD_PW, **extra):
        body = {"username": username, "password": password}
        body.update(extra)
        return self.req("POST", "/v1/users", body)

    def login(self, username, password=GOOD_PW):
        return self.req("POST", "/v1/sessions", {"username": username, "password": password})

    def token_for(self, username):
        st, _, body = self.register(username)
        self.assertEqual(st, 201, body)
        st, _, body = self.login(username)
        self.assertEqual(st, 201, body)
        return body["token"]

    def me(self, token):
        return self.req("GET", "/v1/users/me", headers={"Authorization": "Bearer " + token})

    def users_db_size(self):
        return redis_dbsize(self.stack.port_of("users-redis"))

    # ---- registration --------------------------------------------------

    def test_register_returns_profile_and_location(self):
        name = uname("Alice")
        st, h, body = self.register(name, email="alice@example.com")
        self.assertEqual(st, 201, body)
        self.assertEqual(body["username"], name)
        self.assertEqual(body["role"], "user")
        self.assertRegex(body["id"], r"^[0-9a-f]{32}$")
        self.assertRegex(body["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
        self.assertTrue(h.get("Location"))
        self.assertNotIn("password", json.dumps(body))

    def test_username_unique_ignoring_case(self):
        name = uname("bob")
        self.assertEqual(self.register(name.lower())[0], 201)
        st, h, body = self.register(name.upper())
        self.assertProblem(st, h, body, 409)

    def test_bad_requests_each_named_and_nothing_written(self):
        u = uname()
        cases = [
            # (body bytes or dict, content type, expected status, field)
            ({}, None, 400, "username"),
            ({"username": u}, None, 400, "password"),
            ({"password": GOOD_PW}, None, 400, "username"),
            ({"username": None, "password": GOOD_PW}, None, 400, "username"),
            ({"username": u, "password": None}, None, 400, "password"),
            ({"username": 12345, "password": GOOD_PW}, None, 400, "username"),
            ({"username": u, "password": 1234567890123}, None, 400, "password"),
            ({"username": [u], "password": GOOD_PW}, None, 400, "username"),
            ({"username": {"a": 1}, "password": GOOD_PW}, None, 400, "username"),
            ({"username": True, "password": GOOD_PW}, None, 400, "username"),
            ({"username": u, "password": GOOD_PW, "role": "admin"}, None, 400, "role"),
            ({"username": u, "password": GOOD_PW, "is_admin": True}, None, 400, "is_admin"),
            ({"username": "ab", "password": GOOD_PW}, None, 400, "username"),
            ({"username": "x" * 33, "password": GOOD_PW}, None, 400, "username"),
            ({"username": "bad name", "password": GOOD_PW}, None, 400, "username"),
            ({"username": "bad/name", "password": GOOD_PW}, None, 400, "username"),
            ({"username": "caf\u00e9", "password": GOOD_PW}, None, 400, "username"),
            ({"username": u, "password": "short"}, None, 400, "password"),
            ({"username": u, "password": "p" * 129}, None, 400, "password"),
            ({"username": u, "password": GOOD_PW, "email": "not-an-email"}, None, 400, "email"),
            ({"username": u, "password": GOOD_PW, "email": 42}, None, 400, "email"),
            ({"username": u + "\u0001", "password": GOOD_PW}, None, 400, "username"),
            ({"username": u, "password": "tab\there-is-long"}, None, 400, "password"),
            (b'{"username": "%s", "password": "%s"' % (u.encode(), GOOD_PW.encode()), None, 400,
             "body"),
            (b'{"username": "%s", "password": "%s"} trailing' % (u.encode(), GOOD_PW.encode()),
             None, 400, "body"),
            (b'[1, 2, 3]', None, 400, "body"),
            (b'"just a string"', None, 400, "body"),
            (b'null', None, 400, "body"),
            (b'{"username": "\xff\xfe", "password": "0123456789ab"}', None, 400, "body"),
            (b'{"username": "a\\u0000b", "password": "0123456789ab"}', None, 400, "body"),
            (b'{"a": {"b": {"c": {"d": {"e": {}}}}}}', None, 400, "body"),
            (b'{"username": "%s", "username": "x%s", "password": "%s"}' %
             (u.encode(), u.encode(), GOOD_PW.encode()), None, 400, "body"),
            ({"username": u, "password": GOOD_PW}, "text/plain", 415, None),
            ({"username": u, "password": GOOD_PW}, "application/x-www-form-urlencoded", 415,
             None),
        ]
        before = self.users_db_size()
        for body, ctype, status, field in cases:
            with self.subTest(body=body, ctype=ctype):
                raw = body if isinstance(body, bytes) else json.dumps(body).encode()
                st, h, got = self.req("POST", "/v1/users", raw,
                                      {"Content-Type": ctype or "application/json"})
                self.assertProblem(st, h, got, status, field)
                if field is not None:
                    self.assertTrue(all(isinstance(e.get("message"), str) and e["message"]
                                        for e in got["errors"]), got)
        # several bad fields are all reported at once
        st, h, got = self.req("POST", "/v1/users",
                              {"username": 1, "password": None, "extra": "x"})
        self.assertProblem(st, h, got, 400)
        self.assertEqual(sorted(e["field"] for e in got["errors"]),
                         ["extra", "password", "username"])
        self.assertEqual(self.users_db_size(), before, "a rejected request wrote to Redis")
        st, _, _ = self.login(u)
        self.assertEqual(st, 401)

    def test_oversize_body_413_while_reading(self):
        big = b'{"username": "' + b"a" * (70 * 1024) + b'", "password": "0123456789ab"}'
        before = self.users_db_size()
        st, h, body = self.req("POST", "/v1/users", big, {"Content-Type": "application/json"})
        self.assertProblem(st, h, body, 413)
        # chunked: no Content-Length to trust
        raw = self.http.raw(b"POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                            b"\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
                            b"".join(b"%x\r\n%s\r\n" % (4096, b"a" * 4096) for _ in range(20)) +
                            b"0\r\n\r\n")
        status, hdrs, _ = it.parse_raw(raw)
        self.assertEqual(status, 413)
        self.assertEqual(hdrs.get("content-type"), "application/problem+json")
        self.assertEqual(self.users_db_size(), before)

    def test_deeply_nested_json_is_refused_and_the_edge_lives(self):
        # jansson parses recursively; on a civetweb thread's small stack a
        # few thousand levels used to kill the edge (502 for everyone).
        for body in (b"[" * 5000, b'{"a":' * 5000, b'{"username":' + b"[" * 60000):
            with self.subTest(body=body[:12]):
                st, h, b = self.req("POST", "/v1/users", body,
                                    {"Content-Type": "application/json"})
                self.assertProblem(st, h, b, 400)
                self.assertIn("nested deeper", json.dumps(b))
        self.assertEqual(self.req("GET", "/livez")[0], 200)

    def test_concurrent_same_username_exactly_one_wins(self):
        name = uname("race")
        results = []
        lock = threading.Lock()

        def go():
            st, _, _ = it.Http(self.port, timeout=60).req(
                "POST", "/v1/users", {"username": name, "password": GOOD_PW})
            with lock:
                results.append(st)

        threads = [threading.Thread(target=go) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(sorted(results), [201] + [409] * 19)

    # ---- sessions ------------------------------------------------------

    def test_login_logout_token_stops_working(self):
        name = uname()
        token = self.token_for(name)
        st, _, body = self.me(token)
        self.assertEqual(st, 200, body)
        self.assertEqual(body["username"], name)
        for k in body:
            self.assertNotIn("pass", k.lower())
            self.assertNotIn("hash", k.lower())
        st, _, _ = self.req("DELETE", "/v1/sessions/current",
                            headers={"Authorization": "Bearer " + token})
        self.assertEqual(st, 204)
        st, h, body = self.me(token)
        self.assertProblem(st, h, body, 401)

    def test_login_response_shape(self):
        name = uname()
        self.assertEqual(self.register(name)[0], 201)
        st, _, body = self.login(name.upper())  # usernames ignore case at login too
        self.assertEqual(st, 201, body)
        self.assertEqual(body["token_type"], "Bearer")
        self.assertGreaterEqual(len(body["token"]), 43)
        self.assertRegex(body["expires_at"], r"^\d{4}-\d\d-\d\dT")

    def test_wrong_password_and_unknown_user_look_the_same(self):
        name = uname()
        self.assertEqual(self.register(name)[0], 201)
        st1, h1, b1 = self.login(name, "wrong password!!")
        st2, h2, b2 = self.login(uname("nobody"), "wrong password!!")
        self.assertProblem(st1, h1, b1, 401)
        self.assertProblem(st2, h2, b2, 401)
        self.assertEqual((b1["title"], b1.get("detail")), (b2["title"], b2.get("detail")))

    def test_garbage_tokens_401(self):
        for auth in ["Bearer nonsense", "Bearer " + "A" * 43, "Basic dXNlcjpwYXNz", "Bearer",
                     "", "Bearer " + "x" * 5000, "bearer \u00e9\u00e9"]:
            with self.subTest(auth=auth):
                headers = {"Authorization": auth} if auth else {}
                st, h, body = self.req("GET", "/v1/users/me",
                                       headers={k: v.encode("utf-8").decode("latin-1")
                                                for k, v in headers.items()})
                self.assertProblem(st, h, body, 401)
                self.assertIn("Bearer", h.get("WWW-Authenticate") or "")

    def test_grant_admin_command(self):
        name = uname("boss")
        token = self.token_for(name)
        env = {"USERS_REDIS_ADDR": "127.0.0.1:%d" % self.stack.port_of("users-redis"),
               "PATH": "/usr/bin:/bin"}
        r = subprocess.run([str(it.BIN / "user-svc"), "grant-admin", name], env=env,
                           capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.me(token)[2]["role"], "admin")
        r = subprocess.run([str(it.BIN / "user-svc"), "grant-admin", uname("ghost")], env=env,
                           capture_output=True, timeout=30)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"no user", r.stderr)

    def test_health_answers_during_login_burst(self):
        name = uname()
        self.assertEqual(self.register(name)[0], 201)
        done = threading.Event()
        statuses = []

        def burst():
            client = it.Http(self.port, timeout=120)
            while not done.is_set():
                statuses.append(client.req("POST", "/v1/sessions",
                                           {"username": name, "password": GOOD_PW})[0])

        threads = [threading.Thread(target=burst) for _ in range(24)]
        for t in threads:
            t.start()
        try:
            it.poll(lambda: len(statuses) >= 24, 60, "burst under way")
            health = [self.health()[0] for _ in range(5)]
        finally:
            done.set()
            for t in threads:
                t.join()
        self.assertEqual(health, [200] * 5)
        self.assertTrue(all(s in (201, 503) for s in statuses), set(statuses))


class SessionExpiryTest(it.StackTestCase):
    ENV = {"SESSION_TTL_SECONDS": "1", "NGINX_AUTH_RATE": "1000r/s"}

    def test_token_expires(self):
        name = uname()
        st, _, _ = self.req("POST", "/v1/users", {"username": name, "password": GOOD_PW})
        self.assertEqual(st, 201)
        st, _, body = self.req("POST", "/v1/sessions", {"username": name, "password": GOOD_PW})
        token = body["token"]
        hdr = {"Authorization": "Bearer " + token}
        self.assertEqual(self.req("GET", "/v1/users/me", headers=hdr)[0], 200)
        # Redis expires the key after the TTL: poll until it is gone.
        it.poll(lambda: self.req("GET", "/v1/users/me", headers=hdr)[0] == 401, 10,
                "token expiry")


class RateLimitTest(it.StackTestCase):
    ENV = {"NGINX_AUTH_RATE": "2r/s", "NGINX_AUTH_BURST": "5"}

    def test_login_rate_limited_with_retry_after(self):
        seen = None
        for _ in range(60):
            # An invalid body is answered at once by the edge, so the client
            # outpaces the limit whatever the password hashing costs.
            st, h, body = self.req("POST", "/v1/sessions", {"username": "nobody1"})
            if st == 429:
                seen = (st, h, body)
                break
        self.assertIsNotNone(seen, "never rate limited")
        self.assertProblem(*seen, 429)
        self.assertTrue(seen[1].get("Retry-After"))


if __name__ == "__main__":
    it.main()
