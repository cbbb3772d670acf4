#!/usr/bin/env python3
"""bench/cost.py - what one request costs in CPU, with 1 instance of every
service and with 2 (issue 14: more instances must not make each request dearer).

For each N in INSTANCES (default "1 2"): a stack of its own on free ports
(scripts/stack.py, --instances N; --redis-cluster with COST_CLUSTER=1), one user,
one published picture, then two measured runs, each summing utime+stime (from
/proc/<pid>/stat) of every process of the stack (nginx and its workers, the
edges, user-svc, template-svc, Redis) before and after:
  conversion    CONVERSIONS uploads of a 1-megapixel JPEG, 2 at a time
  library read  READS  GET /v1/templates/{id} signed in (never cached: the chain
                nginx -> edge -> user-svc -> Redis; a gallery read is public and
                nginx's micro-cache answers it for everyone), READ_THREADS at a time
and prints CPU-seconds per request. The client (this script) is not counted.
Per-request cost is flat when the N=2 figure stays within COST_MAX_RATIO (1.3)
of N=1: the script exits 1 otherwise. The first requests of a run (the warm-up,
one per connection of every instance) are not measured.
Env: INKWELL_BIN (build/bin), INSTANCES, CONVERSIONS (16), READS (4000),
READ_THREADS (8), COST_CLUSTER (0), COST_MAX_RATIO (1.3).
"""

import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
import stack  # noqa: E402

PHOTO = Path("/usr/share/libjxl-testdata/jxl/flower/flower.png")
PASSWORD = "correct horse battery"
TICK = os.sysconf("SC_CLK_TCK")


def env_int(name, default):
    return int(os.environ.get(name, default))


def cpu_seconds(st):
    """utime+stime of every process of the stack, in seconds."""
    total = 0
    for comp in st.components.values():
        if comp.proc is None:
            continue
        for pid in [comp.proc.pid] + stack._descendants(comp.proc.pid):
            try:
                with open("/proc/%d/stat" % pid, "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return total / TICK


def photo_jpeg():
    out = subprocess.run(["convert", str(PHOTO), "-resize", "1155x866!", "-quality", "90",
                          "jpeg:-"], stdout=subprocess.PIPE, check=True)
    return out.stdout


class Client:
    def __init__(self, port):
        self.port = port
        self.token = None

    def req(self, method, path, body=None, ctype="application/json", conn=None):
        own = conn is None
        c = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        h = {"Content-Type": ctype}
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        if isinstance(body, dict):
            body = json.dumps(body).encode()
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        if own:
            c.close()
        if r.status >= 300:
            raise RuntimeError("%s %s: %d %s" % (method, path, r.status, data[:200]))
        return json.loads(data) if data and r.getheader("Content-Type", "").endswith("json") \
            else data


def run_parallel(n_threads, total, one):
    """Call one(conn) `total` times over n_threads keep-alive connections."""
    left = [total]
    lock = threading.Lock()
    errors = []

    def worker(port):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if left[0] == 0 or errors:
                    break
                left[0] -= 1
            try:
                one(conn)
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)
        conn.close()

    threads = [threading.Thread(target=worker, args=(one.port,)) for _ in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def measure(st, what, n_threads, total, one):
    before, t0 = cpu_seconds(st), time.monotonic()
    run_parallel(n_threads, total, one)
    cpu, wall = cpu_seconds(st) - before, time.monotonic() - t0
    return {"what": what, "requests": total, "cpu_s": cpu, "wall_s": wall,
            "cpu_per_request_ms": 1000.0 * cpu / total}


def bench(instances, jpeg, args):
    cluster = os.environ.get("COST_CLUSTER", "0") == "1"
    port = stack.free_port_base(stack.port_span(instances, cluster))
    data = tempfile.mkdtemp(prefix="inkwell-cost-")
    env = {"NGINX_ACCESS_LOG": "off", "LOG_LEVEL": "warn", "NGINX_AUTH_RATE": "100000r/s",
           "TEMPLATE_QUOTA": "1000000"}
    st = stack.Stack(args["bin"], port, data, env=env, instances=instances, redis_cluster=cluster)
    try:
        st.start(ready_timeout=60)
        cl = Client(port)
        name = "cost%d%d" % (os.getpid(), instances)
        cl.req("POST", "/v1/users", {"username": name, "password": PASSWORD})
        cl.token = cl.req("POST", "/v1/sessions", {"username": name, "password": PASSWORD})["token"]
        tid = cl.req("POST", "/v1/templates?title=Cost", jpeg, "image/jpeg")["id"]

        def upload(conn):
            cl.req("POST", "/v1/templates?title=Cost", jpeg, "image/jpeg", conn)

        def read(conn):
            cl.req("GET", "/v1/templates/" + tid, conn=conn)

        upload.port = read.port = port
        # Warm-up: every connection of every instance made, caches filled.
        run_parallel(args["threads"], 20 * instances, read)
        run_parallel(2, 2, upload)
        rows = [measure(st, "conversion", 2, args["conversions"], upload),
                measure(st, "library read", args["threads"], args["reads"], read)]
        for r in rows:
            r["instances"] = instances
        return rows
    finally:
        st.stop()
        shutil.rmtree(data, ignore_errors=True)


def main():
    args = {
        "bin": os.environ.get("INKWELL_BIN", str(REPO / "build" / "bin")),
        "conversions": env_int("CONVERSIONS", 16),
        "reads": env_int("READS", 4000),
        "threads": env_int("READ_THREADS", 8),
    }
    counts = [int(x) for x in os.environ.get("INSTANCES", "1 2").split()]
    max_ratio = float(os.environ.get("COST_MAX_RATIO", "1.3"))
    jpeg = photo_jpeg()
    rows = []
    for n in counts:
        rows += bench(n, jpeg, args)
    print("bench/cost.py: CPU of every stack process (utime+stime) per request, %d cores, %s"
          % (os.cpu_count(), "Redis Cluster" if os.environ.get("COST_CLUSTER") == "1"
             else "one redis-server per database"))
    print("%-14s %9s %9s %9s %9s %14s" % ("what", "instances", "requests", "cpu s", "wall s",
                                          "cpu ms/request"))
    for r in rows:
        print("%-14s %9d %9d %9.2f %9.2f %14.3f" % (r["what"], r["instances"], r["requests"],
                                                    r["cpu_s"], r["wall_s"],
                                                    r["cpu_per_request_ms"]))
    flat = True
    for what in ("conversion", "library read"):
        by_n = {r["instances"]: r["cpu_per_request_ms"] for r in rows if r["what"] == what}
        if 1 in by_n and len(by_n) > 1:
            for n, v in sorted(by_n.items()):
                ratio = v / by_n[1] if by_n[1] > 0 else 0.0
                if n != 1:
                    ok = ratio <= max_ratio
                    flat &= ok
                    print("%-14s %d instances / 1: %.2f (%s, at most %.2f)" % (
                        what, n, ratio, "flat" if ok else "DEARER", max_ratio))
    return 0 if flat else 1


if __name__ == "__main__":
    sys.exit(main())
