#!/usr/bin/env python3
"""Guests on the network, one node (labels guestnet-qemu, guestnet-bochs; issue 14).

Node a (ip=10.0.0.1/24, its NIC on a link with nobody else) starts two echo guests with
virtio-net devices on its switch:
- guest A (10.0.0.21) serves; guest B (10.0.0.22, peer=10.0.0.21) pings A through the
  switch and must see replies;
- the node's own stack pings A (`ping 10.0.0.21`) through the switch, and iputils `ping`
  on the host side of the bridge (10.0.0.254) reaches A through the node's NIC;
- a third guest asking for A's address is refused, and the node and both guests go on;
- A reports the ICMP echoes it answered.

Then a `netabuse` guest misbehaves beside them, one way per run, and each time A and B
go on talking to each other, to the node and to the host side:
- spoofing (another guest's MAC and address, only its address, the node's MAC and
  address): every frame is dropped and counted on its switch port (`switch`), none is
  forwarded, and the host's ARP entry for A still names A's MAC;
- a broken transmit ring (a descriptor index out of range, a 64 KiB frame, a buffer past
  its RAM): that guest ends with device-error and a message naming the fault;
- a flood of UDP to the host side: the port's token bucket drops the excess
  (dropped_rate > 0, forwarded within the rate), while the host, the node and B still
  reach A.
"""
import re
import time

import harness
from harness import check

from godwitlib import paths  # noqa: E402
from godwitlib.network import LinkedNodes, ping_from_host  # noqa: E402

GUEST_A = "10.0.0.21"
GUEST_B = "10.0.0.22"
NODE_IP = "10.0.0.1"
ABUSER = "10.0.0.31"
SPOOF_ROUNDS = 20  # two frames each: a gratuitous ARP and a UDP broadcast
# The switch's default token bucket (net/guest_switch.h RateLimit): 4000 frames/s, 128 at once.
RATE_FPS, BURST = 4000, 128
BAD_RINGS = {
    "bad-index": r"available ring slot \d+ names descriptor 999 of 16",
    "bad-length": r"transmit chain \d+: 65536 readable",
    "bad-address": r"descriptor \d+ points outside guest RAM",
}


def start_guest(console, line, node, image="echo"):
    out = console.command(line, 60)
    match = re.search(rf"guest (\d+) \({image}\) started .* virtio-net ([0-9a-f:]+) ", out)
    check(match is not None, f"'{line}' did not start a networked guest: {out!r}", node)
    return int(match.group(1)), match.group(2)


def guest_exit(console, guest, node, timeout=60.0):
    """The guest_exit event of `guest`, wherever the console's cursor is (it may end
    before `new` has returned)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ended = [e for e in console.events("guest_exit") if e["id"] == guest]
        if ended:
            return ended[0]
        time.sleep(0.2)
    check(False, f"guest {guest} did not end within {timeout:.0f} s", node)


def host_arp_entry(nodes, ip):
    out = nodes.link.run_on_link(["ip", "neigh", "show", ip]).stdout
    match = re.search(r"lladdr ([0-9a-f:]+)", out)
    return match.group(1) if match else None


def others_still_talk(nodes, node, ids, pings=3):
    """A answers the node and the host side; A and B are alive."""
    console = node.console
    console.command(f"ping {GUEST_A} {pings}", 60)
    event = console.events("ping")[-1]
    check(event["received"] >= pings - 1, f"the node's ping {GUEST_A}: {event['received']} of {pings}", node)
    result = ping_from_host(nodes.link, GUEST_A, pings)
    check(result["received"] >= pings - 1, f"host side -> {GUEST_A}: {result['received']} of {pings}:\n"
          f"{result['output']}", node)
    listing = console.command("guests")
    for guest in ids:
        check(re.search(rf"^\s*{guest}\s+echo\s+(running|blocked)", listing, re.M),
              f"guest {guest} is not alive:\n{listing}", node)


def spoofers(a_mac, node_mac):
    """(what, netabuse arguments) for each identity a guest might steal."""
    return [
        ("guest A's MAC and address", f"mode=spoof-mac victim={GUEST_A} victim_mac={a_mac}"),
        ("guest A's address from its own MAC", f"mode=spoof-ip victim={GUEST_A}"),
        ("the node's MAC and address", f"mode=spoof-mac victim={NODE_IP} victim_mac={node_mac}"),
    ]


def check_spoofing(nodes, node, a_mac, ids):
    console = node.console
    node_mac = re.search(r"MAC ([0-9a-f:]{17})", console.command("net", 30)).group(1)
    for what, arguments in spoofers(a_mac, node_mac):
        line = f"new netabuse mem=4M net={ABUSER}/24 {arguments} count={SPOOF_ROUNDS}"
        abuser, _ = start_guest(console, line, node, "netabuse")
        sent = console.expect(rf"\[g{abuser} netabuse\] netabuse: sent (\d+) spoofed frames", 60)
        port = harness.switch_port(node, abuser)
        check(port["dropped_spoof"] == int(sent.group(1)) == 2 * SPOOF_ROUNDS and port["forwarded"] == 0,
              f"spoofing {what}: sent {sent.group(1)}, switch port {port}", node)
        others_still_talk(nodes, node, ids)
        entry = host_arp_entry(nodes, GUEST_A)
        check(entry == a_mac, f"after spoofing {what} the host's ARP entry for {GUEST_A} is {entry}, not {a_mac}",
              node)
        console.command(f"kill {abuser}", 30)
        print(f"spoofing {what}: {port['dropped_spoof']} frames dropped as spoofed, none forwarded; "
              f"A still reached, host's ARP entry intact")


def check_bad_rings(nodes, node, ids):
    console = node.console
    for mode, fault in BAD_RINGS.items():
        abuser, _ = start_guest(console, f"new netabuse mem=4M net={ABUSER}/24 mode={mode}", node, "netabuse")
        ended = guest_exit(console, abuser, node)
        check(ended["reason"] == "device-error" and re.search(fault, ended["detail"]),
              f"{mode}: the guest ended with {ended}, expected device-error /{fault}/", node)
        check(f"{mode} was NOT stopped" not in console.text, f"{mode}: the guest went on", node)
        others_still_talk(nodes, node, ids)
        print(f"{mode}: guest {abuser} ended alone: {ended['detail']}")


def check_flood(nodes, node, b_id, ids):
    console = node.console
    abuser, _ = start_guest(console, f"new netabuse mem=4M net={ABUSER}/24 mode=flood", node, "netabuse")
    console.expect(rf"\[g{abuser} netabuse\] netabuse: flooding", 60)
    first = harness.switch_port(node, abuser)
    started = time.monotonic()
    result = ping_from_host(nodes.link, GUEST_A, 20)
    check(result["received"] >= 18, f"host side -> {GUEST_A} during the flood: {result['received']} of 20:\n"
          f"{result['output']}", node)
    console.expect(rf"\[g{b_id} echo\] echo: reply from {re.escape(GUEST_A)} seq=\d+", 30)
    others_still_talk(nodes, node, ids)
    last = harness.switch_port(node, abuser)
    elapsed = time.monotonic() - started
    forwarded = last["forwarded"] - first["forwarded"]
    check(last["dropped_rate"] > first["dropped_rate"], f"the flood was not throttled: {first} -> {last}", node)
    check(forwarded <= RATE_FPS * elapsed * 1.2 + BURST,
          f"the flooder forwarded {forwarded} frames in {elapsed:.1f} s (limit {RATE_FPS}/s): {last}", node)
    console.command(f"kill {abuser}", 30)
    print(f"flood: {forwarded} frames forwarded in {elapsed:.1f} s ({forwarded / elapsed:.0f}/s), "
          f"{last['dropped_rate'] - first['dropped_rate']} dropped over the rate; host ping "
          f"{result['received']}/20, average {result['rtt_avg_ms']} ms")


def one_node(emulator):
    """Node a alone on a bridge of its own, so the host side (10.0.0.254) can reach its
    guests through the node's NIC and switch."""
    run_root = paths.BUILD / "test-runs" / f"guestnet-{emulator}"
    return LinkedNodes((emulator,), run_root, count=1, modules=[(harness.guest_image("echo"), "image=echo"),
                                                       (harness.guest_image("netabuse"), "image=netabuse")])


def main():
    args = harness.arguments(__doc__)

    def body():
        nodes = one_node(args.emulator)
        (node,) = nodes.start()
        try:
            console = node.console
            console.wait_event("net", harness.BOOT_TIMEOUT)
            console.wait_event("boot", harness.BOOT_TIMEOUT)
            a_id, a_mac = start_guest(console, f"new echo mem=8M net={GUEST_A}/24", node)
            console.expect(rf"\[g{a_id} echo\] echo: up as {re.escape(GUEST_A)}/24", 60)
            b_id, b_mac = start_guest(console, f"new echo mem=8M net={GUEST_B}/24 peer={GUEST_A} ping_ms=200", node)
            check(a_mac != b_mac, f"both guests got MAC {a_mac}", node)
            for seq in (1, 2, 3):
                console.expect(rf"\[g{b_id} echo\] echo: reply from {re.escape(GUEST_A)} seq=\d+", 60)
            print(f"guest {b_id} ({GUEST_B}) pinged guest {a_id} ({GUEST_A}) through the switch")

            output = console.command(f"ping {GUEST_A} 3", 60)
            event = console.events("ping")[-1]
            check(event["target"] == GUEST_A and event["received"] == 3,
                  f"the node's ping {GUEST_A} got {event.get('received')} of 3 replies:\n{output}", node)
            print(f"node -> {GUEST_A}: 3 replies, average {event['rtt_avg_us']} us")

            result = ping_from_host(nodes.link, GUEST_A, 3)
            check(result["received"] == 3,
                  f"host side: `{result['command']}` got {result['received']} of 3 replies:\n{result['output']}", node)
            print(f"host -> {GUEST_A} (guest {a_id}): 3 replies, average {result['rtt_avg_ms']} ms")

            refused = console.command(f"new echo mem=8M net={GUEST_A}/24", 60)
            check("already on this node" in refused, f"a second guest got {GUEST_A}: {refused!r}", node)

            report = console.expect(rf"\[g{a_id} echo\] echo: arp_in=\d+ icmp_echo_in=(\d+) ", 30)
            check(int(report.group(1)) >= 3, f"guest A reports {report.group(1)} ICMP echoes", node)
            listing = console.command("guests")
            for guest in (a_id, b_id):
                check(re.search(rf"^\s*{guest}\s+echo\s+(running|blocked)", listing, re.M),
                      f"guest {guest} is not alive:\n{listing}", node)
            check("device-error" not in console.text, "a guest's device broke", node)

            check_spoofing(nodes, node, a_mac, (a_id, b_id))
            check_bad_rings(nodes, node, (a_id, b_id))
            check_flood(nodes, node, b_id, (a_id, b_id))
        finally:
            nodes.stop()

    return harness.run_test(body)


if __name__ == "__main__":
    raise SystemExit(main())
