"""`godwit test`: set up what is missing, build, and run the whole suite with CTest
(unit tests on the host, the same with ASan and UBSan, a short run of every fuzz target,
boot tests in both emulators)."""
import re
import subprocess
import time

from . import build, paths, setup_step


def add_arguments(parser):
    parser.add_argument("-L", "--label", help="run only tests with this CTest label (e.g. unit)")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="tests run at once (default 2)")


def command(args):
    started = time.monotonic()
    setup_step.ensure_ready(quiet=True)
    # The sanitizer and fuzz builds (cmake/GodwitChecks.cmake) only when their tests run.
    wanted = args.label is None or any(re.search(args.label, label) for label in ("asan", "fuzz"))
    build.build(targets=["godwit_checks"] if wanted else [])
    ctest = ["ctest", "--test-dir", str(paths.BUILD), "--output-on-failure", "-j", str(args.jobs)]
    if args.label:
        ctest += ["-L", args.label]
    status = subprocess.run(ctest, cwd=paths.SOURCE).returncode
    print(f"godwit test: {'passed' if status == 0 else 'FAILED'} "
          f"in {time.monotonic() - started:.0f} s (setup, build and tests)")
    return status
