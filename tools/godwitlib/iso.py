"""Bootable ISOs: GRUB (BIOS) loading the hypervisor and guest images via Multiboot2.

QEMU's -kernel cannot load a Multiboot2 ELF, and Bochs has no such option at all, so
both emulators boot a CD image made by grub-mkrescue.
"""
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class BootConfig:
    """What one node boots: the hypervisor command line and the modules it gets."""
    kernel: Path
    command_line: str = ""
    # (image path, module command line), in order; the hypervisor sees them in this order.
    modules: list = field(default_factory=list)


def guest_modules(images) -> list:
    """Boot modules for guest images, each with the command line `image=<name>` under
    which the hypervisor's `new <name>` finds it."""
    return [(image, f"image={image.stem}") for image in images]


def grub_config(config: BootConfig) -> str:
    lines = [
        "set timeout=0",
        "set default=0",
        'menuentry "Godwit" {',
        f"  multiboot2 /boot/godwit.elf {config.command_line}".rstrip(),
    ]
    for index, (_, command_line) in enumerate(config.modules):
        lines.append(f"  module2 /boot/module{index}.elf {command_line}".rstrip())
    lines += ["  boot", "}", ""]
    return "\n".join(lines)


def make_iso(config: BootConfig, out: Path) -> Path:
    """Writes the ISO for `config` to `out` and returns it."""
    if shutil.which("grub-mkrescue") is None:
        raise RuntimeError("grub-mkrescue is missing: run tools/godwit setup")
    with tempfile.TemporaryDirectory(prefix="godwit-iso-") as tmp:
        root = Path(tmp)
        (root / "boot" / "grub").mkdir(parents=True)
        shutil.copy(config.kernel, root / "boot" / "godwit.elf")
        for index, (image, _) in enumerate(config.modules):
            shutil.copy(image, root / "boot" / f"module{index}.elf")
        (root / "boot" / "grub" / "grub.cfg").write_text(grub_config(config))
        out.parent.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            ["grub-mkrescue", "-d", "/usr/lib/grub/i386-pc", "-o", str(out), str(root),
             "--install-modules=multiboot2 normal iso9660 biosdisk",
             "--locales=", "--fonts=", "--themes="],
            capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"grub-mkrescue failed:\n{result.stderr}")
    return out
