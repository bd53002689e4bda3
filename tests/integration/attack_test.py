#!/usr/bin/env python3
"""On-path attacker test (labels attack-qemu, attack-bochs): two nodes of one emulator, and
a relay on the host side of the link (tools/godwitlib/tcp_relay.py --listen) that node a's
migrations go through to node b. The relay re-originates TCP, so what it changes arrives
with valid TCP checksums, as from an attacker on the wire. Each attack, in its own
migration of a counter guest:

- flip: one bit of a byte inside round 0's page batches is changed;
- replay: the source's bytes of the first (recorded) connection are sent to the
  destination instead of this connection's, at once, without waiting for its CHALLENGE
  (so they may arrive with the handshake's last ACK: the destination must still read them
  from their first byte, and refuse the HEADER as not from this session);
- splice: this connection's genuine HELLO, HEADER and CPUID, then the recorded
  connection's records from there on (a foreign stream after a genuine HEADER);

must end with the migration failed on node a, the guest still running on a and counting
on without a gap, and node b holding nothing: its migration_received says failed
(record authentication failed) and `guests` on b lists no guest. The splice must have got
past authentication (the genuine HEADER opened), the replay not.

Then the commit's two ambiguous outcomes (docs/migration-stream.md section 8), made by
the relay cutting the commit records:

- drop-commit: COMMIT never reaches b, and a's connection is closed after VERIFIED: b
  discards, a holds the guest paused, "unsettled" (`guests`, `kill` refused); `settle
  <id> resume` runs it on a again, counting on;
- drop-committed: b gets COMMIT and runs the guest, COMMITTED never reaches a: a holds its
  paused copy, unsettled, while b runs it (never both); `settle <id> discard` ends it on
  a as migrated, and the counter numbers on continue on b without a gap.

Last, the guest moves b -> a directly with --protect encrypted: nothing the attacks left
behind is in the way.

Under Bochs (VT-x, e1000) the same steps with every wait SLOW times longer: its nodes
move fewer frames a second, and its clock runs slow when the host is loaded.
"""
import sys
import time

import harness
from harness import check

from godwitlib import paths  # noqa: E402
from godwitlib.migration_run import (counter_lines, guest_state, ip_of, migrate, migration_nodes,  # noqa: E402
                                     start_guest, wait_booted, wait_counter, wait_for_event)
from godwitlib.network import HOST_IP  # noqa: E402

COUNTER = "new counter mem=4M period=250"
RELAY_PORT = 7200
MIGRATION_PORT = 7100
# HELLO (16 + 48, clear), HEADER (16 + 344 + 16) and CPUID (16 + 392 + 16) end at byte
# 864, ROUND (64 bytes) at 928; round 0's batches follow (a 4 MiB counter: about 100 KiB of
# them), so byte 5000 lies in a batch.
FLIP_AT = 5000
PLAN = f"flip:{FLIP_AT},replay,splice:3,drop-commit,drop-committed"
# How many times longer each wait is on each emulator.
SLOW = {"qemu": 1, "kvm": 1, "bochs": 4}


def no_guests(node, slow) -> bool:
    listing = node.console.command("guests", 30 * slow)
    return "no guests" in listing


def attacked(a, b, guest, what, relay_log, slow):
    """One migration through the relay that must fail with the guest untouched on a."""
    before = counter_lines(a, guest)[-1][0]
    received_before = len(b.console.events("migration_received"))
    result = migrate(a, guest, b, via=f"{HOST_IP}:{RELAY_PORT}", timeout=120 * slow)
    if not result.arrival:  # migrate() waits only 5 s for a failed migration's arrival
        result.arrival = wait_for_event(b, "migration_received", after=received_before, timeout=60 * slow)
    said = relay_log()
    check(result.summary.get("outcome") == "failed",
          f"{what}: the migration did not fail: {result.summary}\nrelay: {said}", a)
    check(result.arrival.get("outcome") == "failed",
          f"{what}: the destination did not refuse it: {result.arrival}\nrelay: {said}", b)
    reason = result.arrival.get("reason", "")
    check("record authentication failed" in reason, f"{what}: the destination refused for another reason: "
          f"{reason}\nrelay: {said}", b)
    row = guest_state(a, guest)
    check(row.startswith(("running", "blocked")), f"{what}: after the attack `guests` on a shows {row!r}", a)
    wait_counter(a, guest, before + 2, timeout=30 * slow)
    check(no_guests(b, slow), f"{what}: node b holds a guest:\n{b.console.command('guests', 30 * slow)}", b)
    print(f"{what}: failed on a ({result.summary.get('reason')}); b: {reason}; "
          f"authenticated={result.arrival.get('authenticated')}; the guest counts on on a, b holds nothing")
    return result


def main():
    args = harness.arguments(__doc__, linked=True)
    run_root = paths.BUILD / "test-runs" / f"attack-{args.run_name}"

    def body():
        nodes = migration_nodes(args.emulators, run_root)
        slow = SLOW[args.emulator]
        with nodes as (a, b):
            wait_booted((a, b), harness.BOOT_TIMEOUT * slow)
            harness.check_host_ping(nodes)
            log_path = run_root / "relay.log"
            log_path.parent.mkdir(parents=True, exist_ok=True)
            log_file = open(log_path, "w")
            relay = nodes.link.popen_on_link(
                [sys.executable, str(paths.SOURCE / "tools" / "godwitlib" / "tcp_relay.py"), ip_of(b),
                 str(MIGRATION_PORT), "--listen", str(RELAY_PORT), "--plan", PLAN],
                stdout=log_file, stderr=log_file)
            time.sleep(2)
            check(relay.poll() is None, f"the relay did not start: {log_path.read_text()}", a)

            def relay_log():
                log_file.flush()
                return log_path.read_text().strip().replace("\n", " | ")

            guest = start_guest(a, COUNTER)
            wait_counter(a, guest, 2, timeout=30 * slow)
            attacked(a, b, guest, "flip (one bit of a page)", relay_log, slow)
            replay = attacked(a, b, guest, "replay (connection 1's stream)", relay_log, slow)
            check(replay.arrival.get("authenticated") is False,
                  f"replay: the destination took the replayed HEADER as authentic: {replay.arrival}", b)
            splice = attacked(a, b, guest, "splice (foreign records after a genuine HEADER)", relay_log, slow)
            check(splice.arrival.get("authenticated") is True,
                  f"splice: the genuine HEADER did not open: {splice.arrival}", b)
            check("splice" in relay_log() and "replay" in relay_log() and "flip" in relay_log(),
                  f"the relay did not carry out its plan: {relay_log()}", a)

            # The commit lost: a must neither run nor free the guest on its own.
            lost = migrate(a, guest, b, via=f"{HOST_IP}:{RELAY_PORT}", timeout=120 * slow)
            check(lost.summary.get("outcome") == "unsettled",
                  f"drop-commit: the source did not wait for settlement: {lost.summary}\nrelay: {relay_log()}", a)
            check(guest_state(a, guest).startswith("unsettled"), f"drop-commit: `guests` on a shows "
                  f"{guest_state(a, guest)!r}", a)
            paused_at = counter_lines(a, guest)[-1][0]
            refused = a.console.command(f"kill {guest}", 30 * slow)
            check("awaits settlement" in refused, f"drop-commit: kill took an unsettled guest: {refused!r}", a)
            wait_for_event(b, "migration_received", outcome="failed", timeout=60 * slow)
            check(no_guests(b, slow), f"drop-commit: node b holds a guest:\n{b.console.command('guests')}", b)
            time.sleep(2)
            check(counter_lines(a, guest)[-1][0] == paused_at, "drop-commit: the unsettled guest ran on a", a)
            settled = a.console.command(f"settle {guest} resume", 30 * slow)
            check("runs here again" in settled, f"settle resume: {settled!r}", a)
            wait_for_event(a, "migration_settled", id=guest, how="resume", timeout=60 * slow)
            wait_counter(a, guest, paused_at + 2, timeout=30 * slow)
            print(f"drop-commit: unsettled on a ({lost.summary.get('reason')}), b discarded; settled 'resume': "
                  f"the counter goes on on a from {paused_at}")

            # COMMITTED lost: b runs the guest, a keeps its paused copy until settled.
            received_before = len(b.console.events("migration_received"))
            unconfirmed = migrate(a, guest, b, via=f"{HOST_IP}:{RELAY_PORT}", timeout=120 * slow)
            check(unconfirmed.summary.get("outcome") == "unsettled",
                  f"drop-committed: the source did not wait for settlement: {unconfirmed.summary}", a)
            arrival = wait_for_event(b, "migration_received", after=received_before, timeout=60 * slow)
            check(arrival.get("outcome") == "running", f"drop-committed: b does not run the guest: {arrival}", b)
            on_b = arrival["guest_id"]
            paused_at = counter_lines(a, guest)[-1][0]
            wait_counter(b, on_b, paused_at + 2, timeout=30 * slow)
            check(counter_lines(a, guest)[-1][0] == paused_at, "drop-committed: the guest ran on both nodes", a)
            check(guest_state(a, guest).startswith("unsettled"), f"drop-committed: `guests` on a shows "
                  f"{guest_state(a, guest)!r}", a)
            settled = a.console.command(f"settle {guest} discard", 30 * slow)
            check("runs on the destination" in settled, f"settle discard: {settled!r}", a)
            ended = wait_for_event(a, "guest_exit", id=guest, timeout=60 * slow)
            check(ended["reason"] == "migrated", f"settle discard ended the guest with {ended}", a)
            numbers = [n for n, _ in counter_lines(a, guest) + counter_lines(b, on_b)]
            check(numbers == list(range(numbers[0], numbers[0] + len(numbers))),
                  f"the counter skipped across the attacks and the settled move: {numbers}", b)
            print(f"drop-committed: unsettled on a, running on b as guest {on_b}; settled 'discard': counted "
                  f"{numbers[0]}..{numbers[-1]} without a gap, never on both nodes")

            before = counter_lines(b, on_b)[-1][0]
            moved = migrate(b, on_b, a, protect="encrypted", timeout=120 * slow)
            check(moved.succeeded and moved.running_on_destination,
                  f"the direct migration after the attacks failed: {moved.summary} / {moved.arrival}", b)
            check(moved.summary.get("protection") == "encrypted" and moved.arrival.get("protection") == "encrypted",
                  f"--protect encrypted was not used: {moved.summary} / {moved.arrival}", b)
            ended = wait_for_event(b, "guest_exit", id=on_b, timeout=60 * slow)
            check(ended["reason"] == "migrated", f"the source ended the guest with {ended}", b)
            back = moved.arrival["guest_id"]
            wait_counter(a, back, counter_lines(b, on_b)[-1][0] + 2, timeout=30 * slow)
            print(f"direct b -> a, encrypted: guest {on_b} -> {back}, counting on from {before}; "
                  f"downtime {moved.summary['downtime_ms']:.0f} ms")
            relay.kill()
            log_file.close()

    return harness.run_test(body)


if __name__ == "__main__":
    raise SystemExit(main())
