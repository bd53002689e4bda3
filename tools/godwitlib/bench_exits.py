"""`godwit bench exits`: what one VM exit costs on an emulator's backend, from one node.

The exitbench guest (guests/exitbench) runs on a 32 MiB guest and prints
  1. its kTimeNs hypercall loop, in HYPERCALL_ROUNDS rounds: exits per second and one
     exit round trip; the median round is reported, with the spread (QEMU's TCG shares
     the host's CPUs, so a busy host slows single rounds);
  2. then, every 200 ms, a timed pass writing one byte to each of the next K pages of a
     16 MiB region.
While the guest runs its passes, the tool runs `dirtylog <id> <s>`: during it, each
page's first write is a write-protect fault (the node boots with
dirty_tracking=write-protect, so Bochs does not use PML instead; decision 0022). The shell runs the command inside the
hypervisor's one loop, so no guest runs between the command's echo and the write-
protect, nor between the end of tracking and the result line: the pass lines printed
inside the command's output are exactly the passes that ran while tracking was on (a
pass preempted across a boundary is at most one at each end, which the median ignores).
The fault cost is (median tracked pass - median untracked pass) / K: both medians carry
the same two kTimeNs exits and the same stores, so the difference is K fault round trips
(and the odd preemption, which a median drops). The tool checks that the faults the
hypervisor counted cover the tracked passes' pages.
  3. Finally an idle 16 MiB guest is write-protected three times (`dirtylog <id> 1`);
     its protect_us (the hypervisor's time for write-protecting all its RAM) is reported,
     the median of the runs: under QEMU the node's first protect also pays for TCG
     translating the code (the 32 MiB session above is that first one).

All times are the node's clock. Under Bochs that clock is emulated: it follows executed
instructions (tools/godwitlib/emulators.py, BOCHS_IPS), so the figures are emulated time.
"""
import json
import re
import statistics

from . import paths
from .emulators import Node, NodeSpec
from .iso import BootConfig, make_iso

GUEST_MIB = 32
REGION_MIB = 16
PAGES_PER_PASS = 128
PERIOD_MS = 200
TRACK_S = 2  # < the region's passes * period (6.4 s): every tracked pass writes fresh pages
PASSES_AROUND = 5  # untracked passes wanted before and after tracking
PROTECT_RUNS = 3
HYPERCALL_ROUNDS = 5
BACKENDS = {"vmx": "VT-x/EPT", "svm": "AMD-V/NPT"}
# Whole lines only (\n, not $): the console text may end in the middle of a number.
PASS = re.compile(r"^\[g(\d+) exitbench\] exitbench: pass (\d+) pages=(\d+) ns=(\d+)\n", re.M)
HYPERCALLS = re.compile(r"^\[g(\d+) exitbench\] exitbench: hypercalls n=(\d+) ns=(\d+) per_exit_ns=(\d+) "
                        r"exits_per_s=\d+\n", re.M)


def passes(text: str) -> dict:
    """Pass number -> ns for every pass line in `text`."""
    return {int(m.group(2)): int(m.group(4)) for m in PASS.finditer(text)}


def wait_passes(console, count: int, after: int, timeout: float) -> dict:
    """Waits until `count` passes numbered above `after` were printed; returns all passes."""
    for _ in range(count):
        console.expect(PASS.pattern, timeout)
    seen = passes(console.text)
    if sum(1 for n in seen if n > after) < count:
        raise SystemExit(f"godwit bench: fewer than {count} exitbench passes after pass {after}")
    return seen


def boot(emulator: str) -> Node:
    run_dir = paths.RUNS / f"bench-exits-{emulator}" / "a"
    run_dir.mkdir(parents=True, exist_ok=True)
    line = (f"guest=exitbench mem={GUEST_MIB}M rounds={HYPERCALL_ROUNDS} region={REGION_MIB}M "
            f"pages={PAGES_PER_PASS} period={PERIOD_MS}")
    modules = [(paths.guests_dir() / "exitbench.elf", line), (paths.guests_dir() / "counter.elf", "image=counter")]
    # Write protection even where the CPU has PML (Bochs): this bench measures the fault.
    iso = make_iso(BootConfig(paths.kernel_image(), "node=a dirty_tracking=write-protect", modules),
                   run_dir / "godwit.iso")
    return Node(NodeSpec("a", emulator, iso, run_dir, 256)).start()


def logging_off(console, guest_id: int):
    """Stops the node's continuous dirty-rate logging of the guest (kernel/vm/guests.h):
    otherwise its write-protect faults would slow the untracked passes too, and `dirtylog`
    would borrow an already protected tracker instead of protecting all of RAM."""
    output = console.command(f"dirtyrate {guest_id} off", 30)
    if "not logged" not in output:
        raise SystemExit(f"godwit bench: could not stop guest {guest_id}'s dirty-rate logging: {output!r}")


def measure_faults(console, guest_id: int) -> dict:
    logging_off(console, guest_id)
    # Passes up to the one that may have been running meanwhile ran with logging on.
    logged = max(passes(console.text), default=0) + 1
    while sum(1 for n in passes(console.text) if n > logged) < PASSES_AROUND:
        console.expect(PASS.pattern, 60)
    before = passes(console.text)
    output = console.command(f"dirtylog {guest_id} {TRACK_S}", 120)
    tracked = passes(output)
    event = next(e for e in reversed(console.events("dirtylog")) if e["id"] == guest_id)
    last_tracked = max(tracked) if tracked else max(before)
    after = wait_passes(console, PASSES_AROUND, last_tracked, 60)
    untracked = [ns for n, ns in after.items() if n not in tracked and n > logged]
    if len(tracked) < 3:
        raise SystemExit(f"godwit bench: only {len(tracked)} passes ran while tracking:\n{output}")
    if event["faults"] < len(tracked) * PAGES_PER_PASS:
        raise SystemExit(f"godwit bench: {event['faults']} faults counted for {len(tracked)} passes of "
                         f"{PAGES_PER_PASS} pages: the passes did not all fault\n{output}")
    slow, fast = statistics.median(tracked.values()), statistics.median(untracked)
    return {"wp_fault_ns": round((slow - fast) / PAGES_PER_PASS),
            "pass_untracked_min_ns": min(untracked), "pass_untracked_median_ns": round(fast),
            "pass_tracked_median_ns": round(slow), "pass_tracked_max_ns": max(tracked.values()),
            "passes_tracked": len(tracked), "passes_untracked": len(untracked),
            "faults_counted": event["faults"], "protect_32mib_us": event["protect_us"]}


def measure_protect(console) -> dict:
    output = console.command("new counter mem=16M period=3600000", 60)
    match = re.search(r"guest (\d+) \(", output)
    if not match:
        raise SystemExit(f"godwit bench: could not start the idle 16 MiB guest: {output!r}")
    guest_id = int(match.group(1))
    console.expect(rf"\[g{guest_id} counter\] counter 1 ", 30)
    logging_off(console, guest_id)
    runs = []
    for _ in range(PROTECT_RUNS):
        console.command(f"dirtylog {guest_id} 1", 60)
        runs.append(next(e for e in reversed(console.events("dirtylog")) if e["id"] == guest_id)["protect_us"])
    return {"protect_16mib_us": statistics.median(runs), "protect_16mib_runs_us": runs}


def bench_exits(emulator: str) -> dict:
    node = boot(emulator)
    try:
        console = node.console
        boot_event = console.wait_event("boot", 300)
        features = set(boot_event.get("features", []))
        backend = next((name for key, name in BACKENDS.items() if key in features), "none")
        rounds = [[int(g) for g in console.expect(HYPERCALLS.pattern, 120).groups()]
                  for _ in range(HYPERCALL_ROUNDS)]
        guest_id = rounds[0][0]
        calls, ns, _ = sorted((r[1:] for r in rounds), key=lambda r: r[2])[HYPERCALL_ROUNDS // 2]
        result = {"benchmark": "exits", "emulator": emulator, "backend": backend,
                  "exits_per_s": round(calls * 1e9 / ns), "exit_round_trip_ns": round(ns / calls),
                  "hypercalls": calls, "hypercall_ns": ns,
                  "exit_round_trip_rounds_ns": [round(r[2] / r[1]) for r in rounds]}
        result.update(measure_faults(console, guest_id))
        console.command(f"kill {guest_id}", 30)
        result.update(measure_protect(console))
    finally:
        node.stop()
    result["clock"] = "emulated (Bochs instruction count)" if emulator == "bochs" else "host TSC"
    result["command"] = f"tools/godwit bench exits --emulator {emulator}"
    result["run_dir"] = str(node.spec.run_dir)
    return result


def print_table(r: dict):
    print(f"VM exit costs under {r['emulator']} ({r['backend']}), guest time = the node's clock "
          f"({r['clock']}):")
    if r["emulator"] == "bochs":
        print("  (Bochs' clock is emulated time, not wall time)")
    rows = [
        ("exits per second (kTimeNs loop)", f"{r['exits_per_s']}",
         f"median round: {r['hypercalls']} calls in {r['hypercall_ns']} ns"),
        ("exit round trip", f"{r['exit_round_trip_ns']} ns", f"rounds {r['exit_round_trip_rounds_ns']} ns"),
        ("write-protect fault round trip", f"{r['wp_fault_ns']} ns",
         f"passes of {PAGES_PER_PASS} pages: tracked median {r['pass_tracked_median_ns']} ns "
         f"(max {r['pass_tracked_max_ns']}, n={r['passes_tracked']}), untracked median "
         f"{r['pass_untracked_median_ns']} ns (min {r['pass_untracked_min_ns']}, n={r['passes_untracked']}); "
         f"{r['faults_counted']} faults counted"),
        ("write-protect 16 MiB guest", f"{r['protect_16mib_us']} us", f"runs {r['protect_16mib_runs_us']} us"),
        ("write-protect 32 MiB guest", f"{r['protect_32mib_us']} us", "the exitbench guest's session"),
    ]
    for name, value, note in rows:
        print(f"  {name:<32} {value:>12}  {note}".rstrip())
    print(f"logs: {r['run_dir']}")


def command(args):
    """Runs the benchmark (the tree is built already) and prints the table or the JSON."""
    result = bench_exits(args.emulator)
    if args.json:
        print(json.dumps({k: v for k, v in result.items() if k != "run_dir"}))
    else:
        print_table(result)
    return 0
