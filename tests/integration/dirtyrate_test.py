#!/usr/bin/env python3
"""Continuous dirty-rate logging and migration when a guest is quiet (labels
dirtyrate-qemu and dirtyrate-bochs, two nodes of one emulator; issue 17).

- a loadgen writing 30 pages every 100 ms (300 pages/s over a 2 MiB working set of 512 pages) shows
  that rate in its once-a-second `dirtyrate` events within 10%, and `guests` shows it in
  the pages/s column;
- `migrate --when-quiet` with a give-up time gives up on that busy guest and leaves it
  running;
- a second loadgen is busy for 10 s (idle_after=10) and then idle: `migrate --when-quiet
  50 --for 3` waits while it is busy, migrates once it has been idle for 3 s, and says how
  long it waited; the guest goes on on the other node.
"""
import re
import statistics
import time

import harness
from harness import check
from migrate_test import check_moved

from godwitlib import paths  # noqa: E402
from godwitlib.migration_run import guest_state, migrate, migration_nodes, start_guest, wait_booted  # noqa: E402

RATE = 300  # pages/s: 30 pages per 100 ms period
STEADY = f"new loadgen mem=8M wss=2M load=20 pages=30 period=100 report=5000"
TURNS_IDLE_S = 10
TURNING = f"new loadgen mem=8M wss=2M load=50 pages=30 idle_after={TURNS_IDLE_S} report=5000"


def rates(node, guest_id):
    return [e for e in node.console.events("dirtyrate") if e["id"] == guest_id]


def wait_rates(node, guest_id, count, timeout=90.0):
    deadline = time.monotonic() + timeout
    while len(found := rates(node, guest_id)) < count:
        check(time.monotonic() < deadline, f"guest {guest_id}: {len(found)} dirtyrate events in {timeout:.0f} s",
              node)
        time.sleep(0.5)
    return found


def check_logged_rate(node, guest_id, mechanism):
    """The last few seconds' rates are within 10% of what the loadgen writes, logged by
    `mechanism` (Intel PML on Bochs' VT-x, write protection on QEMU's AMD-V)."""
    events = wait_rates(node, guest_id, 8)[2:]  # the first seconds include its start-up
    said = node.console.command(f"dirtyrate {guest_id}")
    check(f"({mechanism})" in said, f"guest {guest_id}'s rate is not logged by {mechanism}: {said!r}", node)
    per_second = [e["pages_per_s"] for e in events]
    median = statistics.median(per_second)
    check(abs(median - RATE) <= RATE * 0.10,
          f"guest {guest_id} writes {RATE} pages/s; its dirtyrate events say {per_second} (median {median})", node)
    smoothed = events[-1]["smoothed_pages_per_s"]
    check(abs(smoothed - RATE) <= RATE * 0.10, f"smoothed rate {smoothed}, not about {RATE}", node)
    listing = node.console.command("guests")
    row = re.search(rf"^\s*{guest_id}\s+loadgen\s+\S+\s+\d+\s+\d+\s+\d+\s+(\d+)\s", listing, re.M)
    check(row is not None and abs(int(row.group(1)) - RATE) <= RATE * 0.10,
          f"`guests` does not show guest {guest_id}'s rate near {RATE}:\n{listing}", node)
    print(f"loadgen at {RATE} pages/s: dirtyrate events {per_second} (median {median}, smoothed {smoothed}, "
          f"by {mechanism}), `guests` shows {row.group(1)}")


def gives_up_on_busy(a, b, guest_id):
    output = a.console.command(f"migrate {guest_id} 10.0.0.2 --when-quiet 50 --for 2 --give-up 4", 60)
    check("gave up after waiting" in output, f"`migrate --when-quiet` on a busy guest said:\n{output}", a)
    waited = next(e for e in a.console.events("migration_wait") if e["id"] == guest_id)
    check(waited["outcome"] == "gave-up" and waited["waited_ms"] >= 4000, f"migration_wait: {waited}", a)
    check(guest_state(a, guest_id).startswith(("running", "blocked")), "the busy guest did not stay", a)
    print(f"--when-quiet 50 --give-up 4 on the busy loadgen: gave up after {waited['waited_ms']} ms, it stays")


def migrates_once_quiet(a, b):
    guest = start_guest(a, TURNING)
    started = time.monotonic()
    moved = migrate(a, guest, b, timeout=300, extra=("--when-quiet", "50", "--for", "3", "--give-up", "120"))
    waited = next(e for e in a.console.events("migration_wait") if e["id"] == guest)
    check(waited["outcome"] == "quiet", f"migration_wait: {waited}", a)
    check(re.search(r"was quiet \(under 50 pages/s for 3 s\) after waiting \d+ ms", moved.output),
          f"the command did not say how long it waited:\n{moved.output}", a)
    # Busy for TURNS_IDLE_S of guest time from its start, then 3 quiet seconds.
    check(waited["waited_ms"] >= (TURNS_IDLE_S - 3) * 1000,
          f"migrated after waiting only {waited['waited_ms']} ms while the guest was busy", a)
    idle_at = a.console.text.find(f"[g{guest} loadgen] loadgen: idle now")
    start_at = a.console.text.find('"event":"migration_start"')
    check(0 <= idle_at < start_at, "the migration started before the loadgen turned idle", a)
    busy = [e["pages_per_s"] for e in rates(a, guest)]
    on_b = check_moved(a, b, guest, moved, "loadgen when quiet a->b")
    b.console.expect(rf"\[g{on_b} loadgen\] loadgen: ok ", 30)
    print(f"--when-quiet 50 --for 3: waited {waited['waited_ms']} ms (rates on a {busy}), then migrated in "
          f"{moved.summary['total_ms']:.0f} ms ({time.monotonic() - started:.0f} s after the guest started)")


def main():
    args = harness.arguments(__doc__, linked=True)
    run_root = paths.BUILD / "test-runs" / f"dirtyrate-{args.run_name}"

    def body():
        nodes = migration_nodes(args.emulators, run_root)
        with nodes as (a, b):
            wait_booted((a, b), harness.BOOT_TIMEOUT)
            steady = start_guest(a, STEADY)
            check_logged_rate(a, steady, "pml" if args.emulators[0] == "bochs" else "write-protect")
            gives_up_on_busy(a, b, steady)
            migrates_once_quiet(a, b)

    return harness.run_test(body)


if __name__ == "__main__":
    raise SystemExit(main())
