"""redis_cluster.py - a real local Redis Cluster for tests: 3 masters and 3
replicas on free loopback ports, cluster-node-timeout 1000 ms.

Reusable by any test or launcher:

    c = RedisCluster(workdir)          # picks 6 free ports (stack.free_port_base)
    c.start()                          # redis-server x6, redis-cli --cluster create,
                                       # returns once every node says cluster_state:ok
    c.addrs()                          # "127.0.0.1:p1,...,127.0.0.1:p6" (seed list)
    c.nodes()                          # [{"port", "pid", "role", "id", "alive"}, ...]
    c.masters(); c.replicas()          # the same, filtered by role (asked live)
    c.kill(port)                       # kill -9 that node (its pid), returns the pid
    c.wait_ok(timeout)                 # poll until every live node has cluster_state:ok
    c.stop()                           # kill every node, remove nothing but processes

As a command, it runs one program against a fresh cluster and stops it:

    redis_cluster.py run -- PROGRAM ARGS...   (INK_TEST_CLUSTER=<addrs> in its env)
    redis_cluster.py selftest                 (this class: roles, kill, failover)

Nothing sleeps to synchronise: every wait polls a condition with a deadline.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import stack  # noqa: E402  (scripts/stack.py: free ports, redis_ping)

NODES = 6


class ClusterError(Exception):
    pass


def _cli(port, *args, timeout=5):
    """redis-cli against one node; its stdout (raises on a failing exit)."""
    r = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(port), *args],
                       capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise ClusterError("redis-cli -p %d %s: %s" % (port, " ".join(args), r.stderr))
    return r.stdout


def _poll(cond, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.05)  # poll interval, not synchronisation: cond() decides
    raise ClusterError("timed out after %.1f s waiting for %s" % (timeout, what))


class RedisCluster:
    def __init__(self, workdir, base_port=None):
        self.workdir = Path(workdir)
        base = base_port or stack.free_port_base(span=NODES)
        self.ports = [base + i for i in range(NODES)]
        # The cluster bus would be port + 10000, inside Linux's ephemeral
        # range, where any client socket may hold it: a free block instead.
        bus = stack.free_port_base(span=NODES)
        self.bus = {p: bus + i for i, p in enumerate(self.ports)}
        self.procs = {}

    def addrs(self):
        return ",".join("127.0.0.1:%d" % p for p in self.ports)

    def _spawn(self, port):
        d = self.workdir / ("redis-%d" % port)
        d.mkdir(parents=True, exist_ok=True)
        argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                "--dir", str(d), "--cluster-enabled", "yes",
                "--cluster-port", str(self.bus[port]),
                "--cluster-config-file", str(d / "nodes.conf"),
                "--cluster-node-timeout", "1000", "--appendonly", "no", "--save", "",
                "--daemonize", "no", "--protected-mode", "yes"]
        log = open(d / "redis.log", "w")
        self.procs[port] = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def start(self, timeout=30):
        for p in self.ports:
            self._spawn(p)
        try:
            _poll(lambda: all(stack.redis_ping(p) for p in self.ports), timeout, "redis-server x6")
        except ClusterError:
            self.stop()  # the nodes that did start must not outlive the failure
            raise
        r = subprocess.run(
            ["redis-cli", "--cluster", "create", *["127.0.0.1:%d" % p for p in self.ports],
             "--cluster-replicas", "1", "--cluster-yes"],
            capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            self.stop()
            raise ClusterError("redis-cli --cluster create: %s %s" % (r.stdout, r.stderr))
        self.wait_ok(timeout)
        return self

    def alive(self, port):
        p = self.procs.get(port)
        return p is not None and p.poll() is None

    def _state_ok(self, port):
        try:
            info = _cli(port, "CLUSTER", "INFO", timeout=2)
        except (ClusterError, subprocess.TimeoutExpired):
            return False
        return "cluster_state:ok" in info

    def _replicas_linked(self):
        """Every live replica's link to its master is up (so WAIT 1 can pass)."""
        for n in self.replicas():
            info = _cli(n["port"], "INFO", "replication")
            if "master_link_status:up" not in info:
                return False
        return True

    def wait_ok(self, timeout=30):
        live = [p for p in self.ports if self.alive(p)]
        _poll(lambda: all(self._state_ok(p) for p in live), timeout, "cluster_state:ok")
        _poll(self._replicas_linked, timeout, "replicas linked")

    def nodes(self):
        """What each live node says of itself (CLUSTER NODES 'myself' line)."""
        out = []
        for port in self.ports:
            n = {"port": port, "pid": self.procs[port].pid, "alive": self.alive(port),
                 "role": None, "id": None}
            if n["alive"]:
                for line in _cli(port, "CLUSTER", "NODES").splitlines():
                    f = line.split()
                    if len(f) > 2 and "myself" in f[2]:
                        n["id"] = f[0]
                        n["role"] = "master" if "master" in f[2] else "replica"
            out.append(n)
        return out

    def masters(self):
        return [n for n in self.nodes() if n["role"] == "master"]

    def replicas(self):
        return [n for n in self.nodes() if n["role"] == "replica"]

    def kill(self, port):
        p = self.procs[port]
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=10)
        return p.pid

    def stop(self):
        for p in self.procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
        for p in self.procs.values():
            p.wait(timeout=10)


def selftest():
    """The helper's own check: 3 masters and 3 replicas, and after kill() of a
    master a replica takes over (masters() counts 3 live ones again)."""
    with tempfile.TemporaryDirectory(prefix="inkwell-cluster-") as d:
        c = RedisCluster(d).start()
        try:
            roles = sorted(n["role"] for n in c.nodes())
            assert roles == ["master"] * 3 + ["replica"] * 3, roles
            victim = c.masters()[0]["port"]
            t0 = time.monotonic()
            c.kill(victim)
            assert not c.alive(victim)
            _poll(lambda: len(c.masters()) == 3, 15, "a replica promoted")
            c.wait_ok()
            print("ok: replica of %d promoted %.1f s after kill -9" % (victim, time.monotonic() - t0))
        finally:
            c.stop()
    return 0


def main(argv):
    if len(argv) == 2 and argv[1] == "selftest":
        return selftest()
    if len(argv) < 3 or argv[1] != "run" or "--" not in argv:
        print("usage: redis_cluster.py run -- PROGRAM ARGS... | selftest", file=sys.stderr)
        return 2
    cmd = argv[argv.index("--") + 1:]
    with tempfile.TemporaryDirectory(prefix="inkwell-cluster-") as d:
        c = RedisCluster(d).start()
        try:
            env = dict(os.environ, INK_TEST_CLUSTER=c.addrs())
            return subprocess.run(cmd, env=env).returncode
        finally:
            c.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
