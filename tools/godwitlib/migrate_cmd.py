"""`godwit migrate`: one migration experiment with chosen parameters.

Boots two nodes, starts a dirtier of --mem with working set --wss rewritten at --rate
pages/s on node a, migrates it to node b and prints the rounds and the summary. With
--guest echo it migrates an echo guest (net=10.0.0.21/24) instead, while the UDP probe
(udp_probe.py) on the host side of the link sends it a datagram every
--probe-interval-ms, and reports the longest gap in the replies the client saw
(client_gap_ms) and the lost replies beside the hypervisor's downtime. --json prints one
JSON object with every summary field instead of the table. With
--out, every @event of both nodes goes to a JSON-lines file, each tagged with "node"
(a or b), in each node's order, node a's first; `godwit plot` draws it."""
import contextlib
import json
import sys
import time
from pathlib import Path

from . import build, paths, setup_step
from .client_probe import UdpProbe
from .emulators import describe_emulators, emulators_name, parse_emulators
from .migration_report import round_line, summary_rows, table
from .migration_run import (MIB, MODES, PAGE, destination_said, migrate, migration_nodes, node_events, node_memory_mib,
                            size_mib,
                            start_guest, wait_booted, wait_dirtier_report)
from .network import NODES, node_emulators


def add_arguments(parser):
    parser.add_argument("--emulator", type=parse_emulators, default=("qemu",), metavar="EMULATOR[,EMULATOR]",
                        help="qemu (default), bochs or kvm for both nodes, or one per node: qemu,bochs "
                             "migrates from QEMU (AMD-V) to Bochs (VT-x)")
    parser.add_argument("--link-mbit", type=int, metavar="N", help="shape the link to N Mbit/s (tc tbf)")
    parser.add_argument("--mem", type=size_mib, default=64, help="guest memory, e.g. 64M (default)")
    parser.add_argument("--wss", default="8M", help="dirtier working set (default 8M)")
    parser.add_argument("--rate", type=int, default=2000, help="pages rewritten per second (default 2000)")
    parser.add_argument("--mode", choices=MODES, default="pre-copy",
                        help="how to move the guest: stop-and-copy, pre-copy (default), post-copy or hybrid")
    parser.add_argument("--downtime-ms", type=int, help="downtime target of the pre-copy policy")
    parser.add_argument("--max-rounds", type=int, help="round limit of the pre-copy policy")
    parser.add_argument("--verify", action="store_true",
                        help="compare all memory on both nodes while paused (slower; catches a missed dirty page)")
    parser.add_argument("--out", type=Path, help="write every @event of both nodes here (JSON lines)")
    parser.add_argument("--node-mem", type=size_mib, metavar="SIZE",
                        help="each node's memory, e.g. 1200M (default: the guest's plus "
                             "256 MiB, at least 256 MiB)")
    parser.add_argument("--guest", choices=("dirtier", "echo"), default="dirtier",
                        help="what to migrate: the dirtier (default), or an echo guest watched by a host-side "
                             "UDP client")
    parser.add_argument("--probe-interval-ms", type=float, default=1.0,
                        help="--guest echo: the UDP probe's period (default 1 ms)")
    parser.add_argument("--json", action="store_true", help="print one JSON object with all summary fields")

ECHO_IP = "10.0.0.21"


def run_echo_experiment(args, emulators, run_root, say):
    """--guest echo: returns (migration, tagged events, the UDP probe's summary)."""
    line = f"new echo mem={args.mem}M net={ECHO_IP}/24"
    nodes = migration_nodes(emulators, run_root, link_mbit=args.link_mbit,
                           memory_mib=node_memory_mib(args.mem, args.node_mem))
    with nodes as (a, b):
        wait_booted((a, b))
        say(f"node a: {line}")
        guest = start_guest(a, line)
        a.console.expect(rf"\[g{guest} echo\] echo: up as {ECHO_IP}/24", 60)
        probe = UdpProbe(nodes.link, ECHO_IP, args.probe_interval_ms, run_root / "udp_probe.log")
        try:
            time.sleep(1.0)
            say(f"node a: migrate {guest} {NODES[1].ip} (UDP probe every {args.probe_interval_ms} ms)")
            guest_pages = args.mem * MIB // PAGE
            result = migrate(a, guest, b, args.downtime_ms, args.max_rounds, verify=args.verify,
                             on_round=lambda event: say(round_line(event, guest_pages)), mode=args.mode)
            time.sleep(2.0)
        finally:
            client = probe.stop()
        return result, node_events((a, b)), client


def run_experiment(args, emulators, run_root):
    """Returns (migration, tagged events of both nodes)."""
    line = f"new dirtier mem={args.mem}M wss={args.wss} rate={args.rate} report=500"
    node_mib = node_memory_mib(args.mem, args.node_mem)
    with migration_nodes(emulators, run_root, link_mbit=args.link_mbit, memory_mib=node_mib) as (a, b):
        wait_booted((a, b))
        print(f"node a: {line}  (nodes have {node_mib} MiB)")
        guest = start_guest(a, line)
        wait_dirtier_report(a, guest, timeout=60 + args.mem / 8)  # it fills its working set first
        print(f"node a: migrate {guest} {NODES[1].ip}")
        guest_pages = args.mem * MIB // PAGE
        result = migrate(a, guest, b, args.downtime_ms, args.max_rounds, verify=args.verify,
                         on_round=lambda event: print(round_line(event, guest_pages), flush=True), mode=args.mode)
        if result.running_on_destination:
            wait_dirtier_report(b, result.arrival["guest_id"])  # the guest went on after the move
        return result, node_events((a, b))


def command(args):
    setup_step.ensure_ready(quiet=True)
    with contextlib.redirect_stdout(sys.stderr if args.json else sys.stdout):  # --json: stdout is the object
        build.build()
    emulators = node_emulators(args.emulator, 2)
    run_root = paths.RUNS / f"migrate-{emulators_name(emulators)}"
    shaped = f" on a {args.link_mbit} Mbit/s link" if args.link_mbit else ""

    def say(text):
        print(text, file=sys.stderr if args.json else sys.stdout, flush=True)

    what = (f"echo guest ({ECHO_IP})" if args.guest == "echo" else f"dirtier (wss={args.wss} rate={args.rate})")
    say(f"godwit migrate ({args.mode}): {args.mem} MiB {what} from node a to node b under {describe_emulators(emulators)}{shaped}")
    client = None
    try:
        if args.guest == "echo":
            result, events, client = run_echo_experiment(args, emulators, run_root, say)
        else:
            result, events = run_experiment(args, emulators, run_root)
    except AssertionError as failure:  # MigrationFailure or a console timeout
        print(f"godwit migrate: {failure}", file=sys.stderr)
        return 1
    if args.json:
        record = dict(result.summary)
        record["guest"] = args.guest
        record["arrival"] = result.arrival
        if client is not None:
            record["client_gap_ms"] = client["longest_gap_ms"]
            record["client"] = client
        print(json.dumps(record))
        return 0 if result.succeeded and result.running_on_destination else 1
    rows = summary_rows(result.summary, args.mem, result.arrival)
    if client is not None:
        rows.insert(3, ("client_gap_ms", f"{client['longest_gap_ms']:.1f} ms (longest gap between two UDP replies "
                                         f"seen on the host side, at {client['longest_gap_start_s']} s)"))
        rows.insert(4, ("client replies", f"{client['received']} of {client['sent']} datagrams answered: "
                                          f"{client['lost']} lost, {client['duplicates']} duplicated"))
    print(table(rows))
    print(f"  host wall clock: {result.wall_s:.2f} s for the migrate command; node b: {destination_said(result)}")
    if args.out:
        with open(args.out, "w") as out:
            for event in events:
                out.write(json.dumps(event) + "\n")
        print(f"events: {args.out} ({len(events)} lines; draw them with tools/godwit plot {args.out})")
    print(f"logs: {run_root / 'a' / 'console.log'}, {run_root / 'b' / 'console.log'}")
    return 0 if result.succeeded and result.running_on_destination else 1
