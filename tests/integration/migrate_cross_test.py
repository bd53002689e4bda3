#!/usr/bin/env python3
"""Cross-vendor live migration (label migrate-cross, --emulator qemu,bochs): node a
under QEMU (AMD-V with NPT, virtio-net) and node b under Bochs (VT-x with EPT, e1000) on
one bridge.

- the host side (10.0.0.254) reaches both nodes with iputils `ping`;
- a dirtier goes a -> b -> a while it writes: each move's memory digest is verified and
  its self-check goes on passing on each node with larger counts (never CORRUPT);
- a counter makes the same round trip: n continues one by one, guest time never goes
  back;
- a cpuid guest (one pass a second, each compared with its first) makes the same round
  trip: it prints the same CPUID leaves on the AMD-V node and on the VT-x node, names the
  node's hypercall instruction on each, and never reports a change (its own check);
- a loadgen doing floating-point work makes the same round trip: the digests of its
  results stay those computed without any switch or move (its x87/SSE state crosses
  between the vendors, decision 0019).
Guests are small (4 MiB) because Bochs' link carries about 1 MiB/s.
"""
import re

import harness
from harness import check
from fpu_test import LOADGEN, checkpoints, wait_checkpoint
from migrate_test import check_moved, counter_round_trip

from godwitlib import paths  # noqa: E402
from godwitlib.migration_run import (dirtier_corrupt, dirtier_reports, migrate, migration_nodes,  # noqa: E402
                                     start_guest, wait_booted, wait_dirtier_report)

# 64 pages rewritten 100 times a second: each pre-copy round finds at most 256 KiB dirty,
# which Bochs' link sends within the downtime target, so pre-copy converges both ways.
DIRTIER = "new dirtier mem=4M wss=256K rate=100 report=300"


def move_dirtier(source, destination, guest, what):
    """Migrates the dirtier while it writes; checks it goes on on the destination with
    more writes than it had on the source. Returns its id there."""
    moved = migrate(source, guest, destination, timeout=120)
    last = dirtier_reports(source, guest)[-1]
    new_id = check_moved(source, destination, guest, moved, what)
    after = wait_dirtier_report(destination, new_id, more_than=last[0], timeout=60)
    for node in (source, destination):
        check(dirtier_corrupt(node) is None, f"{what}: {dirtier_corrupt(node)}", node)
    print(f"{what}: self-check writes={last[0]} pass={last[2]} on {source.spec.name} ({source.spec.emulator}), "
          f"then writes={after[0]} pass={after[2]} on {destination.spec.name} ({destination.spec.emulator})")
    return new_id


def cpuid_passes(node, guest_id):
    """{pass number: (leaf lines, hypercall)} of every pass the cpuid guest printed."""
    passes, leaves = {}, []
    for line in re.findall(rf"^\[g{guest_id} cpuid\] cpuid: ([^\r\n]*)", node.console.text, re.M):
        if line.startswith("leaf="):
            leaves.append(line)
        elif match := re.match(r"pass (\d+) hypervisor=\S+ abi=\S+ hypercall=(\w+)", line):
            passes[int(match.group(1))] = (tuple(leaves), match.group(2))
        elif line.startswith("pass ") and line.endswith("begin"):
            leaves = []
    return passes


def wait_cpuid_pass(node, guest_id, timeout=60.0):
    """Waits for the next complete pass of the cpuid guest on `node`; returns it."""
    known = set(cpuid_passes(node, guest_id))
    node.console.expect(rf"\[g{guest_id} cpuid\] cpuid: pass (?!(?:{'|'.join(map(str, known)) or 'x'}) )\d+ end",
                        timeout)
    passes = cpuid_passes(node, guest_id)
    return passes[max(passes)]


def cpuid_round_trip(a, b):
    """A cpuid guest moves a -> b -> a and sees the same CPUID on both vendors' nodes."""
    guest = start_guest(a, "new cpuid mem=4M period=1000")
    leaves_a, call_a = wait_cpuid_pass(a, guest)
    check(len(leaves_a) > 0, "the cpuid guest printed no leaf", a)
    moved = migrate(a, guest, b, timeout=120)
    on_b = check_moved(a, b, guest, moved, "cpuid a->b")
    leaves_b, call_b = wait_cpuid_pass(b, on_b)
    check(leaves_b == leaves_a, "the guest saw other CPUID values on node b:\n" + "\n".join(leaves_b), b)
    check(call_a != call_b, f"the hypercall instruction did not change between vendors ({call_a})", b)
    moved = migrate(b, on_b, a, timeout=120)
    back = check_moved(b, a, on_b, moved, "cpuid b->a")
    leaves_back, _ = wait_cpuid_pass(a, back)
    check(leaves_back == leaves_a, "the guest saw other CPUID values back on node a", a)
    for node in (a, b):
        check("cpuid: CHANGED" not in node.console.text, "the cpuid guest saw its CPUID change", node)
    print(f"cpuid: the same {len(leaves_a)} leaves on {a.spec.emulator} ({call_a}) and {b.spec.emulator} ({call_b}), "
          "there and back")


def loadgen_round_trip(a, b):
    """A floating-point loadgen moves a -> b -> a; its digests stay right on each node."""
    guest = start_guest(a, LOADGEN)
    wait_checkpoint(a, guest)
    here = guest
    for source, destination, what in ((a, b, "loadgen a->b"), (b, a, "loadgen b->a")):
        before = checkpoints(source, here)[-1][0]
        moved = migrate(source, here, destination, timeout=120)
        here = check_moved(source, destination, here, moved, what)
        blocks, _ = wait_checkpoint(destination, here, before)
        print(f"{what}: FP digests right from {before} to {blocks} blocks on {destination.spec.emulator}")


def main():
    args = harness.arguments(__doc__, linked=True)
    run_root = paths.BUILD / "test-runs" / f"migrate-cross-{args.run_name}"

    def body():
        check(len(set(args.emulators)) == 2, f"migrate-cross needs two different emulators, not {args.emulators}")
        nodes = migration_nodes(args.emulators, run_root)
        with nodes as (a, b):
            wait_booted((a, b), harness.BOOT_TIMEOUT)
            harness.check_host_ping(nodes)
            guest = start_guest(a, DIRTIER)
            wait_dirtier_report(a, guest)
            on_b = move_dirtier(a, b, guest, "dirtier a->b")
            move_dirtier(b, a, on_b, "dirtier b->a")
            counter_round_trip(a, b)
            cpuid_round_trip(a, b)
            loadgen_round_trip(a, b)

    return harness.run_test(body)


if __name__ == "__main__":
    raise SystemExit(main())
