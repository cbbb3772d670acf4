#!/usr/bin/env python3
"""test_k8s.py - deploy/k8s/ holds manifests Kubernetes would run as meant,
checked without a cluster (issue 14 part 5):

- every file parses (python3-yaml), each document a known kind with a name;
- every environment variable a Deployment sets (its env and the ConfigMap it
  takes envFrom) is one a program reads: the names are taken from the C
  sources (ink_cfg_*("NAME", ...) and getenv("NAME")), per program
  (its own folder and common/), so a typo or a renamed setting fails here;
- containers run built binaries (edge, user-svc, template-svc: in --bin and
  copied into the image by deploy/Dockerfile); exec probes run inkwell-probe
  (also built and copied) at the port the container listens on (its *_LISTEN)
  and declares; HTTP probes ask a health route of the edge's port;
- the Services select their Deployment's pods and target declared ports; the
  peers' Services are headless, and the ConfigMap's *_SVC_ADDR name them at
  their ports.
"""

import argparse
import re
import shlex
import sys
import unittest
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
K8S = REPO / "deploy" / "k8s"
BIN = REPO / "build" / "bin"
KINDS = {"ConfigMap", "Deployment", "Service"}
PROGRAMS = {"edge": "edge", "user-svc": "user-svc", "template-svc": "template-svc"}
HEALTH_ROUTES = {"/livez", "/readyz", "/healthz"}
CFG_CALL = re.compile(r'\b(?:ink_cfg_[a-z_]+|getenv)\(\s*"([A-Z][A-Z0-9_]*)"')


def settings_read(program):
    """Every setting a program reads: its folder's and common/'s sources."""
    names = set()
    for d in (REPO / program, REPO / "common"):
        for f in d.rglob("*.c"):
            if "tests" in f.relative_to(REPO).parts:
                continue
            names |= set(CFG_CALL.findall(f.read_text(errors="replace")))
    return names


def load_docs():
    docs = []
    for f in sorted(K8S.glob("*.yaml")):
        for d in yaml.safe_load_all(f.read_text()):
            if d is not None:
                docs.append((f.name, d))
    return docs


def probe_argv(probe):
    """The argv an exec probe runs; `sh -c SCRIPT` is read as its first command."""
    cmd = probe["exec"]["command"]
    if cmd[0] in ("sh", "/bin/sh") and len(cmd) > 2 and cmd[1] == "-c":
        return shlex.split(cmd[2].split(";")[0])
    return cmd


def port_of(addr):
    return int(addr.rsplit(":", 1)[1])


class K8sManifestsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.docs = load_docs()
        cls.by_kind = {}
        for f, d in cls.docs:
            cls.by_kind.setdefault(d.get("kind"), {})[d["metadata"]["name"]] = d
        cls.configmaps = cls.by_kind.get("ConfigMap", {})
        cls.deployments = cls.by_kind.get("Deployment", {})
        cls.services = cls.by_kind.get("Service", {})
        cls.image_bins = set(re.findall(r"/src/build/bin/([\w-]+)",
                                        (REPO / "deploy" / "Dockerfile").read_text()))

    def test_parse(self):
        self.assertTrue(self.docs, "no manifests in %s" % K8S)
        for f, d in self.docs:
            self.assertIn(d.get("kind"), KINDS, f)
            self.assertIn("apiVersion", d, f)
            self.assertRegex(d["metadata"]["name"], r"^[a-z0-9-]+$", f)
        self.assertEqual(set(self.deployments), set(PROGRAMS))

    def containers(self):
        for name, dep in self.deployments.items():
            for c in dep["spec"]["template"]["spec"]["containers"]:
                yield name, dep, c

    def env_of(self, c):
        """{NAME: value} a container gets: its ConfigMaps, then its own env."""
        env = {}
        for src in c.get("envFrom", []):
            cm = src["configMapRef"]["name"]
            self.assertIn(cm, self.configmaps, "envFrom names a missing ConfigMap")
            env.update(self.configmaps[cm]["data"])
        for e in c.get("env", []):
            env[e["name"]] = e["value"]
        return env

    def test_env_is_read(self):
        used = set()
        for name, _, c in self.containers():
            program = c["command"][0]
            read = settings_read(program)
            self.assertIn("LOG_LEVEL", read, "the source scan found nothing for " + program)
            for e in c.get("env", []):
                self.assertIn(e["name"], read, "%s sets %s, which %s never reads" %
                              (name, e["name"], program))
            for src in c.get("envFrom", []):
                cm = self.configmaps[src["configMapRef"]["name"]]
                used |= {k for k in cm["data"] if k in read}
        for cm in self.configmaps.values():
            unread = set(cm["data"]) - used
            self.assertEqual(unread, set(), "ConfigMap %s: no program reads %s" %
                             (cm["metadata"]["name"], sorted(unread)))

    def test_binaries_and_probes(self):
        for name, _, c in self.containers():
            program = c["command"][0]
            self.assertEqual(program, PROGRAMS[name])
            self.assertIn(program, self.image_bins, "deploy/Dockerfile does not copy it")
            self.assertTrue((BIN / program).is_file(), "%s not built in %s" % (program, BIN))
            ports = {p["name"]: p["containerPort"] for p in c["ports"]}
            env = self.env_of(c)
            listen = env[name.replace("-", "_").upper() + "_LISTEN"]
            self.assertIn(port_of(listen), ports.values(), "%s listens on %s" % (name, listen))
            self.assertEqual(port_of(env["METRICS_LISTEN"]), ports["metrics"], name)
            for kind in ("readinessProbe", "livenessProbe"):
                probe = c[kind]
                if "exec" in probe:
                    argv = probe_argv(probe)
                    self.assertEqual(argv[0], "inkwell-probe", "%s %s" % (name, kind))
                    self.assertIn("inkwell-probe", self.image_bins)
                    self.assertTrue((BIN / "inkwell-probe").is_file())
                    self.assertRegex(argv[1], r"^tcp://127\.0\.0\.1:\d+$")
                    self.assertEqual(port_of(argv[1]), port_of(listen), "%s %s" % (name, kind))
                else:
                    self.assertEqual(name, "edge", "only the edge speaks HTTP")
                    get = probe["httpGet"]
                    self.assertIn(get["path"], HEALTH_ROUTES)
                    port = ports.get(get["port"], get["port"])
                    self.assertEqual(port, port_of(listen), "%s %s" % (name, kind))

    def test_services(self):
        for name, svc in self.services.items():
            dep = self.deployments.get(name)
            self.assertIsNotNone(dep, "Service %s has no Deployment" % name)
            labels = dep["spec"]["template"]["metadata"]["labels"]
            for k, v in svc["spec"]["selector"].items():
                self.assertEqual(labels.get(k), v, "Service %s selects other pods" % name)
            self.assertEqual(dep["spec"]["selector"]["matchLabels"].items() - labels.items(),
                             set(), name)
            ports = {p["name"] for c in dep["spec"]["template"]["spec"]["containers"]
                     for p in c["ports"]}
            for p in svc["spec"]["ports"]:
                self.assertIn(p["targetPort"], ports, "Service %s" % name)
        for cm in self.configmaps.values():
            for key in ("USER_SVC_ADDR", "TEMPLATE_SVC_ADDR"):
                for addr in cm["data"][key].split(","):
                    m = re.fullmatch(r"tcp://([a-z0-9-]+):(\d+)", addr.strip())
                    self.assertIsNotNone(m, addr)
                    svc = self.services.get(m.group(1))
                    self.assertIsNotNone(svc, "%s names no Service" % addr)
                    self.assertEqual(svc["spec"].get("clusterIP"), "None",
                                     "%s must be headless: every pod's address" % m.group(1))
                    self.assertIn(int(m.group(2)), [p["port"] for p in svc["spec"]["ports"]])


if __name__ == "__main__":
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("--bin")
    args, rest = ap.parse_known_args()
    if args.bin:
        BIN = Path(args.bin).resolve()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
