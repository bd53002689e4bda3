#!/usr/bin/env python3
"""Migration modes test (labels modes-qemu, modes-bochs): stop-and-copy, pre-copy,
post-copy and hybrid on two nodes on one bridge (issue 16, decision 0021).

- one writing dirtier moves a -> b -> a -> b -> a, once in each mode; after each move its
  self-check (every page against what it last wrote) passes on the destination with larger
  counts, the digest is verified, and in post-copy and hybrid every page is accounted for:
  present at the switch + pushed + fetched on demand = all of its pages, and the guest's
  fault waits are reported;
- post-copy with the link cut right after the switch (node b's tap taken off the bridge the
  moment the guest starts there; setting the tap down instead makes Bochs panic on its
  next write) and healed 5 s later, within the post-switch time-out (both nodes boot
  with migrate_postcopy_timeout=20 instead of 120 s, to keep the test short): TCP carries
  on, the migration completes, the self-check passes;
- post-copy recovery (decision 0023): the link is cut right after the switch and stays
  down past the time-out, so the source reports `split` and the destination `stranded`
  (the guest paused there); then it is healed and the source continues the migration over
  a new connection: under QEMU on its own (it retries every migrate_recover_every= seconds,
  5 by default; nobody types anything), under Bochs by `migrate recover` typed on the
  source. It completes, the self-check passes on the destination, and the source no
  longer holds the guest;
- in every mode the destination is killed before the switch (its link slowed to 1 kbit/s
  with a bucket of one frame, so the handshake and HEADER get through but the state does
  not, then its emulator killed a second after it heard of the migration): the migration
  fails and the guest goes on running on the source, intact.
- before all of these, an echo guest with a network card (mem=8M net=10.0.0.21/24,
  decision 0024) moves a -> b in post-copy and back b -> a in hybrid while the host's UDP
  probe sends it a datagram every few ms: each move succeeds, replies resume on the
  destination (which announced the guest as it started there), the longest gap between
  replies stays under a generous bound, nothing is duplicated, no device broke, and one
  TCP connection opened before the first move still echoes after each (its card fetches
  the pages its rings and buffers lie on, like the vCPU; before decision 0024 both ends
  refused such a guest).
"""
import threading
import time

import harness
from harness import check

from godwitlib import paths  # noqa: E402
from godwitlib.client_probe import TcpLines, under_udp_probe  # noqa: E402
from godwitlib.migration_run import (MODES, dirtier_corrupt, dirtier_reports, guest_state, migrate,  # noqa: E402
                                     migration_nodes, start_guest, wait_booted, wait_dirtier_report,
                                     wait_for_event)
from godwitlib.migration_report import guest_downtime_ms  # noqa: E402
from godwitlib.network import BRIDGE, tbf_arguments  # noqa: E402

# Bochs' link carries about 1.4 MiB/s: it gets the smaller guest.
DIRTIER = {"qemu": "new dirtier mem=16M wss=2M rate=500 report=300",
           "bochs": "new dirtier mem=8M wss=1M rate=100 report=300"}
PAGES = {"qemu": 16 * 256, "bochs": 8 * 256}
# Both nodes' post-switch time-out (migrate_postcopy_timeout=, seconds): the short cut
# stays well inside it (lwIP's retransmission backoff after a 5 s cut: about 7 s), the
# long one well past it.
POSTCOPY_TIMEOUT_S = 20
SHORT_CUT_S = 5
# Which recovery each emulator's run shows: the source's own retry, or `migrate recover`.
AUTOMATIC_RECOVERY = {"qemu": True, "bochs": False}


def tc(nodes, *argv):
    result = nodes.link.run_on_link(["tc", "qdisc", *argv])
    check(result.returncode == 0, f"tc qdisc {' '.join(argv)}: {result.stdout}")


def ip_link(nodes, tap, *what):
    result = nodes.link.run_on_link(["ip", "link", "set", tap, *what])
    check(result.returncode == 0, f"ip link set {tap} {' '.join(what)}: {result.stdout}")


def moved(source, destination, guest, result, mode, pages):
    """The checks of a move that must have succeeded; returns the guest's id there."""
    s = result.summary
    check(result.succeeded, f"{mode}: migration failed: {s}\n{result.output}", source)
    check(s.get("mode") == mode, f"{mode}: the summary names mode {s.get('mode')}", source)
    check(s["digest_verified"] is True, f"{mode}: digest not verified: {s}", source)
    check(result.running_on_destination, f"{mode}: destination reports {result.arrival}", destination)
    arrival = result.arrival
    if mode in ("post-copy", "hybrid"):
        check(s["switched"] is True and arrival.get("postcopy") is True, f"{mode}: no switch: {s} / {arrival}", source)
        total = arrival["present_at_switch"] + s["pages_pushed"] + s["demand_pages"]
        check(total == pages, f"{mode}: pages not accounted for: {arrival['present_at_switch']} present at the "
                              f"switch + {s['pages_pushed']} pushed + {s['demand_pages']} on demand != {pages}",
              destination)
        check(len(arrival["fault_wait_hist"]) == 5 and sum(arrival["fault_wait_hist"]) == arrival["fault_waits"],
              f"{mode}: fault-wait histogram does not add up: {arrival}", destination)
    else:
        check(not s["switched"] and s["pages_pushed"] == 0, f"{mode}: a switch in a mode without one: {s}", source)
    if mode == "stop-and-copy":
        check(s["rounds"] == 1, f"stop-and-copy ran {s['rounds']} rounds", source)
    ended = wait_for_event(source, "guest_exit", id=guest)
    check(ended["reason"] == "migrated", f"{mode}: source ended the guest with {ended}", source)
    print(f"{mode}: {s['rounds']} rounds, {s['total_ms']:.0f} ms, downtime {guest_downtime_ms(s, arrival):.1f} ms, "
          f"{s['wire_bytes']} wire bytes, {s['pages_pushed']} pushed, {s['demand_pages']} on demand, "
          f"fault wait {arrival.get('fault_wait_ms', 0)} ms; guest {guest} -> {arrival['guest_id']}")
    return arrival["guest_id"]


def self_check_goes_on(source, destination, guest, new_id, mode):
    last = dirtier_reports(source, guest)[-1]
    on_destination = wait_dirtier_report(destination, new_id, more_than=last[0], timeout=120)
    check(dirtier_corrupt(destination) is None and dirtier_corrupt(source) is None,
          f"{mode}: the dirtier found a corrupt page", destination)
    print(f"{mode}: self-check passes on {destination.spec.name}: writes={on_destination[0]} "
          f"pass={on_destination[2]} (last on {source.spec.name}: writes={last[0]})")


def every_mode_moves(a, b, guest, pages):
    """Returns (node it ends on, its id there)."""
    here, there = a, b
    for mode in MODES:
        result = migrate(here, guest, there, mode=mode, timeout=300)
        new_id = moved(here, there, guest, result, mode, pages)
        self_check_goes_on(here, there, guest, new_id, mode)
        here, there, guest = there, here, new_id
    return here, there, guest


# The echo guest with a card, as in continuity_test.py: the probe's period (Bochs'
# e1000 forwards a few hundred frames a second) and a generous bound on the gap the
# client sees (the figures are printed; post-copy's gap adds the first pages' fetches).
ECHO_IP = "10.0.0.21"
ECHO = f"new echo mem=8M net={ECHO_IP}/24"
PROBE_INTERVAL_MS = {"qemu": 1.0, "bochs": 5.0}
MAX_GAP_MS = {"qemu": 5_000, "bochs": 20_000}


def echo_guest_moves_with_its_card(nodes, a, b, emulator, run_root):
    """An echo guest moves a -> b in post-copy and b -> a in hybrid under the UDP probe,
    with one TCP connection open across both moves; it is ended on a afterwards."""
    guest = start_guest(a, ECHO)
    a.console.expect(rf"\[g{guest} echo\] echo: up as {ECHO_IP}/24", 60)
    tcp = TcpLines(nodes.link, ECHO_IP)
    try:
        tcp.send_lines(20)
        check(tcp.wait_echo(30), f"TCP echo before the moves: {len(tcp.received)} of {len(tcp.sent)} bytes", a)
        here, there = a, b
        for mode in ("post-copy", "hybrid"):
            result, udp = under_udp_probe(nodes.link, ECHO_IP, PROBE_INTERVAL_MS[emulator],
                                          run_root / f"udp_probe_{mode}.log",
                                          lambda: migrate(here, guest, there, mode=mode, timeout=300))
            s = result.summary
            check(result.succeeded and result.running_on_destination,
                  f"echo guest, {mode}: {s} / {result.arrival}\n{result.output}", here)
            check(s["switched"] is True, f"echo guest, {mode}: no switch: {s}", here)
            ended = wait_for_event(here, "guest_exit", id=guest)
            check(ended["reason"] == "migrated", f"echo guest, {mode}: the source ended it with {ended}", here)
            bins = udp["replies_per_100ms"]
            check(sum(bins[-10:]) > 0, f"echo guest, {mode}: no UDP replies in the last second: {bins}", there)
            check(udp["duplicates"] == 0, f"echo guest, {mode}: duplicated replies: {udp}", there)
            check(udp["longest_gap_ms"] < MAX_GAP_MS[emulator],
                  f"echo guest, {mode}: the client saw a {udp['longest_gap_ms']} ms gap "
                  f"(bound {MAX_GAP_MS[emulator]}): {udp}", there)
            check("device-error" not in there.console.text, f"echo guest, {mode}: a device broke", there)
            guest = result.arrival["guest_id"]
            tcp.send_lines(20)
            check(tcp.wait_echo(60), f"echo guest, {mode}: TCP after the move: {len(tcp.received)} of "
                  f"{len(tcp.sent)} bytes came back", there)
            card = harness.switch_port(there, guest)
            print(f"echo guest, {mode}: downtime {guest_downtime_ms(s, result.arrival):.1f} ms, "
                  f"{s['demand_pages']} pages on demand; "
                  f"UDP probe every {PROBE_INTERVAL_MS[emulator]} ms: {udp['received']} of {udp['sent']} answered, "
                  f"longest gap {udp['longest_gap_ms']} ms; card on {there.spec.name}: "
                  f"{card['card_rx_absent']} frames dropped at absent pages, {card['card_tx_page_waits']} "
                  f"transmit waits; TCP: {tcp.lines} lines echoed in order")
            here, there = there, here
    finally:
        said = tcp.close()
    check("tcp_relay: connection failed" not in said, f"the TCP connection broke: {said}", here)
    here.console.command(f"kill {guest}", 30)


def cut_at_the_switch(nodes, destination, heal_after_s=None):
    """Slows the destination's link to 2 Mbit/s (so the push is still going) and starts a
    thread that takes its tap off the bridge as the guest starts there, and puts it back
    `heal_after_s` later (never, when None). Returns (thread, cut): `cut` gets "at" and
    "healed" (host monotonic time) as they happen."""
    tap = f"tap{destination.spec.name}"
    tc(nodes, "replace", "dev", tap, "root", *tbf_arguments(2))
    starts = len(destination.console.events("guest_start"))
    cut = {}

    def cutter():
        try:
            wait_for_event(destination, "guest_start", after=starts, timeout=120, migrated=True)
        except AssertionError:
            return
        ip_link(nodes, tap, "nomaster")  # off the bridge: the node's frames go nowhere
        cut["at"] = time.monotonic()
        if heal_after_s is not None:
            time.sleep(heal_after_s)
            ip_link(nodes, tap, "master", BRIDGE)
            cut["healed"] = time.monotonic()

    thread = threading.Thread(target=cutter, daemon=True)
    thread.start()
    return thread, cut


def postcopy_survives_a_cut_link(nodes, source, destination, guest, pages):
    """The link of the destination goes down as the guest starts there and comes back
    SHORT_CUT_S later; the link is slowed to 2 Mbit/s so the push is still going at the cut."""
    thread, cut = cut_at_the_switch(nodes, destination, SHORT_CUT_S)
    result = migrate(source, guest, destination, mode="post-copy", timeout=300)
    returned = time.monotonic()
    thread.join(30)
    tc(nodes, "del", "dev", f"tap{destination.spec.name}", "root")
    check("healed" in cut, "the link was never cut (the guest did not start on the destination?)", destination)
    # Host wall clock: a Bochs node's clock follows the instructions it ran, not the host's.
    check(cut["healed"] <= returned,
          f"the migration ended before the link came back: the cut did not catch it: {result.summary}", source)
    new_id = moved(source, destination, guest, result, "post-copy", pages)
    self_check_goes_on(source, destination, guest, new_id, "post-copy")
    print(f"post-copy, link cut {SHORT_CUT_S} s after the switch: completed {returned - cut['healed']:.1f} s "
          f"after the heal ({result.summary['total_ms']:.0f} ms on node {source.spec.name}'s clock)")
    return new_id


def postcopy_recovers_after_a_long_cut(nodes, source, destination, guest, pages):
    """The destination's link goes down as the guest starts there and stays down until
    both sides have given up on the connection (split, stranded); healed, `migrate
    recover` on the source continues the migration over a new connection."""
    arrivals = len(destination.console.events("migration_received"))
    tries = len(source.console.events("migration_recover"))
    thread, cut = cut_at_the_switch(nodes, destination)
    result = migrate(source, guest, destination, mode="post-copy", timeout=300)
    thread.join(30)
    check("at" in cut, "the link was never cut (the guest did not start on the destination?)", destination)
    s = result.summary
    check(result.split, f"post-copy with the link down past the time-out: the source reports {s}", source)
    check("migrate recover" in result.output, f"the shell does not offer recovery: {result.output!r}", source)
    stranded = wait_for_event(destination, "migration_received", after=arrivals, timeout=3 * POSTCOPY_TIMEOUT_S)
    check(stranded["outcome"] == "stranded" and stranded.get("recoverable") is True,
          f"the destination reports {stranded}", destination)
    split_at = time.monotonic()
    row = guest_state(source, guest)
    check(row.startswith("stopped"), f"split: the source's copy is not paused: `guests` shows {row!r}", source)

    automatic = AUTOMATIC_RECOVERY[source.spec.emulator]
    if automatic:  # two of the source's tries fail on the dead link first, without a word
        quiet_from = len(source.console.events("migration_summary"))
        time.sleep(max(0.0, split_at + 12 - time.monotonic()))
        extra = source.console.events("migration_summary")[quiet_from:]
        check(not extra, f"the source's tries on a dead link reported: {extra}", source)
    tap = f"tap{destination.spec.name}"
    ip_link(nodes, tap, "master", BRIDGE)
    tc(nodes, "del", "dev", tap, "root")
    summaries = len(source.console.events("migration_summary"))
    arrivals = len(destination.console.events("migration_received"))
    if automatic:
        # Its tries while the link was down ended quietly; the first one said so.
        tried = wait_for_event(source, "migration_recover", after=tries, timeout=60)
        check(tried.get("automatic") is True, f"the source's first recovery was not its own: {tried}", source)
        output = "(nothing typed: the source's automatic retry)"
        recovered = wait_for_event(source, "migration_summary", after=summaries, timeout=120)
    else:
        output = source.console.command(f"migrate recover {guest}", 300)
        check("recovered" in output, f"`migrate recover {guest}` said {output!r}", source)
        recovered = wait_for_event(source, "migration_summary", after=summaries, timeout=60)
    check(recovered["outcome"] == "succeeded" and recovered.get("recoveries") == 1 and
          recovered["digest_verified"] is True, f"the recovery ended {recovered}\n{output}", source)
    arrival = wait_for_event(destination, "migration_received", after=arrivals, timeout=60)
    check(arrival["outcome"] == "running" and arrival.get("recovery") is True,
          f"the destination reports {arrival}", destination)
    ended = wait_for_event(source, "guest_exit", id=guest)
    check(ended["reason"] == "migrated", f"the source ended the guest with {ended}", source)
    new_id = arrival["guest_id"]
    self_check_goes_on(source, destination, guest, new_id, "post-copy recovery")
    print(f"post-copy recovery: split {split_at - cut['at']:.1f} s after the cut (time-out {POSTCOPY_TIMEOUT_S} s), "
          f"{recovered['recovered_missing']} pages missing at the destination, recovered in "
          f"{recovered['total_ms'] - s['total_ms']:.0f} ms more on node {source.spec.name}'s clock; "
          f"{recovered['pages_sent']} pages sent in all for {pages}")
    return new_id


def destination_dies_before_the_switch(nodes, source, destination_name, guest, mode):
    """Slows the destination's link so the stream cannot finish, kills the destination
    once it has heard of the migration, and checks the guest goes on on the source."""
    destination = nodes.nodes[nodes.index_of(destination_name)]
    tap = f"tap{destination_name}"
    # 1 kbit/s, one frame of bucket: HEADER and CPUID (one ~900-byte segment) pass at once,
    # post-copy's state (another ~950) needs two more seconds, and so does anything bigger.
    tc(nodes, "replace", "dev", tap, "root", "tbf", "rate", "1kbit", "burst", "1600", "limit", "262144")
    incoming = len(destination.console.events("migration_incoming"))

    def killer():
        try:
            wait_for_event(destination, "migration_incoming", after=incoming, timeout=60)
        except AssertionError:
            return
        time.sleep(1.0)
        nodes.kill_node(destination_name)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    failed = migrate(source, guest, destination, mode=mode, timeout=300)
    thread.join(30)
    s = failed.summary
    check(s["outcome"] == "failed" and not s["switched"], f"{mode}: killing the destination gave {s}", source)
    if mode == "stop-and-copy":  # paused at CHALLENGE, resumed after the failure
        check(s["downtime_ms"] > 0, f"{mode}: the guest was never paused before the kill: {s}", source)
    writes = dirtier_reports(source, guest)[-1][0]
    wait_dirtier_report(source, guest, more_than=writes, timeout=60)
    row = guest_state(source, guest)
    check(row.startswith(("running", "blocked")), f"{mode}: after the failure `guests` shows {row!r}", source)
    check(dirtier_corrupt(source) is None, f"{mode}: the dirtier found a corrupt page after the failure", source)
    print(f"{mode}: destination killed before the switch: failed ({s.get('reason')}), paused "
          f"{s['downtime_ms']:.0f} ms; guest {guest} goes on on {source.spec.name}, intact")
    fresh = nodes.restart_node(destination_name)
    tc(nodes, "del", "dev", tap, "root")
    fresh.console.wait_event("boot", harness.BOOT_TIMEOUT)


def main():
    args = harness.arguments(__doc__, linked=True)
    run_root = paths.BUILD / "test-runs" / f"modes-{args.run_name}"
    emulator = args.emulators[0]

    def body():
        nodes = migration_nodes(args.emulators, run_root, command_line=f"migrate_postcopy_timeout={POSTCOPY_TIMEOUT_S}")
        with nodes as (a, b):
            wait_booted((a, b), harness.BOOT_TIMEOUT)
            echo_guest_moves_with_its_card(nodes, a, b, emulator, run_root)
            guest = start_guest(a, DIRTIER[emulator])
            wait_dirtier_report(a, guest, timeout=120)
            here, there, guest = every_mode_moves(a, b, guest, PAGES[emulator])
            guest = postcopy_survives_a_cut_link(nodes, here, there, guest, PAGES[emulator])
            here, there = there, here
            guest = postcopy_recovers_after_a_long_cut(nodes, here, there, guest, PAGES[emulator])
            here = there  # the guest is now on `there`; the other node is the destination
            other = b.spec.name if here is a else a.spec.name
            for mode in MODES:
                destination_dies_before_the_switch(nodes, here, other, guest, mode)

    return harness.run_test(body)


if __name__ == "__main__":
    raise SystemExit(main())
