"""`godwit lint`: clang-format (check only) and clang-tidy over the project's C++ code."""
import subprocess

from . import paths

SOURCE_DIRS = ["kernel", "arch", "drivers", "migration", "guests", "include", "tests/unit"]


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
    files = [str(p) for p in sources()]
    format_command = ["clang-format", "-i" if args.fix else "--dry-run", "--Werror"] + files
    if args.fix:
        format_command.remove("--Werror")
    failed = subprocess.run(format_command, cwd=paths.SOURCE).returncode != 0
    if not args.no_tidy:
        database = paths.BUILD / "compile_commands.json"
        if not database.exists():
            print("godwit lint: no build yet; run tools/godwit build first for clang-tidy")
            return 1
        units = [str(p) for p in sources((".cpp",)) if "tests/" not in str(p)]
        # -mx87: clang rejects long double (in <limits>) under -mgeneral-regs-only.
        tidy = subprocess.run(["clang-tidy", "-p", str(paths.BUILD), "--quiet",
                               "--extra-arg=-mx87"] + units,
                              cwd=paths.SOURCE)
        failed = failed or tidy.returncode != 0
    print("godwit lint:", "problems found" if failed else "clean")
    return 1 if failed else 0
