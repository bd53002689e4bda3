"""`godwit run`: boot Godwit in an emulator, its serial console on this terminal
(or on a Unix socket for other tools). Ctrl-] ends the session.

`godwit run --nodes 2` boots nodes a (10.0.0.1) and b (10.0.0.2) on one link (see
network.py): this terminal shows one node's console at a time, Ctrl-T switches between
them, and each node's whole console is also in build/runs/nodes-<emulator>/<node>/console.log."""
import os
import select
import socket
import sys
import termios
import time
import tty
from pathlib import Path

from . import build, paths, setup_step
from .emulators import EMULATORS, Node, NodeSpec
from .iso import BootConfig, make_iso

QUIT_KEY = b"\x1d"  # Ctrl-]


def add_arguments(parser):
    parser.add_argument("--emulator", choices=EMULATORS, default="qemu")
    parser.add_argument("--mem", type=int, default=256, metavar="MIB", help="machine memory")
    parser.add_argument("--cmdline", default="", help="the hypervisor's command line")
    parser.add_argument("--serial-socket", type=Path, metavar="PATH",
                        help="serve the console on this Unix socket instead of the terminal")
    parser.add_argument("--nodes", type=int, choices=(1, 2), default=1,
                        help="2: two nodes on one link (qemu or bochs); Ctrl-T switches consoles")


def run_iso(cmdline: str) -> Path:
    """The default ISO, or one made for this command line."""
    if not cmdline:
        return paths.default_iso()
    config = BootConfig(paths.kernel_image(), cmdline, guest_modules())
    return make_iso(config, paths.RUNS / "run" / "godwit.iso")


def guest_modules():
    return [(image, f"image={image.stem}") for image in sorted(paths.guests_dir().glob("*.elf"))]


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
    if args.nodes == 2:
        from .two_node_run import run_two_nodes
        return run_two_nodes(args)
    iso = run_iso(args.cmdline)
    spec = NodeSpec("run", args.emulator, iso, paths.RUNS / "run", args.mem)
    node = Node(spec, console=False)
    print(f"godwit: booting in {args.emulator} (logs in {spec.run_dir}); Ctrl-] quits",
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
        elif sys.stdin.isatty():
            saved = termios.tcgetattr(sys.stdin.fileno())
            tty.setraw(sys.stdin.fileno())
            try:
                bridge(node, sys.stdin.fileno(), sys.stdout.fileno())
            finally:
                termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, saved)
        else:
            bridge(node, sys.stdin.fileno(), sys.stdout.fileno())
        time.sleep(0.2)
        status = node.process.poll()
    finally:
        node.stop()
    print(f"\r\ngodwit: emulator ended (status {status})", file=sys.stderr)
    return 0
