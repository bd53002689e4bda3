"""`godwit bench net|migrate|downtime|modes|exits|crypto|tracking`: measurements between two
nodes on one link; the cost of one VM exit (bench_exits.py); the CPU cost of record
protection (bench_crypto.py); the cost of continuous dirty-rate logging (bench_tracking.py).

net       tcpbench from node a to node b; with --link-mbit, against the link's configured rate.
migrate   tcpbench of the guest's size, then the migration of a dirtier of that memory
          size (modest rate) over the same link, so the two rates can be compared. Right
          after each migration node a runs `cryptobench` (one round per mode), and the
          share of the migration's time its tags took is reported (tag_share, below);
          --repeat N makes N such pairs per mode on the same nodes, with medians.
downtime  one migration per guest size with the same workload: does the pause grow with
          memory? (bench_downtime.py)
modes     the same dirtier through stop-and-copy, pre-copy, post-copy and hybrid at each
          dirty rate; with --guest echo an echo guest with a network card once per mode,
          with the gap its host-side client saw (bench_modes.py)

Each node measures with its own clock (the tcpbench client from connection to the last
acknowledgement, the server from accept to the sender's close; the migration from
connection to acknowledgement). Under load an emulated clock is not wall time (Bochs'
follows executed instructions; QEMU nodes calibrate their TSC differently, see
docs/architecture.md), so the host's wall-clock time of each shell command is reported
too.
"""
import contextlib
import json
import statistics
import sys
import time

from . import bench_crypto, bench_downtime, bench_exits, bench_modes, bench_tracking, build, paths, setup_step
from .emulators import describe_emulators, emulators_name, parse_emulators
from .migration_run import (MIB, migrate, migration_nodes, node_memory_mib, size_mib, start_guest,
                            wait_booted, wait_dirtier_report)
from .network import NODES, LinkedNodes, node_emulators

TARGETS = ("net", "migrate", "downtime", "modes", "exits", "crypto", "tracking")


def bench_dirtier(mem_mib: int, rate: int) -> str:
    """A dirtier whose working set (filled at start) is 7/8 of its memory less 1 MiB (its
    image and page table need room), so nearly every page goes on the wire as data,
    rewritten at a modest rate: the copy dominates."""
    return f"new dirtier mem={mem_mib}M wss={max(1024, mem_mib * 896 - 1024)}K rate={rate} report=1000"


def add_arguments(parser):
    parser.add_argument("target", choices=TARGETS, help="what to measure")
    parser.add_argument("--emulator", type=parse_emulators, default=("qemu",), metavar="EMULATOR[,EMULATOR]",
                        help="qemu (default) or bochs for both nodes, or one per node: qemu,bochs "
                             "(exits, crypto: one emulator)")
    parser.add_argument("--link-mbit", type=int, metavar="N",
                        help="net, migrate: shape the link to N Mbit/s (tc tbf) and report against it")
    parser.add_argument("--mib", type=int, default=16,
                        help="net: MiB to send; crypto: MiB per mode inside the node (default 16)")
    parser.add_argument("--host-only", action="store_true", help="crypto: measure on the host only, boot no node")
    parser.add_argument("--mem", default="64M", help="migrate: guest memory, e.g. 64M (default)")
    parser.add_argument("--rate", type=int,
                        help="migrate: pages/s the guest rewrites (default 100, 0.4 MiB/s: below Bochs' link); "
                             "downtime: default 200")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument("--protect", choices=("integrity", "encrypted", "both"), default="integrity",
                        help="migrate: the record protection (migrate --protect); both: one migration of a "
                             "fresh guest in each mode on the same nodes, integrity-only first")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="migrate: N migrations (each followed by a cryptobench) per mode on the same "
                             "nodes, reported with medians (default 1)")
    bench_downtime.add_arguments(parser)
    bench_modes.add_arguments(parser)
    parser.add_argument("--node-mem", type=size_mib, metavar="SIZE",
                        help="net, migrate: each node's memory, e.g. 1200M (default: migrate's guest "
                             "plus 256 MiB, at least 256 MiB)")


def tcpbench(a, b, mib: int) -> dict:
    """tcpbench of `mib` MiB from a to b on booted nodes: both ends' figures and the wall clock."""
    b.console.command("tcpbench server")
    a.console.command(f"ping {NODES[1].ip} 1", 30)  # ARP resolved before the clock starts
    started = time.monotonic()
    output = a.console.command(f"tcpbench {NODES[1].ip} {mib}", 60 + 30 * mib)
    wall = time.monotonic() - started
    clients = [e for e in a.console.events("tcpbench") if e.get("role") == "client"]
    if not clients:
        raise SystemExit(f"godwit bench: the tcpbench client reported nothing:\n{output}")
    server = b.console.wait_event("tcpbench", 60, role="server")
    client = clients[-1]
    return {"ok": client["ok"] and server["ok"] and client["bytes"] == server["bytes"] == mib << 20,
            "client_mib_s": client["mib_s"], "server_mib_s": server["mib_s"],
            "wall_s": round(wall, 3), "wall_mib_s": round(mib / wall, 3),
            "wall_mbit_s": round(mbit_per_s(mib / wall), 2)}


def mbit_per_s(mib_s: float) -> float:
    return mib_s * MIB * 8 / 1e6


def flags(emulators, link_mbit) -> str:
    return f"--emulator {','.join(emulators)}" + (f" --link-mbit {link_mbit}" if link_mbit else "")


def bench_net(emulators, mib: int, link_mbit=None, node_mib=None) -> dict:
    run_root = paths.RUNS / f"bench-net-{emulators_name(emulators)}"
    with LinkedNodes(emulators, run_root, link_mbit=link_mbit, memory_mib=node_memory_mib(0, node_mib)) as (a, b):
        wait_booted((a, b), 120)
        result = tcpbench(a, b, mib)
        counters = {"a": a.console.command("net"), "b": b.console.command("net")}
    link = {}
    if link_mbit:
        # How much of the configured link tcpbench used (payload only: TCP/IP and
        # Ethernet headers take about 5% of a full-size frame).
        link = {"link_mbit": link_mbit, "wall_of_link": round(result["wall_mbit_s"] / link_mbit, 3),
                "client_of_link": round(mbit_per_s(result["client_mib_s"]) / link_mbit, 3)}
    return {"benchmark": "net", "emulator": ",".join(emulators), "mib": mib, **result, **link,
            "command": f"tools/godwit bench net {flags(emulators, link_mbit)} --mib {mib}",
            "run_dir": str(run_root), "counters": counters}


# cryptobench's mode for each `migrate --protect` mode, and the v2 checksum it replaced.
CRYPTO_MODE = {"integrity": "integrity", "encrypted": "encrypt"}
CRYPTO_MIB = 8


def tag_share(wire_mib_s: float, rates: dict, mode: str):
    """The share of a migration's time on node a that its record protection took beyond
    stream v2's checksum: per MiB on the wire the node spent 1/wire_mib_s seconds in all,
    of which 1/C_mode - 1/C_checksum on tags instead of checksums (C: cryptobench's MiB/s,
    measured right after on the same node, under the same load, on the same clock). It is
    the throughput the mode costs when the node's CPU is the bottleneck (an upper bound
    otherwise); the destination spends the same opening them, in parallel."""
    rate, checksum = rates.get(CRYPTO_MODE[mode]), rates.get("checksum")
    if not wire_mib_s or not rate or not checksum:
        return None
    return round(wire_mib_s * (1 / rate - 1 / checksum), 4)


def bench_migrate(emulators, mem_mib: int, rate: int, link_mbit=None, node_mib=None, protect="integrity",
                  repeat=1) -> dict:
    run_root = paths.RUNS / f"bench-migrate-{emulators_name(emulators)}"
    node_mib = node_memory_mib(mem_mib, node_mib)
    modes = ("integrity", "encrypted") if protect == "both" else (protect,)
    repeats = {mode: [] for mode in modes}
    with migration_nodes(emulators, run_root, link_mbit=link_mbit, memory_mib=node_mib) as (a, b):
        wait_booted((a, b))
        net = tcpbench(a, b, mem_mib)
        for _ in range(repeat):
            for mode in modes:
                guest = start_guest(a, bench_dirtier(mem_mib, rate))
                wait_dirtier_report(a, guest, timeout=60 + mem_mib / 8)  # it fills its working set first
                moved = migrate(a, guest, b, protect=mode)
                run = migration_figures(moved, net, mem_mib)
                if moved.running_on_destination:  # make room on b for the next mode's guest
                    b.console.command(f"kill {moved.arrival['guest_id']}")
                before = len(a.console.events("cryptobench"))
                a.console.command(f"cryptobench {CRYPTO_MIB} 1", 600)
                rates = {e["mode"]: float(e["mib_s"]) for e in a.console.events("cryptobench")[before:]}
                run["cryptobench_mib_s"] = rates
                run["tag_share"] = tag_share(run["wire_mib_s"], rates, mode)
                repeats[mode].append(run)
    runs = {mode: summarised(found) for mode, found in repeats.items()}
    first = runs[modes[0]]
    result = {"benchmark": "migrate", "emulator": ",".join(emulators), "mem_mib": mem_mib, "rate": rate,
              "link_mbit": link_mbit, "node_mib": node_mib, "protection": modes[0],
              **first,
              "ok": net["ok"] and all(run["ok"] for run in runs.values()),
              "tcpbench_mib_s": net["client_mib_s"], "tcpbench_server_mib_s": net["server_mib_s"],
              "host_tcpbench_wall_s": net["wall_s"], "host_tcpbench_mib_s": net["wall_mib_s"],
              "command": f"tools/godwit bench migrate {flags(emulators, link_mbit)} --mem {mem_mib}M --rate {rate}"
                         + (f" --protect {protect}" if protect != "integrity" else "")
                         + (f" --repeat {repeat}" if repeat != 1 else ""),
              "run_dir": str(run_root)}
    if len(runs) > 1:
        result["modes"] = runs
        base = runs["integrity"]["host_wire_mib_s"]
        result["encrypted_vs_integrity"] = round(runs["encrypted"]["host_wire_mib_s"] / base, 3) if base else None
    return result


def summarised(found: list) -> dict:
    """The first run's figures, with every run's and the medians of the rates and shares
    when there are several."""
    result = dict(found[0])
    result["ok"] = all(run["ok"] for run in found)
    if len(found) > 1:
        result["runs"] = found
        for key in ("wire_mib_s", "host_wire_mib_s", "tag_share"):
            values = [run[key] for run in found if run.get(key) is not None]
            result[f"median_{key}"] = round(statistics.median(values), 4) if values else None
    return result


def migration_figures(moved, net, mem_mib) -> dict:
    """One migration's figures, rates against the run's tcpbench."""
    summary = moved.summary
    total_s = summary["total_ms"] / 1000
    host_wire_mib_s = summary["wire_bytes"] / MIB / moved.wall_s
    return {"ok": moved.running_on_destination and summary.get("digest_verified") is True,
            "protection": summary.get("protection"),
            # Guest memory moved per second of the whole migration (node a's clock);
            # wire_mib_s is what actually crossed the link (zero pages cost almost nothing).
            "migration_mib_s": round(mem_mib / total_s, 3) if total_s else None,
            "wire_mib_s": round(summary["wire_bytes"] / MIB / total_s, 3) if total_s else None,
            "wire_bytes": summary["wire_bytes"], "required_bytes": summary["required_bytes"],
            "pages_sent": summary["pages_sent"], "zero_pages": summary["zero_pages"],
            "downtime_ms": summary["downtime_ms"], "total_ms": summary["total_ms"], "rounds": summary["rounds"],
            "stop_reason": summary.get("stop_reason"), "outcome": summary["outcome"],
            "host_migration_wall_s": round(moved.wall_s, 3),
            "host_migration_mib_s": round(mem_mib / moved.wall_s, 3),
            "host_wire_mib_s": round(host_wire_mib_s, 3),
            # Both on the host's clock: the node clocks can disagree by several times.
            "host_wire_vs_tcpbench": round(host_wire_mib_s / net["wall_mib_s"], 3)}


def print_net(result):
    shaped = f" on a link shaped to {result['link_mbit']} Mbit/s" if result.get("link_mbit") else ""
    print(f"tcpbench {result['mib']} MiB from node a to node b under "
          f"{describe_emulators(result['emulator'].split(','))}{shaped}: {'checked' if result['ok'] else 'FAILED'}")
    print(f"  client (node a's clock): {result['client_mib_s']} MiB/s")
    print(f"  server (node b's clock): {result['server_mib_s']} MiB/s")
    print(f"  host wall clock:         {result['wall_mib_s']} MiB/s = {result['wall_mbit_s']} Mbit/s "
          f"({result['wall_s']} s for the client command)")
    if result.get("link_mbit"):
        print(f"  against the link:        {result['wall_of_link']:.0%} of {result['link_mbit']} Mbit/s "
              f"(host wall clock), {result['client_of_link']:.0%} (node a's clock); payload only")
    for name, text in result["counters"].items():
        print(f"node {name} after the run:\n{text.rstrip()}")


def print_migrate(result):
    for mode, r in (result.get("modes") or {result["protection"]: result}).items():
        print_one_migration(result, mode, r)
    if "encrypted_vs_integrity" in result:
        print(f"  encrypted / integrity-only, wire rate on the host's clock: {result['encrypted_vs_integrity']}")


def print_one_migration(result, mode, r):
    shaped = f" on a {result['link_mbit']} Mbit/s link" if result.get("link_mbit") else ""
    print(f"migration of a {result['mem_mib']} MiB dirtier from node a to node b under "
          f"{describe_emulators(result['emulator'].split(','))}{shaped}, {mode}: "
          f"{r['outcome']}{'' if r['ok'] else ' (NOT all checks held)'}")
    print(f"  migration: {r['migration_mib_s']} MiB/s of guest memory per total time "
          f"({r['total_ms']:.1f} ms, {r['rounds']} rounds, downtime {r['downtime_ms']:.1f} ms; node a's clock)")
    print(f"             {r['wire_mib_s']} MiB/s on the wire ({r['wire_bytes']} bytes sent, "
          f"{r['required_bytes']} required; {r['zero_pages']} of {r['pages_sent']} pages were zero)")
    print(f"             host wall clock: {r['host_migration_wall_s']} s for the migrate command, "
          f"{r['host_migration_mib_s']} MiB/s of guest memory, {r['host_wire_mib_s']} MiB/s on the wire "
          f"= {r['host_wire_vs_tcpbench']} x tcpbench's wall-clock rate")
    print(f"  tcpbench {result['mem_mib']} MiB: {result['tcpbench_mib_s']} MiB/s (node a's clock), "
          f"{result['tcpbench_server_mib_s']} MiB/s (node b's), host wall clock {result['host_tcpbench_mib_s']} MiB/s")
    for i, run in enumerate(r.get("runs") or [r]):
        rates = run.get("cryptobench_mib_s") or {}
        share = run.get("tag_share")
        print(f"  run {i + 1}: {run['wire_mib_s']} MiB/s on the wire (node a's clock); cryptobench right after: "
              + ", ".join(f"{name} {rate:.2f}" for name, rate in rates.items())
              + " MiB/s; tags beyond v2's checksum took "
              + (f"{share:.1%}" if share is not None else "?") + " of the migration's time on node a")
    if "median_tag_share" in r and r["median_tag_share"] is not None:
        print(f"  median of {len(r['runs'])} runs: {r['median_wire_mib_s']} MiB/s on the wire (node a's clock), "
              f"{r['median_host_wire_mib_s']} MiB/s (host wall clock); {mode} tags took {r['median_tag_share']:.1%} "
              "of the migration's time: the throughput it costs when node a's CPU is the bottleneck")


def command(args):
    setup_step.ensure_ready(quiet=True)
    with contextlib.redirect_stdout(sys.stderr if args.json else sys.stdout):  # --json: stdout is the object
        build.build()
    if args.target == "exits":
        if len(args.emulator) != 1 or args.link_mbit:
            raise SystemExit("godwit bench exits: one node, so one emulator and no --link-mbit")
        args.emulator = args.emulator[0]
        return bench_exits.command(args)
    if args.target == "tracking":
        if len(args.emulator) != 1 or args.link_mbit:
            raise SystemExit("godwit bench tracking: one node, so one emulator and no --link-mbit")
        args.emulator = args.emulator[0]
        return bench_tracking.command(args)
    if args.target == "crypto":
        if len(args.emulator) != 1 or args.link_mbit:
            raise SystemExit("godwit bench crypto: one node, so one emulator and no --link-mbit")
        args.emulator = args.emulator[0]
        return bench_crypto.command(args)
    emulators = node_emulators(args.emulator, 2)
    if args.target in ("downtime", "modes"):
        try:
            return (bench_downtime if args.target == "downtime" else bench_modes).command(args, emulators)
        except AssertionError as failure:  # MigrationFailure or a console timeout
            print(f"godwit bench: {failure}", file=sys.stderr)
            return 1
    if args.target == "net":
        result = bench_net(emulators, args.mib, args.link_mbit, args.node_mem)
    else:
        try:
            result = bench_migrate(emulators, size_mib(args.mem), 100 if args.rate is None else args.rate,
                                   args.link_mbit, args.node_mem, args.protect, args.repeat)
        except AssertionError as failure:  # MigrationFailure or a console timeout
            print(f"godwit bench: {failure}", file=sys.stderr)
            return 1
    if args.json:
        print(json.dumps({k: v for k, v in result.items() if k != "counters"}))
    else:
        (print_net if args.target == "net" else print_migrate)(result)
        print(f"logs: {result['run_dir']}")
    return 0 if result["ok"] else 1
