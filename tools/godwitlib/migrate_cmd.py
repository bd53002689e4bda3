"""`godwit migrate`: one migration experiment with chosen parameters.

Boots two nodes, starts a dirtier of --mem with working set --wss rewritten at --rate
pages/s on node a, migrates it to node b and prints the rounds and the summary. With
--guest echo it migrates an echo guest (net=10.0.0.21/24) instead, while two clients on
the host side of the link watch it: the UDP probe (udp_probe.py) sends it a datagram
every --probe-interval-ms, and iputils `ping -i 0.01` pings it. It reports the longest
gap in the replies each client saw (client_gap_ms for the UDP probe, ping_gap_ms) and
their lost replies beside the hypervisor's downtime. --json prints one JSON object with
every summary field instead of the table. With --out, every @event of both nodes goes to
a JSON-lines file, each tagged with "node" (a or b), in each node's order, node a's
first, followed for --guest echo by one "client_probe" record per client (its summary,
replies per 100 ms, and node a's uptime when it started); `godwit plot` draws it."""
import contextlib
import json
import sys
import time
from pathlib import Path

from . import build, paths, setup_step
from .client_probe import PingProbe, UdpProbe
from .emulators import describe_emulators, emulators_name, parse_emulators
from .migration_report import round_line, summary_rows, table
from .migration_run import (MIB, MODES, PAGE, destination_said, migrate, migration_nodes, node_events,
                            node_memory_mib, size_mib, source_clock_rate, start_guest, wait_booted,
                            wait_dirtier_report)
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
    parser.add_argument("--protect", choices=("integrity", "encrypted"),
                        help="record protection (migrate --protect; the node's default: integrity)")
    parser.add_argument("--out", type=Path, help="write every @event of both nodes here (JSON lines)")
    parser.add_argument("--node-mem", type=size_mib, metavar="SIZE",
                        help="each node's memory, e.g. 1200M (default: the guest's plus "
                             "256 MiB, at least 256 MiB)")
    parser.add_argument("--guest", choices=("dirtier", "echo"), default="dirtier",
                        help="what to migrate: the dirtier (default), or an echo guest watched by a host-side "
                             "UDP client")
    parser.add_argument("--probe-interval-ms", type=float,
                        help="--guest echo: the UDP probe's period (default 1 ms; 5 ms when a node runs under "
                             "Bochs, whose e1000 takes a few hundred frames a second: at 1 ms the probe's "
                             "datagrams crowd the migration's own segments out of node a's receive ring)")
    parser.add_argument("--json", action="store_true", help="print one JSON object with all summary fields")

ECHO_IP = "10.0.0.21"


def client_records(clients, result):
    """The clients' summaries as events-file records: event client_probe, node "host",
    with node_a_uptime_s_at_start and node_a_clock_rate (host seconds per second of node
    a's clock) putting their replies on node a's clock."""
    rate = source_clock_rate(result) or 1.0
    seen = result.start.get("host_mono_s")  # when node a's clock read migration_start's t_ms
    records = []
    for kind, summary in clients.items():
        record = {"event": "client_probe", "node": "host", "kind": kind, **summary}
        if seen is not None:
            uptime = result.start["t_ms"] / 1000 + (summary["start_mono_ns"] / 1e9 - seen) / rate
            record["node_a_uptime_s_at_start"] = round(uptime, 4)
            record["node_a_clock_rate"] = round(rate, 4)
        records.append(record)
    return records


def run_echo_experiment(args, emulators, run_root, say):
    """--guest echo: returns (migration, tagged events, {"udp": summary, "ping": summary})."""
    if args.probe_interval_ms is None:
        args.probe_interval_ms = 5.0 if "bochs" in emulators else 1.0
    line = f"new echo mem={args.mem}M net={ECHO_IP}/24"
    nodes = migration_nodes(emulators, run_root, link_mbit=args.link_mbit,
                           memory_mib=node_memory_mib(args.mem, args.node_mem))
    with nodes as (a, b):
        wait_booted((a, b))
        say(f"node a: {line}")
        guest = start_guest(a, line)
        a.console.expect(rf"\[g{guest} echo\] echo: up as {ECHO_IP}/24", 60)
        probe = UdpProbe(nodes.link, ECHO_IP, args.probe_interval_ms, run_root / "udp_probe.log")
        pinger = PingProbe(nodes.link, ECHO_IP)
        try:
            time.sleep(1.0)
            say(f"node a: migrate {guest} {NODES[1].ip} (UDP probe every {args.probe_interval_ms} ms, "
                f"ping every {pinger.interval_s * 1000:g} ms)")
            guest_pages = args.mem * MIB // PAGE
            result = migrate(a, guest, b, args.downtime_ms, args.max_rounds, verify=args.verify,
                             protect=args.protect, on_round=lambda event: say(round_line(event, guest_pages)),
                             mode=args.mode)
            time.sleep(2.0)
        finally:
            clients = {"udp": probe.stop(), "ping": pinger.stop()}
        return result, node_events((a, b)), clients


def client_rows(clients, result):
    """The table rows of the two clients: gap, then replies, for each; and node a's
    clock against the host's, when it was not about 1 (Bochs)."""
    udp, ping = clients["udp"], clients["ping"]
    rate = source_clock_rate(result)
    clock = []
    if rate and abs(rate - 1) > 0.2 and result.summary.get("downtime_ms"):
        clock = [("node a's clock", f"ran at 1/{rate:.2f} of the host's during the migration: the downtime is "
                                    f"about {result.summary['downtime_ms'] * rate:.0f} ms of the host's time")]
    return clock + [
        ("client_gap_ms", f"{udp['longest_gap_ms']:.1f} ms (longest gap between two UDP replies seen on the "
                          f"host side, at {udp['longest_gap_start_s']} s)"),
        ("client replies", f"{udp['received']} of {udp['sent']} datagrams answered: {udp['lost']} lost, "
                           f"{udp['duplicates']} duplicated"),
        ("ping_gap_ms", f"{ping['longest_gap_ms']:.1f} ms (longest gap between two replies to "
                        f"`ping -i {ping['interval_ms'] / 1000:g}`, at {ping['longest_gap_start_s']} s)"),
        ("ping replies", f"{ping['received']} of {ping['sent']} echo requests answered: {ping['lost']} lost, "
                         f"{ping['duplicates']} duplicated"),
    ]


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
                         protect=args.protect, on_round=lambda event: print(round_line(event, guest_pages), flush=True),
                         mode=args.mode)
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
    clients = None
    try:
        if args.guest == "echo":
            result, events, clients = run_echo_experiment(args, emulators, run_root, say)
            events += client_records(clients, result)
        else:
            result, events = run_experiment(args, emulators, run_root)
    except AssertionError as failure:  # MigrationFailure or a console timeout
        print(f"godwit migrate: {failure}", file=sys.stderr)
        return 1
    if args.out:
        with open(args.out, "w") as out:
            for event in events:
                out.write(json.dumps(event) + "\n")
        say(f"events: {args.out} ({len(events)} lines; draw them with tools/godwit plot {args.out})")
    if args.json:
        record = dict(result.summary)
        record["guest"] = args.guest
        record["arrival"] = result.arrival
        if clients is not None:
            record["client_gap_ms"] = clients["udp"]["longest_gap_ms"]
            record["client"] = clients["udp"]
            record["ping_gap_ms"] = clients["ping"]["longest_gap_ms"]
            record["ping"] = clients["ping"]
            record["source_clock_rate"] = source_clock_rate(result)
        print(json.dumps(record))
        return 0 if result.succeeded and result.running_on_destination else 1
    rows = summary_rows(result.summary, args.mem, result.arrival)
    if clients is not None:
        rows[3:3] = client_rows(clients, result)
    print(table(rows))
    print(f"  host wall clock: {result.wall_s:.2f} s for the migrate command; node b: {destination_said(result)}")
    print(f"logs: {run_root / 'a' / 'console.log'}, {run_root / 'b' / 'console.log'}")
    return 0 if result.succeeded and result.running_on_destination else 1
