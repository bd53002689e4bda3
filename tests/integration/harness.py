"""Shared set-up for the integration tests: boot nodes from the build tree, fail with
the console's tail, always stop the emulators."""
import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))

from godwitlib import paths  # noqa: E402
from godwitlib.emulators import Node, NodeSpec, emulators_name, parse_emulators  # noqa: E402
from godwitlib.iso import BootConfig, make_iso  # noqa: E402
from godwitlib.network import ping_from_host  # noqa: E402

# What `info` must report as usable on each emulator.
EXPECTED_BACKEND = {"qemu": "AMD-V", "bochs": "VT-x", "kvm": "VT-x"}
EXPECTED_FEATURES = {"qemu": {"svm", "npt"}, "bochs": {"vmx", "ept"}, "kvm": {"vmx", "ept"}}
BOOT_TIMEOUT = 90


def arguments(description, linked=False):
    """--emulator: one emulator; for tests of linked nodes (linked=True) also one per
    node (qemu,bochs), as args.emulators, with args.run_name for run directories."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--emulator", required=True, type=parse_emulators,
                        help="qemu, bochs or kvm" + ("; or one per node: qemu,bochs" if linked else ""))
    parser.add_argument("--build-dir", type=Path, default=paths.BUILD)
    args = parser.parse_args()
    if len(args.emulator) > 1 and not linked:
        parser.error("this test boots one node: give one emulator")
    args.emulators = args.emulator
    args.emulator = args.emulator[0]
    args.run_name = emulators_name(args.emulators)
    return args


def boot_node(name, emulator, test_name, command_line="", modules=None, memory_mib=256):
    """Makes the ISO for this node and starts it; returns the started Node."""
    run_dir = paths.BUILD / "test-runs" / f"{test_name}-{emulator}" / name
    run_dir.mkdir(parents=True, exist_ok=True)
    iso = make_iso(BootConfig(paths.kernel_image(), command_line, modules or []), run_dir / "godwit.iso")
    return Node(NodeSpec(name, emulator, iso, run_dir, memory_mib)).start()


def guest_image(name):
    """The built image of guest `name` (build/guests/NAME.elf)."""
    image = paths.guests_dir() / f"{name}.elf"
    if not image.exists():
        raise AssertionError(f"guest image {image} is missing: build first")
    return image


def abi_version():
    """(major, minor) of the guest ABI, as include/godwit/abi.h states it (what CPUID
    0x40000001 reports to guests)."""
    text = (paths.SOURCE / "include" / "godwit" / "abi.h").read_text()
    major = re.search(r"kVersionMajor = (\d+);", text)
    minor = re.search(r"kVersionMinor = (\d+);", text)
    return int(major.group(1)), int(minor.group(1))


def check(condition, message, node=None):
    if not condition:
        tail = f"\nLast console lines:\n{node.console.tail()}" if node else ""
        raise AssertionError(message + tail)


def check_host_ping(nodes, count=3):
    """iputils `ping` from the host side of the link (10.0.0.254) reaches every node."""
    for node, address in zip(nodes.nodes, nodes.addresses):
        result = ping_from_host(nodes.link, address.ip, count)
        check(result["received"] == count,
              f"host side: `{result['command']}` got {result['received']} of {count} replies:\n{result['output']}",
              node)
        print(f"host -> {address.ip} (node {address.name}, {node.spec.emulator}): {count} replies, "
              f"average {result['rtt_avg_ms']} ms")


def switch_port(node, guest):
    """The switch's counters for `guest`'s port on `node`, from the `switch` command's
    @event switch_port lines."""
    console = node.console
    before = len(console.events("switch_port"))
    output = console.command("switch", 30)
    ports = [e for e in console.events("switch_port")[before:] if e["guest"] == guest]
    check(ports, f"`switch` shows no port for guest {guest}:\n{output}", node)
    return ports[-1]


def run_test(body):
    """Runs body(); prints PASS/FAIL with the reason; returns the process exit code."""
    started = time.monotonic()
    try:
        body()
    except AssertionError as failure:
        print(f"FAIL ({time.monotonic() - started:.1f} s): {failure}")
        return 1
    print(f"PASS ({time.monotonic() - started:.1f} s)")
    return 0
