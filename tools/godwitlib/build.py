"""Configuring and building with CMake, quietly unless something fails."""
import subprocess
import sys

from . import paths


def run_logged(command, what):
    """Runs a command; on failure prints its output and raises SystemExit."""
    result = subprocess.run(command, cwd=paths.SOURCE, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stdout.write(result.stdout[-20000:])
        sys.stderr.write(result.stderr[-20000:])
        raise SystemExit(f"godwit: {what} failed (exit {result.returncode})")
    return result


def build(verbose=False, targets=()):
    """Configures (first time) and builds the hypervisor, guests, ISO and unit tests, then
    `targets` outside `all` if any (e.g. godwit_checks: the sanitizer and fuzz builds)."""
    if not (paths.BUILD / "CMakeCache.txt").exists():
        print("godwit: configuring the build in", paths.BUILD)
        run_logged(["cmake", "--preset", "default"], "cmake configure")
    print("godwit: building" + "".join(f" + {t}" for t in targets))
    command = ["cmake", "--build", "--preset", "default"]
    if targets:
        command += ["--target", "all", *targets]
    if verbose:
        subprocess.run(command, cwd=paths.SOURCE, check=True)
    else:
        run_logged(command, "build")
    return paths.BUILD


def add_arguments(parser):
    parser.add_argument("--verbose", action="store_true", help="show the compiler's output")


def command(args):
    from . import setup_step
    setup_step.ensure_ready(quiet=True)
    build(verbose=args.verbose)
    print(f"godwit: built {paths.kernel_image()} and {paths.default_iso()}")
    return 0
