#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# known_answers.py - an independent model of xlb's flow hash and weighted Maglev population,
# written from their description (not by calling the C), that prints the known-answer vectors
# of tests/vectors/known_answers.h: flow hashes of fixed 5-tuples, and whole tables (their
# fingerprints and sampled slots) of fixed backend sets.
#
# Usage: known_answers.py            print the header on stdout
#        known_answers.py --check F  exit 1, with a diff, when F differs from what it prints
#
# The specification it follows (docs/datapath.md, "Compatibility: the hash and the table ..."):
# - A word is 32 bits read little-endian from 4 bytes in network order (what a little-endian
#   node loads from a packet). A port is its 2 network-order bytes read little-endian.
# - mix(h, k): k *= 0xcc9e2d51; k = rotl(k, 15); k *= 0x1b873593; h ^= k; h = rotl(h, 13);
#   h = h * 5 + 0xe6546b64. final(h, n): h ^= 4n, then the Murmur3 fmix32.
# - flow hash: h = seed; mix the source's first word, the destination's first word, then (IPv6
#   only) source words 1-3 and destination words 1-3; mix sport << 16 | dport and
#   family << 8 | proto; final with n = 4 (IPv4) or 10 (IPv6). family is 2 or 10.
# - connection hash (the connection table's bucket and the outer headers' entropy; part of
#   the ABI, not of the wire contract, pinned here all the same): 64-bit terms seed,
#   (src0, dst0), (sport << 16 | dport, family << 8 | proto) and, for IPv6 only, (src1, src2),
#   (src3, dst1), (dst2, dst3), where (a, b) = a + b * 2^32; term i times K_i, summed mod 2^64,
#   K_i = splitmix64 output i (i = 1..6, state 0) | 1; then x ^= x >> 32, x *= K_7,
#   x ^= x >> 32, and the low 32 bits.
# - backend key hash: mix(seed, family), mix the 4 address words (IPv4: words 1-3 are zero),
#   final with n = 5. offset = keyhash(0x9e3779b9) % M, skip = keyhash(0x7f4a7c15) % (M-1) + 1.
# - population: backends sorted by (family, address bytes); weight-0 backends dropped. Round
#   r = 1, 2, ... visits them in that order; a backend with weight w places its next slot when
#   placed + 1 <= r * w / wmax, taking the first free entry of offset, offset + skip, ... mod M.
# - fingerprint: each slot's 17-byte record (family, 16 address bytes; an empty slot 17 zero
#   bytes) digested with FNV-1a 64; the digests folded in slot order from the FNV offset basis
#   by h = (h ^ digest) * FNV prime mod 2^64, then h ^= h >> 29.
import difflib
import ipaddress
import sys

AF_INET, AF_INET6 = 2, 10
M32 = 0xFFFFFFFF
M64 = 0xFFFFFFFFFFFFFFFF
SEED_OFFSET, SEED_SKIP = 0x9E3779B9, 0x7F4A7C15


def rotl(x, r):
    return ((x << r) | (x >> (32 - r))) & M32


def mix(h, k):
    k = (k * 0xCC9E2D51) & M32
    k = rotl(k, 15)
    k = (k * 0x1B873593) & M32
    h ^= k
    h = rotl(h, 13)
    return (h * 5 + 0xE6546B64) & M32


def final(h, nwords):
    h ^= nwords * 4
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & M32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & M32
    return h ^ (h >> 16)


def addr_bytes(text):
    """(family, 16 bytes as stored: IPv4 in the first 4, the rest zero)."""
    a = ipaddress.ip_address(text)
    if a.version == 4:
        return AF_INET, a.packed + bytes(12)
    return AF_INET6, a.packed


def words(b):
    return [int.from_bytes(b[i : i + 4], "little") for i in range(0, 16, 4)]


def port_word(port):
    return int.from_bytes(port.to_bytes(2, "big"), "little")


def flow_hash(seed, src, dst, sport, dport, proto):
    fam, sb = addr_bytes(src)
    _, db = addr_bytes(dst)
    s, d = words(sb), words(db)
    h = mix(seed, s[0])
    h = mix(h, d[0])
    if fam == AF_INET6:
        for w in s[1:] + d[1:]:
            h = mix(h, w)
    h = mix(h, port_word(sport) << 16 | port_word(dport))
    h = mix(h, fam << 8 | proto)
    return final(h, 10 if fam == AF_INET6 else 4)


def splitmix64(n):
    z = (0x9E3779B97F4A7C15 * n) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def conn_hash(seed, src, dst, sport, dport, proto):
    fam, sb = addr_bytes(src)
    _, db = addr_bytes(dst)
    s, d = words(sb), words(db)
    ports = port_word(sport) << 16 | port_word(dport)
    terms = [seed, s[0] | d[0] << 32, ports | (fam << 8 | proto) << 32]
    if fam == AF_INET6:
        terms += [s[1] | s[2] << 32, s[3] | d[1] << 32, d[2] | d[3] << 32]
    x = sum(t * (splitmix64(i + 1) | 1) for i, t in enumerate(terms)) & M64
    x ^= x >> 32
    x = (x * (splitmix64(7) | 1)) & M64
    x ^= x >> 32
    return x & M32


def key_hash(fam, ab, seed):
    h = mix(seed, fam)
    for w in words(ab):
        h = mix(h, w)
    return final(h, 5)


def build(backends, m):
    """backends: [(addr text, weight, id)]. The table as a list of ids, 0 = empty."""
    keyed = sorted((addr_bytes(a) + (w, i) for a, w, i in backends), key=lambda k: (k[0], k[1]))
    live = [k for k in keyed if k[2]]
    table = [0] * m
    if not live:
        return table
    wmax = max(k[2] for k in live)
    state = []
    for fam, ab, w, i in live:
        state.append(
            {"w": w, "id": i, "next": 0, "placed": 0, "off": key_hash(fam, ab, SEED_OFFSET) % m,
             "skip": key_hash(fam, ab, SEED_SKIP) % (m - 1) + 1})
    filled, rnd = 0, 0
    while filled < m:
        rnd += 1
        for b in state:
            if filled == m:
                break
            if (b["placed"] + 1) * wmax > rnd * b["w"]:
                continue
            while True:
                slot = (b["off"] + b["next"] * b["skip"]) % m
                b["next"] += 1
                if table[slot] == 0:
                    break
            table[slot] = b["id"]
            b["placed"] += 1
            filled += 1
    return table


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for byte in data:
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def fingerprint(table, backends):
    rec = {i: bytes([fam]) + ab for fam, ab, i in ((addr_bytes(a) + (i,)) for a, _, i in backends)}
    empty = fnv1a64(bytes(17))
    digest = {i: fnv1a64(r) for i, r in rec.items()}
    h = 0xCBF29CE484222325
    for slot in table:
        h = ((h ^ digest.get(slot, empty)) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
        h ^= h >> 29
    return h


# The tuples: (seed, src, dst, sport, dport, proto, what). proto 6 = TCP, 17 = UDP.
FLOWS = [
    (0x5EED1234, "198.51.100.7", "10.0.0.10", 40000, 80, 6, "IPv4 TCP, standard client"),
    (0x5EED1234, "198.51.100.7", "10.0.0.10", 40001, 53, 17, "IPv4 UDP"),
    (0x5EED1234, "198.51.100.7", "10.0.0.20", 40000, 443, 6, "IPv4 to a port-0 service"),
    (0x5EED1234, "2001:db8:c::7", "2001:db8::10", 40002, 80, 6, "IPv6 TCP"),
    (0x5EED1234, "2001:db8:c::7", "2001:db8::10", 40003, 53, 17, "IPv6 UDP"),
    (0x5EED1234, "2001:db8:c::7", "2001:db8::20", 40003, 5353, 17, "IPv6 to a port-0 service"),
    (0, "0.0.0.0", "0.0.0.0", 0, 0, 0, "IPv4 all zero"),
    (0xFFFFFFFF, "255.255.255.255", "255.255.255.255", 65535, 65535, 255, "IPv4 all ones"),
    (0, "::", "::", 0, 0, 0, "IPv6 all zero"),
    (0x12345678, "fe80::1:2:3:4", "2001:db8:ffff::abcd", 1, 65534, 6, "IPv6 every word set"),
    (0x5EED1234, "10.0.0.10", "198.51.100.7", 80, 40000, 6, "IPv4 reply direction"),
    (0x5EED1234, "198.51.100.7", "10.0.0.10", 80, 40000, 6, "IPv4 ports swapped"),
]

# The backend sets: (name, what, m, [(addr, weight, id)], sampled slots).
SETS = [
    ("std_tcp4", "standard service 1: three IPv4 backends, weights 1:2:1", 7,
     [("10.1.0.11", 1, 1), ("10.1.1.51", 2, 51), ("10.1.1.61", 1, 61)], None),
    ("std_tcp4_less_51", "standard service 1 with 10.1.1.51 drained (weight 0)", 7,
     [("10.1.0.11", 1, 1), ("10.1.1.51", 0, 51), ("10.1.1.61", 1, 61)], None),
    ("std_udp4", "standard service 2: two IPv4 backends, equal weights", 7,
     [("10.1.0.12", 1, 2), ("10.1.1.52", 1, 52)], None),
    ("std_tcp6", "standard service 3: three IPv6 backends, weights 3:1:2", 7,
     [("2001:db8:1::11", 3, 3), ("2001:db8:1:1::53", 1, 53), ("2001:db8:1:1::63", 2, 63)],
     None),
    ("std_udp6", "standard service 4: two IPv6 backends, weights 1:2", 7,
     [("2001:db8:1::12", 1, 4), ("2001:db8:1:1::54", 2, 54)], None),
    ("std_port0_v4", "standard service 5 (port 0): two IPv4 backends, equal weights", 7,
     [("10.1.0.15", 1, 5), ("10.1.1.55", 1, 55)], None),
    ("std_4in6", "standard service 6 (IPv4 VIP): two IPv6 backends, weights 2:1", 7,
     [("2001:db8:1::16", 2, 6), ("2001:db8:1:1::56", 1, 56)], None),
    ("std_6in4", "standard service 7 (IPv6 VIP): two IPv4 backends, weights 1:2", 7,
     [("10.1.0.17", 1, 7), ("10.1.1.57", 2, 57)], None),
    ("std_port0_v6", "standard service 12 (port 0): two IPv6 backends, weights 1:3", 7,
     [("2001:db8:1::24", 1, 14), ("2001:db8:1:1::64", 3, 64)], None),
    ("equal5_251", "five IPv4 backends, equal weights", 251,
     [("10.2.0.%d" % (i + 1), 1, i + 1) for i in range(5)], [0, 1, 2, 50, 125, 200, 249, 250]),
    ("equal5_less_one_251", "the same five without 10.2.0.3", 251,
     [("10.2.0.%d" % (i + 1), 1, i + 1) for i in range(5) if i != 2],
     [0, 1, 2, 50, 125, 200, 249, 250]),
    ("weighted4_4093", "four IPv4 backends, weights 1:2:3:10", 4093,
     [("10.3.0.1", 1, 1), ("10.3.0.2", 2, 2), ("10.3.0.3", 3, 3), ("10.3.0.4", 10, 4)],
     [0, 1, 1000, 2046, 3000, 4092]),
    ("mixed6_65537", "three IPv6 and three IPv4 backends, weights 1..6", 65537,
     [("2001:db8:5::1", 1, 1), ("10.5.0.1", 2, 2), ("2001:db8:5::2", 3, 3),
      ("10.5.0.2", 4, 4), ("2001:db8:5::3", 5, 5), ("10.5.0.3", 6, 6)],
     [0, 1, 7, 4093, 32768, 65535, 65536]),
    ("heavy_65537", "one backend of weight 1000 and seven of weight 1", 65537,
     [("10.6.0.%d" % (i + 1), 1000 if i == 3 else 1, i + 1) for i in range(8)],
     [0, 3, 99, 30000, 65536]),
]


def c_addr(text):
    return '"%s"' % text


def render():
    out = []
    p = out.append
    p("/* SPDX-License-Identifier: GPL-2.0 */")
    p("/* known_answers.h - known-answer vectors of the flow hash and of weighted Maglev tables,")
    p(" * printed by tests/vectors/known_answers.py from its own model of the algorithms (not by")
    p(" * the C code). GENERATED: do not edit; run the script. make check fails when they differ.")
    p(" * A change here is a breaking change for mixed-version ECMP groups (docs/datapath.md). */")
    p("#ifndef XLB_KNOWN_ANSWERS_H")
    p("#define XLB_KNOWN_ANSWERS_H")
    p("")
    p("#include <stdint.h>")
    p("")
    p("/* One flow: ports and proto in host order, addresses as text. */")
    p("struct ka_flow {")
    p("\tuint32_t seed;")
    p("\tconst char *src, *dst;")
    p("\tuint16_t sport, dport;")
    p("\tuint8_t proto;")
    p("\tuint32_t hash; /* xlb_flow_hash() */")
    p("\tuint32_t conn_hash; /* xlb_conn_hash() */")
    p("\tconst char *what;")
    p("};")
    p("")
    p("static const struct ka_flow KA_FLOWS[] = {")
    for seed, src, dst, sp, dp, proto, what in FLOWS:
        head = "\t{ 0x%08x, %s, %s, %d, %d, %d, 0x%08x, 0x%08x," % (
            seed, c_addr(src), c_addr(dst), sp, dp, proto,
            flow_hash(seed, src, dst, sp, dp, proto), conn_hash(seed, src, dst, sp, dp, proto))
        tail = "\"%s\" }," % what
        # As clang-format lays it out: the items packed greedily into lines of up to 100
        # columns (a tab is 8), continuation lines indented by a tab and two spaces.
        line = ""
        for item in head.strip().split(" ") + [tail]:
            if line and len((line + " " + item).expandtabs(8)) > 100:
                p(line)
                line = "\t  " + item
            else:
                line = (line + " " + item) if line else "\t" + item
        p(line)
    p("};")
    p("")
    p("struct ka_backend {")
    p("\tconst char *addr;")
    p("\tuint32_t weight, id;")
    p("};")
    p("")
    p("struct ka_slot {")
    p("\tuint32_t slot, id;")
    p("};")
    p("")
    p("/* One table: the backends, the fingerprint of the whole table, each backend's slot count")
    p(" * (in the order of backends[]), and the slots listed (all of them when m is 7). */")
    p("struct ka_table {")
    p("\tconst char *name, *what;")
    p("\tuint32_t m;")
    p("\tuint32_t nbackends;")
    p("\tstruct ka_backend backends[8];")
    p("\tuint64_t fingerprint;")
    p("\tuint32_t owned[8];")
    p("\tuint32_t nslots;")
    p("\tstruct ka_slot slots[8];")
    p("};")
    p("")
    p("static const struct ka_table KA_TABLES[] = {")
    for name, what, m, bes, sample in SETS:
        table = build(bes, m)
        slots = sample if sample is not None else list(range(m))
        p("\t{")
        p("\t\t.name = \"%s\"," % name)
        p("\t\t.what = \"%s\"," % what)
        p("\t\t.m = %d," % m)
        p("\t\t.nbackends = %d," % len(bes))
        p("\t\t.backends = {")
        for a, w, i in bes:
            p("\t\t\t{ %s, %d, %d }," % (c_addr(a), w, i))
        p("\t\t},")
        p("\t\t.fingerprint = 0x%016xULL," % fingerprint(table, bes))
        p("\t\t.owned = { %s }," % ", ".join(str(table.count(i)) for _, _, i in bes))
        p("\t\t.nslots = %d," % len(slots))
        p("\t\t.slots = { %s }," % ", ".join("{ %d, %d }" % (s, table[s]) for s in slots))
        p("\t},")
    p("};")
    p("")
    p("#endif /* XLB_KNOWN_ANSWERS_H */")
    return "\n".join(out) + "\n"


def main():
    text = render()
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        with open(sys.argv[2]) as f:
            have = f.read()
        if have != text:
            sys.stdout.writelines(
                difflib.unified_diff(have.splitlines(True), text.splitlines(True), sys.argv[2],
                                     "known_answers.py"))
            print("%s differs from the model's vectors: the hash or the Maglev population "
                  "changed (a breaking change for mixed-version ECMP groups)" % sys.argv[2])
            return 1
        return 0
    if len(sys.argv) != 1:
        print("usage: %s [--check FILE]" % sys.argv[0], file=sys.stderr)
        return 2
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
