"""`godwit lint`: the layer rule (no include runs from a lower folder to a higher one),
clang-format (check only) and clang-tidy, warnings as errors for the checks that are on
(.clang-tidy), over the project's C++ code. .ci/run runs it before the tests."""
import subprocess

from . import layers, paths

SOURCE_DIRS = ["lib", "arch", "drivers", "net", "migration", "kernel", "guests", "include", "tests/unit"]


def sources(suffixes=(".cpp", ".h")):
    found = []
    for directory in SOURCE_DIRS:
        root = paths.SOURCE / directory
        if root.is_dir():
            found += sorted(p for p in root.rglob("*") if p.suffix in suffixes)
    return found


def add_arguments(parser):
    parser.add_argument("--fix", action="store_true", help="rewrite files with clang-format")
    parser.add_argument("--no-tidy", action="store_true", help="skip clang-tidy")


def command(args):
    failed = not layers.check(paths.SOURCE)
    files = [str(p) for p in sources()]
    format_command = ["clang-format", "-i" if args.fix else "--dry-run", "--Werror"] + files
    if args.fix:
        format_command.remove("--Werror")
    failed = subprocess.run(format_command, cwd=paths.SOURCE).returncode != 0 or failed
    if not args.no_tidy:
        database = paths.BUILD / "compile_commands.json"
        if not database.exists():
            print("godwit lint: no build yet; run tools/godwit build first for clang-tidy")
            return 1
        units = [str(p) for p in sources((".cpp",)) if "tests/" not in str(p)]
        # -mx87: clang rejects long double (in <limits>) under -mgeneral-regs-only.
        # Headers are checked where they are the project's own, anchored at this tree (a
        # bare "lib/" would also match the system's /usr/lib headers).
        header_filter = f"^{paths.SOURCE}/({'|'.join(SOURCE_DIRS[:-1])})/"
        tidy = subprocess.run(["clang-tidy", "-p", str(paths.BUILD), "--quiet",
                               f"--header-filter={header_filter}",
                               "--warnings-as-errors=*", "--extra-arg=-mx87"] + units,
                              cwd=paths.SOURCE)
        failed = failed or tidy.returncode != 0
    print("godwit lint:", "problems found" if failed else "clean")
    return 1 if failed else 0
