#!/usr/bin/env python3
"""stack.py - start and stop a whole Inkwell stack on loopback.

One launcher for `make up` (foreground, `python3 scripts/stack.py up`) and
for the integration tests (`import stack` from tests/). Python stdlib only.

Ports are derived from one base P (INKWELL_PORT, default 8080):
    nginx P, edge P+1, template-svc P+2, user-svc P+3,
    users redis P+4, public redis P+5,
    metrics (GET /metrics, each process's METRICS_LISTEN): edge P+11,
    template-svc P+12, user-svc P+13 (P+6..P+10 stay free for more).
With --instances N (INKWELL_INSTANCES), instance k = 2..N of each service
takes six ports from B = P+14+6*(k-2): edge B, template-svc B+1, user-svc
B+2, their metrics B+3, B+4, B+5. With --redis-cluster each database is a
Redis Cluster of 3 masters and 3 replicas from C = P+14+6*(N-1): users nodes
C..C+5 (cluster bus C+6..C+11), public nodes C+12..C+17 (bus C+18..C+23);
port_span() gives the whole block.
Data lives under INKWELL_DATA (default ./.inkwell-data):
    <data>/users-redis, <data>/public-redis   Redis AOF directories
    <data>/nginx                              nginx prefix: generated conf, pid, temp dirs
    <data>/logs/<component>.log               each child's stderr (and stdout)
    <data>/static-bench/                      files nginx serves at /static-bench/
    <data>/run/prometheus-targets.json        every /metrics target, Prometheus file_sd
    <data>/run/<component>.pid                each running child's pid (edge-2.pid,
                                              users-redis-7001.pid, nginx.pid, ...)
Component names: instance 1 of a service is plain "edge", instance k
"edge-k"; a cluster node is "<db>-<port>" ("users-redis-10042").

Lifecycle of a component:  stopped --start_component--> running
  --stop_component (SIGTERM, SIGKILL after a grace)--> stopped;
  --kill9_all--> stopped (no grace: a crash, for durability tests).
Children stay in the launcher's session and process group, so a terminal's
Ctrl-C reaches them as well; every exit path of the launcher (signal,
exception, atexit) still stops each child it started and then sweeps any
descendant (nginx workers) that outlived its parent.
"""

import argparse
import atexit
import errno
import fcntl
import http.client
import json
import os
import random
import shutil
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NGINX_TEMPLATE = REPO / "deploy" / "nginx" / "nginx.conf.in"

# Start order of a one-instance stack (Stack.order has the order of any other
# shape: databases, services, nginx); stop order is the reverse.
COMPONENTS = ["users-redis", "public-redis", "template-svc", "user-svc", "edge", "nginx"]
PORT_OFFSET = {
    "nginx": 0,
    "edge": 1,
    "template-svc": 2,
    "user-svc": 3,
    "users-redis": 4,
    "public-redis": 5,
}
# Each process's admin listener (GET /metrics), off the same base P.
METRICS_OFFSET = {
    "edge": 11,
    "template-svc": 12,
    "user-svc": 13,
}
PORT_SPAN = 14  # P..P+13
SERVICES = ("template-svc", "user-svc", "edge")  # run INKWELL_INSTANCES times
INSTANCE_SPAN = 6  # ports of each instance past the first
DATABASES = ("users-redis", "public-redis")
CLUSTER_NODES = 6  # 3 masters, 3 replicas: --cluster-replicas 1
CLUSTER_SPAN = 4 * CLUSTER_NODES  # two databases, node port + bus port each
CLUSTER_TIMEOUT_S = 30.0
STOP_GRACE_S = 5.0
START_TIMEOUT_S = 20.0

_live_stacks = []  # every Stack with children, for the atexit sweep
_port_locks = []  # open lock files held for this process's lifetime


class StackError(Exception):
    """A component could not be started, or died."""


def _now():
    return time.monotonic()


def wait_for(cond, timeout, what, interval=0.05, check=None):
    """Poll cond() until it returns a truthy value or timeout seconds pass.

    check, if given, is called on every round and may raise (e.g. when a
    child died, so waiting longer is pointless). Returns cond()'s value;
    raises StackError naming `what` on timeout.
    """
    deadline = _now() + timeout
    while True:
        if check is not None:
            check()
        v = cond()
        if v:
            return v
        if _now() >= deadline:
            raise StackError("timed out after %.1fs waiting for %s" % (timeout, what))
        time.sleep(interval)


def port_is_free(port):
    """True if nothing listens on 127.0.0.1:port (bind with SO_REUSEADDR,
    as the servers themselves do, so TIME_WAIT leftovers do not count)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def port_span(instances=1, redis_cluster=False):
    """How many ports from P a stack of this shape uses."""
    return (PORT_SPAN + INSTANCE_SPAN * (int(instances) - 1) +
            (CLUSTER_SPAN if redis_cluster else 0))


PORT_BLOCK = 8  # ports per lock file: a base is a multiple of it


def _lock_port_blocks(base, span, lockdir):
    """Lock every PORT_BLOCK-port block that base..base+span-1 touches, or
    none: the open lock files, or None when another process holds one."""
    held = []
    for block in range(base // PORT_BLOCK, (base + span - 1) // PORT_BLOCK + 1):
        f = open(lockdir / ("%d.lock" % (block * PORT_BLOCK)), "w")
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.close()
            for g in held:
                g.close()
            return None
        held.append(f)
    return held


def free_port_base(span=PORT_SPAN, lo=10000, hi=32000):
    """Find P such that P..P+span-1 are all free on 127.0.0.1.

    Below Linux's ephemeral range (32768+), so client sockets do not take
    our ports. A lock file per block of PORT_BLOCK ports, every block of the
    span held until this process exits, keeps two test processes running at
    once (ctest -j) from choosing overlapping spans: each checks its ports
    free before anything binds them, so the check alone would not.
    """
    lockdir = Path(tempfile.gettempdir()) / "inkwell-port-locks"
    lockdir.mkdir(exist_ok=True)
    rng = random.Random(os.getpid() ^ int(time.time() * 1000))
    for _ in range(500):
        base = rng.randrange(lo, hi - span) // PORT_BLOCK * PORT_BLOCK
        held = _lock_port_blocks(base, span, lockdir)
        if held is None:
            continue
        if all(port_is_free(base + i) for i in range(span)):
            _port_locks.extend(held)
            return base
        for f in held:
            f.close()
    raise StackError("no free block of %d ports found on 127.0.0.1" % span)


def free_port():
    """One port nothing listens on right now (for 'cannot connect' tests)."""
    base = free_port_base(span=1)
    return base


def redis_ping(port, timeout=0.5):
    """True if a Redis on 127.0.0.1:port answers PING with +PONG."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def redis_cmd(port, *args, timeout=2.0):
    """One command to the Redis on 127.0.0.1:port; its reply as text (a bulk
    string's body, a status or error line, an integer), or None when no
    answer. Enough for CLUSTER INFO, INFO and ROLE-less checks."""
    cmd = b"*%d\r\n" % len(args) + b"".join(
        b"$%d\r\n%s\r\n" % (len(a), a) for a in (str(x).encode() for x in args))
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(cmd)
            f = s.makefile("rb")
            head = f.readline()
            if head.startswith(b"$"):
                n = int(head[1:])
                return f.read(n).decode(errors="replace") if n >= 0 else ""
            return head[1:].rstrip(b"\r\n").decode(errors="replace")
    except (OSError, ValueError):
        return None


def redis_info_field(text, key):
    """The value of `key:` in an INFO / CLUSTER INFO answer, or None."""
    for line in (text or "").splitlines():
        k, _, v = line.partition(":")
        if k == key:
            return v.strip()
    return None


def _redis_call(port, *args, timeout=0.5):
    """One command to the Redis on 127.0.0.1:port; its reply's first line."""
    cmd = b"*%d\r\n" % len(args) + b"".join(
        b"$%d\r\n%s\r\n" % (len(a), a) for a in (str(x).encode() for x in args))
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(cmd)
        f = s.makefile("rb")
        line = f.readline()
        if line.startswith(b"$") and int(line[1:]) >= 0:
            return f.read(int(line[1:]) + 2)
        return line


def redis_cluster_single(argv, data_dir, port):
    """INKWELL_REDIS_CLUSTER_SINGLE=1: the Redis runs as a one-node Redis
    Cluster owning all 16384 slots. A plain client still works (no MOVED ever),
    but Redis now refuses what a real cluster would: a script or multi-key
    command whose keys are not all in one slot (CROSSSLOT), and a script
    touching a key it was not given in KEYS. Returns (argv, ready)."""
    # The cluster bus would be port + 10000: a free port of its own instead, so
    # it cannot collide with another stack's ports.
    argv = argv + ["--cluster-enabled", "yes", "--cluster-port", str(free_port()),
                   "--cluster-config-file", str(Path(data_dir) / "nodes.conf")]

    def ready():
        try:
            info = _redis_call(port, "CLUSTER", "INFO")
            if b"cluster_state:ok" in info:
                return True
            if b"cluster_slots_assigned:0\r" in info:
                _redis_call(port, "CLUSTER", "ADDSLOTSRANGE", 0, 16383)
        except (OSError, ValueError):
            pass
        return False

    return argv, ready


def tcp_accepts(port, timeout=0.5):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def http_status(port, path, timeout=2.0):
    """Status of GET path on 127.0.0.1:port, or None if no answer."""
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            c.request("GET", path)
            r = c.getresponse()
            r.read()
            return r.status
        finally:
            c.close()
    except (OSError, http.client.HTTPException):
        return None


def _children_of(pid):
    """Direct children of pid, read from /proc (no psutil)."""
    kids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d, "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # pid (comm) state ppid ...; comm may hold spaces and parens.
        rest = stat[stat.rfind(b")") + 2:].split()
        if len(rest) > 1 and int(rest[1]) == pid:
            kids.append(int(d))
    return kids


def _descendants(pid):
    out, todo = [], [pid]
    while todo:
        kids = _children_of(todo.pop())
        out.extend(kids)
        todo.extend(kids)
    return out


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except OSError as e:
        return e.errno == errno.EPERM
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            state = f.read().rsplit(b")", 1)[1].split()[0]
        return state != b"Z"
    except OSError:
        return False


def render_nginx(values, template=NGINX_TEMPLATE):
    """Fill @NAME@ placeholders of the nginx template; every one must be given."""
    text = Path(template).read_text()

    def sub(m):
        key = m.group(1)
        if key not in values:
            raise StackError("%s: no value for @%s@" % (template, key))
        return str(values[key])

    return re.sub(r"@([A-Z_]+)@", sub, text)


def _replace(text, old, new, count=None):
    n = text.count(old)
    if n == 0 or (count is not None and n != count):
        raise StackError("compose nginx: %r found %d times in nginx.conf.in" % (old, n))
    return text.replace(old, new)


def compose_nginx(text):
    """The compose-only parts of nginx's config, applied to the rendered template
    (nginx.conf.in stays the config `make up` runs, unchanged):
    - the edge is found through Docker's DNS at request time (resolver 127.0.0.11,
      answers kept 1 s, a variable in proxy_pass), not once at start: a recreated
      edge has another address. nginx 1.22 cannot re-resolve an upstream{} server,
      so there is no keep-alive pool to the edge in compose;
    - the client address: /tmp/inkwell/real-ip.conf, written at start from
      NGINX_REAL_IP_FROM (deploy/nginx/start.sh; empty: the connection address)."""
    text = _replace(text, """    # One server line per edge (INKWELL_INSTANCES): a GET that meets a dead
    # edge is passed to the next (proxy_next_upstream's default, error and
    # timeout); a POST is not, since it may have been done.
    upstream inkwell_edge {
        server edge:8081;
        # The pool holds 64 idle connections per worker: with 32, a worker that
        # happened to hold more than 32 of 64 busy clients closed the surplus
        # after each answer and opened new ones, so ~6 % of requests paid a
        # connect and civetweb's accept hand-off (issue 16). The edge's
        # EDGE_THREADS must cover workers x 64: civetweb holds a thread per
        # connection, idle ones too.
        keepalive 64;
        keepalive_timeout 30s;
    }
""", """    # Compose: the edge's address comes from Docker's DNS per request, so a
    # recreated (or scaled) edge is followed; a variable in proxy_pass makes
    # nginx resolve at run time. Each worker keeps its own answer, and one that
    # asked while the edges were being recreated (its health check, say) holds
    # dead addresses or none until the answer runs out, every request it takes
    # meanwhile a 502: so 1 s, a lookup a second per worker to Docker's DNS. No
    # keep-alive pool: nginx 1.22 keeps one only for an upstream{} block, whose
    # servers it resolves once, at start.
    resolver 127.0.0.11 valid=1s ipv6=off;
    resolver_timeout 5s;
    map "" $inkwell_edge {
        default edge:8081;
    }

    # Client addresses (compose): behind the published port every connection
    # comes from Docker's gateway. NGINX_REAL_IP_FROM (addresses or CIDRs of a
    # trusted proxy in front) makes nginx take the client from its
    # X-Forwarded-For; unset, this file is empty and the connection address is
    # the client (deploy/nginx/start.sh writes it).
    include /tmp/inkwell/real-ip.conf;
""", 1)
    text = _replace(text, "proxy_pass http://inkwell_edge", "proxy_pass http://$inkwell_edge")
    return text


class Component:
    """One child process: how to start it, how to tell it is up."""

    def __init__(self, name, argv, env, ready):
        self.name = name
        self.argv = argv
        self.env = env
        self.ready = ready  # () -> bool
        self.proc = None
        self.log = None
        self.pump = None


def instance_name(service, k):
    """Component name of instance k (1-based) of a service: "edge", "edge-2"."""
    return service if k == 1 else "%s-%d" % (service, k)


def kind_of(name):
    """The service or database a component name is an instance or node of."""
    for kind in SERVICES + DATABASES:
        if name == kind or re.fullmatch(re.escape(kind) + r"-\d+", name):
            return kind
    return name


class Stack:
    """A whole Inkwell stack on ports port..port+port_span()-1 with data under data_dir.

    bin_dir: folder with template-svc, user-svc, edge, inkwell-probe.
    env: overrides for the children's environment (e.g. LOG_LEVEL, SESSION_TTL_SECONDS,
         NGINX_AUTH_RATE); applied on top of os.environ and the derived addresses.
    forward: also copy each child's output, prefixed with its name, to our stderr.
    instances: how many of each service (edge, user-svc, template-svc); 1 by default.
    redis_cluster: each database a 3-master, 3-replica Redis Cluster instead of
         one redis-server.
    """

    def __init__(self, bin_dir, port=8080, data_dir=".inkwell-data", env=None, forward=False,
                 web_root=None, instances=1, redis_cluster=False):
        self.bin_dir = Path(bin_dir).resolve()
        self.port = int(port)
        self.data_dir = Path(data_dir).resolve()
        self.overrides = dict(env or {})
        self.forward = forward
        self.web_root = Path(web_root).resolve() if web_root else REPO / "web"
        self.instances = int(instances)
        if self.instances < 1:
            raise StackError("instances must be at least 1, not %d" % self.instances)
        self.redis_cluster = bool(redis_cluster)
        self.components = {}
        self.stopping = False
        self._lock = threading.RLock()
        self._layout()
        self._build()

    # ----- configuration -------------------------------------------------

    def _layout(self):
        """Every component's name, start order, port and metrics port."""
        self.ports, self.metrics_ports, self.order = {}, {}, []
        self.nodes = {db: [] for db in DATABASES}  # cluster mode: node names per database
        if self.redis_cluster:
            base = self.port + PORT_SPAN + INSTANCE_SPAN * (self.instances - 1)
            for i, db in enumerate(DATABASES):
                for n in range(CLUSTER_NODES):
                    port = base + i * 2 * CLUSTER_NODES + n
                    name = "%s-%d" % (db, port)
                    self.ports[name] = port
                    self.nodes[db].append(name)
                    self.order.append(name)
        else:
            for db in DATABASES:
                self.ports[db] = self.port + PORT_OFFSET[db]
                self.order.append(db)
        for svc in SERVICES:
            for k in range(1, self.instances + 1):
                name = instance_name(svc, k)
                if k == 1:
                    self.ports[name] = self.port + PORT_OFFSET[svc]
                    self.metrics_ports[name] = self.port + METRICS_OFFSET[svc]
                else:
                    b = self.port + PORT_SPAN + INSTANCE_SPAN * (k - 2)
                    off = {"edge": 0, "template-svc": 1, "user-svc": 2}[svc]
                    self.ports[name] = b + off
                    self.metrics_ports[name] = b + 3 + off
                self.order.append(name)
        self.ports["nginx"] = self.port
        self.order.append("nginx")

    def instances_of(self, kind):
        """Component names of every instance (service) or node (cluster database)
        of `kind`, in start order."""
        return [n for n in self.order if kind_of(n) == kind]

    def port_of(self, name):
        """Port of a component; of a database in cluster mode, its first node's."""
        if self.redis_cluster and name in self.nodes:
            return self.ports[self.nodes[name][0]]
        return self.ports[name]

    def cluster_bus_port(self, name):
        """A cluster node's bus port (cluster-port), CLUSTER_NODES above its own."""
        return self.ports[name] + CLUSTER_NODES

    def metrics_port_of(self, name):
        """Port of a process's /metrics listener (an edge, template-svc or user-svc)."""
        return self.metrics_ports[name]

    def metrics_targets(self):
        """{job: ["host:port", ...]}: every /metrics listener, one job per kind of
        process, one target per instance."""
        out = {}
        for name, port in self.metrics_ports.items():
            out.setdefault(kind_of(name), []).append("127.0.0.1:%d" % port)
        return out

    def pid_path(self, name):
        return self.data_dir / "run" / ("%s.pid" % name)

    @property
    def targets_path(self):
        return self.data_dir / "run" / "prometheus-targets.json"

    def addr_of(self, name):
        """nng address of a service instance, host:port of Redis or an edge. A
        database in cluster mode: the comma list of its nodes."""
        if self.redis_cluster and name in self.nodes:
            return ",".join("127.0.0.1:%d" % self.ports[n] for n in self.nodes[name])
        if kind_of(name) in ("template-svc", "user-svc"):
            return "tcp://127.0.0.1:%d" % self.port_of(name)
        return "127.0.0.1:%d" % self.port_of(name)

    def addrs_of(self, service):
        """The comma list of every instance of a service, as its callers dial it."""
        return ",".join(self.addr_of(n) for n in self.instances_of(service))

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def log_path(self, name):
        return self.data_dir / "logs" / ("%s.log" % name)

    def _env(self, own):
        env = dict(os.environ)
        env.update(
            {
                "TEMPLATE_SVC_LISTEN": self.addr_of("template-svc"),
                "USER_SVC_LISTEN": self.addr_of("user-svc"),
                "TEMPLATE_SVC_ADDR": self.addrs_of("template-svc"),
                "USER_SVC_ADDR": self.addrs_of("user-svc"),
                "PUBLIC_REDIS_ADDR": self.addr_of("public-redis"),
                "USERS_REDIS_ADDR": self.addr_of("users-redis"),
                "EDGE_LISTEN": self.addr_of("edge"),
            }
        )
        if self.redis_cluster:
            # Replication is asynchronous: an acknowledged write waits for a
            # replica, so a master's failover cannot lose it.
            env["REDIS_WAIT_REPLICAS"] = "1"
        env.update(own)
        env.update(self.overrides)
        return env

    def setting(self, key, default):
        return str(self.overrides.get(key, os.environ.get(key, default)))

    def _probe_answers(self, name):
        """True once the service answers the health RPC at all (serving or not)."""
        probe = self.bin_dir / "inkwell-probe"
        r = subprocess.run(
            [str(probe), self.addr_of(name), "--timeout", "500ms"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return r.returncode in (0, 4)

    def _redis_argv(self, name):
        port = self.ports[name]
        argv = [
            "redis-server", "--port", str(port), "--bind", "127.0.0.1",
            "--dir", str(self.data_dir / name), "--appendonly", "yes",
            "--appendfsync", "everysec", "--save", "", "--daemonize", "no",
            "--protected-mode", "yes",
        ]
        if kind_of(name) != name:  # a cluster node
            argv += ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                     "--cluster-port", str(self.cluster_bus_port(name)),
                     # A replica's first sync at once, not after the default 5 s
                     # wait for more replicas (each master has one).
                     "--repl-diskless-sync-delay", "0",
                     "--cluster-node-timeout", self.setting("REDIS_CLUSTER_NODE_TIMEOUT_MS",
                                                            "1000")]
        return argv

    def _service_env(self, name):
        own = {"METRICS_LISTEN": "127.0.0.1:%d" % self.metrics_port_of(name)}
        kind = kind_of(name)
        if kind == "edge":
            own["EDGE_LISTEN"] = self.addr_of(name)
            # civetweb holds a thread per connection, idle ones too, and each
            # nginx worker (one per core) keeps up to 64 idle ones to the edge.
            if "EDGE_THREADS" not in os.environ and "EDGE_THREADS" not in self.overrides:
                own["EDGE_THREADS"] = str(max(128, 64 * len(os.sched_getaffinity(0))))
        else:
            own[kind.replace("-", "_").upper() + "_LISTEN"] = self.addr_of(name)
        return self._env(own)

    def _build(self):
        for name in self.order:
            kind = kind_of(name)
            if kind in DATABASES:
                argv = self._redis_argv(name)
                ready = (lambda p: lambda: redis_ping(p))(self.ports[name])
                if kind == name and self.setting("INKWELL_REDIS_CLUSTER_SINGLE", "0") == "1":
                    argv, ready = redis_cluster_single(argv, self.data_dir / name,
                                                       self.ports[name])
                self.components[name] = Component(name, argv, self._env({}), ready)
            elif kind == "edge":
                self.components[name] = Component(
                    name, [str(self.bin_dir / "edge")], self._service_env(name),
                    (lambda p: lambda: http_status(p, "/livez", 1.0) == 200)(self.ports[name]))
            elif kind in SERVICES:
                self.components[name] = Component(
                    name, [str(self.bin_dir / kind)], self._service_env(name),
                    (lambda n: lambda: self._probe_answers(n))(name))
        prefix = self.data_dir / "nginx"
        self.components["nginx"] = Component(
            "nginx",
            ["nginx", "-e", "stderr", "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
             "-g", "daemon off;"],
            self._env({}),
            lambda: tcp_accepts(self.port))

    def nginx_values(self):
        prefix = self.data_dir / "nginx"
        return {
            "USER_LINE": "user root;" if os.geteuid() == 0 else "",
            "WORKERS": self.setting("NGINX_WORKERS", "1"),
            "TEMP": str(prefix / "tmp"),
            "PID": str(prefix / "nginx.pid"),
            "MIME_TYPES": "/etc/nginx/mime.types",
            "LISTEN": "127.0.0.1:%d" % self.port,
            "EDGE_SERVERS": "\n".join("        server 127.0.0.1:%d;" % self.ports[n]
                                      for n in self.instances_of("edge")),
            "WEB_ROOT": str(self.web_root),
            "STATIC_BENCH": str(self.data_dir / "static-bench"),
            "ACCESS_LOG": self._access_log(),
            "AUTH_RATE": self.setting("NGINX_AUTH_RATE", "10r/s"),
            "AUTH_BURST": self.setting("NGINX_AUTH_BURST", "20"),
        }

    def _access_log(self):
        where = self.setting("NGINX_ACCESS_LOG", "/dev/stderr")
        return "off" if where == "off" else where + " inkwell_json"

    def _prepare_dirs(self):
        dbs = [n for n in self.order if kind_of(n) in DATABASES]
        for name in dbs + ["logs", "static-bench", "run"]:
            (self.data_dir / name).mkdir(parents=True, exist_ok=True)
        prefix = self.data_dir / "nginx"
        for sub in ("logs", "tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
            (prefix / sub).mkdir(parents=True, exist_ok=True)
        (prefix / "nginx.conf").write_text(render_nginx(self.nginx_values()))
        small = self.data_dir / "static-bench" / "small.json"
        if not small.exists():
            small.write_text('{"status":"pass"}\n')
        self.write_targets()

    def write_targets(self):
        """Write every /metrics target to <data>/run/prometheus-targets.json in
        Prometheus's file_sd format, one group per job. Written whole to a temp
        file and renamed: Prometheus watches the file and must never read half."""
        groups = [{"targets": sorted(addrs), "labels": {"job": job}}
                  for job, addrs in sorted(self.metrics_targets().items())]
        path = self.targets_path
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(groups, indent=2) + "\n")
        os.replace(tmp, path)

    # ----- process control -----------------------------------------------

    def _own_ports(self, name):
        """(what, port) of every port a component listens on."""
        out = [("port", self.ports[name])]
        if name in self.metrics_ports:
            out.append(("metrics port", self.metrics_ports[name]))
        if kind_of(name) in DATABASES and kind_of(name) != name:
            out.append(("cluster bus port", self.cluster_bus_port(name)))
        return out

    def check_ports_free(self):
        busy = ["%s %s %d" % (n, what, port)
                for n in self.order if self.components[n].proc is None
                for what, port in self._own_ports(n) if not port_is_free(port)]
        if busy:
            raise StackError(
                "port busy on 127.0.0.1: %s (is another stack running? choose another "
                "INKWELL_PORT; Inkwell uses PORT..PORT+%d)" % (
                    ", ".join(busy), port_span(self.instances, self.redis_cluster) - 1))

    def _pump(self, comp, pipe):
        """Copy a child's output to its log file and, prefixed, to our stderr."""
        tag = ("[%s] " % comp.name).encode()
        for line in iter(pipe.readline, b""):
            comp.log.write(line)
            comp.log.flush()
            try:
                sys.stderr.buffer.write(tag + line)
                sys.stderr.buffer.flush()
            except (OSError, ValueError):
                pass
        pipe.close()

    def start_component(self, name, wait=True):
        """Start one component and (if wait) poll until it answers."""
        with self._lock:
            comp = self.components[name]
            if comp.proc is not None and comp.proc.poll() is None:
                raise StackError("%s is already running" % name)
            if not port_is_free(self.ports[name]):
                raise StackError("%s: port %d on 127.0.0.1 is busy" % (name, self.ports[name]))
            exe = comp.argv[0]
            if "/" in exe and not os.access(exe, os.X_OK):
                raise StackError("%s: %s is missing (build first: make)" % (name, exe))
            self._prepare_dirs()
            comp.log = open(self.log_path(name), "ab")
            out = subprocess.PIPE if self.forward else comp.log
            comp.proc = subprocess.Popen(
                comp.argv, env=comp.env, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, cwd=str(self.data_dir), start_new_session=False)
            self._write_pid(name, comp.proc.pid)
            if self not in _live_stacks:
                _live_stacks.append(self)
            if self.forward:
                comp.pump = threading.Thread(target=self._pump, args=(comp, comp.proc.stdout),
                                             daemon=True)
                comp.pump.start()
        if wait:
            wait_for(comp.ready, START_TIMEOUT_S, "%s to answer on port %d" %
                     (name, self.ports[name]), check=lambda: self._check_alive(name))

    def _write_pid(self, name, pid):
        """<data>/run/<name>.pid, written whole and renamed (a reader never sees half)."""
        path = self.pid_path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".pid.tmp")
        tmp.write_text("%d\n" % pid)
        os.replace(tmp, path)

    def pid_of(self, name):
        """The pid in <data>/run/<name>.pid, or None when there is none."""
        try:
            return int(self.pid_path(name).read_text())
        except (OSError, ValueError):
            return None

    def _check_alive(self, name):
        comp = self.components[name]
        if comp.proc is not None and comp.proc.poll() is not None:
            raise StackError("%s exited with status %s; last lines of %s:\n%s" % (
                name, comp.proc.returncode, self.log_path(name), self.log_tail(name)))

    def log_tail(self, name, lines=15):
        try:
            text = self.log_path(name).read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def _reap(self, comp):
        try:
            self.pid_path(comp.name).unlink()
        except OSError:
            pass
        if comp.pump is not None:
            comp.pump.join(timeout=2)
            comp.pump = None
        if comp.log is not None:
            comp.log.close()
            comp.log = None
        comp.proc = None

    def stop_component(self, name, grace=STOP_GRACE_S, sig=signal.SIGTERM):
        """Stop one component: sig, then SIGKILL after grace seconds. Idempotent."""
        with self._lock:
            comp = self.components[name]
            p = comp.proc
            if p is None:
                return
            kids = _descendants(p.pid)
            if p.poll() is None:
                try:
                    p.send_signal(sig)
                except ProcessLookupError:
                    pass
                try:
                    p.wait(timeout=grace)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            # Sweep what outlived its parent (nginx workers after a SIGKILL),
            # and wait until it is gone: it may hold the listening socket.
            for pid in kids:
                if _pid_alive(pid):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
            wait_for(lambda: not any(_pid_alive(k) for k in kids), STOP_GRACE_S,
                     "%s's child processes to exit" % name)
            self._reap(comp)

    def kill9(self, name):
        """SIGKILL one component, as a crash would, and wait until it is gone.
        Its pid file goes with it."""
        with self._lock:
            comp = self.components[name]
            if comp.proc is None:
                raise StackError("%s is not running" % name)
            pids = [comp.proc.pid] + _descendants(comp.proc.pid)
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            comp.proc.wait()
            wait_for(lambda: not any(_pid_alive(p) for p in pids), STOP_GRACE_S,
                     "%s to exit" % name)
            self._reap(comp)

    def kill9_all(self):
        """SIGKILL every child at once, as a power cut would."""
        killed = []
        with self._lock:
            for name in reversed(self.order):
                comp = self.components[name]
                if comp.proc is not None:
                    # Parent first, children from a list taken before any
                    # kill: an nginx master that outlives a killed worker
                    # forks a new one, which would be orphaned and keep
                    # listening.
                    for pid in [comp.proc.pid] + _descendants(comp.proc.pid):
                        try:
                            os.kill(pid, signal.SIGKILL)
                        except OSError:
                            pass
                        killed.append(pid)
            # SIGKILL is delivered asynchronously: a killed nginx worker may
            # still hold the listening socket for a moment after the kill.
            wait_for(lambda: not any(_pid_alive(p) for p in killed), STOP_GRACE_S,
                     "killed processes to exit")
            # ...and the kernel may release a dead listener's port a little
            # later still (seen under load): a restart must find them free.
            wait_for(lambda: all(port_is_free(self.ports[n]) for n in self.order),
                     STOP_GRACE_S, "the killed stack's ports to be free")
            for name in reversed(self.order):
                comp = self.components[name]
                if comp.proc is not None:
                    comp.proc.wait()
                    self._reap(comp)

    def running(self, name):
        p = self.components[name].proc
        return p is not None and p.poll() is None

    def start(self, ready_timeout=30.0):
        """Start every component in order, then wait until /readyz passes.
        On any failure, stops what it started and raises StackError."""
        self.stopping = False
        self.check_ports_free()
        try:
            self.start_all()
            self.wait_ready(ready_timeout)
        except BaseException:
            self.stop()
            raise

    def start_all(self, stop_asked=lambda: False):
        """Start every component in order; in cluster mode each database's
        cluster is formed once its six nodes run, before any service starts.
        Stops early (returns False) once stop_asked() is true."""
        for name in self.order:
            if stop_asked():
                return False
            self.start_component(name)
            db = kind_of(name)
            if db in self.nodes and self.nodes[db] and self.nodes[db][-1] == name:
                self.form_cluster(db)
        return True

    # ----- Redis Cluster -------------------------------------------------

    def form_cluster(self, db):
        """Make db's six nodes one cluster (redis-cli --cluster create, 3 masters
        with a replica each) unless they already are one (a restart on old
        data: nodes.conf remembers), then poll until every node says
        cluster_state:ok and every master has its replica connected."""
        ports = [self.ports[n] for n in self.nodes[db]]
        known = redis_info_field(redis_cmd(ports[0], "CLUSTER", "INFO"), "cluster_known_nodes")
        if known != str(CLUSTER_NODES):
            argv = (["redis-cli", "--cluster", "create"] +
                    ["127.0.0.1:%d" % p for p in ports] +
                    ["--cluster-replicas", "1", "--cluster-yes"])
            with open(self.log_path(db + "-cluster"), "ab") as log:
                r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT, timeout=CLUSTER_TIMEOUT_S)
            if r.returncode != 0:
                raise StackError("%s: redis-cli --cluster create failed (status %d); see %s" %
                                 (db, r.returncode, self.log_path(db + "-cluster")))
        wait_for(lambda: self.cluster_ok(db), CLUSTER_TIMEOUT_S,
                 "%s's cluster to be ok on every node, each master with its replica" % db,
                 interval=0.1)

    def cluster_ok(self, db, replicas=True):
        """True when every running node of db says cluster_state:ok and 3 of
        them are masters, each with a replica synced (unless not `replicas`:
        after a failover the promoted replica has none)."""
        masters = 0
        for name in self.nodes[db]:
            if not self.running(name):
                continue
            info = redis_cmd(self.ports[name], "CLUSTER", "INFO")
            if redis_info_field(info, "cluster_state") != "ok":
                return False
            repl = redis_cmd(self.ports[name], "INFO", "replication")
            if redis_info_field(repl, "role") == "master":
                if replicas and int(redis_info_field(repl, "connected_slaves") or 0) < 1:
                    return False
                masters += 1
            elif replicas and redis_info_field(repl, "master_link_status") != "up":
                # Synced, not merely attached: a replica that never finished its
                # first sync refuses to fail over ("disconnected from master for
                # longer than allowed").
                return False
        return masters == CLUSTER_NODES // 2

    def cluster_masters(self, db):
        """Names of db's running nodes that are masters now."""
        return [n for n in self.nodes[db] if self.running(n) and redis_info_field(
            redis_cmd(self.ports[n], "INFO", "replication"), "role") == "master"]

    def wait_ready(self, timeout=30.0, path="/readyz"):
        """Poll http://127.0.0.1:P/readyz (through nginx) until 200."""
        def check():
            for n in self.order:
                self._check_alive(n)
        wait_for(lambda: http_status(self.port, path) == 200, timeout,
                 "%s%s to answer 200" % (self.url, path), interval=0.1, check=check)

    def stop(self):
        """Stop every component, newest first. Safe to call more than once."""
        self.stopping = True
        for name in reversed(self.order):
            try:
                self.stop_component(name)
            except Exception as e:  # keep stopping the others
                print("stack: stopping %s: %s" % (name, e), file=sys.stderr)
        if self in _live_stacks:
            _live_stacks.remove(self)

    def dead_child(self):
        """Name of a component that has exited on its own, or None."""
        for name in self.order:
            p = self.components[name].proc
            if p is not None and p.poll() is not None:
                return name
        return None

    def survivors(self, name):
        """The other running instances (or cluster nodes) of name's kind."""
        return [n for n in self.instances_of(kind_of(name)) if n != name and self.running(n)]

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


@atexit.register
def _stop_all():
    for s in list(_live_stacks):
        s.stop()


# ----- command line ------------------------------------------------------


def _cmd_up(args):
    port = int(os.environ.get("INKWELL_PORT", "8080"))
    data = os.environ.get("INKWELL_DATA", str(REPO / ".inkwell-data"))
    st = Stack(args.bin, port, data, forward=True, instances=args.instances,
               redis_cluster=args.redis_cluster)
    stop_sig = []

    def on_signal(signum, frame):
        stop_sig.append(signum)
        st.stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        st.check_ports_free()
    except StackError as e:
        print("stack: %s" % e, file=sys.stderr)
        return 1
    try:
        st.start_all(lambda: bool(stop_sig))
        if not stop_sig:
            wait_for(lambda: stop_sig or http_status(port, "/readyz") == 200, 60.0,
                     "%s/readyz" % st.url, interval=0.1,
                     check=lambda: [st._check_alive(n) for n in st.order])
        if stop_sig:
            st.stop()
            return 0
        print("Inkwell is up at http://127.0.0.1:%d" % port, flush=True)
        if st.instances > 1 or st.redis_cluster:
            print("stack: %d instance(s) of each service, %s; pids in %s" % (
                st.instances, "Redis Cluster of 6 nodes per database" if st.redis_cluster
                else "one redis-server per database", st.pid_path("nginx").parent), flush=True)
        while not stop_sig:
            dead = st.dead_child()
            if dead is not None and st.survivors(dead):
                # Scaled out, one instance or node down is what the others are
                # for: say so, keep the rest running (kill -9 one to watch).
                print("stack: %s exited (status %s); %s keep serving" % (
                    dead, st.components[dead].proc.returncode, ", ".join(st.survivors(dead))),
                    file=sys.stderr)
                st.components[dead].proc.wait()
                st._reap(st.components[dead])
            elif dead is not None:
                rc = st.components[dead].proc.returncode
                print("stack: %s exited unexpectedly (status %s); stopping everything" %
                      (dead, rc), file=sys.stderr)
                st.stop()
                return 1
            time.sleep(0.2)  # watch loop; a signal handler sets stop_sig
        print("stack: signal %d, stopping" % stop_sig[0], file=sys.stderr)
        st.stop()
        return 0
    except StackError as e:
        st.stop()
        if stop_sig:  # Ctrl-C while starting: children may die first
            return 0
        print("stack: %s" % e, file=sys.stderr)
        return 1
    finally:
        st.stop()


def _cmd_render_nginx(args):
    if args.compose:
        values = {
            "USER_LINE": "",
            "WORKERS": "auto",
            "TEMP": "/var/cache/nginx",
            "PID": "/tmp/nginx.pid",
            "MIME_TYPES": "/etc/nginx/mime.types",
            "LISTEN": "0.0.0.0:8080",
            "EDGE_SERVERS": "        server edge:8081;",
            "WEB_ROOT": "/srv/inkwell/web",
            "STATIC_BENCH": "/srv/inkwell/static-bench",
            "ACCESS_LOG": "/dev/stderr inkwell_json",
            "AUTH_RATE": "10r/s",
            "AUTH_BURST": "20",
        }
        text = compose_nginx(render_nginx(values))
        text = ("# GENERATED by `python3 scripts/stack.py render-nginx --compose` from "
                "nginx.conf.in: do not edit.\n") + text
    else:
        st = Stack(args.bin, int(os.environ.get("INKWELL_PORT", "8080")),
                   os.environ.get("INKWELL_DATA", str(REPO / ".inkwell-data")),
                   instances=args.instances, redis_cluster=args.redis_cluster)
        text = render_nginx(st.nginx_values())
    sys.stdout.write(text)
    return 0


def _cmd_run(args):
    """Start a stack on free ports with a fresh data dir, run a command
    against it, stop the stack; exit with the command's status."""
    cmd = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not cmd:
        print("stack: run wants a command after --", file=sys.stderr)
        return 2
    port = free_port_base(port_span(args.instances, args.redis_cluster))
    data = tempfile.mkdtemp(prefix="inkwell-run-")
    st = Stack(args.bin, port, data, instances=args.instances,
               redis_cluster=args.redis_cluster)

    def on_signal(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    rc = 1
    try:
        st.start()
        env = dict(os.environ)
        env.update({
            "INKWELL_URL": st.url,
            "INKWELL_PORT": str(port),
            "INKWELL_DATA": data,
            "INKWELL_BIN": str(st.bin_dir),
            # How to make a user admin on this stack ({name} = the user).
            "INKWELL_GRANT_ADMIN_CMD": "USERS_REDIS_ADDR=%s '%s' grant-admin {name}" % (
                st.addr_of("users-redis"), st.bin_dir / "user-svc"),
        })
        rc = subprocess.call(cmd, env=env)
    except StackError as e:
        print("stack: %s" % e, file=sys.stderr)
    except KeyboardInterrupt:
        rc = 130
    finally:
        st.stop()
        if rc in (0, 77) and os.environ.get("INKWELL_KEEP_DATA") != "1":
            shutil.rmtree(data, ignore_errors=True)
        else:
            print("stack: logs kept in %s/logs" % data, file=sys.stderr)
    return rc


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=str(REPO / "build" / "bin"),
                    help="folder with the built binaries (default build/bin)")
    ap.add_argument("--instances", type=int,
                    default=int(os.environ.get("INKWELL_INSTANCES", "1")),
                    help="instances of each service: edge, user-svc, template-svc "
                    "(default INKWELL_INSTANCES, else 1)")
    ap.add_argument("--redis-cluster", action="store_true",
                    default=os.environ.get("INKWELL_REDIS_CLUSTER", "0") == "1",
                    help="each database a local Redis Cluster, 3 masters + 3 replicas "
                    "(default: INKWELL_REDIS_CLUSTER=1, else one redis-server each)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("up", help="run the whole stack in the foreground")
    # Also after the command word: `stack.py up --instances 2 --redis-cluster`.
    up.add_argument("--instances", type=int, default=argparse.SUPPRESS)
    up.add_argument("--redis-cluster", action="store_true", default=argparse.SUPPRESS)
    rn = sub.add_parser("render-nginx", help="print the generated nginx.conf")
    rn.add_argument("--compose", action="store_true",
                    help="the variant for deploy/docker-compose.yml")
    rr = sub.add_parser("run", help="start a stack on free ports, run a command against it "
                        "(env INKWELL_URL, INKWELL_PORT, INKWELL_DATA, INKWELL_BIN, "
                        "INKWELL_GRANT_ADMIN_CMD), stop it; exit with the command's status")
    rr.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args(argv)
    if args.cmd == "up":
        return _cmd_up(args)
    if args.cmd == "run":
        return _cmd_run(args)
    return _cmd_render_nginx(args)


if __name__ == "__main__":
    sys.exit(main())
