# SPDX-License-Identifier: GPL-2.0
# faults.py - the soak's hands on the lab (tests/soak/soak.py drives them): the configuration
# model and its YAML, every lbctl call checked for a well-formed answer, and each fault kind as
# one episode (do, hold, undo) that returns what it did and when, for the invariants.
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from xlbapi import api  # noqa: E402

VIP4, VIP6 = "10.0.0.10", "fd00:10::10"
# (key, name, vip, port, proto, health): the lab's four services (scripts/xlbd-conf.sh's).
SERVICES = [
    ("10.0.0.10:80/tcp", "http-v4", VIP4, 80, "tcp", "v4"),
    ("10.0.0.10:7/udp", "echo-v4", VIP4, 7, "udp", "v4"),
    ("[fd00:10::10]:80/tcp", "http-v6", VIP6, 80, "tcp", "v6"),
    ("[fd00:10::10]:7/udp", "echo-v6", VIP6, 7, "udp", "v6"),
]
# The health checks of every service, as scripts/xlbd-conf.sh writes them; the invariants'
# detection window is computed from these figures (soak.py).
HEALTH = {"interval": 0.2, "timeout": 0.15, "rise": 2, "fall": 2}
TABLE_SIZE = 16381  # prime; smaller than the lab's 65537 so that the many rebuilds stay cheap
SPARE = 4  # backend4 is in the lab but not in the first configuration: "backend added"


def addr(fam, i):
    """Backend i's address in family fam ("v4" or "v6")."""
    return "10.101.%d.2" % i if fam == "v4" else "fd00:101:%d::2" % i


def index_of(address):
    """The lab backend number of an address (10.101.N.2 or fd00:101:N::2)."""
    return int(address.split(".")[2]) if "." in address else int(address.split(":")[2])


def model_yaml(model, state_dir):
    """The configuration file for a model {service key: {backend index: [weight, state]}}."""
    out = ["interfaces: [lb0]", "xdp_mode: native", "tunnel_source: 10.99.0.2",
           "tunnel_source_v6: fd00:99::2", "gateway: auto", "hash_seed: 4242", "mtu: 1500",
           "state_dir: %s" % state_dir, "services:"]
    for key, name, vip, port, proto, fam in SERVICES:
        out += ["  - name: %s" % name, "    vip: %s" % vip, "    port: %d" % port,
                "    proto: %s" % proto, "    table_size: %d" % TABLE_SIZE]
        h = "interval: 200ms, timeout: 150ms, rise: 2, fall: 2"
        if proto == "tcp":
            out.append("    health: { type: http, path: /, %s }" % h)
        else:
            out.append("    health: { type: udp, payload: health, expect_payload: health, %s }"
                       % h)
        out.append("    backends:")
        for i, (w, st) in sorted(model[key].items()):
            out.append('      - { address: "%s", weight: %d, state: %s }' % (addr(fam, i), w, st))
    return "\n".join(out) + "\n"


# Invalid variants of a valid configuration: each must be refused whole.
INVALID = [
    ("port not a number", lambda y: y.replace("    port: 80\n", "    port: 80x\n", 1)),
    ("table size not prime", lambda y: y.replace("table_size: %d" % TABLE_SIZE,
                                                 "table_size: 16384", 1)),
    ("weight out of range", lambda y: y.replace("weight: ", "weight: 7000", 1)),
    ("duplicate backend", lambda y: y.replace(
        "    backends:\n", '    backends:\n      - { address: "10.101.1.2" }\n'
        '      - { address: "10.101.1.2" }\n', 1)),
    ("unknown key", lambda y: y.replace("hash_seed: 4242", "hash_seed: 4242\nbogus_key: 1")),
    ("unknown interface", lambda y: y.replace("interfaces: [lb0]", "interfaces: [nosuch0]")),
]


def parse_dump(text):
    """The services of xlbd's configuration dump (lbctl config dump: every key explicit, one
    per line): {service key: {backend index: [weight, state]}}; the rest is not compared."""
    res, svc, cur = {}, None, None
    vip = port = proto = None
    for ln in text.splitlines():
        s = ln.strip()
        if ln.startswith("  - name:"):
            svc, vip, port, proto = {}, None, None, None
        elif ln.startswith("    vip:"):
            vip = s.split(":", 1)[1].strip().strip('"')
        elif ln.startswith("    port:"):
            port = int(s.split(":", 1)[1])
        elif ln.startswith("    proto:"):
            proto = s.split(":", 1)[1].strip()
            key = ("[%s]" % vip if ":" in vip else vip) + ":%d/%s" % (port, proto)
            res[key] = svc
        elif ln.startswith("      - address:"):
            cur = index_of(s.split(":", 1)[1].strip().strip('"'))
            svc[cur] = [None, None]
        elif ln.startswith("        weight:") and cur is not None:
            svc[cur][0] = int(s.split(":", 1)[1])
        elif ln.startswith("        state:") and cur is not None:
            svc[cur][1] = s.split(":", 1)[1].strip()
    return res


class Lab:
    """One soak lab (scripts/lab.sh, LAB_ID lab_id): its files, xlbd, servers and links, the
    configuration model, and the record of every lbctl call and every apply check."""

    def __init__(self, top, output, lab_id):
        self.top, self.output, self.lab_id = top, output, lab_id
        self.state = "/run/xlb-lab/" + lab_id
        self.pfx = "xl" + lab_id[:6]
        self.pin = "/sys/fs/bpf/xlb-lab-" + lab_id
        self.sock = self.state + "/xlbd.sock"
        self.conf = self.state + "/xlbd.yaml"
        self.model = {k: {i: [100, "enabled"] for i in (1, 2, 3)} for k, *_ in SERVICES}
        self.lbctl_calls = {"ok": 0, "bad": 0}
        self.lbctl_bad = []  # the malformed or unexpected answers
        self.apply_checks = {"ok": 0, "bad": 0}
        self.apply_bad = []
        self.spawned = []  # pids of every process the soak started (servers, xlbd)

    # --- plumbing -----------------------------------------------------------------------------
    def ns(self, node):
        return "/run/netns/%s-%s" % (self.pfx, node)

    def run(self, *cmd, timeout=30):
        return subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout)

    def in_node(self, node, *cmd):
        return self.run("nsenter", "--net=" + self.ns(node), *cmd)

    def lab(self, *args):
        env = dict(os.environ, LAB_ID=self.lab_id, OUTPUT=self.output)
        return subprocess.run([self.top + "/scripts/lab.sh"] + list(args), capture_output=True,
                              text=True, timeout=60, env=env)

    def lbctl(self, *args, expect_ok=True, stdin=None):
        """Run lbctl -j ARGS: (exit code, decoded JSON). Well-formed means: the exit code is 0
        with JSON that is not an error object when expect_ok, else non-zero with
        {"error": "..."}; anything else is recorded as a bad answer."""
        r = subprocess.run([self.output + "/lbctl", "-j", "-s", self.sock, "--pin-dir", self.pin]
                           + list(args), capture_output=True, text=True, timeout=30, input=stdin)
        try:
            doc = json.loads(r.stdout)
            parsed = isinstance(doc, dict)
        except ValueError:
            doc, parsed = None, False
        if expect_ok:
            good = parsed and r.returncode == 0 and "error" not in doc
        else:
            good = parsed and r.returncode != 0 and isinstance(doc.get("error"), str) and \
                doc["error"] != ""
        self.lbctl_calls["ok" if good else "bad"] += 1
        if not good and len(self.lbctl_bad) < 20:
            self.lbctl_bad.append("lbctl %s: exit %d, %r %r" % (" ".join(args), r.returncode,
                                                                r.stdout[:200], r.stderr[:200]))
        return r.returncode, doc

    def dump(self):
        """The running configuration's text (lbctl config dump), or None."""
        rc, doc = self.lbctl("config", "dump")
        return doc.get("yaml") if rc == 0 and doc else None

    def check_config(self, what, before=None):
        """The configuration dump equals the model (and, for a refused change, the dump taken
        before it, byte for byte): recorded as one apply check. Returns the dump."""
        text = self.dump()
        why = None
        if text is None:
            why = "no dump"
        elif parse_dump(text) != {k: {i: list(v) for i, v in s.items()}
                                  for k, s in self.model.items()}:
            why = "dump %s != model %s" % (parse_dump(text), self.model)
        elif before is not None and text != before:
            why = "the dump changed although the change was refused"
        self.apply_checks["bad" if why else "ok"] += 1
        if why and len(self.apply_bad) < 20:
            self.apply_bad.append("%s: %s" % (what, why[:400]))
        return text

    def write_conf(self, text=None):
        with open(self.conf + ".tmp", "w") as f:
            f.write(text if text is not None else model_yaml(self.model, self.state +
                                                             "/xlbd-state"))
        os.replace(self.conf + ".tmp", self.conf)

    def status(self):
        return api(self.sock, "GET", "/v1/status")[1]

    def xlbd_pid(self):
        try:
            with open(self.state + "/xlbd.pid") as f:
                return int(f.read())
        except (OSError, ValueError):
            return None

    def xlbd_start(self):
        r = self.lab("xlbd-start")
        if r.returncode != 0:
            raise RuntimeError("xlbd did not start: " + r.stderr[-400:])
        self.spawned.append(self.xlbd_pid())

    def server_pidfile(self, i):
        return "%s/server%d.pid" % (self.state, i)

    def server_start(self, i):
        # As scripts/lab.sh starts it: nsenter execs python, so the pid is the server's.
        log = open("%s/server%d.log" % (self.state, i), "a")
        p = subprocess.Popen(["nsenter", "--net=" + self.ns("backend%d" % i), "/usr/bin/python3",
                              self.top + "/scripts/lab-server.py", "backend%d" % i, VIP4, VIP6,
                              addr("v4", i), addr("v6", i)], stdout=log, stderr=log,
                             start_new_session=True)
        log.close()
        with open(self.server_pidfile(i), "w") as f:
            f.write("%d\n" % p.pid)
        self.spawned.append(p.pid)
        self.children = getattr(self, "children", []) + [p]
        for _ in range(200):  # until it listens (TCP 80 and UDP 7)
            out = self.in_node("backend%d" % i, "ss", "-Hltun", "( sport = :80 or sport = :7 )")
            if len(out.stdout.splitlines()) >= 5:
                return
            time.sleep(0.05)

    def server_kill(self, i):
        with open(self.server_pidfile(i)) as f:
            pid = int(f.read())
        os.kill(pid, signal.SIGKILL)
        for c in getattr(self, "children", []):
            if c.pid == pid:
                c.wait()
        for _ in range(100):
            # Gone, or a zombie. It may be reaped at any moment (lab.sh's servers are not our
            # children: in a PID namespace its init reaps them), so a read can find it gone.
            try:
                with open("/proc/%d/stat" % pid) as f:
                    if f.read().split()[2] == "Z":
                        return
            except OSError:
                return
            time.sleep(0.05)

    def setup(self):
        """Before xlbd starts: the first configuration in the file, IPv6 addresses kept on
        link down in the backends (a link flap must not unconfigure them)."""
        for i in (1, 2, 3, SPARE):
            self.in_node("backend%d" % i, "sysctl", "-qw",
                         "net.ipv6.conf.eth0.keep_addr_on_down=1")
        self.write_conf()

    def health(self):
        return api(self.sock, "GET", "/v1/health")[1]["backends"]

    def healthy(self):
        """Every enabled backend of the model is up in xlbd's health view."""
        try:
            h = {(b["service"], index_of(b["address"])): b["state"] for b in self.health()}
        except Exception:  # xlbd restarting, or an answer cut short: not healthy yet
            return False
        return all(h.get((k, i)) == "up" for k, s in self.model.items()
                   for i, (w, st) in s.items())

    def wait_healthy(self, limit=30.0):
        t0 = time.time()
        while time.time() - t0 < limit:
            if self.healthy():
                return True
            time.sleep(0.1)
        return False

    def fingerprints(self):
        """The table fingerprint of every service, {key: fp} (what is readable now)."""
        fps = {}
        for key, _, vip, port, proto, _ in SERVICES:
            try:
                fps[key] = api(self.sock, "GET", "/v1/tables/%s/%d/%s" % (vip, port, proto),
                               )[1]["fingerprint"]
            except Exception:  # xlbd restarting: that service's stays unknown this time
                pass
        return fps

    def table_map(self, mid):
        """Is map mid a Maglev table (an array of 4 KiB chunks named xlb_table)?"""
        d = json.loads(self.run("bpftool", "-j", "map", "show", "id", str(mid)).stdout or "{}")
        return d.get("name") == "xlb_table" and d.get("bytes_value") == 4096

    def bpf_objects(self):
        """The BPF objects of the LB: (programs, maps, links) counted from the pinned links,
        their programs' maps, the inner Maglev tables and what xlbd holds by descriptor, and
        the type and name of each of those programs (so that a difference says which)."""
        progs, maps, links = set(), set(), set()
        for name in os.listdir(self.pin + "/links"):
            r = self.run("bpftool", "-j", "link", "show", "pinned", self.pin + "/links/" + name)
            d = json.loads(r.stdout)
            links.add(d["id"])
            progs.add(d["prog_id"])
        for p in list(progs):
            maps.update(json.loads(self.run("bpftool", "-j", "prog", "show", "id",
                                            str(p)).stdout).get("map_ids", []))
        tables = set()
        for e in json.loads(self.run("bpftool", "-j", "map", "dump", "pinned",
                                     self.pin + "/xlb_tables").stdout):
            tables.add(int.from_bytes(bytes(int(x, 16) for x in e["value"]), "little"))
        maps |= tables
        pid = self.xlbd_pid()
        for fd in os.listdir("/proc/%d/fdinfo" % pid):
            try:
                info = open("/proc/%d/fdinfo/%s" % (pid, fd)).read()
            except OSError:
                continue
            fields = dict(ln.partition(":")[::2] for ln in info.splitlines())
            mid = int(fields.get("map_id", "0"))
            # xlbd's table pool: replaced tables kept open for reuse (at most 64, see
            # user/xlbd/dataplane.h), not objects of the LB; left out of the count.
            if mid and (mid in tables or not self.table_map(mid)):
                maps.add(mid)
            if "prog_id" in fields:
                progs.add(int(fields["prog_id"]))
            if "link_id" in fields:
                links.add(int(fields["link_id"]))
        names = []
        for p in sorted(progs):
            d = json.loads(self.run("bpftool", "-j", "prog", "show", "id", str(p)).stdout or "{}")
            names.append("%s %s" % (d.get("type", "?"), d.get("name", "?")))
        return {"programs": len(progs), "maps": len(maps), "links": len(links),
                "program_names": sorted(names)}


# --- the fault episodes ---------------------------------------------------------------------
# Each takes (lab, rng, hold) and returns a list of events {"kind", "t0", "t1", "backend",
# "affects"}: "affects" names what the invariants let break (soak.py): "fail" (the backend is
# gone: killed, link down, removed: its requests may fail, its keep-alive connections break),
# "flush" (connection entries deleted), or None.

def _pick(lab, rng):
    return rng.choice(sorted(lab.model[SERVICES[0][0]]))


def ep_server_kill(lab, rng, hold):
    i = _pick(lab, rng)
    t0 = time.time()
    lab.server_kill(i)
    time.sleep(hold)
    lab.server_start(i)
    return [{"kind": "server_kill", "t0": t0, "t1": time.time(), "backend": i, "affects": "fail"}]


def ep_link_down(lab, rng, hold):
    i = _pick(lab, rng)
    node = "backend%d" % i
    t0 = time.time()
    lab.in_node(node, "ip", "link", "set", "eth0", "down")
    time.sleep(hold)
    lab.in_node(node, "ip", "link", "set", "eth0", "up")
    # The default routes went with the link (scripts/lab.sh made them).
    lab.in_node(node, "ip", "route", "replace", "default", "via", "10.101.%d.1" % i)
    lab.in_node(node, "ip", "-6", "route", "replace", "default", "via", "fd00:101:%d::1" % i)
    return [{"kind": "link_down", "t0": t0, "t1": time.time(), "backend": i, "affects": "fail"}]


def _backend_all(lab, verb, i, *extra):
    for key, _, _, _, _, fam in SERVICES:
        lab.lbctl("backend", verb, key, addr(fam, i), *extra)


def _remove(lab, i, kind):
    t0 = time.time()
    for key, _, _, _, _, fam in SERVICES:
        lab.lbctl("backend", "del", key, addr(fam, i))
        del lab.model[key][i]
    lab.write_conf()  # the file follows, so that an xlbd restart keeps the same configuration
    lab.check_config(kind + " (removed)")
    return {"kind": kind, "t0": t0, "t1": time.time(), "backend": i, "affects": "fail"}


def _add(lab, i, kind):
    t0 = time.time()
    for key, _, _, _, _, fam in SERVICES:
        lab.lbctl("backend", "add", key, addr(fam, i), "weight", "100")
        lab.model[key][i] = [100, "enabled"]
    lab.write_conf()
    lab.check_config(kind + " (added)")
    return {"kind": kind, "t0": t0, "t1": time.time(), "backend": i, "affects": None}


def ep_backend_add(lab, rng, hold):
    ev = [_add(lab, SPARE, "backend_add")]
    lab.wait_healthy()
    time.sleep(hold)
    ev.append(_remove(lab, SPARE, "backend_add"))
    return ev


def ep_backend_remove(lab, rng, hold):
    ev = [_remove(lab, _pick(lab, rng), "backend_remove")]
    time.sleep(hold)
    ev.append(_add(lab, ev[0]["backend"], "backend_remove"))
    return ev


def _set_all(lab, i, weight, state, verb, *args):
    t0 = time.time()
    _backend_all(lab, verb, i, *args)
    for key in lab.model:
        lab.model[key][i] = [weight, state]
    lab.write_conf()
    lab.check_config("backend %s %d" % (verb, i))
    return t0


def ep_drain(lab, rng, hold):
    i = _pick(lab, rng)
    w = lab.model[SERVICES[0][0]][i][0]
    t0 = _set_all(lab, i, w, "drain", "drain")
    time.sleep(hold)
    _set_all(lab, i, w, "enabled", "enable")
    return [{"kind": "drain", "t0": t0, "t1": time.time(), "backend": i, "affects": None}]


def ep_weight(lab, rng, hold):
    i = _pick(lab, rng)
    w0 = lab.model[SERVICES[0][0]][i][0]
    w = rng.choice([w for w in (25, 50, 150, 200, 400) if w != w0])
    t0 = _set_all(lab, i, w, "enabled", "set", "weight", str(w))
    time.sleep(hold)
    _set_all(lab, i, w0, "enabled", "set", "weight", str(w0))
    return [{"kind": "weight", "t0": t0, "t1": time.time(), "backend": i, "affects": None}]


def _new_weights(lab, rng):
    """The model with new weights for every backend (each service the same)."""
    ws = {i: rng.choice((50, 100, 150, 200)) for i in lab.model[SERVICES[0][0]]}
    for key in lab.model:
        for i in lab.model[key]:
            lab.model[key][i][0] = ws[i]


def _wait_reload(lab, field, before, limit=15.0):
    t0 = time.time()
    while time.time() - t0 < limit:
        try:
            if lab.status()[field] > before:
                return True
        except Exception:
            pass
        time.sleep(0.05)
    return False


def ep_apply_api(lab, rng, hold):
    t0 = time.time()
    _new_weights(lab, rng)
    lab.write_conf()
    lab.lbctl("config", "apply", lab.conf)
    lab.check_config("config apply (valid)")
    return [{"kind": "apply_api", "t0": t0, "t1": time.time(), "backend": None, "affects": None}]


def ep_apply_api_invalid(lab, rng, hold):
    t0 = time.time()
    before = lab.dump()
    what, bad = rng.choice(INVALID)
    good = model_yaml(lab.model, lab.state + "/xlbd-state")
    # Through stdin, straight to POST /v1/config/apply only when lbctl's own check passes (an
    # unknown interface is known to xlbd alone): either way it must be refused.
    lab.lbctl("config", "apply", "-", expect_ok=False, stdin=bad(good))
    lab.check_config("config apply (invalid: %s)" % what, before)
    return [{"kind": "apply_api_invalid", "t0": t0, "t1": time.time(), "backend": None,
             "affects": None, "detail": what}]


def ep_apply_sighup(lab, rng, hold):
    t0 = time.time()
    before = lab.status()["reloads_applied"]
    _new_weights(lab, rng)
    lab.write_conf()
    os.kill(lab.xlbd_pid(), signal.SIGHUP)
    if not _wait_reload(lab, "reloads_applied", before):
        lab.apply_bad.append("SIGHUP (valid): reloads_applied did not move")
    lab.check_config("SIGHUP (valid)")
    return [{"kind": "apply_sighup", "t0": t0, "t1": time.time(), "backend": None,
             "affects": None}]


def ep_apply_sighup_invalid(lab, rng, hold):
    t0 = time.time()
    before_text = lab.dump()
    before = lab.status()["reloads_refused"]
    what, bad = rng.choice(INVALID)
    lab.write_conf(bad(model_yaml(lab.model, lab.state + "/xlbd-state")))
    os.kill(lab.xlbd_pid(), signal.SIGHUP)
    if not _wait_reload(lab, "reloads_refused", before):
        lab.apply_bad.append("SIGHUP (invalid: %s): reloads_refused did not move" % what)
    lab.check_config("SIGHUP (invalid: %s)" % what, before_text)
    lab.write_conf()
    return [{"kind": "apply_sighup_invalid", "t0": t0, "t1": time.time(), "backend": None,
             "affects": None, "detail": what}]


def ep_xlbd_kill(lab, rng, hold):
    pid = lab.xlbd_pid()
    t0 = time.time()
    os.kill(pid, signal.SIGKILL)
    for _ in range(200):
        try:
            if open("/proc/%d/stat" % pid).read().split()[2] == "Z":
                break
        except OSError:
            break
        time.sleep(0.025)
    time.sleep(hold)
    lab.xlbd_start()
    lab.check_config("xlbd restarted after SIGKILL")
    return [{"kind": "xlbd_kill", "t0": t0, "t1": time.time(), "backend": None, "affects": None}]


def ep_prog_swap(lab, rng, hold):
    t0 = time.time()
    r = lab.run(lab.output + "/tests/e2e/swapprog", lab.output + "/tests/e2e/xlb_v2.bpf.o",
                lab.pin, "lb0")
    if r.returncode != 0:
        raise RuntimeError("swapprog: " + r.stderr[-300:])
    return [{"kind": "prog_swap", "t0": t0, "t1": time.time(), "backend": None, "affects": None,
             "detail": r.stdout.strip()}]


def ep_conns_flush(lab, rng, hold):
    fps = lab.fingerprints()
    t0 = time.time()
    rc, doc = lab.lbctl("conns", "flush")
    return [{"kind": "conns_flush", "t0": t0, "t1": time.time(), "backend": None,
             "affects": "flush", "fingerprints": fps,
             "detail": "%s entries deleted" % (doc or {}).get("deleted")}]


# The kinds, each with its relative weight among the random episodes after the first round.
# The restart is rarer than the rest so that xlbd lives long enough, between two SIGKILLs, for
# its memory and descriptors to be judged (soak.py).
EPISODES = {
    "server_kill": (ep_server_kill, 1.0),
    "link_down": (ep_link_down, 1.0),
    "backend_add": (ep_backend_add, 1.0),
    "backend_remove": (ep_backend_remove, 1.0),
    "drain": (ep_drain, 1.0),
    "weight": (ep_weight, 1.0),
    "apply_api": (ep_apply_api, 1.0),
    "apply_api_invalid": (ep_apply_api_invalid, 1.0),
    "apply_sighup": (ep_apply_sighup, 1.0),
    "apply_sighup_invalid": (ep_apply_sighup_invalid, 1.0),
    "xlbd_kill": (ep_xlbd_kill, 0.25),
    "prog_swap": (ep_prog_swap, 1.0),
    "conns_flush": (ep_conns_flush, 1.0),
}
