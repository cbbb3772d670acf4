#!/usr/bin/env python3
"""W3C Trace Context (issue 15 part 3) through nginx -> edge -> user-svc ->
template-svc: the trace id a client sends in `traceparent` is in the log
lines of all three processes for one upload, each RPC hop is a child span of
its caller's, the response carries the edge's span in `traceparent`, and a
malformed traceparent (version ff, zero ids, wrong length) is ignored: a new
trace starts. X-Request-Id keeps working beside it."""

import json
import re
import uuid

import inkwell_test as it
from test_templates import photo_bytes

PW = "correct horse battery"
TP_RE = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


def new_trace_id():
    return uuid.uuid4().hex


def new_span_id():
    return uuid.uuid4().hex[:16]


class TraceTest(it.StackTestCase):
    ENV = {"NGINX_AUTH_RATE": "1000r/s", "LOG_LEVEL": "debug"}

    def lines(self, name, trace_id):
        """This process's JSON log lines of trace trace_id."""
        out = []
        for line in self.log_text(name).splitlines():
            if trace_id not in line or not line.startswith("{"):
                continue
            rec = json.loads(line)
            if rec.get("trace_id") == trace_id:
                out.append(rec)
        return out

    def wait_lines(self, name, trace_id, pattern):
        """Poll until a line of the trace whose msg matches pattern is logged."""
        def cond():
            return [r for r in self.lines(name, trace_id) if re.search(pattern, r["msg"])]
        return it.poll(cond, 10, "%s to log %r for trace %s" % (name, pattern, trace_id))

    def sign_in(self):
        name = "t" + uuid.uuid4().hex[:12]
        st, _, b = self.req("POST", "/v1/users", {"username": name, "password": PW})
        self.assertEqual(st, 201, b)
        st, _, b = self.req("POST", "/v1/sessions", {"username": name, "password": PW})
        self.assertEqual(st, 201, b)
        return {"Authorization": "Bearer " + b["token"]}

    def response_trace(self, headers):
        tp = headers.get("traceparent")
        self.assertIsNotNone(tp, "no traceparent in the response")
        m = TP_RE.match(tp)
        self.assertIsNotNone(m, tp)
        return m.group(1), m.group(2), m.group(3)

    def test_upload_trace_is_in_every_process_log(self):
        auth = self.sign_in()
        trace_id, parent = new_trace_id(), new_span_id()
        rid = self.new_rid()
        h = dict(auth, **{"Content-Type": "image/png", "X-Request-Id": rid,
                          "traceparent": "00-%s-%s-01" % (trace_id, parent),
                          "tracestate": "inkwell=t1,other=x"})
        st, rh, b = self.req("POST", "/v1/templates?title=Traced", photo_bytes("PNG"), h)
        self.assertEqual(st, 201, b)
        got_trace, edge_span, flags = self.response_trace(rh)
        self.assertEqual(got_trace, trace_id)
        self.assertNotEqual(edge_span, parent)  # the edge's own span, child of ours
        self.assertEqual(flags, "01")
        self.assertEqual(rh.get("tracestate"), "inkwell=t1,other=x")
        self.assertEqual(rh.get("X-Request-Id"), rid)  # the request id is unchanged

        edge = self.wait_lines("edge", trace_id, r"^access method=POST path=/v1/templates ")
        self.assertEqual(edge[0]["span_id"], edge_span)
        self.assertEqual(edge[0]["rid"], rid)
        # user-svc's span is a child of the edge's, template-svc's of user-svc's.
        usvc = self.wait_lines("user-svc", trace_id,
                               r"^rpc inkwell\.user\.v1\.Library/CreateTemplate -> OK ")
        self.assertIn("parent_span=%s" % edge_span, usvc[0]["msg"])
        usvc_span = usvc[0]["span_id"]
        self.assertNotIn(usvc_span, (edge_span, parent))
        self.assertEqual(usvc[0]["rid"], rid)
        tsvc = self.wait_lines("template-svc", trace_id,
                               r"^rpc inkwell\.template\.v1\.Templates/Convert -> OK ")
        self.assertIn("parent_span=%s" % usvc_span, tsvc[0]["msg"])
        self.assertNotIn(tsvc[0]["span_id"], (edge_span, usvc_span, parent))
        # Every line template-svc wrote for the call is in the trace, under one span.
        conv = self.wait_lines("template-svc", trace_id, r"^converted ")
        self.assertEqual(conv[0]["span_id"], tsvc[0]["span_id"])

    def test_malformed_traceparent_starts_a_new_trace(self):
        tid, sid = new_trace_id(), new_span_id()
        bad = [
            "ff-%s-%s-01" % (tid, sid),                 # version ff is invalid
            "00-%s-%s-01" % ("0" * 32, sid),            # all-zero trace id
            "00-%s-%s-01" % (tid, "0" * 16),            # all-zero parent id
            "00-%s-%s-01" % (tid[:30], sid),            # trace id too short
            "00-%s-%s-01-extra" % (tid, sid),           # version 00 is 55 chars
            "00-%s-%s-01" % (tid.upper(), sid),         # uppercase hex
        ]
        for tp in bad:
            with self.subTest(traceparent=tp):
                st, rh, _ = self.req("GET", "/readyz", None,
                                     {"traceparent": tp, "tracestate": "a=b"})
                self.assertEqual(st, 200)
                got_trace, span, flags = self.response_trace(rh)
                self.assertNotEqual(got_trace, tid)
                self.assertNotEqual(got_trace.lower(), tid.lower())
                self.assertNotEqual(span, sid)
                self.assertEqual(flags, "00")
                # tracestate goes only with a traceparent we accepted.
                self.assertIsNone(rh.get("tracestate"))
                self.wait_lines("edge", got_trace, r"^access method=GET path=/readyz ")

    def test_no_traceparent_starts_one(self):
        st, rh, _ = self.req("GET", "/readyz")
        self.assertEqual(st, 200)
        t1, _, _ = self.response_trace(rh)
        st, rh, _ = self.req("GET", "/readyz")
        t2, _, _ = self.response_trace(rh)
        self.assertNotEqual(t1, t2)
        # The readiness check's RPCs carry the new trace to both services.
        self.wait_lines("edge", t1, r"^access method=GET path=/readyz ")
        self.wait_lines("user-svc", t1, r"^rpc .*Health")
        self.wait_lines("template-svc", t1, r"^rpc .*Health")


if __name__ == "__main__":
    it.main()
