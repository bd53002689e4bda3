#!/usr/bin/env python3
"""A TCP client for tests on the host side of the link: connects to host:port, sends
what it reads on standard input and writes what it receives to standard output,
unbuffered, until standard input closes (then it half-closes, waits up to --linger
seconds for the rest of the peer's data, and exits). The connection is opened once: a
test that keeps the process running across a guest's migration sees whether that one
connection survives. Exit status 0, or 1 with the reason on stderr if the connection
failed. Standard library only (it runs inside the run's network namespace).
"""
import argparse
import os
import select
import socket
import sys
import time


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--linger", type=float, default=5.0)
    args = parser.parse_args(argv)
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
