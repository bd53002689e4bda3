#!/usr/bin/env python3
"""Live-migration test (labels migrate-qemu, migrate-bochs): two nodes on one bridge.

Both digest modes run: the dirtier and the counter's way back use `migrate --verify`
(all memory compared on both nodes), the others the default (digest kept as pages move).

- the host side (10.0.0.254) reaches both nodes with iputils `ping`, and again the
  freshly booted node b at the end;
- a dirtier moves from a to b while it writes: the memory digest is verified, its
  self-check goes on passing on b with larger counts (no CORRUPT), and a no longer holds
  it (guest_exit "migrated", `guests` shows it ended);
- a counter moves a -> b -> a and keeps counting: n continues one by one, guest time
  never goes back;
- a counter that is never migrated keeps counting through all of it;
- the destination dies during the rounds (its emulator killed at the first round):
  the migration fails, the guest keeps running on a, intact; then a migration to a
  freshly booted node b succeeds.
Guests are small (16 MiB at most) so Bochs' ~1.4 MiB/s link keeps this short.
"""
import harness
from harness import check

from godwitlib import paths  # noqa: E402
from godwitlib.migration_run import (counter_lines, dirtier_corrupt, dirtier_reports, guest_state,  # noqa: E402
                                     migrate, migration_nodes, start_guest, wait_booted, wait_counter,
                                     wait_dirtier_report, wait_for_event)

DIRTIER = "new dirtier mem=16M wss=1M rate=1000 report=300"
# Rewrites its whole working set as fast as it can: pre-copy never converges, so there
# are several rounds to kill the destination in.
FAST_DIRTIER = "new dirtier mem=16M wss=4M rate=0 report=300"
COUNTER = "new counter mem=4M period=250"


def check_moved(source, destination, guest_id, moved, what):
    """The common checks of a migration that must have succeeded; returns the new id."""
    check(moved.succeeded, f"{what}: migration failed: {moved.summary}\n{moved.output}", source)
    check(moved.summary["digest_verified"] is True, f"{what}: digest not verified: {moved.summary}", source)
    check(moved.arrival.get("verify") == moved.summary.get("verify"),
          f"{what}: the nodes disagree on verify mode: {moved.summary} / {moved.arrival}", destination)
    steps = dict(moved.summary.get("pause_steps_ms", {}))
    steps.pop("release", None)  # after the ACK: the guest already runs on the destination
    check(abs(sum(steps.values()) - moved.summary["downtime_ms"]) < 0.1,
          f"{what}: the pause's steps do not add up to the downtime: {moved.summary}", source)
    check(moved.running_on_destination, f"{what}: destination reports {moved.arrival}", destination)
    ended = wait_for_event(source, "guest_exit", id=guest_id)
    check(ended["reason"] == "migrated", f"{what}: source ended the guest with {ended}", source)
    row = guest_state(source, guest_id)
    check(row.startswith("ended") and "migrated" in row, f"{what}: `guests` on the source shows: {row!r}", source)
    s = moved.summary
    print(f"{what}{' (--verify)' if s.get('verify') else ''}: {s['rounds']} rounds, {s['total_ms']:.0f} ms, "
          f"downtime {s['downtime_ms']:.0f} ms, {s['wire_bytes']} wire bytes; guest {guest_id} -> "
          f"{moved.arrival['guest_id']}")
    return moved.arrival["guest_id"]


def dirtier_moves(a, b):
    guest = start_guest(a, DIRTIER)
    wait_dirtier_report(a, guest)
    moved = migrate(a, guest, b, verify=True, timeout=300)
    last_on_a = dirtier_reports(a, guest)[-1]
    new_id = check_moved(a, b, guest, moved, "dirtier a->b")
    on_b = wait_dirtier_report(b, new_id, more_than=last_on_a[0], timeout=60)
    check(dirtier_corrupt(b) is None and dirtier_corrupt(a) is None, "the dirtier found a corrupt page", b)
    print(f"dirtier self-check: writes={last_on_a[0]} pass={last_on_a[2]} on a, then writes={on_b[0]} "
          f"pass={on_b[2]} on b")


def counter_round_trip(a, b):
    guest = start_guest(a, COUNTER)
    wait_counter(a, guest, 2)
    on_b = check_moved(a, b, guest, migrate(a, guest, b, timeout=300), "counter a->b")
    wait_counter(b, on_b, counter_lines(a, guest)[-1][0] + 2)
    back = check_moved(b, a, on_b, migrate(b, on_b, a, verify=True, timeout=300), "counter b->a")
    wait_counter(a, back, counter_lines(b, on_b)[-1][0] + 2)
    lines = counter_lines(a, guest) + counter_lines(b, on_b) + counter_lines(a, back)
    numbers = [n for n, _ in lines]
    check(numbers == list(range(numbers[0], numbers[0] + len(numbers))),
          f"the counter did not continue one by one across a->b->a: {numbers}", a)
    times = [t for _, t in lines]
    check(all(x <= y for x, y in zip(times, times[1:])), f"guest time went back: {times}", a)
    print(f"counter a->b->a: n {numbers[0]}..{numbers[-1]} without a gap, t {times[0]}..{times[-1]} ms")


def destination_dies(nodes, a):
    guest = start_guest(a, FAST_DIRTIER)
    wait_dirtier_report(a, guest)
    failed = migrate(a, guest, nodes.nodes[1], on_round=lambda _: nodes.kill_b(), timeout=300)
    check(failed.summary["outcome"] == "failed", f"migration to a dead node did not fail: {failed.summary}", a)
    check(failed.rounds, "the migration ended before its first round", a)
    check(failed.summary["downtime_ms"] == 0, f"a failure during the rounds reported a pause: {failed.summary}", a)
    writes = dirtier_reports(a, guest)[-1][0]
    wait_dirtier_report(a, guest, more_than=writes, timeout=60)
    row = guest_state(a, guest)
    check(row.startswith(("running", "blocked")), f"after the failure `guests` on a shows: {row!r}", a)
    check(dirtier_corrupt(a) is None, "the dirtier found a corrupt page after the failed migration", a)
    print(f"destination killed after round 0: failed ({failed.summary.get('reason')}); guest {guest} "
          "goes on on a, intact")
    fresh = nodes.restart_b()
    fresh.console.wait_event("boot", harness.BOOT_TIMEOUT)
    harness.check_host_ping(nodes)  # the new emulator took over node b's tap
    writes = dirtier_reports(a, guest)[-1][0]
    new_id = check_moved(a, fresh, guest, migrate(a, guest, fresh, timeout=300), "dirtier a->fresh b")
    wait_dirtier_report(fresh, new_id, more_than=writes, timeout=60)
    check(dirtier_corrupt(fresh) is None, "the dirtier found a corrupt page on the fresh node b", fresh)


def main():
    args = harness.arguments(__doc__, linked=True)
    run_root = paths.BUILD / "test-runs" / f"migrate-{args.run_name}"

    def body():
        nodes = migration_nodes(args.emulators, run_root)
        with nodes as (a, b):
            wait_booted((a, b), harness.BOOT_TIMEOUT)
            harness.check_host_ping(nodes)
            bystander = start_guest(a, COUNTER)
            wait_counter(a, bystander, 1)
            steps = (lambda: dirtier_moves(a, b), lambda: counter_round_trip(a, b),
                     lambda: destination_dies(nodes, a))
            for step in steps:
                before = counter_lines(a, bystander)[-1][0]
                step()
                wait_counter(a, bystander, before + 1)
            numbers = [n for n, _ in counter_lines(a, bystander)]
            check(numbers == list(range(1, len(numbers) + 1)), f"the bystander counter skipped: {numbers}", a)
            row = guest_state(a, bystander)
            check(row.startswith(("running", "blocked")), f"bystander counter: {row!r}", a)
            print(f"bystander counter on a: counted 1..{numbers[-1]} throughout")

    return harness.run_test(body)


if __name__ == "__main__":
    raise SystemExit(main())
