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
Host-side clients (iputils ping from the bridge) come with the bridge (another branch).
"""
import re

import harness
from harness import check

from godwitlib import paths  # noqa: E402
from godwitlib.network import LinkedNodes, ping_from_host  # noqa: E402

GUEST_A = "10.0.0.21"
GUEST_B = "10.0.0.22"


def start_guest(console, line, node):
    out = console.command(line, 60)
    match = re.search(r"guest (\d+) \(echo\) started .* virtio-net ([0-9a-f:]+) ", out)
    check(match is not None, f"'{line}' did not start a networked guest: {out!r}", node)
    return int(match.group(1)), match.group(2)


def one_node(emulator):
    """Node a alone on a bridge of its own, so the host side (10.0.0.254) can reach its
    guests through the node's NIC and switch."""
    run_root = paths.BUILD / "test-runs" / f"guestnet-{emulator}"
    return LinkedNodes((emulator,), run_root, count=1, modules=[(harness.guest_image("echo"), "image=echo")])


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
        finally:
            nodes.stop()

    return harness.run_test(body)


if __name__ == "__main__":
    raise SystemExit(main())
