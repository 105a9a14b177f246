#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""mutants.py - `make mutants`: break xlb on purpose, one change at a time, and check that the
test layers that should notice do notice.

tests/mutants.txt lists the mutations. Each is applied to a scratch clone of HEAD (built once,
then rebuilt incrementally), the clone is rebuilt, and the mutation's layers run cheapest
first; the first failing layer kills it. A mutation that no layer kills survives. Before the
first mutation, every layer named in the list must pass on the unmutated clone, or nothing
that follows would mean anything.

  tests/mutants.py [--only ID[,ID...]] [--report FILE] [--keep]

  --only     run these mutations alone
  --report   write the results as a markdown table (for docs/testing.md)
  --keep     keep the scratch clone (its path is printed)

Prints "killed ID by LAYER" / "SURVIVED ID" per mutation and ends with "mutants: N killed,
N survived"; exits 1 when a mutation survived, did not apply, or the unmutated clone failed.
"""

import argparse
import datetime
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIST = os.path.join(TOP, "tests", "mutants.txt")
# The order layers run in: cheap ones first, so most mutants die fast.
LAYER_ORDER = ["unit", "bpf", "tool", "fuzz", "e2e"]
# Seconds one command of a layer may take; a mutant that hangs a test is killed by the timeout.
LAYER_TIMEOUT = {"unit": 120, "bpf": 300, "tool": 300, "fuzz": 300, "e2e": 900}


class Mutant:
    def __init__(self, ident, path, layers, what):
        self.ident, self.path, self.layers, self.what = ident, path, layers, what
        self.old, self.new = [], []


def parse_list(path):
    """Read mutants.txt: "@ ID FILE LAYER[,LAYER...] what it breaks", then "-" lines (the exact
    original text, which must occur once in FILE) and "+" lines (what replaces it)."""
    mutants, cur = [], None
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            if line.startswith("@ "):
                parts = line[2:].split(None, 3)
                if len(parts) < 4:
                    sys.exit(f"{path}:{n}: want '@ ID FILE LAYERS what', got {line!r}")
                cur = Mutant(parts[0], parts[1], parts[2].split(","), parts[3])
                mutants.append(cur)
            elif line[:1] in "-+" and cur is not None:
                (cur.old if line[0] == "-" else cur.new).append(line[2:] if line[1:2] == " " else line[1:])
            else:
                sys.exit(f"{path}:{n}: a line must start with '@ ', '- ', '+ ' or '#': {line!r}")
    ids = [m.ident for m in mutants]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        sys.exit(f"{path}: mutation ids used twice: {', '.join(sorted(dup))}")
    for m in mutants:
        if not m.old:
            sys.exit(f"{path}: mutation {m.ident} has no '-' lines")
        for layer in m.layers:
            if layer.split(":")[0] not in LAYER_ORDER:
                sys.exit(f"{path}: mutation {m.ident}: unknown layer {layer}")
    return mutants


def run(cmd, cwd, timeout=1800):
    """Run cmd in its own process group; return (ok, last lines of its output). On timeout the
    whole group is killed, so that a hung test leaves nothing running."""
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return False, f"timed out after {timeout} s"
    tail = "\n".join(out.splitlines()[-8:])
    return p.returncode == 0, tail


def layer_commands(layer, src):
    """The commands of one layer, run in the clone src, as run-layers.sh runs them."""
    out = os.path.join(src, ".output")
    kind, _, name = layer.partition(":")
    if kind in ("unit", "bpf"):
        d = os.path.join(out, "tests", kind)
        return [[os.path.join(d, b)] for b in sorted(os.listdir(d)) if b.startswith("test_")
                and (not name or b == f"test_{name}")]
    if kind == "tool":
        return [["tests/decap_tool.sh"]]
    if kind == "fuzz":
        return [[os.path.join(out, "tests/fuzz/fuzz_frames"), "-n", "200000", "-s", "1"]]
    if kind == "e2e":
        return [["tests/e2e/run.sh"] + ([name] if name else [])]
    raise ValueError(layer)


def run_layers(layers, src):
    """Run layers cheapest first; return None when all pass, else (layer, output tail)."""
    order = sorted(layers, key=lambda l: LAYER_ORDER.index(l.split(":")[0]))
    for layer in order:
        for cmd in layer_commands(layer, src):
            # relative, as make check passes it: some e2e scripts prefix it with the tree
            ok, tail = run(["env", "OUTPUT=.output"] + cmd, src,
                           LAYER_TIMEOUT[layer.split(":")[0]])
            if not ok or re.search(r" [1-9][0-9]* failed", tail):
                return layer, tail
    return None


def apply(m, src):
    """Apply m to its file in src; return the original text, or raise ValueError."""
    path = os.path.join(src, m.path)
    with open(path) as f:
        text = f.read()
    old, new = "\n".join(m.old) + "\n", "\n".join(m.new) + ("\n" if m.new else "")
    count = text.count(old)
    if count != 1:
        raise ValueError(f"the '-' lines occur {count} times in {m.path}, not once")
    with open(path, "w") as f:
        f.write(text.replace(old, new))
    return text


def restore(m, src, text):
    with open(os.path.join(src, m.path), "w") as f:
        f.write(text)


def build(src):
    return run(["make", "-j", str(os.cpu_count() or 2), "OUTPUT=" + os.path.join(src, ".output"),
                "all"], src)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only")
    ap.add_argument("--report")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    mutants = parse_list(LIST)
    if args.only:
        want = set(args.only.split(","))
        unknown = want - {m.ident for m in mutants}
        if unknown:
            sys.exit(f"mutants: no such mutation: {', '.join(sorted(unknown))}")
        mutants = [m for m in mutants if m.ident in want]
    if os.geteuid() != 0:
        sys.exit("mutants: run as root (the bpf and e2e layers need it)")

    scratch = tempfile.mkdtemp(prefix="xlb-mutants.", dir="/var/tmp")
    src = os.path.join(scratch, "src")
    subprocess.run(["git", "clone", "-q", TOP, src], check=True)
    head = subprocess.run(["git", "-C", src, "log", "-1", "--format=%h %s"], capture_output=True,
                          text=True).stdout.strip()
    print(f"mutants: {len(mutants)} mutations of {head[:70]} in {src}", flush=True)
    results, bad = [], 0
    try:
        ok, tail = build(src)
        layers = sorted({l for m in mutants for l in m.layers},
                        key=lambda l: LAYER_ORDER.index(l.split(":")[0]))
        failed = run_layers(layers, src) if ok else ("build", tail)
        if failed:
            print(f"mutants: the unmutated clone fails {failed[0]}:\n{failed[1]}")
            return 1
        for m in mutants:
            started = time.time()
            try:
                text = apply(m, src)
            except ValueError as e:
                print(f"BROKEN {m.ident}: {e}")
                results.append((m, "did not apply", 0))
                bad += 1
                continue
            ok, tail = build(src)
            if not ok:
                verdict = "did not build"
                print(f"BROKEN {m.ident}: the mutant does not build:\n{tail}")
                bad += 1
            else:
                failed = run_layers(m.layers, src)
                verdict = f"killed by {failed[0]}" if failed else "SURVIVED"
                print(f"{'killed  ' if failed else 'SURVIVED'} {m.ident}"
                      f"{' by ' + failed[0] if failed else ''} ({time.time() - started:.0f} s)",
                      flush=True)
                if not failed:
                    bad += 1
            results.append((m, verdict, time.time() - started))
            restore(m, src, text)
    finally:
        if args.keep:
            print(f"mutants: kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)

    killed = sum(1 for _, v, _ in results if v.startswith("killed"))
    survived = sum(1 for _, v, _ in results if v == "SURVIVED")
    if args.report:
        with open(args.report, "w") as f:
            f.write(f"Run {datetime.date.today().isoformat()} on {head[:60]}: {killed} killed, "
                    f"{survived} survived, {len(results) - killed - survived} broken.\n\n")
            f.write("| mutation | file | what it breaks | result |\n|---|---|---|---|\n")
            for m, v, _ in results:
                f.write(f"| `{m.ident}` | `{m.path}` | {m.what} | {v} |\n")
    print(f"mutants: {killed} killed, {survived} survived"
          f"{f', {bad - survived} broken' if bad - survived else ''}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
