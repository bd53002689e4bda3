#!/usr/bin/env python3
"""Cross-vendor live migration (label migrate-cross, --emulator qemu,bochs): node a
under QEMU (AMD-V with NPT, virtio-net) and node b under Bochs (VT-x with EPT, e1000) on
one bridge.

- the host side (10.0.0.254) reaches both nodes with iputils `ping`;
- a dirtier goes a -> b -> a while it writes: each move's memory digest is verified and
  its self-check goes on passing on each node with larger counts (never CORRUPT);
- a counter makes the same round trip: n continues one by one, guest time never goes
  back.
Guests are small (4 MiB) because Bochs' link carries about 1 MiB/s.
"""
import harness
from harness import check
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

    return harness.run_test(body)


if __name__ == "__main__":
    raise SystemExit(main())
