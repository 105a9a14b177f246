#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""module-graph-check.py - the modules of a directory include each other without a cycle, and
main.c is start-up only.

    module-graph-check.py DIR

A module is a NAME.c of DIR; it depends on module OTHER when NAME.c or NAME.h includes
"OTHER.h" and OTHER.c is in DIR too. Headers without a .c of their own (xlbd.h, the daemon's
context, and check.h, a check type's interface) are contracts, not modules, and add no edge.
The rules of docs/architecture.md ("Who may call whom"): the graph has no cycle, and main.c
exports nothing but main(), so that no module can call back into it. Exit 0, else 1 with one
line per fault: the cycle as "a -> b -> a", or main.c's other external definitions.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"/]+)\.h"', re.M)
# The first line of a function definition in the house style: at column 0, a type and the
# name, "(" (the parameters may go on), the body's "{" alone on a later line.
DEF_START = re.compile(r"^[A-Za-z_][\w \t*]*?\b(\w+)\(")


def external_functions(text):
    """The functions text defines without static."""
    names, lines = [], text.split("\n")
    for i, line in enumerate(lines):
        m = DEF_START.match(line)
        if not m or line.startswith("static") or line.rstrip().endswith(";"):
            continue
        for nxt in lines[i + 1:]:
            if nxt == "{":
                names.append(m.group(1))
            if nxt == "{" or nxt.rstrip().endswith(";") or not nxt.startswith(("\t", " ")):
                break
    return names


def read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def graph(d):
    mods = sorted(f[:-2] for f in os.listdir(d) if f.endswith(".c"))
    edges = {}
    for m in mods:
        text = read(os.path.join(d, m + ".c")) + read(os.path.join(d, m + ".h"))
        edges[m] = sorted({h for h in INCLUDE.findall(text) if h in mods and h != m})
    return edges


def cycles(edges):
    """Each cycle once, as found by a depth-first search from each module in name order."""
    found, state, stack = [], {}, []

    def visit(u):
        state[u] = 1
        stack.append(u)
        for v in edges[u]:
            if state.get(v) == 1:
                found.append(stack[stack.index(v):] + [v])
            elif v not in state:
                visit(v)
        stack.pop()
        state[u] = 2

    for m in edges:
        if m not in state:
            visit(m)
    return found


def main():
    if len(sys.argv) != 2:
        print("usage: module-graph-check.py DIR", file=sys.stderr)
        return 2
    d = sys.argv[1]
    faults = [" -> ".join(c) + ": an include cycle" for c in cycles(graph(d))]
    main_c = os.path.join(d, "main.c")
    if os.path.exists(main_c):
        others = [n for n in external_functions(read(main_c)) if n != "main"]
        if others:
            faults.append(f"{main_c}: defines {', '.join(others)} for other files: main.c is "
                          "start-up only (make them static, or move them to a module)")
    for f in faults:
        print(f)
    return 1 if faults else 0


if __name__ == "__main__":
    sys.exit(main())
