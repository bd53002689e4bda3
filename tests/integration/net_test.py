#!/usr/bin/env python3
"""Network test (labels net-qemu, net-bochs): two Godwit nodes on the run's bridge
(virtio-net under QEMU, e1000 under Bochs; --emulator qemu,bochs mixes them). Both
report their interface up, the host side (10.0.0.254) reaches each with iputils `ping`,
each node pings the other, and a tcpbench stream of a few MiB arrives intact, with the
byte count checked on both ends."""
import harness
from harness import check

from godwitlib import paths  # noqa: E402
from godwitlib.network import NODES, LinkedNodes  # noqa: E402

TCPBENCH_MIB = 3
EXPECTED_DRIVER = {"qemu": "virtio-net", "kvm": "virtio-net", "bochs": "e1000"}


def check_interface(node, address):
    net = node.console.wait_event("net", harness.BOOT_TIMEOUT)
    check(net["ip"] == address.ip and net["mac"] == address.mac and net["link"],
          f"node {address.name}: unexpected net event {net}", node)
    check(net["driver"] == EXPECTED_DRIVER[node.spec.emulator], f"node {address.name} uses {net['driver']}", node)
    node.console.wait_event("boot", harness.BOOT_TIMEOUT)
    shown = node.console.command("net")
    check(f"address {address.ip}/{address.prefix}" in shown and "link up" in shown,
          f"node {address.name}: 'net' does not show the interface up:\n{shown}", node)


def check_ping(node, target, count):
    output = node.console.command(f"ping {target} {count}", 10 + 2 * count)
    event = node.console.events("ping")[-1]
    check(event["target"] == target and event["received"] == count,
          f"node {node.spec.name}: ping {target} got {event.get('received')} of {count} replies:\n{output}", node)
    print(f"{node.spec.name} -> {target}: {count} replies, average {event['rtt_avg_us']} us")


def main():
    args = harness.arguments(__doc__, linked=True)
    run_root = paths.BUILD / "test-runs" / f"net-{args.run_name}"

    def body():
        nodes = LinkedNodes(args.emulators, run_root)
        with nodes as (a, b):
            for node, address in ((a, NODES[0]), (b, NODES[1])):
                check_interface(node, address)
            harness.check_host_ping(nodes)
            check_ping(a, NODES[1].ip, 3)
            check_ping(b, NODES[0].ip, 3)

            listening = b.console.command("tcpbench server")
            check("listening on port 5001" in listening, f"tcpbench server did not start: {listening}", b)
            output = a.console.command(f"tcpbench {NODES[1].ip} {TCPBENCH_MIB}", 240)
            expected = TCPBENCH_MIB << 20
            clients = [e for e in a.console.events("tcpbench") if e["role"] == "client"]
            check(clients, f"tcpbench client reported nothing:\n{output}", a)
            client = clients[-1]
            server = b.console.wait_event("tcpbench", 60, role="server")
            for end, event in (("client", client), ("server", server)):
                check(event["ok"] and event["bytes"] == expected,
                      f"tcpbench {end}: {event} (expected ok with {expected} bytes)", a if end == "client" else b)
            print(f"tcpbench {TCPBENCH_MIB} MiB: client {client['mib_s']} MiB/s, server {server['mib_s']} MiB/s "
                  "(each in its own node's clock)")

    return harness.run_test(body)


if __name__ == "__main__":
    raise SystemExit(main())
