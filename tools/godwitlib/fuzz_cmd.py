"""`godwit fuzz`: run the libFuzzer targets of tests/fuzz longer than `godwit test` does
(one at a time: each takes a core), and print the executions and coverage of each.

Each target fuzzes from its working corpus (build/fuzz/corpus/NAME, kept between runs,
so coverage builds up) and its seeds (build/fuzz/seeds/NAME, written by the build). An
input that crashes is saved as build/fuzz/crashes/NAME-crash-<sha1>; the full output of
each run is in build/fuzz/logs/NAME.log. Exits non-zero if any target crashed.
"""
import re
import subprocess
import time

from . import build, paths

FUZZ_DIR = paths.BUILD / "fuzz"


def targets():
    """The target names, in the order tests/fuzz/targets.cmake lists them."""
    text = (paths.SOURCE / "tests" / "fuzz" / "targets.cmake").read_text()
    body = re.search(r"set\(GODWIT_FUZZ_TARGETS(.*?)\)", text, re.S).group(1)
    return [line.split("/")[-1] for line in body.split() if line and not line.startswith("#")]


def parse_output(text):
    """Executions, exec/s, coverage (edges), features and corpus entries from libFuzzer's
    output (its last status line and -print_final_stats)."""
    result = {"runs": None, "exec_per_s": None, "cov": None, "ft": None, "corpus": None}
    for match in re.finditer(r"cov: (\d+) ft: (\d+) corp: (\d+)/", text):
        result["cov"], result["ft"], result["corpus"] = (int(g) for g in match.groups())
    if match := re.search(r"stat::number_of_executed_units:\s+(\d+)", text):
        result["runs"] = int(match.group(1))
    if match := re.search(r"stat::average_exec_per_sec:\s+(\d+)", text):
        result["exec_per_s"] = int(match.group(1))
    return result


def run_target(name, seconds):
    corpus = FUZZ_DIR / "corpus" / name
    crashes = FUZZ_DIR / "crashes"
    logs = FUZZ_DIR / "logs"
    for folder in (corpus, crashes, logs):
        folder.mkdir(parents=True, exist_ok=True)
    command = [str(FUZZ_DIR / f"{name}_fuzz"), f"-max_total_time={seconds}", "-timeout=10",
               "-rss_limit_mb=2048", "-print_final_stats=1", f"-artifact_prefix={crashes}/{name}-",
               str(corpus), str(FUZZ_DIR / "seeds" / name)]
    started = time.monotonic()
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            errors="replace")
    (logs / f"{name}.log").write_text(result.stdout)
    stats = parse_output(result.stdout)
    stats["seconds"] = time.monotonic() - started
    stats["status"] = "ok" if result.returncode == 0 else "CRASH"
    if result.returncode != 0:
        artifact = re.search(r"Test unit written to (\S+)", result.stdout)
        stats["status"] += f" ({artifact.group(1) if artifact else 'see ' + str(logs / (name + '.log'))})"
    return stats


def add_arguments(parser):
    parser.add_argument("--minutes", type=float, default=2.0, help="per target (default 2)")
    parser.add_argument("--target", action="append", metavar="NAME",
                        help="only this target (repeatable); names as in tests/fuzz/targets.cmake")


def command(args):
    from . import setup_step
    setup_step.ensure_ready(quiet=True)
    names = targets()
    chosen = args.target or names
    unknown = [name for name in chosen if name not in names]
    if unknown:
        raise SystemExit(f"godwit fuzz: no target {', '.join(unknown)} (targets: {', '.join(names)})")
    build.build(targets=["godwit_fuzz"])
    seconds = max(1, int(args.minutes * 60))
    print(f"godwit fuzz: {len(chosen)} target(s), {seconds} s each, one at a time")
    header = f"{'target':<22} {'executions':>12} {'exec/s':>8} {'cov':>6} {'ft':>7} {'corpus':>7}  result"
    print(header)
    failed = False
    for name in chosen:
        s = run_target(name, seconds)
        failed |= s["status"] != "ok"
        cells = [s[k] if s[k] is not None else "?" for k in ("runs", "exec_per_s", "cov", "ft", "corpus")]
        print(f"{name:<22} {cells[0]:>12} {cells[1]:>8} {cells[2]:>6} {cells[3]:>7} {cells[4]:>7}  {s['status']}",
              flush=True)
    print("godwit fuzz: cov = edges covered, ft = coverage features (libFuzzer's counts); "
          f"logs in {FUZZ_DIR / 'logs'}")
    return 1 if failed else 0
