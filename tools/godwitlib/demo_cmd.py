"""`godwit demo`: boot a Godwit node and show what it found.

Until live migration lands (issue 7) the demo boots one node, shows its `info`, and
says which backend it would use."""
import time

from . import build, paths, setup_step
from .emulators import EMULATORS, Node, NodeSpec

BACKEND = {"qemu": "AMD-V", "bochs": "VT-x", "kvm": "VT-x"}


def add_arguments(parser):
    parser.add_argument("--emulator", choices=EMULATORS, default="qemu")


def command(args):
    setup_step.ensure_ready(quiet=True)
    build.build()
    spec = NodeSpec("demo", args.emulator, paths.default_iso(), paths.RUNS / "demo")
    print(f"godwit demo: booting one node under {args.emulator}")
    started = time.monotonic()
    with Node(spec) as node:
        boot = node.console.wait_event("boot", 90)
        print(f"godwit demo: shell reached {time.monotonic() - started:.1f} s after the "
              f"emulator started (hypervisor boot: {boot['t_ms']} ms of its own time)")
        print(node.console.command("info").rstrip())
        node.console.type("halt\r")
        node.console.wait_event("halt", 30)
    backend = BACKEND[args.emulator]
    found = set(boot["features"])
    usable = {"AMD-V": {"svm", "npt"}, "VT-x": {"vmx", "ept"}}[backend] <= found
    print(f"godwit demo: {backend} {'is' if usable else 'is NOT'} usable here "
          f"(features reported: {', '.join(sorted(found)) or 'none'}).")
    print("godwit demo: live migration between two nodes is not built yet; this demo "
          "will show it once it is.")
    print(f"godwit demo: console log in {spec.run_dir / 'console.log'}")
    return 0 if usable else 1
