#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# pcapng_read.py - a pcapng reader of the tests' own, written from the format's definition (the
# IETF draft "PCAP Next Generation (pcapng) Capture File Format") with struct only, so that what
# lbctl capture writes is checked by code that shares nothing with user/common/pcapng.c: the
# Section Header Block (byte-order magic, version), every Interface Description Block (link
# type, snap length, if_name, if_tsresol) and every Enhanced Packet Block (interface, time,
# lengths, data, opt_comment). Any other block, a length that does not close its block, or
# bytes after the last whole block are errors.
#
#   pcapng_read.py FILE     prints a JSON summary: {"interfaces": [...], "packets": [...]}
#   (or imported: read(path) returns the same dict)
import json
import struct
import sys

SHB, IDB, EPB = 0x0A0D0D0A, 0x00000001, 0x00000006


def options(body, order):
    """The options of a block body as {code: [bytes, ...]}, up to opt_endofopt."""
    out, at = {}, 0
    while at + 4 <= len(body):
        code, length = struct.unpack_from(order + "HH", body, at)
        if code == 0:
            return out
        value = body[at + 4:at + 4 + length]
        if len(value) != length:
            raise ValueError("option %d runs past its block" % code)
        out.setdefault(code, []).append(value)
        at += 4 + (length + 3) // 4 * 4
    if at != len(body):
        raise ValueError("options end inside an option header")
    return out


def read(path):
    data = open(path, "rb").read()
    if len(data) < 12 or struct.unpack_from("<I", data, 0)[0] != SHB:
        raise ValueError("no Section Header Block at the start")
    magic = struct.unpack_from("<I", data, 8)[0]
    order = "<" if magic == 0x1A2B3C4D else ">" if magic == 0x4D3C2B1A else None
    if order is None:
        raise ValueError("bad byte-order magic 0x%08x" % magic)
    ifaces, packets, at = [], [], 0
    while at < len(data):
        if len(data) - at < 12:
            raise ValueError("%d stray bytes after the last block" % (len(data) - at))
        btype, blen = struct.unpack_from(order + "II", data, at)
        if blen < 12 or blen % 4 or at + blen > len(data):
            raise ValueError("block at %d: length %d does not fit" % (at, blen))
        if struct.unpack_from(order + "I", data, at + blen - 4)[0] != blen:
            raise ValueError("block at %d: trailing length differs" % at)
        body = data[at + 8:at + blen - 4]
        if btype == SHB:
            major, minor = struct.unpack_from(order + "HH", body, 4)
            if (major, minor) != (1, 0):
                raise ValueError("section version %d.%d" % (major, minor))
        elif btype == IDB:
            linktype, _, snaplen = struct.unpack_from(order + "HHI", body, 0)
            opts = options(body[8:], order)
            ifaces.append({
                "linktype": linktype,
                "snaplen": snaplen,
                "name": opts.get(2, [b""])[0].decode(),
                "tsresol": opts.get(9, [b"\x06"])[0][0],
            })
        elif btype == EPB:
            if_id, ts_hi, ts_lo, cap_len, orig_len = struct.unpack_from(order + "IIIII", body, 0)
            if if_id >= len(ifaces):
                raise ValueError("packet of interface %d before its IDB" % if_id)
            if cap_len > orig_len:
                raise ValueError("cap_len %d > orig_len %d" % (cap_len, orig_len))
            frame = body[20:20 + cap_len]
            opts = options(body[20 + (cap_len + 3) // 4 * 4:], order)
            packets.append({
                "iface": ifaces[if_id]["name"],
                "ts": (ts_hi << 32 | ts_lo) / 10 ** ifaces[if_id]["tsresol"],
                "cap_len": cap_len,
                "orig_len": orig_len,
                "frame": frame.hex(),
                "comment": opts.get(1, [b""])[0].decode(),
            })
        else:
            raise ValueError("unexpected block type 0x%08x at %d" % (btype, at))
        at += blen
    return {"interfaces": ifaces, "packets": packets}


if __name__ == "__main__":
    try:
        print(json.dumps(read(sys.argv[1])))
    except (ValueError, struct.error, IndexError, UnicodeDecodeError) as e:
        print("pcapng_read: %s: %s" % (sys.argv[1], e), file=sys.stderr)
        sys.exit(1)
