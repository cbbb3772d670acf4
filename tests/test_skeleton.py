"""test_skeleton.py - the walking skeleton, end to end (issue 3).

The real stack: two redis-servers, template-svc, user-svc, edge and nginx
from scripts/stack.py on free loopback ports. Checks composite health and
how it follows a Redis or a service going away and coming back, the probe's
exit codes, problem+json errors and the request id through every process.
Each test leaves the stack as it found it (all up and passing).
"""

import json
import re

import inkwell_test as it
from inkwell_test import stack

NAMES = ("users-redis", "public-redis", "template-svc", "user-svc")


class SkeletonTest(it.StackTestCase):
    def tearDown(self):
        # Whatever a test stopped, start it again so the next one sees a
        # whole stack.
        for name in stack.COMPONENTS:
            if not self.stack.running(name):
                self.stack.start_component(name)
        self.wait_health(200, timeout=20)

    # ----- health --------------------------------------------------------

    def test_healthz_pass_with_nested_tree(self):
        status, h, body = self.health()
        self.assertEqual(status, 200, body)
        self.assertEqual(h["Content-Type"].split(";")[0], "application/health+json")
        self.assertEqual(body["status"], "pass", body)
        names = it.components(body)
        for n in NAMES:
            self.assertTrue(any(n in c for c in names), "%s missing from %s" % (n, names))
        self.assertEqual(it.failing(body), [])
        # Nested: template-svc's node is under user-svc's, public-redis under template-svc's.
        usvc = it.subtree(body, "user-svc")
        self.assertIsNotNone(usvc)
        tsvc = it.subtree(usvc, "template-svc")
        self.assertIsNotNone(tsvc, "template-svc is not inside user-svc's subtree: %s" % body)
        self.assertIsNotNone(it.subtree(tsvc, "public-redis"), body)
        self.assertIsNotNone(it.subtree(usvc, "users-redis"), body)
        for node in it.walk(body):
            if "component" in node:
                self.assertIn(node.get("status"), ("pass", "fail", "warn"), node)
                self.assertTrue(any(k in node for k in ("latency_ms", "observedValue",
                                                        "latency")), node)

    def test_livez_and_readyz(self):
        self.assertEqual(self.req("GET", "/livez")[0], 200)
        self.assertEqual(self.req("GET", "/readyz")[0], 200)

    def test_public_redis_down_and_back(self):
        self.stack.stop_component("public-redis")
        status, h, body = self.wait_health(503)
        self.assertEqual(body["status"], "fail")
        bad = [n["component"] for n in it.failing(body)]
        self.assertTrue(any("public-redis" in c for c in bad), bad)
        self.assertFalse(any("users-redis" in c for c in bad), bad)
        self.assertEqual(self.req("GET", "/readyz")[0], 503)
        self.assertEqual(self.req("GET", "/livez")[0], 200, "the edge itself is alive")
        code, out = self.probe(self.stack.addr_of("template-svc"))
        self.assertEqual(code, 4, out)
        self.assertIn("public-redis", out)

        # Back: pass again without restarting any service.
        pids = {n: self.stack.components[n].proc.pid for n in ("template-svc", "user-svc",
                                                                  "edge")}
        self.stack.start_component("public-redis")
        status, h, body = self.wait_health(200, timeout=20)
        self.assertEqual(body["status"], "pass")
        code, out = self.probe(self.stack.addr_of("template-svc"))
        self.assertEqual(code, 0, out)
        for n, pid in pids.items():
            self.assertEqual(self.stack.components[n].proc.pid, pid, n + " was restarted")

    def test_users_redis_down_and_back(self):
        self.stack.stop_component("users-redis")
        status, h, body = self.wait_health(503)
        bad = [n["component"] for n in it.failing(body)]
        self.assertTrue(any("users-redis" in c for c in bad), bad)
        code, out = self.probe(self.stack.addr_of("user-svc"))
        self.assertEqual(code, 4, out)
        code, out = self.probe(self.stack.addr_of("template-svc"))
        self.assertEqual(code, 0, out)
        self.stack.start_component("users-redis")
        self.wait_health(200, timeout=20)

    def test_template_svc_down_named_in_user_svc_subtree(self):
        self.stack.stop_component("template-svc")
        status, h, body = self.wait_health(503)
        usvc = it.subtree(body, "user-svc")
        self.assertIsNotNone(usvc, body)
        self.assertNotEqual(usvc.get("status"), "pass", usvc)
        bad = [n["component"] for n in it.failing(usvc)]
        self.assertTrue(any("template-svc" in c for c in bad), usvc)
        code, out = self.probe(self.stack.addr_of("user-svc"))
        self.assertEqual(code, 4, out)
        self.assertIn("template-svc", out)
        self.stack.start_component("template-svc")
        self.wait_health(200, timeout=20)

    def test_edge_down_gives_502_problem(self):
        self.stack.stop_component("edge")
        status, h, body = self.health()
        self.assertProblem(status, h, body, 502)
        self.stack.start_component("edge")

    # ----- probe ---------------------------------------------------------

    def test_probe_serving(self):
        for name in ("template-svc", "user-svc"):
            code, out = self.probe(self.stack.addr_of(name), "--timeout", "2s")
            self.assertEqual(code, 0, out)
            self.assertIn("SERVING", out)
            self.assertEqual(len(out.strip().splitlines()), 1, out)

    def test_probe_bad_arguments_exit_1(self):
        addr = self.stack.addr_of("template-svc")
        for args in ([], [addr, "--timeout", "soon"], [addr, "--timeout"], [addr, "--bogus"],
                     [addr, addr], ["not-an-address"]):
            with self.subTest(args=args):
                code, out = self.probe(*args)
                self.assertEqual(code, 1, out)

    def test_probe_cannot_connect_exit_2(self):
        port = stack.free_port()
        code, out = self.probe("tcp://127.0.0.1:%d" % port, "--timeout", "500ms")
        self.assertEqual(code, 2, out)

    def test_probe_rpc_error_exit_3(self):
        # An RPC error reply: this service is not "nosuch" -> NOT_FOUND.
        code, out = self.probe(self.stack.addr_of("template-svc"), "--service", "nosuch")
        self.assertEqual(code, 3, out)
        code, out = self.probe(self.stack.addr_of("template-svc"), "--service", "template-svc")
        self.assertEqual(code, 0, out)

    def test_probe_not_serving_exit_4(self):
        self.stack.stop_component("public-redis")
        code, out = it.poll(
            lambda: (lambda r: r if r[0] == 4 else None)(
                self.probe(self.stack.addr_of("template-svc"))),
            10, "probe exit 4")
        self.assertEqual(code, 4, out)

    # ----- HTTP errors ---------------------------------------------------

    def test_unknown_route_404_problem(self):
        for path in ("/v1/nope", "/v1/", "/nope"):
            with self.subTest(path=path):
                status, h, body = self.req("GET", path)
                self.assertProblem(status, h, body, 404)

    def test_wrong_method_405_problem_with_allow(self):
        for path in ("/healthz", "/livez", "/readyz"):
            with self.subTest(path=path):
                status, h, body = self.req("DELETE", path)
                self.assertProblem(status, h, body, 405)
                self.assertIn("GET", h.get("Allow", ""), dict(h))

    def test_json_body_too_large_413_problem(self):
        # Over the edge's JSON limit (64 KiB), under nginx's 20 MiB.
        big = {"username": "a" * 100000, "password": "x" * 16}
        status, h, body = self.req("POST", "/v1/users", big)
        self.assertProblem(status, h, body, 413)

    def test_upload_too_large_413_problem(self):
        raw = self.http.raw(b"POST /v1/templates HTTP/1.1\r\nHost: t\r\n"
                            b"Content-Type: image/png\r\nContent-Length: 30000000\r\n\r\n")
        status, hdrs, body = it.parse_raw(raw)
        self.assertEqual(status, 413)
        self.assertEqual(hdrs["content-type"], "application/problem+json")
        self.assertEqual(json.loads(body)["status"], 413)

    # ----- request id ----------------------------------------------------

    def test_request_id_echoed_and_logged_everywhere(self):
        rid = self.new_rid()
        status, h, body = self.req("GET", "/healthz", headers={"X-Request-Id": rid})
        self.assertEqual(status, 200)
        self.assertEqual(h.get_all("X-Request-Id"), [rid])

        def logged():
            return all(rid in self.log_text(n) for n in ("nginx", "edge", "user-svc",
                                                         "template-svc"))
        try:
            it.poll(logged, 5, "request id in every log")
        except stack.StackError:
            missing = [n for n in ("nginx", "edge", "user-svc", "template-svc")
                       if rid not in self.log_text(n)]
            self.fail("request id %s not in the logs of %s" % (rid, missing))
        # The services' lines are JSON with the id in their "rid" field.
        for n in ("edge", "user-svc", "template-svc"):
            lines = [json.loads(ln) for ln in self.log_text(n).splitlines()
                     if ln.startswith("{") and rid in ln]
            self.assertTrue(lines, n)
            self.assertTrue(all(ln.get("rid") == rid for ln in lines), (n, lines))

    def test_request_id_generated(self):
        status, h, body = self.req("GET", "/livez")
        self.assertEqual(status, 200)
        self.assertRegex(h["X-Request-Id"], r"^[0-9a-f]{32}$")

    def test_errors_carry_request_id(self):
        rid = self.new_rid()
        status, h, body = self.req("GET", "/v1/nope", headers={"X-Request-Id": rid})
        self.assertEqual(status, 404)
        self.assertEqual(h.get_all("X-Request-Id"), [rid])

    # ----- logs ----------------------------------------------------------

    def test_service_logs_are_json_lines(self):
        for n in ("edge", "user-svc", "template-svc"):
            lines = [ln for ln in self.log_text(n).splitlines() if ln.strip()]
            self.assertTrue(lines, "%s logged nothing" % n)
            for ln in lines:
                if re.match(r"^(==\d+==|SUMMARY:|\s)", ln):
                    continue  # sanitizer output is checked in tearDownClass
                self.assertIsInstance(json.loads(ln), dict, (n, ln))


if __name__ == "__main__":
    it.main()
