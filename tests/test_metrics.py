#!/usr/bin/env python3
"""Prometheus metrics (issue 15 part 2) against the real stack: every process
serves text format 0.0.4 at /metrics on its own listener (P+11..P+13) that
`promtool check metrics` accepts, never through the public nginx; a real
prometheus server, started here on loopback with the stack's file_sd targets
file and a 1 s scrape interval, scrapes them, and after a short user story a
PromQL query through its HTTP API returns the request counts edge, user-svc
and template-svc made. Also: deploy/prometheus's config and alert rules pass
`promtool check` and the alerts' unit tests."""

import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile
import urllib.parse
import uuid
from pathlib import Path

import inkwell_test as it
import stack
from test_templates import photo_bytes

PW = "correct horse battery"
PROM_DIR = it.REPO / "deploy" / "prometheus"
JOBS = ("edge", "template-svc", "user-svc")


def tool(name):
    path = shutil.which(name)
    if path is None:
        raise AssertionError("%s is missing: install Debian's prometheus (make deps)" % name)
    return path


def get(port, path, timeout=5.0):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.getheader("Content-Type") or "", r.read()
    finally:
        c.close()


class DeployFilesTest(it.unittest.TestCase):
    """deploy/prometheus is valid, and each alert fires on what it is about."""

    def run_tool(self, *args):
        r = subprocess.run([tool("promtool")] + list(args), cwd=str(PROM_DIR),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout.decode(errors="replace"))

    def test_config_and_rules_check(self):
        self.run_tool("check", "config", "prometheus.yml")
        self.run_tool("check", "rules", "alerts.yml")

    def test_alert_unit_tests_pass(self):
        self.run_tool("test", "rules", "alerts_test.yml")


class ListenerTest(it.unittest.TestCase):
    """A METRICS_LISTEN that cannot be bound stops the process at start (exit 1, logged)."""

    def test_busy_metrics_listen_stops_the_service(self):
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            addr = "127.0.0.1:%d" % busy.getsockname()[1]
            env = dict(os.environ, METRICS_LISTEN=addr,
                       TEMPLATE_SVC_LISTEN="tcp://127.0.0.1:%d" % stack.free_port())
            r = subprocess.run([str(it.BIN / "template-svc")], env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        out = r.stdout.decode(errors="replace")
        self.assertEqual(r.returncode, 1, out)
        self.assertIn("cannot serve metrics on %s (METRICS_LISTEN)" % addr, out)


class MetricsTest(it.StackTestCase):
    ENV = {"NGINX_AUTH_RATE": "1000r/s"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.prom = None
        cls.prom_dir = Path(tempfile.mkdtemp(prefix="inkwell-prom-"))
        try:
            cls.start_prometheus()
        except BaseException:
            cls.stop_prometheus()
            cls.stack.stop()
            raise

    @classmethod
    def start_prometheus(cls):
        cls.prom_port = stack.free_port()
        cfg = cls.prom_dir / "prometheus.yml"
        cfg.write_text(json.dumps({  # JSON is YAML
            "global": {"scrape_interval": "1s", "scrape_timeout": "1s",
                       "evaluation_interval": "1s"},
            "scrape_configs": [{
                "job_name": "inkwell",
                "file_sd_configs": [{"files": [str(cls.stack.targets_path)],
                                     "refresh_interval": "1s"}],
            }],
        }))
        cls.prom_log = open(cls.prom_dir / "prometheus.log", "wb")
        cls.prom = subprocess.Popen(
            [tool("prometheus"), "--config.file", str(cfg),
             "--storage.tsdb.path", str(cls.prom_dir / "data"),
             "--web.listen-address", "127.0.0.1:%d" % cls.prom_port],
            stdin=subprocess.DEVNULL, stdout=cls.prom_log, stderr=subprocess.STDOUT)

        def ready():
            if cls.prom.poll() is not None:
                raise stack.StackError("prometheus exited: %s" % (
                    cls.prom_dir / "prometheus.log").read_text(errors="replace")[-2000:])
            try:
                return get(cls.prom_port, "/-/ready", 1.0)[0] == 200
            except OSError:
                return False
        it.poll(ready, 30, "prometheus to be ready", interval=0.1)

    @classmethod
    def stop_prometheus(cls):
        if cls.prom is not None and cls.prom.poll() is None:
            cls.prom.terminate()
            try:
                cls.prom.wait(10)
            except subprocess.TimeoutExpired:
                cls.prom.kill()
                cls.prom.wait()
        if getattr(cls, "prom_log", None) is not None:
            cls.prom_log.close()
        shutil.rmtree(cls.prom_dir, ignore_errors=True)

    @classmethod
    def tearDownClass(cls):
        cls.stop_prometheus()
        super().tearDownClass()

    def query(self, promql):
        """Instant query through the HTTP API: [(labels, float value), ...]."""
        status, _, body = get(self.prom_port,
                              "/api/v1/query?" + urllib.parse.urlencode({"query": promql}))
        self.assertEqual(status, 200, body)
        data = json.loads(body)
        self.assertEqual(data["status"], "success", data)
        return [(r["metric"], float(r["value"][1])) for r in data["data"]["result"]]

    def wait_value(self, promql, want, timeout=30.0):
        """Poll the query until it returns one sample equal to want."""
        last = []

        def cond():
            res = self.query(promql)
            last[:] = [res]
            return len(res) == 1 and res[0][1] == want
        try:
            it.poll(cond, timeout, promql, interval=0.25)
        except stack.StackError:
            self.fail("%s never returned %r within %.0f s; last %r" % (
                promql, want, timeout, last[0] if last else None))

    def test_targets_file_lists_every_process(self):
        groups = json.loads(self.stack.targets_path.read_text())
        by_job = {g["labels"]["job"]: g["targets"] for g in groups}
        self.assertEqual(sorted(by_job), sorted(JOBS))
        for job in JOBS:
            self.assertEqual(by_job[job], ["127.0.0.1:%d" % self.stack.metrics_port_of(job)])

    def test_every_endpoint_passes_promtool(self):
        self.req("GET", "/readyz")  # RPCs, Redis commands, an HTTP request to report
        for job in JOBS:
            status, ctype, body = get(self.stack.metrics_port_of(job), "/metrics")
            self.assertEqual(status, 200, job)
            self.assertTrue(ctype.startswith("text/plain; version=0.0.4"), ctype)
            r = subprocess.run([tool("promtool"), "check", "metrics"], input=body,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
            self.assertEqual(r.returncode, 0, "%s: %s" % (job, r.stdout.decode()))
            text = body.decode()
            self.assertIn('inkwell_build_info{service="%s"' % job, text)
            self.assertIn("inkwell_process_uptime_seconds", text)
        edge = get(self.stack.metrics_port_of("edge"), "/metrics")[2].decode()
        self.assertIn('inkwell_http_requests_total{route="/readyz",method="GET",status="200"}',
                      edge)
        self.assertIn('inkwell_rpc_client_connections{peer="user-svc"} 1', edge)
        tsvc = get(self.stack.metrics_port_of("template-svc"), "/metrics")[2].decode()
        self.assertIn('inkwell_gate_in_flight{gate="convert"} 0', tsvc)
        self.assertIn("inkwell_redis_commands_total", tsvc)
        usvc = get(self.stack.metrics_port_of("user-svc"), "/metrics")[2].decode()
        self.assertIn('inkwell_gate_waiting{gate="pwhash"} 0', usvc)
        # Only /metrics, and never through the public nginx.
        self.assertEqual(get(self.stack.metrics_port_of("edge"), "/")[0], 404)
        self.assertEqual(self.req("GET", "/metrics")[0], 404)

    def test_prometheus_counts_a_user_story(self):
        it.poll(lambda: len(self.query('up == 1')) == 3, 30, "prometheus to scrape all 3")
        ups = {m["job"] for m, v in self.query("up == 1")}
        self.assertEqual(ups, set(JOBS))

        name = "m" + uuid.uuid4().hex[:12]
        st, _, b = self.req("POST", "/v1/users", {"username": name, "password": PW})
        self.assertEqual(st, 201, b)
        st, _, b = self.req("POST", "/v1/sessions", {"username": name, "password": PW})
        self.assertEqual(st, 201, b)
        auth = {"Authorization": "Bearer " + b["token"]}
        for _ in range(2):
            st, _, b = self.req("POST", "/v1/templates?title=Flower", photo_bytes("PNG"),
                                dict(auth, **{"Content-Type": "image/png"}))
            self.assertEqual(st, 201, b)
        for _ in range(3):
            st, _, b = self.req("GET", "/v1/templates", None, auth)
            self.assertEqual(st, 200, b)
        st, _, _ = self.req("GET", "/v1/templates/nosuchid", None, auth)
        self.assertEqual(st, 404)

        # The edge counts by route template, not by raw path.
        self.wait_value('sum(inkwell_http_requests_total{job="edge",route="/v1/templates",'
                        'method="POST",status="201"})', 2)
        self.wait_value('sum(inkwell_http_requests_total{job="edge",route="/v1/templates",'
                        'method="GET",status="200"})', 3)
        self.wait_value('sum(inkwell_http_requests_total{job="edge",route="/v1/templates/{id}",'
                        'status="404"})', 1)
        self.wait_value('sum(inkwell_http_requests_total{job="edge",route="/v1/users",'
                        'status="201"})', 1)
        self.wait_value('sum(inkwell_rpc_server_requests_total{job="user-svc",'
                        'method="inkwell.user.v1.Library/CreateTemplate",code="OK"})', 2)
        self.wait_value('sum(inkwell_rpc_server_requests_total{job="user-svc",'
                        'method="inkwell.user.v1.Library/ListTemplates",code="OK"})', 3)
        self.wait_value('sum(inkwell_rpc_server_requests_total{job="template-svc",'
                        'method="inkwell.template.v1.Templates/Convert",code="OK"})', 2)
        # The same calls seen from the callers' side.
        self.wait_value('sum(inkwell_rpc_client_calls_total{job="user-svc",peer="template-svc",'
                        'method="inkwell.template.v1.Templates/Convert",code="OK"})', 2)
        self.wait_value('sum(inkwell_gate_work_seconds_count{job="template-svc",'
                        'gate="convert"})', 2)
        self.wait_value('sum(inkwell_convert_pixels_count{job="template-svc"})', 2)
        # One sign-up and one sign-in hashed a password.
        self.wait_value('sum(inkwell_gate_work_seconds_count{job="user-svc",gate="pwhash"})', 2)
        res = self.query('histogram_quantile(0.99, sum by (le) (rate('
                         'inkwell_http_request_duration_seconds_bucket{job="edge"}[1m])))')
        self.assertEqual(len(res), 1, res)


if __name__ == "__main__":
    it.main()
