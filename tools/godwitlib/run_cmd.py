"""`godwit run`: boot Godwit in an emulator, its serial console on this terminal
(or on a Unix socket for other tools). Ctrl-] ends the session.

`godwit run --nodes N` (2 to 4) boots nodes a (10.0.0.1), b (10.0.0.2), ... on one link
(see network.py and multi_node_run.py)."""
import os
import select
import socket
import sys
import time
from pathlib import Path

from . import build, multi_node_run, paths, setup_step
from .emulators import Node, NodeSpec, parse_emulators
from .iso import BootConfig, guest_modules, make_iso
from .network import MAX_NODES
from .terminal import raw_terminal

QUIT_KEY = b"\x1d"  # Ctrl-]


def add_arguments(parser):
    parser.add_argument("--emulator", type=parse_emulators, default=("qemu",), metavar="EMULATOR[,EMULATOR...]",
                        help="qemu, bochs or kvm; with --nodes, one for all nodes or one per node "
                             "(qemu,bochs: node a under QEMU, node b under Bochs)")
    parser.add_argument("--mem", type=int, default=256, metavar="MIB", help="machine memory")
    parser.add_argument("--cmdline", default="", help="the hypervisor's command line")
    parser.add_argument("--serial-socket", type=Path, metavar="PATH",
                        help="serve the console on this Unix socket instead of the terminal")
    parser.add_argument("--nodes", type=int, choices=range(1, MAX_NODES + 1), default=1,
                        help="2 to 4: nodes a, b, ... on one link (a bridge the host side reaches at "
                             "10.0.0.254); Ctrl-T switches consoles")
    parser.add_argument("--link-mbit", type=int, metavar="N",
                        help="with --nodes: shape the link to N Mbit/s (tc tbf on every tap)")


def run_iso(cmdline: str) -> Path:
    """The default ISO, or one made for this command line."""
    if not cmdline:
        return paths.default_iso()
    config = BootConfig(paths.kernel_image(), cmdline, guest_modules(paths.guest_images()))
    return make_iso(config, paths.RUNS / "run" / "godwit.iso")


def bridge(node: Node, source_in: int, source_out: int):
    """Copies bytes both ways until the emulator ends or the quit key arrives."""
    while node.process.poll() is None:
        ready, _, _ = select.select([node.master, source_in], [], [], 0.2)
        if node.master in ready:
            try:
                data = os.read(node.master, 65536)
            except OSError:
                break
            os.write(source_out, data)
        if source_in in ready:
            data = os.read(source_in, 1024)
            if not data or QUIT_KEY in data:
                break
            os.write(node.master, data)


def command(args):
    setup_step.ensure_ready(quiet=True)
    build.build()
    if args.nodes > 1:
        return multi_node_run.run_nodes(args)
    if len(args.emulator) != 1:
        raise SystemExit("godwit: one node runs under one emulator (a list is for --nodes 2 and more)")
    if args.link_mbit:
        raise SystemExit("godwit: --link-mbit shapes the link between nodes: use it with --nodes 2 or more")
    emulator = args.emulator[0]
    iso = run_iso(args.cmdline)
    spec = NodeSpec("run", emulator, iso, paths.RUNS / "run", args.mem)
    node = Node(spec, console=False)
    print(f"godwit: booting in {emulator} (logs in {spec.run_dir}); Ctrl-] quits",
          file=sys.stderr)
    node.start()
    try:
        if args.serial_socket:
            args.serial_socket.unlink(missing_ok=True)
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            server.bind(str(args.serial_socket))
            server.listen(1)
            print(f"godwit: console on {args.serial_socket}", file=sys.stderr)
            client, _ = server.accept()
            bridge(node, client.fileno(), client.fileno())
        else:
            with raw_terminal():
                bridge(node, sys.stdin.fileno(), sys.stdout.fileno())
        time.sleep(0.2)
        status = node.process.poll()
    finally:
        node.stop()
    print(f"\r\ngodwit: emulator ended (status {status})", file=sys.stderr)
    return 0
