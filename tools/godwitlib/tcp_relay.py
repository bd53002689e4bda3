#!/usr/bin/env python3
"""A TCP client for tests on the host side of the link: connects to host:port, sends
what it reads on standard input and writes what it receives to standard output,
unbuffered, until standard input closes (then it half-closes, waits up to --linger
seconds for the rest of the peer's data, and exits). The connection is opened once: a
test that keeps the process running across a guest's migration sees whether that one
connection survives. Exit status 0, or 1 with the reason on stderr if the connection
failed. Standard library only (it runs inside the run's network namespace).

With --listen PORT it is instead an on-path attacker for migration streams (the
attack-qemu and attack-bochs tests): it accepts connections on PORT and relays each to
host:port, the destination's bytes back unchanged, the source's bytes as --plan says for that
connection (one step per connection, comma-separated; after the last, "pass"):

    pass       relay unchanged (and record the source's bytes)
    flip:N     flip one bit of byte N of the source's stream (TCP checksums are the
               kernel's: the relay re-originates the connection)
    replay     send the destination the source's bytes of the first recorded
               connection instead of this one's (a recorded stream replayed)
    splice:K   forward this connection's first K records (the clear HELLO, then sealed
               records), then the first recorded connection's bytes from its record K on
               (a foreign stream spliced after a genuine HEADER)
    drop-commit     the source's COMMIT never reaches the destination, and nothing of
               the destination's after VERIFIED reaches the source, whose connection
               is then closed (the commit is lost: the source must wait for settlement)
    drop-committed  the destination's COMMITTED never reaches the source, whose
               connection is closed there instead (the guest runs on the destination;
               the source must wait for settlement)

Every connection's own source bytes are recorded, whatever the step. It logs one line
per connection and step to stderr ("relay: connection 2 replay: ...").
"""
import argparse
import os
import select
import socket
import struct
import sys
import threading
import time

RECORD_HEADER = 16
TAG = 16


def record_ends(stream: bytes):
    """Offsets where each whole record of a version-3 migration stream ends: the first
    record clear, the later ones sealed (a 16-byte tag after the padded body)."""
    ends, at = [], 0
    while len(stream) - at >= RECORD_HEADER:
        _, length = struct.unpack_from("<II", stream, at)
        size = RECORD_HEADER + ((length + 7) & ~7) + (TAG if ends else 0)
        if len(stream) - at < size:
            break
        at += size
        ends.append(at)
    return ends


COMMIT, COMMITTED, VERIFIED = 0x000B, 0x000C, 0x0007


def record_spans(stream: bytes):
    """(type, start, end) of each whole record, as record_ends."""
    spans, start = [], 0
    for end in record_ends(stream):
        spans.append((struct.unpack_from("<I", stream, start)[0], start, end))
        start = end
    return spans


def cut_at(stream: bytes, record_type, include=False):
    """Where to stop forwarding: the start (or, include=True, the end) of the first record of
    `record_type`; None while it has not arrived whole."""
    for kind, start, end in record_spans(stream):
        if kind == record_type:
            return end if include else start
    return None


def log(text):
    sys.stderr.write(f"relay: {text}\n")
    sys.stderr.flush()


class Attacker:
    def __init__(self, plan):
        self.plan = plan
        self.recordings = []  # the source's bytes of each connection, as it sent them
        self.lock = threading.Lock()

    def step_for(self, number):
        return self.plan[number - 1] if number <= len(self.plan) else "pass"

    def forward(self, number, source, destination):
        """Source -> destination, changed as the plan says."""
        step = self.step_for(number)
        mine = bytearray()
        with self.lock:
            self.recordings.append(mine)
            first = self.recordings[0]
        sent = 0  # bytes of the rewritten stream already sent
        replayed = step == "replay" and first is not mine
        if replayed:
            destination.sendall(bytes(first))
            sent = len(first)
            log(f"connection {number} replay: sent the {len(first)} recorded bytes of connection 1")
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            mine.extend(data)
            if replayed:
                continue  # the genuine stream goes nowhere
            out = bytes(mine)
            if step == "drop-commit":
                cut = cut_at(out, COMMIT)
                if cut is not None:
                    if sent < cut:
                        destination.sendall(out[sent:cut])
                    if sent <= cut:
                        log(f"connection {number} drop-commit: COMMIT at byte {cut} dropped")
                    sent = cut + 1
                    continue
            if step.startswith("flip:"):
                at = int(step.split(":")[1])
                if len(out) <= at:
                    continue  # hold back until the byte can be flipped
                out = out[:at] + bytes([out[at] ^ 0x20]) + out[at + 1:]
                if sent <= at:
                    log(f"connection {number} flip: byte {at} 0x{mine[at]:02x} -> 0x{out[at]:02x}")
            elif step.startswith("splice:") and first is not mine:
                keep = int(step.split(":")[1])
                ends, foreign_ends = record_ends(out), record_ends(bytes(first))
                if len(ends) < keep:
                    continue  # hold back until this connection's first records are whole
                if len(foreign_ends) < keep:
                    raise SystemExit("relay: the recorded connection is too short to splice")
                out = out[:ends[keep - 1]] + bytes(first[foreign_ends[keep - 1]:])
                if sent <= ends[keep - 1]:
                    log(f"connection {number} splice: {ends[keep - 1]} genuine bytes ({keep} records), then "
                        f"{len(first) - foreign_ends[keep - 1]} recorded bytes of connection 1")
                destination.sendall(out[sent:])
                sent = len(out)
                replayed = True  # everything else of this connection goes nowhere
                continue
            try:
                destination.sendall(out[sent:])
            except OSError:
                break
            sent = len(out)
        log(f"connection {number} ({step}): the source sent {len(mine)} bytes")
        for sock in (destination,):
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass


def back(number, step, source, destination):
    """Destination -> source, unchanged unless the step cuts the commit."""
    seen, sent = bytearray(), 0
    while True:
        try:
            data = destination.recv(65536)
        except OSError:
            data = b""
        if not data:
            break
        seen.extend(data)
        end = len(seen)
        cut = None
        if step == "drop-commit":
            cut = cut_at(bytes(seen), VERIFIED, include=True)
        elif step == "drop-committed":
            cut = cut_at(bytes(seen), COMMITTED)
        if cut is not None:
            end = cut
        try:
            source.sendall(bytes(seen[sent:end]))
        except OSError:
            break
        sent = end
        if cut is not None:
            log(f"connection {number} {step}: the destination's bytes from {cut} on dropped, "
                "the source's connection closed")
            break
    try:
        source.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def serve(args):
    attacker = Attacker([step for step in args.plan.split(",") if step])
    listener = socket.create_server(("0.0.0.0", args.listen), reuse_port=False)
    log(f"listening on {args.listen}, relaying to {args.host}:{args.port}, plan {attacker.plan}")
    number = 0
    while True:
        source, peer = listener.accept()
        number += 1
        try:
            destination = socket.create_connection((args.host, args.port), timeout=10)
        except OSError as error:
            log(f"connection {number} from {peer[0]}: cannot reach {args.host}:{args.port}: {error}")
            source.close()
            continue
        destination.settimeout(None)
        log(f"connection {number} from {peer[0]}: {attacker.step_for(number)}")
        threading.Thread(target=attacker.forward, args=(number, source, destination), daemon=True).start()
        threading.Thread(target=back, args=(number, attacker.step_for(number), source, destination),
                         daemon=True).start()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--linger", type=float, default=5.0)
    parser.add_argument("--listen", type=int, help="relay migrations from this port to host:port")
    parser.add_argument("--plan", default="", help="one step per connection (see above)")
    args = parser.parse_args(argv)
    if args.listen:
        return serve(args)
    try:
        sock = socket.create_connection((args.host, args.port), timeout=10)
    except OSError as error:
        print(f"tcp_relay: cannot connect to {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    sock.setblocking(False)
    sys.stderr.write("tcp_relay: connected\n")
    sys.stderr.flush()
    stdin_open, deadline = True, None
    stdin_fd, stdout_fd = sys.stdin.fileno(), sys.stdout.fileno()
    while True:
        if deadline is not None and time.monotonic() > deadline:
            return 0
        readers = [sock] + ([stdin_fd] if stdin_open else [])
        ready, _, _ = select.select(readers, [], [], 0.2)
        if stdin_fd in ready:
            data = os.read(stdin_fd, 65536)
            if data:
                sock.setblocking(True)
                sock.sendall(data)
                sock.setblocking(False)
            else:
                stdin_open = False
                deadline = time.monotonic() + args.linger
        if sock in ready:
            try:
                data = sock.recv(65536)
            except BlockingIOError:
                continue
            except OSError as error:
                print(f"tcp_relay: connection failed: {error}", file=sys.stderr)
                return 1
            if not data:
                return 0
            os.write(stdout_fd, data)


if __name__ == "__main__":
    raise SystemExit(main())
