"""test_nginx.py - the generated nginx config, in front of a stand-in edge.

Runs the real nginx from deploy/nginx/nginx.conf.in (as scripts/stack.py
renders it) with a small Python HTTP server on the edge's port, so what
nginx itself owns is checked without the C services: problem+json for its
own errors, the request id, the auth rate limit, upstream keepalive, the
JSON access log, static files, the gallery micro-cache, and the committed
compose rendering.
"""

import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import inkwell_test as it
from inkwell_test import stack


class FakeEdge(BaseHTTPRequestHandler):
    """Answers like the edge would; records what nginx sent."""

    protocol_version = "HTTP/1.1"
    seen = []  # (method, path, request_version, headers dict, client port)
    health_status = 200
    gallery = {}  # gallery id -> title; absent: removed (404)

    def log_message(self, *args):
        pass

    def _answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        FakeEdge.seen.append((self.command, self.path, self.request_version,
                              {k.lower(): v for k, v in self.headers.items()},
                              self.client_address[1]))
        item = re.fullmatch(r"/v1/gallery/([0-9a-f]{32})", self.path)
        if self.path in ("/healthz", "/readyz", "/livez"):
            status = FakeEdge.health_status if self.path != "/livez" else 200
            body = {"status": "pass" if status == 200 else "fail", "by": "fake-edge"}
            ctype = "application/health+json"
        elif self.path == "/_problem/431":  # as the edge answers nginx's own 431
            status, ctype = 431, "application/problem+json"
            body = {"type": "about:blank", "title": "Request Header Fields Too Large",
                    "status": 431, "detail": "fake-edge: header too large"}
        elif self.command == "GET" and item and item.group(1) in FakeEdge.gallery:
            status, ctype = 200, "application/json"
            body = {"gallery_id": item.group(1), "title": FakeEdge.gallery[item.group(1)],
                    "served": len(FakeEdge.seen)}
        else:
            status = 404
            body = {"type": "about:blank", "title": "Not Found", "status": 404,
                    "detail": "fake-edge: no route"}
            ctype = "application/problem+json"
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        rid = self.headers.get("X-Request-Id")
        if rid:
            self.send_header("X-Request-Id", rid)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _answer


class NginxTest(it.StackTestCase):
    START = False
    ENV = {"NGINX_AUTH_RATE": "1r/m", "NGINX_AUTH_BURST": "2"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.http.check_contract = False  # FakeEdge is not Inkwell: no contract to hold it to
        cls.web = Path(tempfile.mkdtemp(prefix="inkwell-web-"))
        (cls.web / "index.html").write_text("<!doctype html><title>Inkwell</title>\n")
        (cls.web / "js").mkdir()
        (cls.web / "js" / "app.js").write_text("export {};\n")
        cls.stack.web_root = cls.web
        cls.edge = ThreadingHTTPServer(("127.0.0.1", cls.stack.port_of("edge")), FakeEdge)
        cls.edge.daemon_threads = True
        cls.edge_thread = threading.Thread(target=cls.edge.serve_forever, daemon=True)
        cls.edge_thread.start()
        try:
            cls.stack.start_component("nginx")
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.edge.shutdown()
        cls.edge.server_close()
        shutil.rmtree(cls.web, ignore_errors=True)
        super().tearDownClass()

    def setUp(self):
        FakeEdge.seen.clear()
        FakeEdge.health_status = 200
        FakeEdge.gallery.clear()

    def edge_saw(self, path):
        return [s for s in FakeEdge.seen if s[1] == path]

    def test_proxies_health_and_keeps_the_edges_answer(self):
        status, h, body = self.req("GET", "/healthz")
        self.assertEqual(status, 200)
        self.assertEqual(h["Content-Type"], "application/health+json")
        self.assertEqual(body["by"], "fake-edge")
        FakeEdge.health_status = 503
        status, h, body = self.req("GET", "/healthz")
        self.assertEqual(status, 503, "an edge 503 passes through, not nginx's own page")
        self.assertEqual(body["by"], "fake-edge")

    def test_edge_errors_pass_through(self):
        status, h, body = self.req("GET", "/v1/nope")
        self.assertProblem(status, h, body, 404)
        self.assertIn("fake-edge", body["detail"])

    def test_404_outside_the_api_is_problem_json(self):
        for path in ("/nope", "/nope.html", "/v2/x", "/static-bench/missing"):
            with self.subTest(path=path):
                status, h, body = self.req("GET", path)
                self.assertProblem(status, h, body, 404)
                self.assertRegex(h["X-Request-Id"], r"^[0-9a-f]{32}$")

    def test_web_root_served(self):
        status, h, body = self.req("GET", "/")
        self.assertEqual(status, 200)
        self.assertIn(b"Inkwell", body)

    def test_static_bench_file(self):
        status, h, body = self.req("GET", "/static-bench/small.json")
        self.assertEqual(status, 200)
        self.assertEqual(body, {"status": "pass"})

    def test_405_on_static_is_problem_json(self):
        status, h, body = self.req("POST", "/static-bench/small.json", b"x")
        self.assertProblem(status, h, body, 405)
        self.assertIn("GET", h["Allow"])

    def test_request_id_kept_when_valid(self):
        rid = self.new_rid()
        status, h, body = self.req("GET", "/livez", headers={"X-Request-Id": rid})
        self.assertEqual(status, 200)
        self.assertEqual(h.get_all("X-Request-Id"), [rid], "exactly one, the caller's")
        self.assertEqual(FakeEdge.seen[-1][3]["x-request-id"], rid)
        line = it.poll(lambda: self._access_line(rid), 5, "access log line for " + rid)
        self.assertEqual(line["status"], 200)
        self.assertEqual(line["uri"], "/livez")
        self.assertNotEqual(line["upstream_time"], "")

    def test_request_id_generated_when_missing_or_bad(self):
        for sent in (None, "has spaces in it", "x" * 65, "semi;colon", "a:b", ""):
            with self.subTest(sent=sent):
                hdrs = {} if sent is None else {"X-Request-Id": sent}
                status, h, body = self.req("GET", "/livez", headers=hdrs)
                got = h.get_all("X-Request-Id")
                self.assertEqual(len(got), 1)
                self.assertRegex(got[0], r"^[0-9a-f]{32}$")
                self.assertEqual(FakeEdge.seen[-1][3]["x-request-id"], got[0])

    def _access_line(self, rid):
        for ln in self.log_text("nginx").splitlines():
            if ln.startswith("{") and rid in ln:
                return json.loads(ln)
        return None

    def test_upstream_keepalive(self):
        for _ in range(6):
            self.assertEqual(self.req("GET", "/livez")[0], 200)
        seen = FakeEdge.seen[-6:]
        for method, path, version, hdrs, port in seen:
            self.assertEqual(version, "HTTP/1.1")
            self.assertNotEqual(hdrs.get("connection", "").lower(), "close")
        ports = {s[4] for s in seen}
        self.assertLess(len(ports), 6, "nginx should reuse upstream connections")

    def test_413_over_upload_limit(self):
        raw = self.http.raw(b"POST /v1/templates HTTP/1.1\r\nHost: t\r\n"
                            b"Content-Type: image/png\r\nContent-Length: 21000000\r\n\r\n")
        status, hdrs, body = it.parse_raw(raw)
        self.assertEqual(status, 413)
        self.assertEqual(hdrs["content-type"], "application/problem+json")
        self.assertEqual(json.loads(body)["status"], 413)
        self.assertEqual(FakeEdge.seen, [], "the edge never saw it")

    def test_under_upload_limit_reaches_edge(self):
        status, h, body = self.req("POST", "/v1/templates", b"\0" * (2 << 20),
                                   {"Content-Type": "image/png"})
        self.assertEqual(status, 404)  # the fake edge's answer
        self.assertEqual(FakeEdge.seen[-1][1], "/v1/templates")

    def test_auth_rate_limit_429(self):
        # Burst 2 at 1r/m: the 4th POST in a row is over the limit; other
        # methods and other routes are not limited.
        codes = [self.req("POST", "/v1/sessions", {"username": "a"})[0] for _ in range(4)]
        self.assertIn(429, codes)
        self.assertNotIn(429, codes[:2])
        status, h, body = self.req("POST", "/v1/users", {"username": "a"})
        self.assertProblem(status, h, body, 429)
        # 1r/m gives one request back a minute: "retry in 1 s" would only
        # earn another 429.
        self.assertEqual(h["Retry-After"], "60")
        self.assertTrue(h["X-Request-Id"])
        for _ in range(5):
            self.assertEqual(self.req("DELETE", "/v1/sessions/current")[0], 404)
            self.assertEqual(self.req("GET", "/v1/users/me")[0], 404)

    def test_gallery_metadata_is_micro_cached_for_every_visitor(self):
        gid = uuid.uuid4().hex
        FakeEdge.gallery[gid] = "Rose"
        path = "/v1/gallery/" + gid
        st, h, first = self.req("GET", path)
        self.assertEqual((st, first["title"], h["X-Cache-Status"]), (200, "Rose", "MISS"))
        st, h, again = self.req("GET", path)
        self.assertEqual((st, again, h["X-Cache-Status"]), (200, first, "HIT"))
        self.assertEqual(len(self.edge_saw(path)), 1, "the second view never reached the edge")
        # with a token: the same cached answer (the public gallery's reads do
        # not depend on who asks, issue 16), still without reaching the edge
        auth = {"Authorization": "Bearer " + "t" * 43}
        st, h, mine = self.req("GET", path, headers=auth)
        self.assertEqual(st, 200)
        self.assertIn(h["X-Cache-Status"], ("HIT", "EXPIRED"))  # EXPIRED: the second ran out
        if h["X-Cache-Status"] == "HIT":
            self.assertEqual(mine, first)
            self.assertEqual(len(self.edge_saw(path)), 1)
        # ...and a signed-in view is stored for the next visitor
        gid2 = uuid.uuid4().hex
        FakeEdge.gallery[gid2] = "Daisy"
        path2 = "/v1/gallery/" + gid2
        st, h, signed = self.req("GET", path2, headers=auth)
        self.assertEqual((st, h["X-Cache-Status"]), (200, "MISS"))
        st, h, anon = self.req("GET", path2)
        self.assertIn(h["X-Cache-Status"], ("HIT", "EXPIRED"))
        if h["X-Cache-Status"] == "HIT":
            self.assertEqual(anon, signed)
        # writes are never answered from the cache
        for _ in range(2):
            self.assertEqual(self.req("DELETE", path)[0], 404)
        self.assertEqual(len([s for s in self.edge_saw(path) if s[0] == "DELETE"]), 2)
        # pages of the gallery are keyed by their query
        self.req("GET", "/v1/gallery?limit=5")
        self.req("GET", "/v1/gallery?limit=6")
        self.req("GET", "/v1/gallery?limit=5")
        self.assertEqual(sorted(s[1] for s in FakeEdge.seen if s[1].startswith("/v1/gallery?")),
                         ["/v1/gallery?limit=5", "/v1/gallery?limit=6"])

    def test_gallery_removal_reaches_every_visitor_within_a_second(self):
        gid = uuid.uuid4().hex
        FakeEdge.gallery[gid] = "Tulip"
        path = "/v1/gallery/" + gid
        auth = {"Authorization": "Bearer " + "t" * 43}
        self.assertEqual(self.req("GET", path, headers=auth)[0], 200)
        del FakeEdge.gallery[gid]  # a moderator removed it
        # everyone, the admin with a token too, within the micro-cache's
        # second, not later
        removed = time.monotonic()
        for who in (auth, {}):
            it.poll_fresh(lambda: self.req("GET", path, headers=who)[0] == 404, removed, 2.0, 3,
                          "404 after removal")
        # and the 404 is cached too: no stale copy left to serve under load
        before = len(self.edge_saw(path))
        st, h, b = self.req("GET", path)
        self.assertProblem(st, h, b, 404)
        self.assertEqual(h["X-Cache-Status"], "HIT")
        self.assertEqual(len(self.edge_saw(path)), before)

    def test_cache_keys_cannot_be_planted_through_an_unnormalised_path(self):
        gid = uuid.uuid4().hex
        FakeEdge.gallery[gid] = "Lily"
        for raw_path in ("/v1/x/..%2F..%2Fv1/gallery/" + gid, "/v1/gallery/./" + gid):
            with self.subTest(raw_path=raw_path):
                raw = self.http.raw(("GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
                                     % raw_path).encode())
                status, hdrs, body = it.parse_raw(raw)
                self.assertEqual(status, 200, "the edge got the normalised path nginx matched")
        self.assertEqual({s[1] for s in FakeEdge.seen}, {"/v1/gallery/" + gid})
        st, h, item = self.req("GET", "/v1/gallery/" + gid)
        self.assertEqual((st, item["title"]), (200, "Lily"))

    def test_nginx_own_request_errors_are_problem_json(self):
        cases = [
            (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: t\r\n\r\n", 414),
            (b"GET /livez HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431),
            (b"POST /v1/users HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
            (b"GET /livez HTTP/1.1\r\nHost: t\r\nHost: u\r\n\r\n", 400),
            (b"GET /v1/gallery HTTP/2.0\r\nHost: x\r\n\r\n", 505),
            (b"GET /js/ HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 403),
            (b"GET /index.html HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
             b"If-Unmodified-Since: Thu, 01 Jan 1970 00:00:00 GMT\r\n\r\n", 412),
            (b"GET /index.html HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
             b"Range: bytes=999999-\r\n\r\n", 416),
        ]
        for request, want in cases:
            with self.subTest(status=want):
                raw = self.http.raw(request)
                status, hdrs, body = it.parse_raw(raw)
                self.assertEqual(status, want)
                reason = raw.split(b"\r\n", 1)[0].split(b" ", 2)[2:]
                self.assertTrue(reason and reason[0].strip(), f"{want} has a reason phrase")
                self.assertEqual(hdrs["content-type"], "application/problem+json")
                self.assertEqual(json.loads(body)["status"], want)
                self.assertEqual(hdrs["x-content-type-options"], "nosniff")
        self.assertEqual(self.req("GET", "/_problem/400")[0], 404, "internal only")

    def test_every_response_says_nosniff(self):
        gid = uuid.uuid4().hex
        FakeEdge.gallery[gid] = "Iris"
        cases = [("GET", "/"), ("GET", "/js/app.js"), ("GET", "/livez"), ("GET", "/v1/nope"),
                 ("GET", "/v1/gallery/" + gid), ("GET", "/v1/gallery/" + gid),  # MISS, HIT
                 ("GET", "/nope"), ("POST", "/static-bench/small.json"),
                 ("GET", "/static-bench/small.json")]
        for method, path in cases:
            with self.subTest(method=method, path=path):
                status, h, body = self.req(method, path, b"x" if method == "POST" else None)
                self.assertEqual(h.get_all("X-Content-Type-Options"), ["nosniff"])

    def test_web_app_security_headers(self):
        for path in ("/", "/index.html", "/js/app.js"):
            with self.subTest(path=path):
                status, h, body = self.req("GET", path)
                self.assertEqual(status, 200)
                csp = h["Content-Security-Policy"]
                directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
                self.assertEqual(directives["default-src"], ["'self'"])
                self.assertEqual(directives["frame-ancestors"], ["'none'"])
                self.assertNotIn("script-src", directives, "scripts fall back to 'self'")
                self.assertNotIn("style-src", directives, "styles fall back to 'self'")
                self.assertNotIn("'unsafe-inline'", csp)
                self.assertNotIn("'unsafe-eval'", csp)
                self.assertEqual(h["Referrer-Policy"], "no-referrer")
                self.assertEqual(len(h.get_all("X-Request-Id") or []), 1)

    def test_long_gallery_url_is_served_without_cache_key_error(self):
        # The longest request line nginx takes is 8 KiB; its cache key must fit.
        path = "/v1/gallery?cursor=" + "a" * 7900
        for _ in range(2):
            status, h, body = self.req("GET", path)
            self.assertProblem(status, h, body, 404)  # the fake edge's answer
        self.assertEqual(h["X-Cache-Status"], "HIT")
        self.assertEqual(len(self.edge_saw(path)), 1)
        self.assertFalse("not enough for cache key" in self.log_text("nginx"),
                         "nginx logged: proxy_buffer_size ... is not enough for cache key")

    def test_502_when_edge_is_down_is_problem_json(self):
        # A second nginx of its own, pointing at a port where nothing listens.
        port = stack.free_port_base()
        with tempfile.TemporaryDirectory(prefix="inkwell-test-") as d:
            st = stack.Stack(it.BIN, port, d)
            try:
                st.start_component("nginx")
                status, h, body = it.Http(port).req("GET", "/healthz")
                self.assertProblem(status, h, body, 502)
            finally:
                st.stop()


class ComposeNginxTest(it.InkwellAsserts, __import__("unittest").TestCase):
    def test_compose_conf_is_current(self):
        """deploy/nginx/nginx.compose.conf is the template rendered for compose."""
        r = subprocess.run([sys.executable, str(it.REPO / "scripts" / "stack.py"),
                            "render-nginx", "--compose"], stdout=subprocess.PIPE, check=True)
        committed = (it.REPO / "deploy" / "nginx" / "nginx.compose.conf").read_bytes()
        self.assertEqual(committed, r.stdout,
                         "regenerate: python3 scripts/stack.py render-nginx --compose "
                         "> deploy/nginx/nginx.compose.conf")
        self.assertNotRegex(r.stdout.decode(), r"@[A-Z_]+@")


if __name__ == "__main__":
    it.main()
