#!/usr/bin/env python3
"""A UDP client that watches a service from outside: it sends a numbered datagram every
--interval-ms to an echo service (the echo guest's port 7) and logs each reply with the
host's monotonic time, until its standard input closes (or --seconds pass). Then it
prints one JSON object: datagrams sent, replies, lost and duplicated replies, the longest
gap between two replies (the downtime a client sees) and when it began, and the replies
per 100 ms over time, and its start on the host's monotonic clock (start_mono_ns).

Run on the host side of the link (inside the run's network namespace), e.g. with
Link.popen_on_link([sys.executable, udp_probe.py, "10.0.0.21"], stdin=PIPE, stdout=PIPE).
Standard library only: it must run wherever the link's namespace has a python3.

Datagram: u64 sequence number, u64 send time in ns (host monotonic), both big-endian,
padded to --size bytes. A reply is matched by its sequence number; a reply whose number
was never sent is counted as foreign and ignored.
"""
import argparse
import json
import os
import select
import socket
import struct
import sys
import time

HEADER = struct.Struct("!QQ")
BIN_NS = 100_000_000
GRACE_S = 0.3  # replies still in flight when the probe is told to stop


def now_ns() -> int:
    return time.monotonic_ns()


def summarize(sent, replies, duplicates, foreign, start_ns):
    """`replies`: [(seq, send_ns, receive_ns)] in arrival order, first copy of each."""
    times = [r[2] for r in replies]
    longest, gap_start = 0, None
    for earlier, later in zip(times, times[1:]):
        if later - earlier > longest:
            longest, gap_start = later - earlier, earlier
    rate = {}
    for t in times:
        rate[(t - start_ns) // BIN_NS] = rate.get((t - start_ns) // BIN_NS, 0) + 1
    bins = [rate.get(i, 0) for i in range(max(rate) + 1)] if rate else []
    rtts = sorted(r[2] - r[1] for r in replies)
    return {
        "sent": sent,
        "received": len(replies),
        "lost": sent - len(replies),
        "duplicates": duplicates,
        "foreign": foreign,
        "longest_gap_ms": round(longest / 1e6, 3),
        "longest_gap_start_s": round((gap_start - start_ns) / 1e9, 3) if gap_start is not None else None,
        "rtt_median_ms": round(rtts[len(rtts) // 2] / 1e6, 3) if rtts else None,
        "replies_per_100ms": bins,
        "start_mono_ns": start_ns,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", help="IPv4 address of the echo service")
    parser.add_argument("--port", type=int, default=7)
    parser.add_argument("--interval-ms", type=float, default=1.0, help="between two datagrams (default 1)")
    parser.add_argument("--size", type=int, default=HEADER.size, help="datagram bytes (at least 16)")
    parser.add_argument("--seconds", type=float, default=0, help="stop after this long (0: at end of stdin)")
    parser.add_argument("--log", help="file for one line per reply: seq send_ns receive_ns")
    parser.add_argument("--progress", action="store_true",
                        help='print {"bin": i, "replies": n} as each 100 ms since the start closes')
    args = parser.parse_args(argv)
    if args.size < HEADER.size or args.interval_ms <= 0:
        parser.error("--size must be at least 16 and --interval-ms positive")

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect((args.target, args.port))
    sock.setblocking(False)
    log = open(args.log, "w") if args.log else None
    interval_ns = int(args.interval_ms * 1e6)
    start = now_ns()
    stop_at = start + int(args.seconds * 1e9) if args.seconds > 0 else None
    watch_stdin = args.seconds <= 0
    sent, seen, replies, duplicates, foreign = 0, set(), [], 0, 0
    next_send = start
    stopping_at = None
    padding = bytes(args.size - HEADER.size)
    closed_bins, bin_replies = 0, {}
    print(json.dumps({"event": "probe_started", "target": args.target, "interval_ms": args.interval_ms}),
          flush=True)
    while True:
        t = now_ns()
        while args.progress and (t - start) // BIN_NS > closed_bins:
            print(json.dumps({"bin": closed_bins, "replies": bin_replies.pop(closed_bins, 0)}), flush=True)
            closed_bins += 1
        if stopping_at is None and ((stop_at and t >= stop_at)):
            stopping_at = t + int(GRACE_S * 1e9)
        if stopping_at is not None and t >= stopping_at:
            break
        if stopping_at is None and t >= next_send:
            try:
                sock.send(HEADER.pack(sent, t) + padding)
            except (BlockingIOError, ConnectionRefusedError, OSError):
                pass  # counted as sent and so as lost: the network refused it
            sent += 1
            next_send += interval_ns
            if next_send < t - 100 * interval_ns:  # far behind (the host was busy): do not burst
                next_send = t
            continue
        wake = (stopping_at if stopping_at is not None else next_send) - t
        readers = [sock] + ([sys.stdin] if watch_stdin else [])
        ready, _, _ = select.select(readers, [], [], max(wake, 0) / 1e9)
        if sys.stdin in ready:
            if not os.read(sys.stdin.fileno(), 4096):
                watch_stdin = False
                stopping_at = now_ns() + int(GRACE_S * 1e9)
        if sock in ready:
            while True:
                try:
                    data = sock.recv(65536)
                except (BlockingIOError, ConnectionRefusedError):
                    break
                received = now_ns()
                if len(data) < HEADER.size:
                    foreign += 1
                    continue
                seq, send_ns = HEADER.unpack_from(data)
                if seq >= sent:
                    foreign += 1
                elif seq in seen:
                    duplicates += 1
                else:
                    seen.add(seq)
                    replies.append((seq, send_ns, received))
                    bin_replies[(received - start) // BIN_NS] = bin_replies.get((received - start) // BIN_NS, 0) + 1
                    if log:
                        log.write(f"{seq} {send_ns - start} {received - start}\n")
    if log:
        log.close()
    print(json.dumps(summarize(sent, replies, duplicates, foreign, start)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
