#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""doc-template-check.py - a generated document still holds its template's text.

    doc-template-check.py TEMPLATE GENERATED

docs/benchmarks.md and docs/reliability.md are written from their .in templates, whose
{{PART}} lines the generators fill with measured figures. Text edited into the generated file
alone is lost at the next `make bench` or `make soak`, and text edited into the template alone
is missing until then. This check fails on either: GENERATED must be its marker line, then the
template's lines with each {{PART}} line replaced by any number of lines, in order. Exit 0 when
it is, else 1 with the first template line not found where it belongs. What it cannot see: text
added to the generated file right next to a part, which it takes for part of the figures.
"""
import re
import sys

PART = re.compile(r"^\{\{[A-Z0-9]+\}\}\s*$")


def segments(template):
    """The template's lines split at its {{PART}} lines."""
    segs = [[]]
    for line in template:
        if PART.match(line):
            segs.append([])
        else:
            segs[-1].append(line)
    return segs


def find(lines, seg, start):
    """The first index >= start where seg stands in lines, or -1."""
    for i in range(start, len(lines) - len(seg) + 1):
        if lines[i:i + len(seg)] == seg:
            return i
    return -1


def check(template, generated):
    """None when generated follows template, else what is wrong."""
    if not generated or not generated[0].startswith("<!-- Generated"):
        return "line 1: not a generated file (no marker line)"
    lines = generated[1:]
    segs = segments(template)
    at = 0
    for k, seg in enumerate(segs):
        if k == 0:
            pos = 0 if lines[:len(seg)] == seg else -1
        elif k == len(segs) - 1:
            pos = len(lines) - len(seg) if lines[len(lines) - len(seg):] == seg else -1
            pos = pos if pos >= at else -1
        else:
            pos = find(lines, seg, at)
        if pos < 0:
            # Name the first line of the segment that is not where it belongs.
            for n in range(1, len(seg) + 1):
                if find(lines, seg[:n], at) < 0:
                    tline = sum(len(s) + 1 for s in segs[:k]) + n
                    return "template line %d is not in the generated file in its place: %r" % (
                        tline, seg[n - 1][:80])
            return "the template's text after part %d is not at the generated file's end" % k
        at = pos + len(seg)
    return None


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: doc-template-check.py TEMPLATE GENERATED\n")
        return 2
    with open(sys.argv[1]) as t, open(sys.argv[2]) as g:
        why = check(t.read().split("\n"), g.read().split("\n"))
    if why:
        print("%s against %s: %s" % (sys.argv[2], sys.argv[1], why))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
