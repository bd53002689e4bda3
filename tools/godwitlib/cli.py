"""The `godwit` command line: one subcommand per module, each with add_arguments/command."""
import argparse
import importlib

# (name, module, one-line help). A later feature adds a line here and a module.
SUBCOMMANDS = [
    ("setup", "setup_step", "install what is missing (Debian packages, lwIP and BearSSL sources)"),
    ("build", "build", "build the hypervisor, guests, ISO and unit tests"),
    ("run", "run_cmd", "boot Godwit in an emulator with its console on this terminal"),
    ("test", "test_cmd", "build and run the whole test suite"),
    ("demo", "demo_cmd", "live-migrate a guest that keeps writing, and prove it went on"),
    ("migrate", "migrate_cmd", "one live-migration experiment between two nodes, events to a file"),
    ("bench", "bench_cmd", "measure: `bench net` (tcpbench), `bench migrate` (migration vs tcpbench), "
                            "`bench downtime` (pause by guest size), `bench crypto` (record protection cost), "
                            "`bench tracking` (dirty-rate logging cost)"),
    ("experiment", "experiment_cmd", "rerun seed 001's measurements (figures 3-7): data, figures, report.html"),
    ("plot", "plot_cmd", "draw a `migrate --out` events file: one migration on a time axis (SVG and PNG)"),
    ("soak", "soak_cmd", "many migrations with faults at each protocol step: guests lost, running twice, "
                          "corrupt"),
    ("fuzz", "fuzz_cmd", "run the libFuzzer targets (tests/fuzz) for longer than `test` does"),
    ("lint", "lint_cmd", "check formatting (clang-format) and run clang-tidy"),
    ("make-iso", "make_iso_cmd", "make a bootable ISO (used by the build)"),
]


def main(argv):
    parser = argparse.ArgumentParser(
        prog="godwit", description="Godwit: a research hypervisor that live-migrates guests.")
    commands = parser.add_subparsers(dest="command", metavar="command")
    modules = {}
    for name, module_name, summary in SUBCOMMANDS:
        module = importlib.import_module(f"godwitlib.{module_name}")
        sub = commands.add_parser(name, help=summary, description=summary)
        module.add_arguments(sub)
        modules[name] = module
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return modules[args.command].command(args)
    except KeyboardInterrupt:
        return 130
