"""`godwit make-iso`: the ISO for one boot configuration (also used by the build)."""
from pathlib import Path

from .iso import BootConfig, make_iso


def add_arguments(parser):
    parser.add_argument("--kernel", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--cmdline", default="", help="the hypervisor's command line")
    parser.add_argument("--guests-dir", type=Path,
                        help="add every guest image found here as a module 'image=<name>'")
    parser.add_argument("--module", action="append", default=[], metavar="PATH[:CMDLINE]",
                        help="add one module with its command line")


def command(args):
    modules = []
    if args.guests_dir and args.guests_dir.is_dir():
        for image in sorted(args.guests_dir.glob("*.elf")):
            modules.append((image, f"image={image.stem}"))
    for spec in args.module:
        path, _, command_line = spec.partition(":")
        modules.append((Path(path), command_line))
    make_iso(BootConfig(args.kernel, args.cmdline, modules), args.out)
    return 0
