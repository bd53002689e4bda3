#!/usr/bin/env python3
"""Writes seed inputs for stream_decoder_fuzz into tests/fuzz/corpus/stream_decoder/
(or the directory given): whole version-2 streams in the harness's "framed" form (first
byte odd, then type u32, length u16, body for each record), so mutations start from a
stream the decoder accepts to the end, CPUID record included. Layouts:
docs/migration-stream.md."""
import struct
import sys
from pathlib import Path

MAGIC = 0x00314D4757444F47
PAGES = 512  # the smallest guest, 2 MiB


def header(features=1):
    body = struct.pack("<QHHIQIIII", MAGIC, 2, 0, 4096, PAGES * 4096, 1, features, 512, 288)
    body += b"AMD-V".ljust(16, b"\0") + b"seed".ljust(32, b"\0") + b"rate=1".ljust(256, b"\0")
    return body + bytes(32)  # the MAC: the decoder leaves it to the receiver


def cpuid(entries):
    body = struct.pack("<II", 1, len(entries))
    for entry in entries:
        body += struct.pack("<6I", *entry)
    return body + bytes(24 * (16 - len(entries)))


GODWIT1 = [(0, 0, 1, 0x77646F47, 0x34365550, 0x43567469), (1, 0, 0x611, 0x800, 0x80002001, 0x0788A149),
           (0x80000000, 0, 0x80000008, 0, 0, 0), (0x80000001, 0, 0, 0, 1, 0x20100000),
           (0x80000008, 0, 0x3024, 0, 0, 0)]


def zero_batch(first, count):
    return struct.pack("<IIQII", 1, count, first, 1, count)


def data_batch(gfn):
    return struct.pack("<IIQII", 1, 1, gfn, 0, 1) + bytes(range(256)) * 16


def framed(records):
    out = bytearray([0xFF])  # odd: framed; 0xFF >> 1 = 127: pieces of 128 bytes
    for kind, body in records:
        out += struct.pack("<IH", kind, len(body)) + body
    return bytes(out)


def tail():
    vcpu = struct.pack("<II", 0, 512) + bytes(512)
    return [(0x0004, vcpu), (0x0005, bytes(288)), (0x0006, struct.pack("<QQ", PAGES, 0))]


def main():
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "corpus" / "stream_decoder"
    out.mkdir(parents=True, exist_ok=True)
    seeds = {
        "v2_zero_guest": [(0x0002, header()), (0x0009, cpuid(GODWIT1)), (0x0003, zero_batch(0, PAGES))] + tail(),
        "v2_data_pages": [(0x0002, header()), (0x0009, cpuid(GODWIT1)), (0x80000001, struct.pack("<IIQ", 0, 0, PAGES)),
                          (0x0003, zero_batch(0, 7)), (0x0003, data_batch(7)), (0x0003, zero_batch(8, PAGES - 8))] + tail(),
        "v2_unknown_feature": [(0x0002, header(features=3)), (0x0009, cpuid(GODWIT1))],
    }
    for name, records in seeds.items():
        (out / name).write_bytes(framed(records))
    print(f"wrote {len(seeds)} seeds to {out}")


if __name__ == "__main__":
    main()
