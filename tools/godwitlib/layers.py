"""The layer rule of the tree, checked: each top-level folder is one layer and includes
only the layers below it (docs/architecture.md, "Layers"). `godwit lint` runs check().

A rule names, for the C++ files under a folder, the include paths they may use. Paths
are matched by prefix; anything not allowed is a violation. kernel/ and tests/ sit on top
and may include anything of the project. Headers of the system (<...>) and of lwIP are
not the project's layers and are not checked.
"""
import re
from pathlib import Path

# The kernel's base services that lower layers may use: logging and events, frames and
# the heap, the clock, panic, the boot command line. Not the shell, the main loop, the
# VM layer, the migration glue, the command table or main.
KERNEL_BASE = ("kernel/console/", "kernel/memory/", "kernel/time/", "kernel/panic.h")

RULES = {
    "lib": ("lib/",),
    "include": ("godwit/",),
    "arch": ("lib/", "godwit/", "include/godwit/", "arch/") + KERNEL_BASE,
    "drivers": ("lib/", "godwit/", "arch/", "drivers/") + KERNEL_BASE,
    "net": ("lib/", "arch/", "drivers/", "net/", "lwip/", "netif/", "kernel/boot/") + KERNEL_BASE,
    # Migration is pure: the stream, the policies and the engines over small ports. The
    # vCPU register file is data it carries (arch/x86/vcpu_state.h has no hardware code).
    "migration": ("lib/", "godwit/", "migration/", "arch/x86/vcpu_state.h"),
    # Guests are programs of their own. Besides the ABI and the base library they compile
    # a few pure files of the hypervisor's tree rather than writing them twice: the
    # driver-side virtqueue and virtio-net definitions, and lwIP with its port header.
    "guests": ("guests/", "godwit/", "lib/", "drivers/virtio/split_virtqueue.h",
               "drivers/virtio_net/virtio_net_defs.h", "net/lwip/arch/", "lwip/", "netif/"),
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
SUFFIXES = {".h", ".cpp", ".S"}


def violations(root: Path):
    """Yields (file, line number, included path, layer) for every include that runs the
    wrong way."""
    for layer, allowed in RULES.items():
        folder = root / layer
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.suffix not in SUFFIXES:
                continue
            text = path.read_text(errors="replace")
            for match in INCLUDE.finditer(text):
                included = match.group(1)
                if "/" not in included:  # a file beside this one, or a system-style name
                    continue
                if included.startswith(allowed):
                    continue
                line = text.count("\n", 0, match.start()) + 1
                yield path.relative_to(root), line, included, layer


def check(root: Path) -> bool:
    """Prints each violation; True when there is none."""
    clean = True
    for path, line, included, layer in violations(root):
        print(f"{path}:{line}: {layer}/ must not include \"{included}\" "
              f"(a layer includes only the layers below it; see docs/architecture.md)")
        clean = False
    return clean
