"""`godwit run --nodes 2`: two nodes on one link, their consoles on this terminal one at
a time (Ctrl-T switches, Ctrl-] quits), each also logged in full to its run directory."""
import os
import select
import sys
import termios
import time
import tty

from . import paths
from .network import NODES, TwoNodes

QUIT_KEY = b"\x1d"  # Ctrl-]
SWITCH_KEY = b"\x14"  # Ctrl-T


def say(text):
    sys.stderr.write(f"\r\n[godwit: {text}]\r\n")
    sys.stderr.flush()


def show_new_output(node, shown):
    """Writes what node printed since `shown` characters; returns the new count."""
    text = node.console.text
    if len(text) > shown:
        sys.stdout.write(text[shown:].replace("\n", "\r\n"))
        sys.stdout.flush()
    return len(text)


def bridge(nodes):
    """Shows the focused node's console and types into it until Ctrl-] or both end."""
    focus = 0
    shown = [0, 0]
    stdin = sys.stdin.fileno()
    while any(node.process.poll() is None for node in nodes):
        shown[focus] = show_new_output(nodes[focus], shown[focus])
        ready, _, _ = select.select([stdin], [], [], 0.05)
        if not ready:
            continue
        data = os.read(stdin, 1024)
        if not data or QUIT_KEY in data:
            return
        if SWITCH_KEY in data:
            focus = 1 - focus
            say(f"node {NODES[focus].name} ({NODES[focus].ip}); Ctrl-T switches, Ctrl-] quits")
            shown[focus] = max(0, len(nodes[focus].console.text) - 2000)  # some context
            continue
        os.write(nodes[focus].master, data)


def run_two_nodes(args):
    if args.emulator not in ("qemu", "bochs"):
        raise SystemExit("godwit: --nodes 2 runs under --emulator qemu or bochs")
    run_root = paths.RUNS / f"nodes-{args.emulator}"
    print(f"godwit: booting nodes a ({NODES[0].ip}) and b ({NODES[1].ip}) in {args.emulator} on one link",
          file=sys.stderr)
    for node in NODES:
        print(f"godwit: node {node.name}: console log {run_root / node.name / 'console.log'}", file=sys.stderr)
    print("godwit: this terminal shows node a; Ctrl-T switches node, Ctrl-] quits", file=sys.stderr)
    # Every guest image on both nodes and a shared migration key, so that on node a
    # `new dirtier mem=16M` and then `migrate 1 10.0.0.2` work by hand.
    from .migration_run import MIGRATE_KEY
    from .run_cmd import guest_modules
    cmdline = f"migrate_key={MIGRATE_KEY} {args.cmdline}".strip()
    print(f"godwit: images {', '.join(image.stem for image, _ in guest_modules())}; "
          f"try on a: new dirtier mem=16M, then migrate 1 {NODES[1].ip}", file=sys.stderr)
    with TwoNodes(args.emulator, run_root, args.mem, cmdline, modules=guest_modules()) as nodes:
        if sys.stdin.isatty():
            saved = termios.tcgetattr(sys.stdin.fileno())
            tty.setraw(sys.stdin.fileno())
            try:
                bridge(nodes)
            finally:
                termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, saved)
        else:
            bridge(nodes)
        time.sleep(0.2)
    print("\r\ngodwit: both nodes stopped", file=sys.stderr)
    return 0
