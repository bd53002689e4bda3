"""`godwit run --nodes N`: nodes a, b, ... on one link, their consoles on this terminal one
at a time (Ctrl-T switches to the next node, Ctrl-] quits), each also logged in full to
its run directory. Prints how to enter the link's namespace from another terminal, where
the host side (10.0.0.254) reaches every node with ordinary tools such as ping."""
import os
import select
import sys
import time

from . import paths
from .emulators import emulators_name
from .iso import guest_modules
from .migration_run import MIGRATE_KEY
from .network import HOST_IP, LinkedNodes, node_emulators
from .terminal import raw_terminal

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


def switch_consoles(nodes, addresses):
    """Shows the focused node's console and types into it until Ctrl-] or all end."""
    focus = 0
    shown = [0] * len(nodes)
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
            focus = (focus + 1) % len(nodes)
            say(f"node {addresses[focus].name} ({addresses[focus].ip}, {nodes[focus].spec.emulator}); "
                "Ctrl-T switches, Ctrl-] quits")
            shown[focus] = max(0, len(nodes[focus].console.text) - 2000)  # some context
            continue
        os.write(nodes[focus].master, data)


def run_nodes(args):
    emulators = node_emulators(args.emulator, args.nodes)
    run_root = paths.RUNS / f"nodes-{emulators_name(emulators)}"
    # Every guest image on every node and a shared migration key, so that on node a
    # `new dirtier mem=16M` and then `migrate 1 10.0.0.2` work by hand.
    cmdline = f"migrate_key={MIGRATE_KEY} {args.cmdline}".strip()
    modules = guest_modules(paths.guest_images())
    nodes = LinkedNodes(emulators, run_root, memory_mib=args.mem, extra_command_line=cmdline,
                        modules=modules, link_mbit=args.link_mbit)
    shaped = f", shaped to {args.link_mbit} Mbit/s" if args.link_mbit else ""
    print(f"godwit: booting {len(emulators)} nodes on one link{shaped}:", file=sys.stderr)
    for address, emulator in zip(nodes.addresses, emulators):
        print(f"godwit:   node {address.name} {address.ip} under {emulator} on {address.tap}, console log "
              f"{run_root / address.name / 'console.log'}", file=sys.stderr)
    with nodes:
        link = nodes.link
        one_command = f"{link.enter_command} ping {nodes.addresses[1].ip}"
        width = len(one_command)
        print(f"godwit: the host side of the link is {HOST_IP}, in a private network namespace. To be there, "
              f"from another terminal as {'this user' if link.user_namespace else 'root'}:\n"
              f"godwit:   {link.enter_command:<{width}}   # a shell on the link\n"
              f"godwit:   {one_command:<{width}}   # or one command",
              file=sys.stderr)
        print(f"godwit: images {', '.join(image.stem for image, _ in modules)}; try on a: new dirtier mem=16M, "
              f"then migrate 1 {nodes.addresses[1].ip}", file=sys.stderr)
        print("godwit: this terminal shows node a; Ctrl-T switches node, Ctrl-] quits", file=sys.stderr)
        with raw_terminal():
            switch_consoles(nodes.nodes, nodes.addresses)
        time.sleep(0.2)
    print(f"\r\ngodwit: all {len(emulators)} nodes and the link stopped", file=sys.stderr)
    return 0
