"""`godwit bench net`: tcpbench between two nodes on one link, the throughput reported.

Each node measures with its own clock (the client from connection to the last
acknowledgement, the server from accept to the sender's close). Under Bochs an emulated
clock is not wall time (it follows executed instructions, and skips ahead while the CPU
halts), so the host's wall-clock time for the whole client command is reported too.
`bench migrate` is to come; add its target to TARGETS.
"""
import json
import sys
import time

from . import build, paths, setup_step
from .network import NODES, TwoNodes

TARGETS = ("net",)


def add_arguments(parser):
    parser.add_argument("target", choices=TARGETS, help="what to measure")
    parser.add_argument("--emulator", choices=("qemu", "bochs"), default="qemu")
    parser.add_argument("--mib", type=int, default=16, help="MiB to send (default 16)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")


def bench_net(emulator: str, mib: int) -> dict:
    run_root = paths.RUNS / f"bench-net-{emulator}"
    with TwoNodes(emulator, run_root) as (a, b):
        for node in (a, b):
            node.console.wait_event("boot", 120)
        b.console.command("tcpbench server")
        a.console.command(f"ping {NODES[1].ip} 1", 30)  # ARP resolved before the clock starts
        started = time.monotonic()
        output = a.console.command(f"tcpbench {NODES[1].ip} {mib}", 60 + 30 * mib)
        wall = time.monotonic() - started
        clients = [e for e in a.console.events("tcpbench") if e.get("role") == "client"]
        if not clients:
            raise SystemExit(f"godwit bench: the client reported nothing:\n{output}")
        server = b.console.wait_event("tcpbench", 60, role="server")
        client = clients[-1]
        counters = {"a": a.console.command("net"), "b": b.console.command("net")}
    ok = client["ok"] and server["ok"] and client["bytes"] == server["bytes"] == mib << 20
    return {"benchmark": "net", "emulator": emulator, "mib": mib, "ok": ok,
            "client_mib_s": client["mib_s"], "server_mib_s": server["mib_s"],
            "wall_s": round(wall, 3), "wall_mib_s": round(mib / wall, 3),
            "command": f"tools/godwit bench net --emulator {emulator} --mib {mib}",
            "run_dir": str(run_root), "counters": counters}


def command(args):
    setup_step.ensure_ready(quiet=True)
    build.build()
    result = bench_net(args.emulator, args.mib)
    if args.json:
        print(json.dumps({k: v for k, v in result.items() if k != "counters"}))
    else:
        print(f"tcpbench {args.mib} MiB from node a to node b under {args.emulator}: "
              f"{'checked' if result['ok'] else 'FAILED'}")
        print(f"  client (node a's clock): {result['client_mib_s']} MiB/s")
        print(f"  server (node b's clock): {result['server_mib_s']} MiB/s")
        print(f"  host wall clock:         {result['wall_mib_s']} MiB/s ({result['wall_s']} s for the client command)")
        for name, text in result["counters"].items():
            print(f"node {name} after the run:\n{text.rstrip()}")
        print(f"logs: {result['run_dir']}")
    return 0 if result["ok"] else 1
