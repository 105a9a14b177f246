# SPDX-License-Identifier: GPL-2.0
# rounds.py - what the Python benchmarks share besides xlbd's API (tests/lib/xlbapi.py): raw
# rounds written as the tab-separated rows scripts/bench-report.py reads, their summary, and
# BENCH_QUICK.
import os


def quick():
    """True in a BENCH_QUICK run: fewer, shorter rounds."""
    return os.environ.get("BENCH_QUICK", "0") not in ("", "0")


class Tsv:
    """Rows "BENCH CASE UNIT ROUND VALUE" and "attr BENCH CASE KEY VALUE"."""

    def __init__(self, path, bench):
        self.f = open(path, "w") if path else None
        self.bench = bench

    def row(self, case, unit, rnd, value):
        if self.f:
            self.f.write("%s\t%s\t%s\t%d\t%.6g\n" % (self.bench, case, unit, rnd, value))
            self.f.flush()

    def attr(self, case, key, value):
        if self.f:
            self.f.write("attr\t%s\t%s\t%s\t%s\n" % (self.bench, case, key, value))
            self.f.flush()


def summary(values):
    """(median, min, max) of a non-empty list."""
    s = sorted(values)
    n = len(s)
    med = s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
    return med, s[0], s[-1]
