"""test_stack.py - the launcher itself (`make up` = scripts/stack.py up).

Runs `python3 scripts/stack.py up` as a user would: it must print exactly
`Inkwell is up at http://127.0.0.1:PORT` once /readyz passes, stop every
child on SIGINT/SIGTERM leaving no process behind, stop everything and exit
non-zero when a child dies, and refuse to start on a busy port. Also the
kill -9 / start-again cycle the durability tests rely on.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import inkwell_test as it
from inkwell_test import stack

STACK_PY = str(it.REPO / "scripts" / "stack.py")


def descendants(pid):
    return stack._descendants(pid)


class Up:
    """One `stack.py up` child process on its own ports and data dir."""

    def __init__(self):
        self.port = stack.free_port_base()
        self.data = tempfile.mkdtemp(prefix="inkwell-test-up-")
        env = dict(os.environ, INKWELL_PORT=str(self.port), INKWELL_DATA=self.data)
        self.out = open(Path(self.data) / "launcher.out", "w+")
        self.proc = subprocess.Popen(
            [sys.executable, STACK_PY, "--bin", str(it.BIN), "up"], env=env,
            stdout=subprocess.PIPE, stderr=self.out, text=True)
        self.kids = set()

    def wait_up(self, timeout=60):
        line = it.poll(lambda: self.proc.stdout.readline() or self.proc.poll() is not None,
                       timeout, "launcher's first line")
        self.kids = set(descendants(self.proc.pid))
        return line

    def alive_kids(self):
        return [p for p in self.kids if stack._pid_alive(p)]

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for p in self.alive_kids():
            os.kill(p, signal.SIGKILL)
        self.proc.stdout.close()
        self.out.close()
        shutil.rmtree(self.data, ignore_errors=True)

    def stderr_text(self):
        self.out.flush()
        return (Path(self.data) / "launcher.out").read_text(errors="replace")


class LauncherTest(unittest.TestCase):
    def up(self):
        u = Up()
        self.addCleanup(u.close)
        return u

    def assert_up_then_stop(self, sig):
        u = self.up()
        line = u.wait_up()
        self.assertEqual(line, "Inkwell is up at http://127.0.0.1:%d\n" % u.port,
                         u.stderr_text()[-3000:])
        self.assertGreaterEqual(len(u.kids), 6, "six components and their children")
        self.assertEqual(it.Http(u.port).req("GET", "/readyz")[0], 200)
        u.proc.send_signal(sig)
        rc = u.proc.wait(timeout=30)
        self.assertEqual(rc, 0, u.stderr_text()[-3000:])
        self.assertEqual(u.alive_kids(), [], "orphans left behind")
        for off in range(6):
            self.assertTrue(stack.port_is_free(u.port + off), "port %d still taken" %
                            (u.port + off))
        # Every child's output was forwarded, with its name.
        err = u.stderr_text()
        for name in ("users-redis", "public-redis", "template-svc", "user-svc", "edge",
                     "nginx"):
            self.assertIn("[%s] " % name, err)

    def test_up_prints_ready_line_and_sigterm_stops_all(self):
        self.assert_up_then_stop(signal.SIGTERM)

    def test_sigint_stops_all(self):
        self.assert_up_then_stop(signal.SIGINT)

    def test_child_death_stops_everything(self):
        u = self.up()
        self.assertTrue(u.wait_up().startswith("Inkwell is up"), u.stderr_text()[-3000:])
        # The user-svc process: a direct child whose command line names it.
        victim = None
        for pid in u.kids:
            try:
                cmd = Path("/proc/%d/cmdline" % pid).read_bytes().split(b"\0")[0]
            except OSError:
                continue
            if cmd.endswith(b"/user-svc"):
                victim = pid
        self.assertIsNotNone(victim)
        os.kill(victim, signal.SIGKILL)
        rc = u.proc.wait(timeout=30)
        self.assertNotEqual(rc, 0)
        self.assertIn("user-svc exited unexpectedly", u.stderr_text())
        self.assertEqual(u.alive_kids(), [])

    def test_refuses_busy_port(self):
        port = stack.free_port_base()
        blocker = socket.socket()
        blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        blocker.bind(("127.0.0.1", port + 4))
        blocker.listen(1)
        self.addCleanup(blocker.close)
        with tempfile.TemporaryDirectory(prefix="inkwell-test-") as d:
            r = subprocess.run(
                [sys.executable, STACK_PY, "--bin", str(it.BIN), "up"],
                env=dict(os.environ, INKWELL_PORT=str(port), INKWELL_DATA=d),
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn("port busy", r.stderr)
        self.assertIn(str(port + 4), r.stderr)
        self.assertEqual(r.stdout, "")


class KillAndRestartTest(it.StackTestCase):
    def test_kill9_all_then_start_on_same_data(self):
        # What the durability tests do: a write acknowledged by Redis before
        # the crash is there after it (AOF, everysec: wait for the fsync).
        port = self.stack.port_of("users-redis")

        def redis(*cmd):
            parts = [b"*%d\r\n" % len(cmd)]
            for c in cmd:
                c = c.encode()
                parts.append(b"$%d\r\n%s\r\n" % (len(c), c))
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                s.sendall(b"".join(parts))
                return s.recv(4096)

        self.assertEqual(redis("SET", "probe:key", "kept"), b"+OK\r\n")
        aof = self.stack.data_dir / "users-redis"
        it.poll(lambda: any(b"probe:key" in f.read_bytes()
                            for f in aof.rglob("*.aof*") if f.is_file()), 5, "AOF write")
        self.stack.kill9_all()
        for name in stack.COMPONENTS:
            self.assertFalse(self.stack.running(name))
        self.stack.start()
        self.assertEqual(redis("GET", "probe:key"), b"$4\r\nkept\r\n")
        self.assertEqual(self.req("GET", "/healthz")[0], 200)


if __name__ == "__main__":
    it.main()
