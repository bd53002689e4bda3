#!/usr/bin/env python3
"""What a client sees while its server migrates (labels continuity-qemu, continuity-bochs, and
continuity-cross on the mixed pair: node a QEMU with AMD-V, node b Bochs with VT-x; issue
14). Two nodes on one bridge, clients on the host side (10.0.0.254):

- an echo guest (mem=8M net=10.0.0.21/24) starts on node a; iputils `ping` reaches it;
- a TCP connection to its port 7 is opened and echoes numbered lines;
- the UDP probe (tools/godwitlib/udp_probe.py) sends a numbered datagram every few ms to
  its port 7 while the guest moves a -> b (with --verify: all memory compared, so no
  frame the card delivered escaped the dirty log or landed after the pause);
- replies resume on b (the destination announced the guest with gratuitous ARP, so the
  bridge sends its frames to node b's port); the longest gap between replies is below a
  generous bound, and nothing is duplicated; iputils `ping -i 0.01` runs beside it and
  its replies resume too (its longest gap is reported beside the probe's);
- ping reaches it on b; the same TCP connection goes on: the lines sent after the
  migration come back, and the whole echoed byte stream equals what was sent; a second
  connection, to the guest's numbered-line stream (port 8, a line every 10 ms), keeps
  receiving lines after the move, every number once and in order;
- the guest moves back b -> a with no client traffic at all: the bridge's forwarding
  table has its MAC on node a's tap within a second, which only the destination's
  announcement can have taught it (without it the entry stays on the old port), and ping
  reaches it on a;
- a `netabuse` guest on node a floods UDP to the host side while the echo guest moves
  a -> b once more: the migration still succeeds (the node's own frames go first), the
  flooder's switch port drops the excess over its rate, and ping reaches the echo guest
  on b.
"""
import re
import time

import harness
from harness import check

from godwitlib import paths  # noqa: E402
from godwitlib.client_probe import PingProbe, TcpLines, TcpStream, UdpProbe, numbered_lines  # noqa: E402
from godwitlib.migration_run import (migrate, migration_nodes, source_clock_rate, start_guest,  # noqa: E402
                                     wait_booted)
from godwitlib.network import ping_from_host  # noqa: E402

GUEST_IP = "10.0.0.21"
# Quiet (report_ms): `migrate` is typed without retries, and console chatter can garble its echo.
FLOODER = "new netabuse mem=4M net=10.0.0.31/24 mode=flood report_ms=3600000"
ECHO = f"new echo mem=8M net={GUEST_IP}/24"
# The probe's period per emulator: Bochs forwards a few hundred frames a second at most.
# A mixed pair (continuity-cross: node a QEMU, node b Bochs) is held to its slower node.
INTERVAL_MS = {"qemu": 1.0, "bochs": 5.0, "kvm": 1.0}
# Generous: the client-observed gap is the downtime plus the time the announcement and
# the emulators' forwarding take; the measured figures are in the report, not the bound.
MAX_GAP_MS = {"qemu": 5_000, "bochs": 15_000, "kvm": 5_000}


def host_ping(nodes, node, where):
    result = ping_from_host(nodes.link, GUEST_IP, 3)
    check(result["received"] >= 2, f"host ping to the guest on {where}: {result['received']} of 3 replies:\n"
          f"{result['output']}", node)
    print(f"host -> {GUEST_IP} (guest on {where}): {result['received']}/3 replies, average {result['rtt_avg_ms']} ms")


def bridge_port(link, mac):
    """The tap the bridge forwards `mac` to, or None."""
    table = link.run_on_link(["bridge", "fdb", "show", "br", "br0"]).stdout
    match = re.search(rf"^{re.escape(mac)} dev (\S+) ", table, re.M)
    return match.group(1) if match else None


def slowest(nodes):
    """The emulator whose limits hold for the pair: Bochs if either node runs under it."""
    emulators = [node.spec.emulator for node in nodes]
    return "bochs" if "bochs" in emulators else emulators[0]


def main():
    args = harness.arguments(__doc__, linked=True)
    run_root = paths.BUILD / "test-runs" / f"continuity-{args.run_name}"

    def body():
        nodes = migration_nodes(args.emulators, run_root)
        with nodes as (a, b):
            wait_booted((a, b), harness.BOOT_TIMEOUT)
            guest = start_guest(a, ECHO)
            mac = re.search(rf"guest {guest} \(echo\) started .* virtio-net ([0-9a-f:]+) ", a.console.text)
            check(mac is not None, "the echo guest's MAC is not on node a's console", a)
            mac = mac.group(1)
            a.console.expect(rf"\[g{guest} echo\] echo: up as {GUEST_IP}/24", 60)
            host_ping(nodes, a, "node a")

            tcp = TcpLines(nodes.link, GUEST_IP)
            tcp.send_lines(20)
            check(tcp.wait_echo(30), f"TCP echo before the migration: got {len(tcp.received)} of "
                  f"{len(tcp.sent)} bytes", a)

            stream = TcpStream(nodes.link, GUEST_IP)
            deadline = time.monotonic() + 30
            while stream.lines() < 10 and time.monotonic() < deadline:
                time.sleep(0.1)
            check(stream.lines() >= 10, f"the numbered-line stream (port 8) gave {stream.lines()} lines", a)
            pace = slowest((a, b))
            interval = INTERVAL_MS[pace]
            probe = UdpProbe(nodes.link, GUEST_IP, interval, run_root / "udp_probe.log")
            pinger = PingProbe(nodes.link, GUEST_IP)
            try:
                time.sleep(1.0)  # replies flowing before the move
                # --verify: all memory compared while paused, so a frame the card wrote
                # into guest RAM behind the dirty log would fail the migration.
                moved = migrate(a, guest, b, verify=True, timeout=150)
                lines_at_move = stream.lines()
                check(moved.succeeded and moved.running_on_destination,
                      f"migration failed: {moved.summary} / {moved.arrival}\n{moved.output}", a)
                time.sleep(2.0)  # replies flowing again after it
            finally:
                result = probe.stop()
                pinged = pinger.stop()
            new_id = moved.arrival["guest_id"]
            rate = source_clock_rate(moved) or 1.0
            print(f"migration: {moved.summary['rounds']} rounds, downtime {moved.summary['downtime_ms']:.1f} ms on "
                  f"node a's clock, which ran at 1/{rate:.2f} of the host's (about "
                  f"{moved.summary['downtime_ms'] * rate:.0f} ms of host time); guest {guest} -> {new_id}")
            print(f"UDP probe every {interval} ms: sent {result['sent']}, received {result['received']}, "
                  f"lost {result['lost']}, duplicates {result['duplicates']}, longest gap "
                  f"{result['longest_gap_ms']} ms at {result['longest_gap_start_s']} s")
            print(f"ping -i 0.01: sent {pinged['sent']}, received {pinged['received']}, lost {pinged['lost']}, "
                  f"duplicates {pinged['duplicates']}, longest gap {pinged['longest_gap_ms']} ms at "
                  f"{pinged['longest_gap_start_s']} s")
            check(result["received"] > 0, f"the probe got no reply at all: {result}", a)
            check(sum(pinged["replies_per_100ms"][-10:]) > 0,
                  f"no ping replies in the last second (none resumed on b): {pinged}", b)
            check(pinged["longest_gap_ms"] < MAX_GAP_MS[pace],
                  f"ping saw a {pinged['longest_gap_ms']} ms gap (bound {MAX_GAP_MS[pace]})", b)
            bins = result["replies_per_100ms"]
            check(sum(bins[-10:]) > 0, f"no UDP replies in the last second (none resumed on b): {bins}", b)
            check(result["duplicates"] == 0, f"duplicated replies: {result}", b)
            check(result["longest_gap_ms"] < MAX_GAP_MS[pace],
                  f"the client saw a {result['longest_gap_ms']} ms gap (bound {MAX_GAP_MS[pace]}):"
                  f" {result}", b)
            counters = b.console.text
            check("device-error" not in counters, "a guest's device broke on b", b)

            host_ping(nodes, b, "node b")
            tcp.send_lines(20)
            intact = tcp.wait_echo(60)
            said = tcp.close()
            check(intact, f"TCP after the migration: {len(tcp.received)} of {len(tcp.sent)} bytes came back "
                  f"(in order and complete: {tcp.sent.startswith(tcp.received)}); relay: {said}", b)
            check("tcp_relay: connection failed" not in said, f"the TCP connection broke: {said}", b)
            print(f"TCP: one connection, {tcp.lines} lines ({len(tcp.sent)} bytes) echoed complete and in order "
                  "across the migration")
            deadline = time.monotonic() + 30
            while stream.lines() < lines_at_move + 50 and time.monotonic() < deadline:
                time.sleep(0.1)
            said = stream.close()
            (run_root / "stream_port8.txt").write_bytes(stream.data)
            count, problem = numbered_lines(stream.data)
            check(problem is None, f"the numbered-line stream broke: {problem}; relay: {said}", b)
            check(count >= lines_at_move + 50, f"the numbered-line stream stopped after the move: {count} lines, "
                  f"{lines_at_move} when the migration ended; relay: {said}", b)
            print(f"TCP stream (port 8): {count} numbered lines, complete and in order, {count - lines_at_move} of "
                  "them after the move")

            check(bridge_port(nodes.link, mac) == "tapb", f"the bridge has {mac} on {bridge_port(nodes.link, mac)}", b)
            back = migrate(b, new_id, a, timeout=150)
            check(back.succeeded and back.running_on_destination, f"b -> a failed: {back.summary}", b)
            deadline = time.monotonic() + 1.0
            while bridge_port(nodes.link, mac) != "tapa" and time.monotonic() < deadline:
                time.sleep(0.05)
            port = bridge_port(nodes.link, mac)
            check(port == "tapa", f"1 s after the guest came back to a the bridge still sends {mac} to {port}: "
                  "no announcement", a)
            print(f"b -> a without client traffic: the bridge moved {mac} to tapa (announced)")
            host_ping(nodes, a, "node a again")

            flooder = start_guest(a, FLOODER)
            a.console.expect(rf"\[g{flooder} netabuse\] netabuse: flooding", 60)
            time.sleep(1.0)
            again = migrate(a, back.arrival["guest_id"], b, timeout=300)
            check(again.succeeded and again.running_on_destination,
                  f"a -> b beside a flooding guest failed: {again.summary} / {again.arrival}", a)
            port = harness.switch_port(a, flooder)
            check(port["dropped_rate"] > 0, f"the flooder was not throttled: {port}", a)
            print(f"a -> b beside a flooding guest on a: downtime {again.summary['downtime_ms']:.1f} ms; the "
                  f"flooder's port forwarded {port['forwarded']} frames and dropped {port['dropped_rate']} over "
                  "its rate")
            host_ping(nodes, b, "node b, a flood still running on node a")
            a.console.command(f"kill {flooder}", 30)

    return harness.run_test(body)


if __name__ == "__main__":
    raise SystemExit(main())
