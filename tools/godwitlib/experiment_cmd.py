"""`godwit experiment NAME --out DIR`: rerun a measurement of seed 001 (figures 3-7) on Godwit.

Runs the experiment's sweep (each point --repeats times) on two nodes, each run a
migration through the same tooling as `godwit migrate`, then writes DIR/data.csv,
DIR/data.jsonl, one figure per experiment (PNG and SVG) and DIR/report.html, and prints
the verdicts. What Godwit cannot run yet (the loadgen guest, modes other than pre-copy,
the client-observed gap) is said in the output and in the report; see
tools/godwitlib/experiments/sweeps.py for every experiment's guests.
"""
import shlex
import sys
from pathlib import Path

from . import build, paths, setup_step
from .emulators import describe_emulators, emulators_name, parse_emulators
from .experiments import analysis, plots, report, runner, sweeps
from .experiments.progress import Progress, duration
from .migration_run import size_mib
from .network import node_emulators


def add_arguments(parser):
    parser.add_argument("experiment", choices=sweeps.NAMES, help="which figure of seed 001 to rerun, or all")
    parser.add_argument("--emulator", type=parse_emulators, default=("qemu",), metavar="EMULATOR[,EMULATOR]",
                        help="qemu (default), bochs or kvm for both nodes, or one per node: qemu,bochs")
    parser.add_argument("--repeats", type=int, help="runs per point (default 3; 1 with --quick)")
    parser.add_argument("--link-mbit", type=int, metavar="N", help="shape the link to N Mbit/s (tc tbf)")
    parser.add_argument("--quick", action="store_true", help="a small sweep of each experiment (minutes, for CI)")
    parser.add_argument("--node-mem", type=size_mib, metavar="SIZE",
                        help="each node's memory (default: the experiment's largest guests plus 256 MiB, "
                             "at least 256 MiB)")
    parser.add_argument("--out", type=Path, required=True, help="directory for the data, figures and report")


def base_row(experiment, index, repeat, point, emulators, args, node_mib):
    background = point.background
    return {"experiment": experiment.name, "figure": experiment.figure, "point": index, "repeat": repeat,
            "emulator": ",".join(emulators), "link_mbit": args.link_mbit, "node_mem_mib": node_mib,
            "mode": point.mode, "mem_mib": point.migrated.mem_mib, "wss": point.migrated.wss,
            "rate": point.migrated.rate, "background_rate": background.rate if background else None,
            "load_source": ("dirtier stand-in (64 KiB working set), CPU share measured"
                            if any(sweeps.MISSING_LOADGEN == m for m in experiment.missing) else "none"),
            "migrated_line": point.migrated.line, "background_line": background.line if background else None,
            "client_gap_ms": None}


def run_experiment(experiment, emulators, args, repeats, progress, run_root):
    """All rows of one experiment; boots a pair, and a fresh one after a broken run."""
    points = experiment.points(args.quick)
    node_mib = runner.node_mib_for(experiment, points, args.node_mem)
    rows, pair = [], None
    try:
        for index, point in enumerate(points):
            for repeat in range(repeats):
                row = base_row(experiment, index, repeat, point, emulators, args, node_mib)
                label = f"{experiment.name}: {point.migrated.line}" + \
                        (f" + {point.background.line} (stays)" if point.background else "") + \
                        (f", {point.mode}" if experiment.name == "modes" else "") + f", run {repeat + 1}/{repeats}"
                if not point.runnable:
                    row.update(outcome="not runnable", error=sweeps.MISSING_MODES)
                    rows.append(row)
                    progress.say(f"{experiment.name}: {point.mode} is not yet runnable in Godwit (skipped)")
                    break
                progress.show(label)
                try:
                    if pair is None:
                        pair = runner.open_pair(emulators, run_root / experiment.name, args.link_mbit, node_mib)
                    a, b = pair[1]
                    row.update(runner.run_point(a, b, experiment, point))
                except AssertionError as failure:  # MigrationFailure or a console timeout
                    row.update(outcome="error", error=str(failure).splitlines()[0][:300])
                    if pair:
                        pair[0].stop()
                    pair = None
                rows.append(row)
                progress.finished(point.cost_s(), _run_note(experiment, row))
    finally:
        if pair:
            pair[0].stop()
    return rows


def _run_note(experiment, row) -> str:
    if row["outcome"] != "succeeded":
        return f"  {experiment.name} point {row['point']}: {row['outcome']}: {row.get('error')}"
    loads = f", load {row['cpu_load']}%" + (f", background {row['background_load']}%"
                                              if row.get("background_load") is not None else "")
    return (f"  {experiment.name} {row['mem_mib']} MiB rate {row['rate']}{loads}: total {row['total_ms']:.0f} ms, "
            f"downtime {row['downtime_ms']:.0f} ms, {row['rounds']} rounds ({row['stop_reason']})")


def command(args):
    setup_step.ensure_ready(quiet=True)
    build.build()
    emulators = node_emulators(args.emulator, 2)
    repeats = args.repeats or (1 if args.quick else 3)
    if repeats < 1:
        raise SystemExit("godwit experiment: --repeats must be at least 1")
    chosen = sweeps.chosen(args.experiment)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    run_root = paths.RUNS / f"experiment-{emulators_name(emulators)}"
    shaped = f" on a {args.link_mbit} Mbit/s link" if args.link_mbit else ""
    print(f"godwit experiment: {', '.join(e.name for e in chosen)} under {describe_emulators(emulators)}{shaped}, "
          f"{repeats} run(s) per point{' (quick)' if args.quick else ''}; console logs in {run_root}")
    for experiment in chosen:
        for missing in experiment.missing:
            print(f"godwit experiment: {experiment.name}: missing in Godwit so far: {missing}")
    costs = [p.cost_s() for e in chosen for p in e.points(args.quick) for _ in range(repeats if p.runnable else 0)]
    progress = Progress(costs)
    results, all_rows = [], []
    for experiment in chosen:
        rows = run_experiment(experiment, emulators, args, repeats, progress, run_root)
        all_rows += rows
        report.write_data(all_rows, out)  # after each experiment, so a long sweep leaves data early
        png, _ = plots.draw(experiment, rows, out / experiment.name, args.quick, describe_emulators(emulators))
        results.append((experiment, rows, png, analysis.verdict(experiment, rows)))
    progress.say(f"godwit experiment: {len(all_rows)} runs in {duration(progress.elapsed())}")
    command_line = "tools/godwit experiment " + " ".join(shlex.quote(a) for a in sys.argv[2:])
    report.write_html(out, results, command_line, args.quick, describe_emulators(emulators))
    print("\nexperiment            paper     verdict")
    for experiment, _, _, (word, sentence) in results:
        print(f"  {experiment.name:<19} {experiment.figure:<9} {word}: {sentence}")
    print(f"\nwrote {out / 'data.csv'}, {out / 'data.jsonl'}, "
          f"{', '.join(e.name + '.png/.svg' for e in chosen)} and {out / 'report.html'}")
    failed = [r for r in all_rows if r["outcome"] not in ("succeeded", "not runnable")]
    return 1 if failed and len(failed) == len([r for r in all_rows if r["outcome"] != "not runnable"]) else 0

