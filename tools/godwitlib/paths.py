"""Where things are: the source tree, the build tree, the cache outside the tree."""
import os
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("GODWIT_BUILD_DIR", SOURCE / "build"))
# Downloaded inputs (the lwIP source) live outside the source tree, never committed.
CACHE = Path(os.environ.get("GODWIT_CACHE", Path.home() / ".cache" / "godwit"))
RUNS = BUILD / "runs"


def kernel_image() -> Path:
    return BUILD / "kernel" / "godwit.elf"


def guests_dir() -> Path:
    return BUILD / "guests"


def guest_images() -> list:
    """Every built guest image (build/guests/*.elf), by name."""
    return sorted(guests_dir().glob("*.elf"))


def default_iso() -> Path:
    return BUILD / "godwit.iso"
