"""`godwit soak`: many migrations of a dirtier between two nodes, each with a fault at one
of the protocol's steps (tools/godwitlib/faults.py), counting what must never happen.

After each run (the fault healed, the destination's verdict given) both nodes' `guests`
are read. A copy the source holds "unsettled" (COMMIT went out, no COMMITTED came back:
docs/migration-stream.md, section 8) is settled as an operator would, by looking at the
destination: `settle <id> discard` when the destination runs the guest, else `settle
<id> resume`. Then, after settlement:
  lost           no node holds the guest any more;
  running_twice  both nodes run it;
  corrupt        the dirtier's self-check printed CORRUPT, or the copy that runs does not
                 go on reporting `dirtier: ok` with growing counts.
  paused         (counted before settlement) the source held the guest unsettled; not a
                 failure: the protocol's answer to a commit it cannot decide alone.
The guest moves a -> b, then back from wherever it runs. After running_twice the copy on
the destination is killed; after lost a new dirtier starts on node a.
--json prints one JSON object: runs, lost, running_twice, corrupt, paused, succeeded,
failed, unsettled (the source's summary said so), not_reached (runs whose step never
came), and per_run (each run's step, fault, hold, outcome, settlement and counts).
"""
import contextlib
import json
import random
import re
import sys
import time
from dataclasses import asdict, dataclass, field

from . import build, paths, setup_step
from .emulators import describe_emulators, emulators_name, parse_emulators
from .faults import HEALABLE_FAULTS, STEPS, FaultPlan, StepInjector
from .migration_run import (MigrationFailure, dirtier_reports, migrate, migration_nodes, node_memory_mib,
                            start_guest, wait_booted, wait_dirtier_report)
from .network import node_emulators

# 256 MiB: in verify mode the destination then hashes its memory for about 0.2 s after
# END (QEMU), long enough for the after_end fault to land before its verdict.
GUEST_MIB = 256
DIRTIER = f"new dirtier mem={GUEST_MIB}M wss=2M rate=0 report=300"
SOAK_STEPS = ("before_header", "mid_round0", "mid_final", "after_end", "after_verdict", "after_commit", "random")
HOLDS_S = (3.0, 60.0)  # shorter than every timeout, and longer than all of them
SETTLE_TIMEOUT_S = 60.0
ALIVE = ("running", "blocked")


@dataclass
class Copy:
    node: str
    guest_id: int
    state: str


def live_copies(node, name="dirtier"):
    """The node's guests called `name` that have not ended: [Copy]."""
    listing = node.console.command("guests", 60)
    copies = []
    for match in re.finditer(r"^\s*(\d+)\s+(\S+)\s+(\S+)", listing, re.M):
        guest_id, guest_name, state = int(match.group(1)), match.group(2), match.group(3)
        if guest_name == name and state in ALIVE + ("stopped", "unsettled"):
            copies.append(Copy(node.spec.name, guest_id, state))
    return copies


@dataclass
class RunRecord:
    run: int
    step: str
    fault: str
    hold_s: float
    source: str
    reached: bool = False
    outcome: str = ""          # the source's migration_summary outcome, or "tool error"
    reason: str = ""
    destination: str = ""      # the destination's migration_received outcome, "" when it said nothing
    running: int = 0           # copies running after the run (after settlement)
    paused: int = 0            # copies held unsettled before settlement
    settled: str = ""          # "resume" or "discard": how the unsettled copy was settled
    corrupt: bool = False
    verdict: str = ""          # ok, lost, running_twice, corrupt (after settlement)
    note: str = ""
    injected_at_s: float = None
    wall_s: float = 0.0


@dataclass
class SoakState:
    holder: str = "a"          # the node that runs the guest
    guest_id: int = 0
    writes: int = 0            # the last `dirtier: ok` count seen
    totals: dict = field(default_factory=lambda: {"lost": 0, "running_twice": 0, "corrupt": 0, "paused": 0,
                                                  "succeeded": 0, "failed": 0, "unsettled": 0,
                                                  "not_reached": 0})


def node_by_name(nodes, name):
    return nodes.nodes[nodes.index_of(name)]


def settle(destination, incoming_before, received_before):
    """Waits until the destination has given its verdict on every migration it accepted
    (its receiver times out on its own 30 s after the last byte)."""
    accepted = len(destination.console.events("migration_incoming")) - incoming_before
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while time.monotonic() < deadline:
        if len(destination.console.events("migration_received")) - received_before >= accepted:
            return True
        time.sleep(0.2)
    return False


def corrupt_since(node, offset):
    return re.search(r"^\[g\d+ dirtier\] dirtier: CORRUPT.*$", node.console.text[offset:], re.M) is not None


def settle_held(nodes, held, copies, record):
    """Settles each unsettled copy as an operator would: `discard` when the other node
    runs the guest, `resume` when it does not."""
    for copy in held:
        elsewhere = [c for c in copies if c.node != copy.node and c.state in ALIVE]
        how = "discard" if elsewhere else "resume"
        said = node_by_name(nodes, copy.node).console.command(f"settle {copy.guest_id} {how}", 60)
        record.settled = how
        expected = "runs on the destination" if how == "discard" else "runs here again"
        if expected not in said:
            record.note += f"; `settle {copy.guest_id} {how}` on {copy.node} said {said.strip()!r}"


def one_run(nodes, state: SoakState, plan: FaultPlan, number: int, say) -> RunRecord:
    """One migration of the soak's guest with `plan`'s fault; counts and repairs."""
    source = node_by_name(nodes, state.holder)
    destination = node_by_name(nodes, "b" if state.holder == "a" else "a")
    if plan.step == "before_header" and plan.fault == "freeze_src":
        # `migrate` is typed into the frozen source: its echo must come within the
        # console's 30 s.
        plan = FaultPlan(plan.step, plan.fault, min(plan.hold_s, 10.0))
    record = RunRecord(number, plan.step, plan.fault, plan.hold_s, state.holder)
    offsets = {node.spec.name: len(node.console.text) for node in nodes.nodes}
    incoming_before = len(destination.console.events("migration_incoming"))
    received_before = len(destination.console.events("migration_received"))
    started = time.monotonic()
    injector = StepInjector(nodes, source, destination, plan).start()
    try:
        result = migrate(source, state.guest_id, destination, timeout=300, **plan.migrate_options())
        record.outcome = result.summary.get("outcome", "")
        record.reason = result.summary.get("reason", "")
    except AssertionError as failure:  # a console timeout or MigrationFailure
        record.outcome, record.note = "tool error", str(failure).splitlines()[0]
    injection = injector.finish()
    record.reached, record.injected_at_s = injection.reached, injection.injected_at_s
    if injection.note:
        record.note = (record.note + "; " if record.note else "") + injection.note
    if not settle(destination, incoming_before, received_before):
        record.note += "; the destination gave no verdict within 60 s"
    arrivals = destination.console.events("migration_received")[received_before:]
    record.destination = arrivals[-1].get("outcome", "") if arrivals else ""
    time.sleep(1.0)
    copies = live_copies(nodes.nodes[0]) + live_copies(nodes.nodes[1])
    held = [c for c in copies if c.state == "unsettled"]
    record.paused = len(held)
    if held:
        settle_held(nodes, held, copies, record)
        time.sleep(1.0)
        copies = live_copies(nodes.nodes[0]) + live_copies(nodes.nodes[1])
    running = [c for c in copies if c.state in ALIVE]
    stopped = [c for c in copies if c.state == "stopped"]
    record.running = len(running)
    record.corrupt = any(corrupt_since(node, offsets[node.spec.name]) for node in nodes.nodes)
    if len(running) >= 2:
        record.verdict = "running_twice"
        # Keep the source's copy, end the other, so the soak goes on with one guest.
        for copy in running:
            if copy.node != state.holder:
                node_by_name(nodes, copy.node).console.command(f"kill {copy.guest_id}", 60)
        running = [c for c in running if c.node == state.holder]
    elif not running and stopped:
        # No step of the protocol leaves a guest merely stopped: say so, and go on with it.
        record.note += f"; no copy runs, {len(stopped)} stopped (started again)"
        record.verdict = "stopped"
        keep = stopped[0]
        node_by_name(nodes, keep.node).console.command(f"start {keep.guest_id}", 60)
        running = [keep]
    elif not running:
        record.verdict = "lost"
    if running:
        keep = running[0]
        holder = node_by_name(nodes, keep.node)
        try:
            before = dirtier_reports(holder, keep.guest_id)
            more_than = before[-1][0] if before else 0
            report = wait_dirtier_report(holder, keep.guest_id, more_than=more_than, timeout=60)
            state.writes = report[0]
        except MigrationFailure as failure:
            record.corrupt = True
            record.note += f"; the copy on {keep.node} does not go on: {str(failure).splitlines()[0]}"
        state.holder, state.guest_id = keep.node, keep.guest_id
    if record.corrupt:
        record.verdict = record.verdict or "corrupt"
        state.totals["corrupt"] += 1
    record.verdict = record.verdict or "ok"
    if record.verdict in ("lost", "running_twice"):
        state.totals[record.verdict] += 1
    if record.paused:
        state.totals["paused"] += 1
    if record.outcome == "unsettled":
        state.totals["unsettled"] += 1
    if record.outcome == "succeeded":
        state.totals["succeeded"] += 1
    elif record.outcome and record.outcome != "unsettled":
        state.totals["failed"] += 1
    if not record.reached:
        state.totals["not_reached"] += 1
    if not running:  # lost: the soak needs a guest again
        a = nodes.nodes[0]
        state.holder, state.guest_id = "a", start_guest(a, DIRTIER)
        wait_dirtier_report(a, state.guest_id, timeout=120)
    record.wall_s = round(time.monotonic() - started, 1)
    return record


def describe_run(record: RunRecord) -> str:
    at = f" at {record.injected_at_s:.1f} s" if record.injected_at_s is not None else " (step not reached)"
    said = f"; the destination said {record.destination}" if record.destination else ""
    settled = f", settled {record.settled}" if record.settled else ""
    reason = f" ({record.reason})" if record.reason else ""
    return (f"run {record.run:>3}: {record.step:<13} {record.fault:<9} hold {record.hold_s:>4.0f} s{at}: "
            f"{record.outcome or '?'}{reason}{said} -> {record.verdict} "
            f"[{record.paused} unsettled{settled}; {record.running} running]"
            f"{'; ' + record.note if record.note else ''}")


def plans(runs, steps, faults, holds, rng):
    """Run i takes step i (cycling through `steps`), a random fault and hold."""
    for i in range(runs):
        yield FaultPlan(steps[i % len(steps)], rng.choice(faults), rng.choice(holds))


def add_arguments(parser):
    parser.add_argument("--runs", type=int, default=10, help="migrations to run (default 10)")
    parser.add_argument("--json", action="store_true", help="print one JSON object with the counts")
    parser.add_argument("--emulator", type=parse_emulators, default=("qemu",), metavar="EMULATOR[,EMULATOR]",
                        help="qemu (default), bochs, or one per node")
    parser.add_argument("--seed", type=int, default=1, help="seed of the fault and hold choices (default 1)")
    parser.add_argument("--steps", default=",".join(SOAK_STEPS),
                        help=f"steps to cycle through (default {','.join(SOAK_STEPS)}; also after_commit)")
    parser.add_argument("--faults", default=",".join(HEALABLE_FAULTS),
                        help=f"faults to draw from (default {','.join(HEALABLE_FAULTS)})")
    parser.add_argument("--holds", default=",".join(f"{h:g}" for h in HOLDS_S),
                        help="seconds a fault stays before it is healed, drawn per run (default 3,60)")


def command(args):
    steps = tuple(s for s in args.steps.split(",") if s)
    faults = tuple(f for f in args.faults.split(",") if f)
    holds = tuple(float(h) for h in args.holds.split(",") if h)
    for step in steps:
        if step not in STEPS:
            raise SystemExit(f"godwit soak: unknown step {step!r} (one of {', '.join(STEPS)})")
    for fault in faults:
        if fault not in HEALABLE_FAULTS:
            raise SystemExit(f"godwit soak: {fault!r} is not a fault the soak can heal "
                             f"(one of {', '.join(HEALABLE_FAULTS)})")
    setup_step.ensure_ready(quiet=True)
    with contextlib.redirect_stdout(sys.stderr if args.json else sys.stdout):
        build.build()
    emulators = node_emulators(args.emulator, 2)
    run_root = paths.RUNS / f"soak-{emulators_name(emulators)}"

    def say(text):
        print(text, file=sys.stderr if args.json else sys.stdout, flush=True)

    say(f"godwit soak: {args.runs} migrations of a dirtier under {describe_emulators(emulators)}, "
        f"steps {','.join(steps)}, faults {','.join(faults)}, holds {args.holds} s, seed {args.seed}")
    rng = random.Random(args.seed)
    state = SoakState()
    records = []
    started = time.monotonic()
    try:
        nodes = migration_nodes(emulators, run_root, memory_mib=node_memory_mib(GUEST_MIB))
        with nodes as (a, b):
            wait_booted((a, b))
            state.guest_id = start_guest(a, DIRTIER)
            wait_dirtier_report(a, state.guest_id, timeout=120)
            for number, plan in enumerate(plans(args.runs, steps, faults, holds, rng), start=1):
                record = one_run(nodes, state, plan, number, say)
                records.append(record)
                say(describe_run(record))
    except (AssertionError, KeyboardInterrupt) as failure:  # Ctrl-C: report the runs so far
        say(f"godwit soak: stopped after {len(records)} runs: {failure or 'interrupted'}")
        if not records:
            return 1
    totals = {"runs": len(records), **state.totals}
    result = {**totals, "seed": args.seed, "emulators": list(emulators), "wall_s": round(time.monotonic() - started),
              "command": "tools/godwit " + " ".join(sys.argv[1:]), "per_run": [asdict(r) for r in records]}
    if args.json:
        print(json.dumps(result))
    else:
        say(", ".join(f"{k} {v}" for k, v in totals.items()) + f" ({result['wall_s']} s; logs in {run_root})")
    return 0 if totals["lost"] == 0 and totals["running_twice"] == 0 and totals["corrupt"] == 0 else 1
