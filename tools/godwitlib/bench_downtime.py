"""`godwit bench downtime`: does the downtime grow with the guest's memory?

One pair of nodes; for each size in --sizes, the same dirtier workload (--wss rewritten at
--rate pages/s) is started on node a, migrated to node b, and ended there. Each row holds
what node a measured:

  downtime_ms      guest paused on a until b's COMMITTED arrived (summary downtime_ms)
  final_bytes      wire bytes of the final (paused) round's pages
  state_bytes      VCPU_STATE + DEVICE_STATE + END on the wire
  bandwidth_mib_s  the pre-copy rounds' bandwidth (what the policy estimates with)
  rtt_ms           one round trip a -> b (the sender's own measure, else `ping`)
  limit_ms         (final_bytes + state_bytes) / bandwidth + rtt: what the pause should
                   cost if it paid only for what must still be sent

Targets (issue 13; a benchmark, so they are reported, not enforced): the largest size's
downtime within 1.2 x the smallest's; every downtime within limit_ms + 2 ms.
"""
import json
import re
import sys

from . import paths
from .migration_run import (MIB, migrate, migration_nodes, node_memory_mib, size_mib, start_guest, wait_booted,
                            wait_dirtier_report)
from .emulators import emulators_name
from .network import NODES

# Record sizes on the wire (docs/migration-stream.md, section 2 and 3): a 16-byte record
# header, the body padded to 8 bytes.
STATE_BYTES = (16 + 1048) + (16 + 288) + (16 + 16)  # VCPU_STATE 1048 since stream 2.3
RATIO_TARGET = 1.2
SLACK_MS = 2.0


def add_arguments(parser):
    """Options of `bench downtime` (bench_cmd shares --emulator, --link-mbit, --rate and --json)."""
    parser.add_argument("--sizes", default="16M,64M,256M", help="downtime: guest sizes (default 16M,64M,256M)")
    parser.add_argument("--wss", default="1M", help="downtime, tracking: dirtier working set (default 1M)")
    parser.add_argument("--verify", action="store_true", help="downtime: migrate with --verify")


def ping_rtt_ms(a) -> float:
    """Average round trip a -> b from the shell's ping (ARP is resolved on the way)."""
    a.console.command(f"ping {NODES[1].ip} 1", 30)
    a.console.command(f"ping {NODES[1].ip} 5", 30)
    event = a.console.events("ping")[-1]
    return event.get("rtt_avg_us", 0) / 1000


def precopy_bandwidth_mib_s(rounds) -> float:
    """Wire bytes over time of the rounds that ran before the pause."""
    live = [r for r in rounds if not r["final"]]
    ms = sum(r["duration_ms"] for r in live)
    return sum(r["wire_bytes"] for r in live) / MIB / (ms / 1000) if ms else 0.0


def row_of(mem_mib, moved, ping_ms):
    s = moved.summary
    final = [r for r in moved.rounds if r["final"]]
    final_bytes = final[-1]["wire_bytes"] if final else 0
    state_bytes = s.get("state_bytes", STATE_BYTES)
    bandwidth = s.get("bandwidth_mib_s") or precopy_bandwidth_mib_s(moved.rounds)
    rtt = s["rtt_ms"] if s.get("rtt_ms") else ping_ms
    limit = (final_bytes + state_bytes) / MIB / bandwidth * 1000 + rtt if bandwidth else None
    row = {"mem_mib": mem_mib, "outcome": s.get("outcome"), "downtime_ms": s.get("downtime_ms"),
           "final_bytes": final_bytes, "state_bytes": state_bytes, "bandwidth_mib_s": round(bandwidth, 3),
           "rtt_ms": round(rtt, 3), "limit_ms": round(limit, 3) if limit is not None else None,
           "total_ms": s.get("total_ms"), "rounds": s.get("rounds"), "stop_reason": s.get("stop_reason"),
           "verified": s.get("verified", s.get("digest_verified")),
           "destination": moved.arrival.get("outcome", "nothing received")}
    if "pause_steps_ms" in s:
        row["source_steps"] = s["pause_steps_ms"]
    if "steps_ms" in moved.arrival:
        row["destination_steps"] = moved.arrival["steps_ms"]
    return row


def run(emulators, sizes, wss, rate, link_mbit, verify, node_mem=None):
    emulator = emulators_name(emulators)
    run_root = paths.RUNS / f"bench-downtime-{emulator}"
    rows = []
    with migration_nodes(emulators, run_root, memory_mib=node_memory_mib(max(sizes), node_mem), link_mbit=link_mbit) as (a, b):
        wait_booted((a, b))
        ping_ms = ping_rtt_ms(a)
        for mem_mib in sizes:
            guest = start_guest(a, f"new dirtier mem={mem_mib}M wss={wss} rate={rate} report=1000")
            wait_dirtier_report(a, guest)
            options = {"verify": True} if verify else {}
            moved = migrate(a, guest, b, timeout=1800, **options)
            rows.append(row_of(mem_mib, moved, ping_ms))
            if moved.running_on_destination:
                b.console.command(f"kill {moved.arrival['guest_id']}")
            else:
                a.console.command(f"kill {guest}")
            print(f"  {mem_mib} MiB: {rows[-1]['outcome']}, downtime {rows[-1]['downtime_ms']} ms",
                  file=sys.stderr, flush=True)
    return {"benchmark": "downtime", "emulator": emulator, "wss": wss, "rate": rate, "link_mbit": link_mbit,
            "verify": verify, "ping_rtt_ms": round(ping_ms, 3), "rows": rows, **targets(rows),
            "command": command_line(",".join(emulators) if len(set(emulators)) > 1 else emulators[0], sizes, wss, rate, link_mbit, verify), "run_dir": str(run_root)}


def targets(rows) -> dict:
    done = [r for r in rows if r["outcome"] == "succeeded"]
    if len(done) < 2 or not done[0]["downtime_ms"]:
        return {"ratio_largest_to_smallest": None, "within_limit": None}
    ratio = done[-1]["downtime_ms"] / done[0]["downtime_ms"]
    within = all(r["limit_ms"] is not None and r["downtime_ms"] <= r["limit_ms"] + SLACK_MS for r in done)
    return {"ratio_largest_to_smallest": round(ratio, 3), "within_limit": within}


def command_line(emulator, sizes, wss, rate, link_mbit, verify):
    line = (f"tools/godwit bench downtime --emulator {emulator} --sizes {','.join(f'{s}M' for s in sizes)} "
            f"--wss {wss} --rate {rate}")
    if link_mbit is not None:
        line += f" --link-mbit {link_mbit}"
    return line + (" --verify" if verify else "")


def print_table(result):
    print(f"downtime by guest size under {result['emulator']} (dirtier wss={result['wss']} rate={result['rate']}"
          f"{', link ' + str(result['link_mbit']) + ' Mbit/s' if result['link_mbit'] else ''}"
          f"{', --verify' if result['verify'] else ''}; node a's clock)")
    header = ("mem_mib", "downtime_ms", "limit_ms", "final_bytes", "bandwidth_mib_s", "rtt_ms", "rounds",
              "stop_reason", "outcome")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in result["rows"]:
        print("| " + " | ".join(str(r.get(k)) for k in header) + " |")
    for r in result["rows"]:
        if "source_steps" in r:
            print(f"  {r['mem_mib']} MiB pause on a: "
                  + ", ".join(f"{k} {v}" for k, v in r["source_steps"].items()) + " ms"
                  + ("; on b from END in: " + ", ".join(f"{k} {v}" for k, v in r["destination_steps"].items())
                     + " ms" if "destination_steps" in r else ""))
    ratio, within = result["ratio_largest_to_smallest"], result["within_limit"]
    if ratio is not None:
        print(f"largest/smallest downtime: {ratio} (target <= {RATIO_TARGET}: "
              f"{'met' if ratio <= RATIO_TARGET else 'missed'}); every downtime within limit_ms + {SLACK_MS:g} ms: "
              f"{'yes' if within else 'no'}")
    print(f"command: {result['command']}")


def parse_sizes(text: str):
    sizes = [size_mib(part) for part in re.split(r"[,\s]+", text.strip()) if part]
    if not sizes:
        raise SystemExit("godwit bench downtime: --sizes needs at least one size")
    return sorted(sizes)


def command(args, emulators):
    rate = 200 if args.rate is None else args.rate
    result = run(emulators, parse_sizes(args.sizes), args.wss, rate, args.link_mbit, args.verify, args.node_mem)
    if args.json:
        print(json.dumps(result))
    else:
        print_table(result)
        print(f"logs: {result['run_dir']}")
    return 0 if all(r["outcome"] == "succeeded" for r in result["rows"]) else 1
