#!/usr/bin/env python3
"""Misbehaving TCP peers for the fault tests, run on the host side of the link (inside
the run's network namespace). Standard library only.

  fault_peer.py handshake IP PORT --count N --end fin|rst
      Opens N connections to IP:PORT, each ended right after the handshake: with FIN
      (close at once) or with RST (SO_LINGER 0). A node whose migration port forgot such
      a connection refused every later migration (issue 15, finding 4).

  fault_peer.py stall-relay LISTEN_PORT IP PORT --after-bytes N
      Accepts migrations on LISTEN_PORT (host side, 10.0.0.254) and relays each to
      IP:PORT (a real destination) until the source has sent N bytes; then it resets the
      destination's side and never reads from the source again, keeping that connection
      open (the window closes, nothing is acknowledged) until this process ends: a
      destination that died mid-rounds without its peer seeing a reset. Each accepted
      connection prints "relay: stalled N" once it stalls.
"""
import argparse
import select
import socket
import struct
import sys
import threading


def handshake(args):
    for i in range(args.count):
        sock = socket.create_connection((args.ip, args.port), timeout=10)
        if args.end == "rst":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
        print(f"handshake: connection {i + 1} ended with {args.end}", flush=True)
    return 0


def relay_one(client, index, args, held):
    try:
        server = socket.create_connection((args.ip, args.port), timeout=10)
    except OSError as error:
        print(f"relay: connection {index}: cannot reach {args.ip}:{args.port}: {error}", flush=True)
        client.close()
        return
    forwarded = 0
    try:
        while forwarded < args.after_bytes:
            ready, _, _ = select.select([client, server], [], [], 60)
            if not ready:
                break
            if client in ready:
                data = client.recv(min(65536, args.after_bytes - forwarded))
                if not data:
                    break
                server.sendall(data)
                forwarded += len(data)
            if server in ready:
                data = server.recv(65536)
                if not data:
                    break
                client.sendall(data)
    except OSError as error:
        print(f"relay: connection {index}: {error}", flush=True)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    server.close()
    # The source's side stays open and unread: its window fills and closes.
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    held.append(client)
    print(f"relay: stalled {index} after {forwarded} bytes", flush=True)


def stall_relay(args):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("0.0.0.0", args.listen_port))
    listener.listen(16)
    print(f"relay: listening on {args.listen_port}", flush=True)
    held = []
    index = 0
    while True:
        client, _ = listener.accept()
        index += 1
        threading.Thread(target=relay_one, args=(client, index, args, held), daemon=True).start()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    modes = parser.add_subparsers(dest="mode", required=True)
    one = modes.add_parser("handshake")
    one.add_argument("ip")
    one.add_argument("port", type=int)
    one.add_argument("--count", type=int, default=1)
    one.add_argument("--end", choices=("fin", "rst"), default="fin")
    two = modes.add_parser("stall-relay")
    two.add_argument("listen_port", type=int)
    two.add_argument("ip")
    two.add_argument("port", type=int)
    two.add_argument("--after-bytes", type=int, default=300_000)
    args = parser.parse_args(argv)
    return handshake(args) if args.mode == "handshake" else stall_relay(args)


if __name__ == "__main__":
    sys.exit(main())
