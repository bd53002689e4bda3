"""`godwit experiment NAME --out DIR`: rerun a measurement of seed 001 (figures 3-7) on Godwit.

Runs the experiment's sweep (each point --repeats times) on two nodes, each run a
migration through the same tooling as `godwit migrate`, then writes DIR/data.csv,
DIR/data.jsonl, one figure per experiment (PNG and SVG) and DIR/report.html, and prints
the verdicts. What an experiment cannot measure (the client-observed gap of memory-size's
dirtier, which has no network) is said in the output and in the report; see
tools/godwitlib/experiments/sweeps.py for every experiment's guests.
"""
import argparse
import os
import shlex
import subprocess
import sys
from pathlib import Path

from . import build, paths, setup_step
from .emulators import describe_emulators, emulators_name, parse_emulators
from .experiments import analysis, plots, report, runner, sweeps
from .experiments.progress import Progress, duration
from .migration_run import size_mib
from .network import node_emulators


def add_arguments(parser):
    parser.add_argument("experiment", type=experiment_list, metavar="NAME[,NAME]",
                        help=f"which figures of seed 001 to rerun: {', '.join(sweeps.NAMES)}, or a "
                             "comma-separated list (one pair of nodes serves all that need the same size)")
    parser.add_argument("--emulator", type=parse_emulators, default=("qemu",), metavar="EMULATOR[,EMULATOR]",
                        help="qemu (default), bochs or kvm for both nodes, or one per node: qemu,bochs")
    parser.add_argument("--repeats", type=repeat_counts, metavar="N[,NAME=N]",
                        help="runs per point (default 3; 1 with --quick); NAME=N sets one experiment's, e.g. "
                             "3,memory-size=1")
    parser.add_argument("--link-mbit", type=int, metavar="N", help="shape the link to N Mbit/s (tc tbf)")
    parser.add_argument("--quick", action="store_true", help="a small sweep of each experiment (minutes, for CI)")
    parser.add_argument("--node-mem", type=size_mib, metavar="SIZE",
                        help="each node's memory (default: the experiment's largest guests plus 256 MiB, "
                             "at least 256 MiB)")
    parser.add_argument("--out", type=Path, required=True, help="directory for the data, figures and report")


def experiment_list(text: str) -> str:
    try:
        sweeps.chosen(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error))
    return text


def repeat_counts(text: str) -> dict:
    """--repeats: "N" for every experiment, "NAME=N" for one; {name or None: N}."""
    counts = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        name, _, number = part.rpartition("=")
        if name and name not in sweeps.BY_NAME:
            raise argparse.ArgumentTypeError(f"no experiment {name!r} (choose from {', '.join(sweeps.BY_NAME)})")
        if not number.isdigit() or int(number) < 1:
            raise argparse.ArgumentTypeError(f"{part!r}: runs per point must be a whole number of at least 1")
        counts[name or None] = int(number)
    return counts


def runs_text(chosen, repeats) -> str:
    if len({repeats[e.name] for e in chosen}) == 1:
        return f"{repeats[chosen[0].name]} run(s) per point"
    return "runs per point: " + ", ".join(f"{e.name} {repeats[e.name]}" for e in chosen)


def load_source(guest) -> str:
    if guest.image == "dirtier":
        return "dirtier (no load generator)"
    return f"loadgen {guest.load}% floating-point duty cycle, {guest.rate} pages/s" + \
        (", echo for the UDP probe" if guest.net else "")


def base_row(experiment, index, repeat, point, emulators, args, node_mib):
    background = point.background
    migrated = point.migrated
    return {"experiment": experiment.name, "figure": experiment.figure, "point": index, "repeat": repeat,
            "emulator": ",".join(emulators), "link_mbit": args.link_mbit, "node_mem_mib": node_mib,
            "mode": point.mode, "mem_mib": migrated.mem_mib, "wss": migrated.wss, "rate": migrated.rate,
            "load_percent": migrated.load, "background_rate": background.rate if background else None,
            "background_load_percent": background.load if background else None,
            "load_source": load_source(migrated), "migrated_line": migrated.line(),
            "background_line": background.line() if background else None, "client_gap_ms": None}


class Pairs:
    """The booted pair of nodes, each with node_mib (what the largest point of all chosen
    experiments needs: a node's size changes nothing else a run measures), kept for every
    run; a fresh one after a run that broke the console conversation."""

    def __init__(self, emulators, run_root, link_mbit, node_mib):
        self.emulators, self.run_root, self.link_mbit, self.node_mib = emulators, run_root, link_mbit, node_mib
        self.pair, self.runs = None, 0

    def nodes(self, name):
        """(a, b, the link), booted under run_root/name if there is no pair."""
        if self.pair is None:
            self.pair = runner.open_pair(self.emulators, self.run_root / name, self.link_mbit, self.node_mib)
        linked, (a, b) = self.pair
        return a, b, linked.link

    def next_ip(self) -> str:
        self.runs += 1
        return runner.guest_ip(self.runs)

    def close(self):
        if self.pair is not None:
            self.pair[0].stop()
        self.pair = None


def run_experiment(experiment, emulators, args, repeats, progress, pairs):
    """All rows of one experiment."""
    points = experiment.points(args.quick)
    interval_ms = 5.0 if "bochs" in emulators else 2.0
    rows = []
    for index, point in enumerate(points):
        for repeat in range(repeats):
            row = base_row(experiment, index, repeat, point, emulators, args, pairs.node_mib)
            label = f"{experiment.name}: {point.migrated.line()}" + \
                    (f" + {point.background.line()} (stays)" if point.background else "") + \
                    (f", {point.mode}" if experiment.name == "modes" else "") + f", run {repeat + 1}/{repeats}"
            if not point.runnable:
                row.update(outcome="not runnable", error=f"{point.mode} is not runnable in Godwit")
                rows.append(row)
                progress.say(f"{experiment.name}: {point.mode} is not yet runnable in Godwit (skipped)")
                break
            progress.show(label)
            try:
                a, b, link = pairs.nodes(experiment.name)
                ip = pairs.next_ip()
                log = pairs.run_root / f"udp-{experiment.name}-{index}-{repeat}.log"
                row.update(runner.run_point(a, b, link, experiment, point, ip, log, interval_ms, args.quick))
            except (AssertionError, OSError, subprocess.SubprocessError) as failure:  # also a console timeout
                row.update(outcome="error", error=str(failure).splitlines()[0][:300])
                pairs.close()
            rows.append(row)
            progress.finished(point.cost_s(), _run_note(experiment, row))
    return rows


def _run_note(experiment, row) -> str:
    if row["outcome"] != "succeeded":
        return f"  {experiment.name} point {row['point']}: {row['outcome']}: {row.get('error')}"
    loads = f", load {row['cpu_load']}%" + (f", background {row['background_load']}%"
                                              if row.get("background_load") is not None else "")
    gap = f", client gap {row['client_gap_ms']:.0f} ms" if row.get("client_gap_ms") is not None else ""
    warning = f" [{row['error']}]" if row.get("error") else ""
    return (f"  {experiment.name} {row['mem_mib']} MiB rate {row['rate']}{loads}: total {row['total_ms']:.0f} ms, "
            f"downtime {row['downtime_ms']:.0f} ms{gap}, {row['rounds']} rounds ({row['stop_reason']}){warning}")


def command(args):
    setup_step.ensure_ready(quiet=True)
    build.build()
    emulators = node_emulators(args.emulator, 2)
    counts = args.repeats or {}
    default = counts.get(None, 1 if args.quick else 3)
    repeats = {e.name: counts.get(e.name, default) for e in sweeps.EXPERIMENTS}
    chosen = sweeps.chosen(args.experiment)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    run_root = paths.RUNS / f"experiment-{emulators_name(emulators)}"
    shaped = f" on a {args.link_mbit} Mbit/s link" if args.link_mbit else ""
    node_mib = max(runner.node_mib_for(e, e.points(args.quick), args.node_mem) for e in chosen)
    print(f"godwit experiment: {', '.join(e.name for e in chosen)} under {describe_emulators(emulators)}{shaped}, "
          f"{runs_text(chosen, repeats)}{' (quick)' if args.quick else ''}, nodes of {node_mib} MiB, host load "
          f"average {os.getloadavg()[0]:.1f}; console logs in {run_root}")
    for experiment in chosen:
        for missing in experiment.missing:
            print(f"godwit experiment: {experiment.name}: missing in Godwit so far: {missing}")
    started = report.machine()
    costs = [p.cost_s() for e in chosen for p in e.points(args.quick)
             for _ in range(repeats[e.name] if p.runnable else 0)]
    progress = Progress(costs)
    results, all_rows = [], []
    pairs = Pairs(emulators, run_root, args.link_mbit, node_mib)
    try:
        for experiment in chosen:
            rows = run_experiment(experiment, emulators, args, repeats[experiment.name], progress, pairs)
            all_rows += rows
            report.write_data(all_rows, out)  # after each experiment, so a long sweep leaves data early
            png, _ = plots.draw(experiment, rows, out / experiment.name, args.quick, describe_emulators(emulators))
            results.append((experiment, rows, png, analysis.verdict(experiment, rows)))
    finally:
        pairs.close()
    progress.say(f"godwit experiment: {len(all_rows)} runs in {duration(progress.elapsed())}")
    command_line = "tools/godwit experiment " + " ".join(shlex.quote(a) for a in sys.argv[2:])
    report.write_html(out, results, command_line, args.quick, describe_emulators(emulators), started,
                      duration(progress.elapsed()))
    print("\nexperiment            paper     verdict")
    for experiment, _, _, (word, sentence) in results:
        print(f"  {experiment.name:<19} {experiment.figure:<9} {word}: {sentence}")
    print(f"\nwrote {out / 'data.csv'}, {out / 'data.jsonl'}, "
          f"{', '.join(e.name + '.png/.svg' for e in chosen)} and {out / 'report.html'}")
    failed = [r for r in all_rows if r["outcome"] not in ("succeeded", "not runnable")]
    return 1 if failed and len(failed) == len([r for r in all_rows if r["outcome"] != "not runnable"]) else 0

