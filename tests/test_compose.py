"""test_compose.py - the whole stack in Docker, built and run with docker-compose
(deploy/docker-compose.yml) with two instances of each C service, the user
story through nginx, every instance seen answering requests, then the edges
recreated with other addresses and the story again (issue 13).

Needs (scripts/deps.sh installs them): docker.io, docker-compose, debootstrap.
A missing tool FAILS this test: it is in the suite so that the deployment is
tested, and a skip would hide that it is not. It SKIPS (exit 77, ctest's
SKIP_RETURN_CODE) only when no engine can run: none answers and this is not
root, or dockerd exits at start (no privileges, no kernel support); the reason
is printed.

- dockerd: used when it answers; otherwise started here (plain `dockerd`,
  overlay2), waited for by polling `docker info`, and stopped at the end.
- The base image debian:bookworm-slim: used when present; otherwise made with
  debootstrap --variant=minbase from this machine's Debian mirror and
  `docker import`ed (Docker Hub is not needed). It stays, so a rerun reuses it
  (and Docker's layer cache: a rerun only recompiles when sources changed).
- Scaling: `up --scale template-svc=2 --scale user-svc=2 --scale edge=2`. That
  each instance answered is read from its own log (`docker logs <container>`,
  LOG_LEVEL=debug): an edge's access lines for /v1/ paths, a service's `rpc
  <method> -> <code>` lines, health checks left out (every container's
  healthcheck probes itself). Edges are reached only through nginx, user-svc
  only through the edges' nng clients, template-svc only through user-svc's,
  and the request id travels along: so each edge must share request ids with
  each user-svc, and each user-svc with each template-svc. That checks nginx's
  spread over the edges' addresses and every RPC client's dial-every-address
  resolver (common/rpc_resolve.c); one dial per name would pin each client to
  one instance.
- The stack runs under a project name of its own on a free 127.0.0.1 port;
  `down -v --remove-orphans` (containers, networks, volumes) runs on every exit
  path, SIGTERM (ctest's timeout) included.
"""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COMPOSE_FILE = REPO / "deploy" / "docker-compose.yml"
BASE_IMAGE = "debian:bookworm-slim"
PHOTO = Path("/usr/share/libjxl-testdata/jxl/flower/flower.png.im_q85_420.jpg")
PASSWORD = "correct horse battery"
RECREATE_BUDGET_S = 15.0
NGINX_DNS_VALID_S = 1.0  # `resolver ... valid=1s` in deploy/nginx/nginx.compose.conf
SCALE = (("template-svc", 2), ("user-svc", 2), ("edge", 2))
SCALE_ARGS = [a for svc, n in SCALE for a in ("--scale", "%s=%d" % (svc, n))]
HEALTH_METHOD = "inkwell.health.v1.Health/Check"
RPC_LINE = re.compile(r"^rpc (\S+) -> ")
ANSWER_BUDGET_S = 15.0


def log(msg):
    print("compose-test: %s" % msg, file=sys.stderr, flush=True)


def tool(name, *extra_dirs):
    for d in extra_dirs:
        p = Path(d) / name
        if p.is_file() and os.access(p, os.X_OK):
            return str(p)
    return shutil.which(name)


def poll(cond, timeout, what, interval=0.2):
    """cond() until truthy (its value is returned) or fail after timeout s."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %.0f s waiting for %s" % (timeout, what))
        time.sleep(interval)


def debian_mirror():
    """The Debian archive this machine's apt uses (deb822 .sources or sources.list)."""
    files = sorted(Path("/etc/apt/sources.list.d").glob("*.sources"))
    for f in files:
        for stanza in f.read_text().split("\n\n"):
            fields = dict((k.strip().lower(), v.strip()) for k, _, v in
                          (ln.partition(":") for ln in stanza.splitlines()
                           if ":" in ln and not ln.lstrip().startswith("#")))
            suites = fields.get("suites", "").split()
            if "bookworm" in suites and "types" in fields and "deb" in fields["types"].split():
                return fields["uris"].split()[0]
    lists = [Path("/etc/apt/sources.list")] + sorted(Path("/etc/apt/sources.list.d").glob("*.list"))
    for f in lists:
        if not f.exists():
            continue
        for ln in f.read_text().splitlines():
            m = re.match(r"\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s", ln)
            if m:
                return m.group(1)
    return "http://deb.debian.org/debian"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Http:
    def __init__(self, port):
        self.port = port

    def req(self, method, path, body=None, headers=None, timeout=60):
        headers = dict(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request(method, path, body=body, headers=headers)
            r = c.getresponse()
            raw = r.read()
            ctype = (r.getheader("Content-Type") or "").split(";")[0].strip()
            if ctype.endswith("json") and raw:
                try:
                    return r.status, r.msg, json.loads(raw)
                except ValueError:
                    pass
            return r.status, r.msg, raw
        finally:
            c.close()

    def status(self, path):
        try:
            return self.req("GET", path, timeout=5)[0]
        except OSError:
            return None


class ComposeStackTest(unittest.TestCase):
    """One test: the order matters (build, up, story, recreate, story, down)."""

    dockerd = None      # the dockerd this test started, if any
    project = None

    # ---- tools and the engine -------------------------------------------------
    @classmethod
    def setUpClass(cls):
        cls.t0 = time.monotonic()
        cls.tmp = Path(tempfile.mkdtemp(prefix="inkwell-compose-"))
        cls.docker = tool("docker", "/usr/bin")  # Debian's docker.io client first
        cls.compose = tool("docker-compose")
        missing = [n for n, p in (("docker (apt install docker.io)", cls.docker),
                                  ("dockerd (apt install docker.io)", tool("dockerd", "/usr/sbin")),
                                  ("docker-compose", cls.compose),
                                  ("debootstrap", tool("debootstrap", "/usr/sbin")))
                   if not p]
        if missing:
            raise AssertionError("not installed: %s (make deps installs them)" % ", ".join(missing))
        cls.env = dict(os.environ)
        cls.env.pop("DOCKER_HOST", None)
        # docker-compose 1.29 builds with the `docker` CLI on PATH: Debian's.
        cls.env["PATH"] = os.path.dirname(cls.docker) + os.pathsep + cls.env.get("PATH", "")
        signal.signal(signal.SIGTERM, cls._on_sigterm)
        try:
            cls.ensure_dockerd()
            cls.ensure_base_image()
        except BaseException:
            cls.stop_dockerd()
            raise

    @classmethod
    def _on_sigterm(cls, signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        log("SIGTERM: tearing the stack down")
        try:
            cls.teardown_stack()
        finally:
            cls.stop_dockerd()
            os._exit(128 + signum)

    @classmethod
    def run_docker(cls, *args, check=True, capture=True, timeout=120, stdin=None):
        r = subprocess.run([cls.docker, *args], env=cls.env, stdin=stdin,
                           stdout=subprocess.PIPE if capture else None,
                           stderr=subprocess.PIPE if capture else None,
                           timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError("docker %s: exit %d: %s" % (
                " ".join(args), r.returncode, (r.stderr or b"").decode(errors="replace")[-2000:]))
        return r

    @classmethod
    def engine_up(cls):
        try:
            return cls.run_docker("info", "--format", "{{.ServerVersion}}",
                                  check=False, timeout=20).returncode == 0
        except subprocess.TimeoutExpired:
            return False

    @classmethod
    def ensure_dockerd(cls):
        if cls.engine_up():
            log("dockerd: already running")
            return
        if os.geteuid() != 0:
            raise unittest.SkipTest("no Docker engine answers and this is not root: "
                                    "cannot start dockerd")
        logf = open(cls.tmp / "dockerd.log", "wb")
        cls.dockerd = subprocess.Popen([tool("dockerd", "/usr/sbin"), "--storage-driver", "overlay2"],
                                       stdout=logf, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        log("dockerd: started (pid %d), log %s" % (cls.dockerd.pid, cls.tmp / "dockerd.log"))

        def up():
            if cls.dockerd.poll() is not None:
                raise unittest.SkipTest("no Docker engine can run here: dockerd exited with %d: %s"
                                        % (cls.dockerd.returncode,
                                           (cls.tmp / "dockerd.log").read_text()[-2000:]))
            return cls.engine_up()
        poll(up, 60, "dockerd to answer", interval=0.2)

    @classmethod
    def stop_dockerd(cls):
        if cls.dockerd is None or cls.dockerd.poll() is not None:
            return
        cls.dockerd.terminate()
        try:
            cls.dockerd.wait(30)
        except subprocess.TimeoutExpired:
            cls.dockerd.kill()
            cls.dockerd.wait()

    @classmethod
    def ensure_base_image(cls):
        if cls.run_docker("image", "inspect", BASE_IMAGE, check=False).returncode == 0:
            log("base image %s: present" % BASE_IMAGE)
            return
        t = time.monotonic()
        root = cls.tmp / "rootfs"
        mirror = debian_mirror()
        log("base image %s: absent; debootstrap from %s" % (BASE_IMAGE, mirror))
        r = subprocess.run([tool("debootstrap", "/usr/sbin"), "--variant=minbase", "bookworm",
                            str(root), mirror], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=600)
        if r.returncode != 0:
            raise AssertionError("debootstrap failed: %s" % r.stdout.decode(errors="replace")[-3000:])
        tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
        try:
            cls.run_docker("import", "-", BASE_IMAGE, stdin=tar.stdout, timeout=300)
        finally:
            tar.stdout.close()
            tar.wait()
            shutil.rmtree(root, ignore_errors=True)
        log("base image %s: made in %.0f s" % (BASE_IMAGE, time.monotonic() - t))

    # ---- the stack --------------------------------------------------------------
    @classmethod
    def dc(cls, *args, check=True, timeout=600, capture=False):
        r = subprocess.run([cls.compose, "-f", str(COMPOSE_FILE), "-p", cls.project, *args],
                           env=cls.env, cwd=str(REPO), timeout=timeout,
                           stdout=subprocess.PIPE if capture else sys.stderr,
                           stderr=subprocess.STDOUT if capture else sys.stderr)
        if check and r.returncode != 0:
            out = (r.stdout or b"").decode(errors="replace")[-3000:] if capture else ""
            raise AssertionError("docker-compose %s: exit %d %s" % (" ".join(args), r.returncode, out))
        return r

    @classmethod
    def teardown_stack(cls):
        if cls.project is None:
            return
        for name in getattr(cls, "squatters", None) or []:
            cls.run_docker("rm", "-f", name, check=False)
        cls.squatters = []
        try:
            cls.dc("down", "-v", "--remove-orphans", "-t", "5", check=False, timeout=180)
        except subprocess.TimeoutExpired:
            log("docker-compose down timed out")
        cls.project = None

    @classmethod
    def tearDownClass(cls):
        try:
            cls.teardown_stack()
        finally:
            cls.stop_dockerd()
            shutil.rmtree(cls.tmp, ignore_errors=True)
            log("total %.0f s" % (time.monotonic() - cls.t0))

    def containers(self, service):
        return sorted(self.dc("ps", "-q", service, capture=True).stdout.decode().split())

    def container_ips(self, service, n):
        cids = self.containers(service)
        self.assertEqual(len(cids), n, "%d %s containers: %r" % (n, service, cids))
        ips = set()
        for cid in cids:
            r = self.run_docker("inspect", "-f",
                                "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", cid)
            ips.add(r.stdout.decode().split()[0])
        return ips

    def answered(self, cid, service, since):
        """The request ids container cid logged as answered since `since`
        (health checks left out)."""
        r = self.run_docker("logs", "--since", since, cid)
        rids = set()
        for ln in (r.stdout + r.stderr).decode(errors="replace").splitlines():
            try:
                rec = json.loads(ln)
                msg, rid = rec["msg"], rec.get("rid")
            except (ValueError, KeyError, TypeError, AttributeError):
                continue
            if service == "edge":
                hit = msg.startswith("access ") and " path=/v1/" in msg
            else:
                m = RPC_LINE.match(msg)
                hit = bool(m) and m.group(1) != HEALTH_METHOD
            if hit and rid:
                rids.add(rid)
        return rids

    def check_each_answered(self, since, what):
        """Every instance of every scaled service answered requests since
        `since`, and every caller reached every instance of its callee: each
        edge shares request ids with each user-svc, each user-svc with each
        template-svc (the id travels in the RPC envelope)."""
        seen = {}
        missing = []

        def all_answered():
            seen.clear()
            for svc, n in SCALE:
                cids = self.containers(svc)
                self.assertEqual(len(cids), n, "%d %s containers: %r" % (n, svc, cids))
                seen[svc] = {cid[:12]: self.answered(cid, svc, since) for cid in cids}
            missing[:] = ["%s %s answered nothing" % (svc, c)
                          for svc in seen for c, rids in seen[svc].items() if not rids]
            for caller, callee in (("edge", "user-svc"), ("user-svc", "template-svc")):
                missing.extend("%s %s never reached %s %s" % (caller, a, callee, b)
                               for a, ra in seen[caller].items()
                               for b, rb in seen[callee].items() if not ra & rb)
            return not missing
        try:
            poll(all_answered, ANSWER_BUDGET_S, "every instance to answer (%s)" % what, interval=1)
        except AssertionError as e:
            raise AssertionError("%s: %s" % (e, "; ".join(missing)))
        log("%s: requests answered per instance: %s" % (what, {
            "%s/%s" % (svc, c): len(rids) for svc in seen for c, rids in seen[svc].items()}))

    def batch(self, http, auth, gid):
        """A few reads more, so that round-robin reaches every instance. Not
        the gallery's: nginx's micro-cache answers those for everyone, and
        they go from the edge straight to template-svc (issue 16); a library
        page's PDF goes edge -> user-svc -> template-svc (PrintPage)."""
        st, h, lib = http.req("GET", "/v1/templates", headers=auth)
        self.assertEqual(st, 200, lib)
        tid = lib["items"][0]["id"]
        for _ in range(12):
            st, h, got = http.req("GET", "/v1/templates", headers=auth)
            self.assertEqual(st, 200, got)
            st, h, pdf = http.req("GET", "/v1/templates/%s/page.pdf" % tid, headers=auth)
            self.assertEqual(st, 200, pdf[:200])
        st, h, got = http.req("GET", "/v1/gallery/%s" % gid, headers=auth)
        self.assertEqual(st, 200, got)

    def remote_seen_by_nginx(self, http, forwarded_for):
        """The client address nginx logs for a request that claims X-Forwarded-For."""
        rid = "compose-realip-%d-%d" % (os.getpid(), time.monotonic_ns())
        st, h, _ = http.req("GET", "/livez", headers={"X-Forwarded-For": forwarded_for,
                                                      "X-Request-Id": rid})
        self.assertEqual(st, 200)

        def find():
            out = self.dc("logs", "--no-color", "nginx", capture=True).stdout.decode(errors="replace")
            for ln in out.splitlines():
                if rid in ln:
                    return json.loads(ln[ln.index("{"):])["remote"]
            return None
        return poll(find, 10, "nginx's access log line for %s" % rid)

    # ---- the user story -----------------------------------------------------------
    def story(self, http, name):
        st, h, body = http.req("POST", "/v1/users", {"username": name, "password": PASSWORD})
        self.assertEqual(st, 201, body)
        st, h, body = http.req("POST", "/v1/sessions", {"username": name, "password": PASSWORD})
        self.assertEqual(st, 201, body)
        auth = {"Authorization": "Bearer " + body["token"]}
        photo = PHOTO.read_bytes()
        st, h, tpl = http.req("POST", "/v1/templates?title=Flower&detail=3",
                              photo, dict(auth, **{"Content-Type": "image/jpeg"}))
        self.assertEqual(st, 201, tpl)
        st, h, png = http.req("GET", "/v1/templates/%s/image" % tpl["id"], headers=auth)
        self.assertEqual(st, 200, png)
        self.assertEqual(h.get("Content-Type"), "image/png")
        self.assertTrue(png.startswith(b"\x89PNG\r\n\x1a\n"), png[:16])
        self.assertGreater(len(png), 1000)
        st, h, item = http.req("POST", "/v1/templates/%s/publish" % tpl["id"], b"", auth)
        self.assertEqual(st, 201, item)
        gid = item["gallery_id"]
        # The list is micro-cached for 1 s, with a token too (issue 16).
        poll(lambda: gid in [i["gallery_id"] for i in
                             http.req("GET", "/v1/gallery", headers=auth)[2]["items"]],
             3, "the new item listed")
        st, h, got = http.req("GET", "/v1/gallery/%s" % gid)
        self.assertEqual(st, 200, got)
        self.assertEqual(got["publisher"], name)
        st, h, gpng = http.req("GET", "/v1/gallery/%s/image" % gid)
        self.assertEqual(st, 200)
        self.assertEqual(gpng, png)
        return auth, gid

    def test_stack_in_docker(self):
        try:
            self.stack_in_docker()
        except BaseException:
            if type(self).project is not None:
                log("failed; the last log lines of every container:")
                self.dc("logs", "--no-color", "--tail", "25", check=False, timeout=60)
            raise

    def stack_in_docker(self):
        cls = type(self)
        self.assertTrue(PHOTO.exists(), "%s missing (apt install libjxl-testdata)" % PHOTO)

        # .dockerignore (defect 2): what a build context from the repository
        # root holds, seen by the legacy builder docker-compose 1.29 uses.
        probe_df = ("FROM %s\nCOPY . /ctx\nRUN cd /ctx && find . -type d \\( -name node_modules "
                    "-o -name .git -o -name build -o -name 'build-*' -o -name .inkwell-data \\) "
                    "> /ctx.bad\n" % BASE_IMAGE)
        tag = "inkwell-compose-ctx-probe:%d" % os.getpid()
        self.run_docker("build", "-q", "-t", tag, "-f", "-", str(REPO),
                        stdin=subprocess.Popen(["printf", "%s", probe_df],
                                               stdout=subprocess.PIPE).stdout, timeout=300)
        try:
            bad = self.run_docker("run", "--rm", tag, "cat", "/ctx.bad").stdout.decode().split()
        finally:
            self.run_docker("rmi", "-f", tag, check=False)
        self.assertEqual(bad, [], "the build context holds what .dockerignore must keep out")

        cls.project = "inkwell-test-%d" % os.getpid()
        port = free_port()
        cls.env["INKWELL_PORT"] = str(port)
        cls.env["COMPOSE_PROJECT_NAME"] = cls.project
        cls.env["INKWELL_LOG_LEVEL"] = "debug"  # a line per RPC answered
        http = Http(port)

        t = time.monotonic()
        self.dc("build")
        build_s = time.monotonic() - t
        log("images built in %.0f s" % build_s)

        t = time.monotonic()
        since = str(int(time.time()))
        self.dc("up", "-d", *SCALE_ARGS)
        poll(lambda: http.status("/readyz") == 200, 180, "GET /readyz 200 through nginx")
        log("stack (2 of each C service) up and ready in %.0f s (port %d)"
            % (time.monotonic() - t, port))

        auth, gid = self.story(http, "alice%d" % os.getpid())
        self.batch(http, auth, gid)
        self.check_each_answered(since, "after the first story")

        # Defect 3: without NGINX_REAL_IP_FROM a claimed X-Forwarded-For is not
        # believed (the connection's address is the client); with the proxy in
        # front trusted (here Docker's gateway), its X-Forwarded-For is.
        remote = self.remote_seen_by_nginx(http, "203.0.113.9")
        self.assertNotEqual(remote, "203.0.113.9")
        net = "%s_default" % self.project
        gw = self.run_docker("network", "inspect", "-f",
                             "{{range .IPAM.Config}}{{.Gateway}} {{end}}", net).stdout.decode().split()
        self.assertEqual(gw, [remote], "nginx sees Docker's gateway as the client")
        cls.env["NGINX_REAL_IP_FROM"] = gw[0]
        self.dc("up", "-d", "--no-deps", "nginx")
        poll(lambda: http.status("/readyz") == 200, 60, "nginx back with NGINX_REAL_IP_FROM")
        self.assertEqual(self.remote_seen_by_nginx(http, "198.51.100.7, 203.0.113.9"), "203.0.113.9")

        # Defect 1: the edges come back with other addresses. Stop them, let
        # stand-ins take their addresses (Docker hands out the lowest free
        # ones), recreate them; nginx must follow to both new ones.
        n_edges = dict(SCALE)["edge"]
        old_ips = self.container_ips("edge", n_edges)
        self.dc("stop", "-t", "5", "edge")
        cls.squatters = []
        for i in range(n_edges):
            name = "%s-squatter-%d" % (self.project, i)
            self.run_docker("run", "-d", "--rm", "--name", name, "--network", net,
                            "--entrypoint", "sleep", "inkwell-redis:latest", "600")
            cls.squatters.append(name)
        t = time.monotonic()
        since = str(int(time.time()))
        self.dc("up", "-d", "--force-recreate", "--no-deps", "--scale", "edge=%d" % n_edges, "edge")
        up_s = time.monotonic() - t
        t = time.monotonic()
        new_ips = self.container_ips("edge", n_edges)
        self.assertFalse(new_ips & old_ips, "a recreated edge kept its address: %s -> %s"
                         % (sorted(old_ips), sorted(new_ips)))
        # Every nginx worker keeps the edge's DNS answer for NGINX_DNS_VALID_S
        # (whole seconds, so up to one more): one /readyz through one worker
        # says nothing of a worker that asked while `up` ran. Any answer got
        # after `up` returned names both new edges.
        settled = t + NGINX_DNS_VALID_S + 1.0
        poll(lambda: time.monotonic() >= settled and http.status("/readyz") == 200,
             RECREATE_BUDGET_S,
             "GET /readyz 200 through nginx after the edges were recreated (%s -> %s)"
             % (sorted(old_ips), sorted(new_ips)))
        log("edges recreated (%s -> %s) by a %.1f s `up`: requests pass again %.1f s after it"
            % (sorted(old_ips), sorted(new_ips), up_s, time.monotonic() - t))
        auth, gid = self.story(http, "bob%d" % os.getpid())
        self.batch(http, auth, gid)
        self.check_each_answered(since, "after the edges were recreated")


if __name__ == "__main__":
    # ctest passes --bin (this test builds its own binaries, in the image).
    argv = [a for i, a in enumerate(sys.argv)
            if a != "--bin" and (i == 0 or sys.argv[i - 1] != "--bin")]
    prog = unittest.main(argv=argv, verbosity=2, exit=False)
    if not prog.result.wasSuccessful():
        sys.exit(1)
    sys.exit(77 if prog.result.skipped else 0)
