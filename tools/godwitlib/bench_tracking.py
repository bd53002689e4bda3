"""`godwit bench tracking`: what the continuous dirty-rate logging costs a guest (issue 17).

One node runs a dirtier flat out (rate=0) over a working set; the tool reads its own
progress (page writes per second of guest time, from consecutive `dirtier: ok` lines a
report period apart) while its dirty rate is not logged (`dirtyrate <id> off`), while it
is logged by write protection (`tracking write-protect`, `dirtyrate <id> on`: one fault
per page per second) and, where the CPU has it (Bochs' VT-x), by Intel PML (`tracking
pml`: one log-full exit per 512 pages), and the guest's VM exits over each window (the
`guests` exits column over the window's report periods), so exits per dirtied page
follow: (tracked exits/s - untracked exits/s) over the logged pages/s. QEMU's AMD-V has
no PML: its PML row says so.
"""
import json
import re
import statistics

from . import paths
from .emulators import Node, NodeSpec
from .iso import BootConfig, make_iso

DIRTIER = "new dirtier mem=32M wss={wss} rate=0 report=1000"
REPORTS = 6  # reports per window (the first one after a switch is dropped)
REPORT = re.compile(r"^\[g(\d+) dirtier\] dirtier: ok writes=(\d+) verified=\d+ pass=\d+\n", re.M)


def boot(emulator: str) -> Node:
    run_dir = paths.RUNS / f"bench-tracking-{emulator}" / "a"
    run_dir.mkdir(parents=True, exist_ok=True)
    modules = [(paths.guests_dir() / "dirtier.elf", "image=dirtier")]
    iso = make_iso(BootConfig(paths.kernel_image(), "node=a", modules), run_dir / "godwit.iso")
    return Node(NodeSpec("a", emulator, iso, run_dir, 256)).start()


def exits(console, guest_id: int) -> int:
    listing = console.command("guests", 30)
    match = re.search(rf"^\s*{guest_id}\s+dirtier\s+\S+\s+\d+\s+(\d+)\s", listing, re.M)
    if match is None:
        raise SystemExit(f"godwit bench: guest {guest_id} is not in `guests`:\n{listing}")
    return int(match.group(1))


def switch(console, guest_id: int, mode: str) -> None:
    """Turns the guest's logging off, or on with `mode` ("write-protect" or "pml")."""
    off = console.command(f"dirtyrate {guest_id} off", 30)
    if "not logged" not in off:
        raise SystemExit(f"godwit bench: `dirtyrate {guest_id} off` said {off!r}")
    if mode == "off":
        return
    chosen = console.command(f"tracking {mode}", 30)
    if f"dirty tracking: {mode}" not in chosen:
        raise SystemExit(f"godwit bench: `tracking {mode}` said {chosen!r}")
    on = console.command(f"dirtyrate {guest_id} on", 30)
    if f"({mode})" not in on:
        raise SystemExit(f"godwit bench: `dirtyrate {guest_id} on` did not track by {mode}: {on!r}")


def window(console, guest_id: int, mode: str) -> dict:
    """Switches logging to `mode`, then measures REPORTS - 1 report periods."""
    switch(console, guest_id, mode)
    console.expect(REPORT.pattern, 60)  # the period the switch fell into
    first_exits = exits(console, guest_id)
    events_before = len(console.events("dirtyrate"))
    writes = [int(console.expect(REPORT.pattern, 60).group(2)) for _ in range(REPORTS)]
    # REPORTS report periods (one second of guest time each) lie between the two counts,
    # give or take the `guests` command's own time: the node's clock, as the rates are
    # (the host's wall clock is not Bochs' emulated one).
    exits_per_s = (exits(console, guest_id) - first_exits) / REPORTS
    per_period = [b - a for a, b in zip(writes, writes[1:])]
    logged = [e["pages_per_s"] for e in console.events("dirtyrate")[events_before:] if e["id"] == guest_id]
    return {"writes_per_s": statistics.median(per_period), "writes_per_s_periods": per_period,
            "exits_per_s": round(exits_per_s), "logged_pages_per_s": logged}


def summarize(tracked: dict, untracked: dict) -> None:
    """Adds the progress kept and the extra exits per dirtied page to a tracked window."""
    pages_per_s = statistics.median(tracked["logged_pages_per_s"]) if tracked["logged_pages_per_s"] else 0
    extra_exits = tracked["exits_per_s"] - untracked["exits_per_s"]
    tracked["pages_per_s"] = pages_per_s
    tracked["progress_kept_percent"] = round(100 * tracked["writes_per_s"] / max(untracked["writes_per_s"], 1), 1)
    tracked["exits_per_dirtied_page"] = round(extra_exits / pages_per_s, 3) if pages_per_s else None


def bench_tracking(emulator: str, wss: str) -> dict:
    node = boot(emulator)
    try:
        console = node.console
        console.wait_event("boot", 300)
        has_pml = "PML available" in console.command("tracking", 30)
        output = console.command(DIRTIER.format(wss=wss), 60)
        guest_id = int(re.search(r"guest (\d+) \(", output).group(1))
        console.expect(REPORT.pattern, 60)
        untracked = window(console, guest_id, "off")
        write_protect = window(console, guest_id, "write-protect")
        pml = window(console, guest_id, "pml") if has_pml else None
    finally:
        node.stop()
    summarize(write_protect, untracked)
    if pml is not None:
        summarize(pml, untracked)
    return {"benchmark": "tracking", "emulator": emulator, "wss": wss, "untracked": untracked,
            "write_protect": write_protect, "pml": pml,
            "command": f"tools/godwit bench tracking --emulator {emulator} --wss {wss}",
            "run_dir": str(node.spec.run_dir)}


def command(args):
    result = bench_tracking(args.emulator, args.wss)
    if args.json:
        print(json.dumps({k: v for k, v in result.items() if k != "run_dir"}))
        return 0
    u = result["untracked"]
    print(f"Dirty-rate logging cost under {result['emulator']}: a dirtier flat out over {result['wss']}")
    print(f"  {'untracked':<17}{u['writes_per_s']:>10} writes/s  {u['exits_per_s']:>8} exits/s  "
          f"periods {u['writes_per_s_periods']}")
    for label, key in (("write protection", "write_protect"), ("PML", "pml")):
        t = result[key]
        if t is None:
            print(f"  {label:<17}not available: this node's CPU has no PML (AMD-V tracks by write protection)")
            continue
        print(f"  {label:<17}{t['writes_per_s']:>10} writes/s  {t['exits_per_s']:>8} exits/s  "
              f"periods {t['writes_per_s_periods']}; logged {t['pages_per_s']} pages/s; "
              f"progress kept {t['progress_kept_percent']}%, {t['exits_per_dirtied_page']} exits per dirtied page")
    print(f"logs: {result['run_dir']}")
    return 0
