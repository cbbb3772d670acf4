"""inkwell_test.py - what every Python integration test of Inkwell shares.

Python stdlib only (unittest + http.client). A test file does:

    import inkwell_test as it

    class MyTest(it.StackTestCase):
        ENV = {"SESSION_TTL_SECONDS": "2"}      # optional overrides
        def test_x(self):
            status, headers, body = self.req("GET", "/healthz")

    if __name__ == "__main__":
        it.main()

and is run as `python3 tests/test_x.py --bin BUILD/bin` (ctest passes --bin).

Each StackTestCase class gets its own whole stack (real redis-server,
real nginx, the built services) on free loopback ports and a fresh data
dir; tearDownClass stops it and fails the class if a sanitizer reported
anything in a child's log. Set INKWELL_KEEP_DATA=1 to keep the data dirs.
"""

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import time
import subprocess
import sys
import tempfile
import unittest
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

import stack  # noqa: E402  (scripts/stack.py)
import openapi_check  # noqa: E402  (tests/openapi_check.py)

BIN = Path(os.environ.get("INKWELL_BIN", str(REPO / "build" / "bin")))

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "ThreadSanitizer", "SUMMARY: UndefinedBehaviorSanitizer")


def main():
    """unittest.main, after taking our own --bin option off argv."""
    global BIN
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("--bin")
    args, rest = ap.parse_known_args()
    if args.bin:
        BIN = Path(args.bin).resolve()
    # A SIGTERM (ctest's timeout, a CI runner) stops every stack, then exits
    # at once: raising SystemExit instead would be caught by unittest as one
    # test's error, and the run would go on.
    signal.signal(signal.SIGTERM, _on_sigterm)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


def _on_sigterm(signum, frame):
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    print("\ninkwell_test: SIGTERM, stopping every stack", file=sys.stderr, flush=True)
    stack._stop_all()
    os._exit(128 + signum)


def poll(cond, timeout=10.0, what="condition", interval=0.05):
    """Poll cond() until truthy (returns its value) or fail after timeout."""
    return stack.wait_for(cond, timeout, what, interval=interval)


def poll_fresh(check, since, within, timeout, what):
    """Poll check() like poll() until it comes true; fail at once if a call
    that *started* `within` seconds or more after `since` was still false.
    Returns when the call that first came true was started. A deadline on a
    cache's lifetime is about when the answer changed, not about how long
    one request took on a loaded machine: a slow stale answer to a call
    begun in time is no failure, any stale answer to a call begun late is."""
    started = []

    def attempt():
        t = time.monotonic()
        if check():
            started.append(t)
            return True
        if t - since >= within:
            raise AssertionError("%s: still not so for a request begun %.2f s after (bound %.1f s)"
                                 % (what, t - since, within))
        return False

    poll(attempt, timeout, what)
    return started[0]


def redis(port, *args):
    """Send one command to the Redis on `port`; returns its reply's first
    line (b":3", b"+OK", ...) - enough for DBSIZE, CLIENT KILL and the like."""
    cmd = b"*%d\r\n" % len(args) + b"".join(
        b"$%d\r\n%s\r\n" % (len(a), a) for a in (str(x).encode() for x in args))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(cmd)
        return s.makefile("rb").readline().rstrip(b"\r\n")


def redis_bulk(port, *args):
    """Like redis(), for a command answering one bulk string (GET, HGET,
    INFO): its value, or None for a nil reply."""
    cmd = b"*%d\r\n" % len(args) + b"".join(
        b"$%d\r\n%s\r\n" % (len(a), a) for a in (str(x).encode() for x in args))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(cmd)
        f = s.makefile("rb")
        head = f.readline().rstrip(b"\r\n")
        if not head.startswith(b"$"):
            raise AssertionError("not a bulk reply: %r" % head)
        n = int(head[1:])
        return None if n < 0 else f.read(n + 2)[:n]


def walk(tree):
    """Every dict inside a JSON tree (depth first), the root included."""
    if isinstance(tree, dict):
        yield tree
        for v in tree.values():
            yield from walk(v)
    elif isinstance(tree, list):
        for v in tree:
            yield from walk(v)


def components(tree):
    """Names of every health check node ('component' key) in a tree."""
    return [d["component"] for d in walk(tree) if isinstance(d.get("component"), str)]


def failing(tree):
    """Nodes of a health tree whose status is not pass."""
    return [d for d in walk(tree)
            if isinstance(d.get("component"), str) and d.get("status") not in ("pass", None)]


def subtree(tree, name):
    """The first node whose component names `name` (substring), or None."""
    for d in walk(tree):
        if isinstance(d.get("component"), str) and name in d["component"]:
            return d
    return None


class Http:
    """A tiny client for one base port. req() never raises on HTTP errors."""

    def __init__(self, port, timeout=15.0, check_contract=True):
        self.port = port
        self.timeout = timeout
        # Every answer is checked against docs/openapi.yaml (openapi_check.py): an answer
        # the contract does not allow fails the test that received it. Off only for a
        # server that is not Inkwell (a fake edge).
        self.check_contract = check_contract

    def req(self, method, path, body=None, headers=None):
        """Send one request; returns (status, headers, body).

        body may be bytes, str, or a dict/list (sent as JSON with
        Content-Type application/json unless headers say otherwise).
        headers in the answer: an http.client.HTTPMessage (case-insensitive).
        The answer body is parsed JSON when the Content-Type is JSON-ish
        (application/json, application/problem+json, application/health+json),
        else raw bytes.
        Raises openapi_check.ContractError (an AssertionError) when the answer
        breaks docs/openapi.yaml for its route and status.
        """
        headers = dict(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            body = body.encode()
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            c.request(method, path, body=body, headers=headers)
            r = c.getresponse()
            raw = r.read()
            ctype = (r.getheader("Content-Type") or "").split(";")[0].strip()
            parsed = raw
            if ctype.endswith("json") and raw:
                try:
                    parsed = json.loads(raw)
                except ValueError:
                    parsed = raw
            if self.check_contract:
                openapi_check.check(method, path, r.status, ctype, raw, parsed)
            return r.status, r.msg, parsed
        finally:
            c.close()

    def raw(self, data, timeout=10.0):
        """Send raw bytes on a fresh connection; return everything read until
        the server closes or stops sending (for malformed/oversized requests)."""
        out = b""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            try:
                s.sendall(data)
            except OSError:
                pass
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    out += chunk
                    if b"\r\n\r\n" in out and _complete(out):
                        break
            except OSError:
                pass
        return out


def _complete(resp):
    head, _, body = resp.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return False


def parse_raw(resp):
    """(status, {lowercase header: value}, body bytes) of a raw HTTP answer."""
    head, _, body = resp.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    hdrs = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return status, hdrs, body


class InkwellAsserts:
    def assertProblem(self, status, headers, body, expected_status, field=None):
        """An RFC 9457 answer: the status, Content-Type application/problem+json,
        a JSON object with 'title' and a matching 'status'; if field is given,
        an 'errors' entry naming it."""
        ctype = (headers.get("Content-Type") or "").split(";")[0].strip()
        self.assertEqual(status, expected_status, "body: %r" % (body,))
        self.assertEqual(ctype, "application/problem+json", "body: %r" % (body,))
        self.assertIsInstance(body, dict, "problem body is not a JSON object: %r" % (body,))
        self.assertEqual(body.get("status"), expected_status, body)
        self.assertIsInstance(body.get("title"), str, body)
        if field is not None:
            names = [e.get("field") for e in body.get("errors", []) if isinstance(e, dict)]
            self.assertIn(field, names, body)


class StackTestCase(unittest.TestCase, InkwellAsserts):
    """A test class with a whole stack of its own (self.stack, self.http)."""

    ENV = {}  # children's environment overrides for this class
    START = True  # False: the class starts what it needs itself

    @classmethod
    def setUpClass(cls):
        cls.port = stack.free_port_base()
        cls.data_dir = Path(tempfile.mkdtemp(prefix="inkwell-test-"))
        env = {"LOG_LEVEL": "debug"}
        env.update(cls.ENV)
        cls.stack = stack.Stack(BIN, cls.port, cls.data_dir, env=env)
        cls.http = Http(cls.port)
        if cls.START:
            cls.stack.start()

    @classmethod
    def tearDownClass(cls):
        cls.stack.stop()
        reports = cls.sanitizer_reports()
        keep = os.environ.get("INKWELL_KEEP_DATA") == "1" or reports
        if not keep:
            shutil.rmtree(cls.data_dir, ignore_errors=True)
        if reports:
            raise AssertionError("sanitizer reports in child logs (kept %s):\n%s" %
                                 (cls.data_dir, "\n".join(reports)))

    @classmethod
    def sanitizer_reports(cls):
        out = []
        logs = cls.data_dir / "logs"
        if not logs.is_dir():
            return out
        for f in sorted(logs.glob("*.log")):
            for line in f.read_text(errors="replace").splitlines():
                if any(m in line for m in SANITIZER_MARKS):
                    out.append("%s: %s" % (f.name, line))
        return out

    # conveniences --------------------------------------------------------

    def req(self, method, path, body=None, headers=None):
        return self.http.req(method, path, body, headers)

    def log_text(self, name):
        try:
            return self.stack.log_path(name).read_text(errors="replace")
        except OSError:
            return ""

    def probe(self, *args, timeout=15):
        """Run inkwell-probe; returns (exit code, output)."""
        r = subprocess.run([str(BIN / "inkwell-probe")] + [str(a) for a in args],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
        return r.returncode, r.stdout.decode(errors="replace")

    def grant_admin(self, name):
        """Makes user `name` an admin the way an operator does (`user-svc grant-admin`)."""
        r = subprocess.run([str(BIN / "user-svc"), "grant-admin", name],
                           env={"USERS_REDIS_ADDR": self.stack.addr_of("users-redis")},
                           capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)

    def health(self):
        return self.req("GET", "/healthz")

    def wait_health(self, want_status, timeout=15.0):
        """Poll /healthz until it answers want_status; returns (status, headers, body)."""
        last = []

        def cond():
            r = self.health()
            last[:] = [r]
            return r[0] == want_status

        try:
            poll(cond, timeout, "/healthz %d" % want_status, interval=0.1)
        except stack.StackError:
            self.fail("/healthz never answered %d within %.0fs; last: %r" %
                      (want_status, timeout, last[0] if last else None))
        return last[0]

    @staticmethod
    def new_rid():
        return "test-" + uuid.uuid4().hex

