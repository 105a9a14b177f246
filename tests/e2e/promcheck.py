# SPDX-License-Identifier: GPL-2.0
# promcheck.py - what the metrics test needs beyond promtool: parse a text-format scrape and
# check it against docs/metrics.md, read single values, and ask a Prometheus server.
#   promcheck.py lint SCRAPE DOCS      every documented family present, nothing undocumented,
#                                      HELP/TYPE once, a family's samples together, no series
#                                      twice; prints one line per problem, exit 1 if any
#   promcheck.py get SCRAPE SELECTOR   the value of one series, e.g.
#                                      'xlb_backend_up{service="web",backend="10.1.0.1"}'
#   promcheck.py sum SCRAPE NAME [LABEL=VALUE ...]  sum of the matching series
#   promcheck.py series SCRAPE NAME [LABEL=VALUE ...]  how many series match
#   promcheck.py query URL PROMQL      instant query: one line "LABELS VALUE" per result
#   promcheck.py wait URL PROMQL VALUE SECONDS   poll (every 50 ms) until the query's one
#                                      result is VALUE: prints the seconds it took, or "timeout"
#   promcheck.py dashboard JSON DOCS   the Grafana dashboard has what Grafana's import needs
#                                      and queries only documented families
import json
import re
import sys
import time
import urllib.parse
import urllib.request

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
SUFFIXES = ("_bucket", "_sum", "_count")


def parse(path):
    """Yields ('help'|'type', family, text) and ('sample', name, labels, value, line)."""
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.startswith("# HELP ") or line.startswith("# TYPE "):
                kind, rest = line[2:6].lower(), line[7:]
                fam, _, text = rest.partition(" ")
                yield (kind, fam, text)
            elif line and not line.startswith("#"):
                m = SAMPLE.match(line)
                if not m:
                    yield ("bad", line, n)
                    continue
                labels = tuple(LABEL.findall(m.group(3) or ""))
                yield ("sample", m.group(1), labels, float(m.group(4)), n)


def family_of(name, types):
    if name in types:
        return name
    for s in SUFFIXES:
        if name.endswith(s) and name[: -len(s)] in types:
            return name[: -len(s)]
    return name


def documented(docs):
    fams = set()
    with open(docs) as f:
        for line in f:
            m = re.match(r"^\| `([a-z0-9_]+)` \|", line)
            if m:
                fams.add(m.group(1))
    return fams


def lint(scrape, docs):
    problems, types, helps, seen, done, current = [], {}, {}, set(), set(), None
    for ev in parse(scrape):
        if ev[0] == "bad":
            problems.append("line %d does not parse: %s" % (ev[2], ev[1]))
        elif ev[0] in ("help", "type"):
            table = helps if ev[0] == "help" else types
            if ev[1] in table:
                problems.append("# %s %s given twice" % (ev[0].upper(), ev[1]))
            table[ev[1]] = ev[2]
            if current and current != ev[1]:
                done.add(current)
            current = ev[1]
        else:
            fam = family_of(ev[1], types)
            if fam != current:
                problems.append("line %d: %s outside its family's block" % (ev[4], ev[1]))
            if fam in done:
                problems.append("line %d: family %s continues after another" % (ev[4], fam))
            key = (ev[1], tuple(sorted(ev[2])))
            if key in seen:
                problems.append("line %d: series %s%s appears twice" % (ev[4], ev[1], dict(ev[2])))
            seen.add(key)
    want = documented(docs)
    for fam in sorted(want - set(types)):
        problems.append("documented family %s is missing" % fam)
    for fam in sorted(set(types) - want):
        problems.append("family %s is not documented in %s" % (fam, docs))
    for p in problems:
        print(p)
    return 1 if problems else 0


def matching(scrape, name, wants):
    for ev in parse(scrape):
        if ev[0] == "sample" and ev[1] == name and all(w in ev[2] for w in wants):
            yield ev[3]


def pairs(args):
    out = []
    for a in args:
        k, _, v = a.partition("=")
        out.append((k, v))
    return out


PANEL_TYPES = {"row", "timeseries", "stat", "gauge", "table", "bargauge", "text"}


def dashboard(path, docs):
    problems = []
    with open(path) as f:
        d = json.load(f)
    fams = documented(docs)
    for key, kind in (("title", str), ("uid", str), ("schemaVersion", int), ("panels", list)):
        if not isinstance(d.get(key), kind):
            problems.append("top level: %s missing or not a %s" % (key, kind.__name__))
    inputs = [i.get("name") for i in d.get("__inputs", []) if i.get("type") == "datasource"]
    ids = set()
    for p in d.get("panels", []):
        where = "panel %r" % p.get("title")
        if not isinstance(p.get("id"), int) or p["id"] in ids:
            problems.append("%s: id missing or not unique" % where)
        ids.add(p.get("id"))
        if p.get("type") not in PANEL_TYPES or not p.get("title"):
            problems.append("%s: type %r or title missing" % (where, p.get("type")))
        g = p.get("gridPos", {})
        if not all(isinstance(g.get(k), int) for k in "hwxy") or g["x"] + g["w"] > 24:
            problems.append("%s: gridPos %r invalid" % (where, g))
        if p.get("type") == "row":
            continue
        if not p.get("targets"):
            problems.append("%s: no targets" % where)
        for t in p.get("targets", []):
            if not t.get("refId") or not t.get("expr"):
                problems.append("%s: a target lacks refId or expr" % where)
            for name in re.findall(r"\b((?:xlb|process)_[a-z0-9_]+)", t.get("expr", "")):
                if family_of(name, fams) not in fams:
                    problems.append("%s: queries %s, which is not documented" % (where, name))
            uid = t.get("datasource", p.get("datasource", {})).get("uid", "")
            if uid.strip("${}") not in inputs:
                problems.append("%s: data source %r is not an __inputs entry" % (where, uid))
    if len(ids) < 10:
        problems.append("only %d panels" % len(ids))
    for p in problems:
        print(p)
    return 1 if problems else 0


def query(url, promql):
    """An instant query: [(labels without __name__, value text)]."""
    url += "/api/v1/query?" + urllib.parse.urlencode({"query": promql})
    with urllib.request.urlopen(url, timeout=5) as r:
        data = json.load(r)
    out = []
    for res in data["data"]["result"]:
        labels = ",".join("%s=%s" % kv for kv in sorted(res["metric"].items()) if kv[0] != "__name__")
        out.append((labels, res["value"][1]))
    return out


def main():
    cmd = sys.argv[1]
    if cmd == "lint":
        sys.exit(lint(sys.argv[2], sys.argv[3]))
    if cmd == "dashboard":
        sys.exit(dashboard(sys.argv[2], sys.argv[3]))
    if cmd in ("sum", "series"):
        vals = list(matching(sys.argv[2], sys.argv[3], pairs(sys.argv[4:])))
        print("%d" % (sum(vals) if cmd == "sum" else len(vals)))
    elif cmd == "get":
        m = re.match(r"^([a-z0-9_]+)\{(.*)\}$", sys.argv[3])
        vals = list(matching(sys.argv[2], m.group(1), LABEL.findall(m.group(2))))
        print("%g" % vals[0] if len(vals) == 1 else "none")
    elif cmd == "query":
        for labels, value in query(sys.argv[2], sys.argv[3]):
            print("%s %s" % (labels or "-", value))
    elif cmd == "wait":
        t0, limit = time.time(), float(sys.argv[5])
        while time.time() - t0 < limit:
            try:
                res = query(sys.argv[2], sys.argv[3])
            except OSError:
                res = []
            if len(res) == 1 and res[0][1] == sys.argv[4]:
                print("%.2f" % (time.time() - t0))
                return
            time.sleep(0.05)
        print("timeout")


main()
