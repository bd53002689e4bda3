"""Starting and stopping one Godwit node in an emulator.

  qemu   QEMU software emulation (TCG): AMD-V with nested paging, virtio-net.
  bochs  Bochs: VT-x with EPT (and PML), e1000.
  kvm    QEMU with KVM on an Intel host: real VT-x, nested.

Each node gets a run directory with its console log, the emulator's own log and, for
Bochs, the generated bochsrc. COM1 is a pseudo-terminal owned by the caller.
"""
import os
import shutil
import signal
import subprocess
import time
import tty
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .console import Console

EMULATORS = ("qemu", "bochs", "kvm")
# Bochs' clock follows instructions executed; at 50 M instructions per emulated second
# its clock runs close to wall time on these machines (docs/decisions/0003-*.md).
BOCHS_IPS = 50_000_000
QEMU_CPU = "qemu64,+svm,+npt"


@dataclass
class NicSpec:
    """The node's NIC and its side of the link (see tools/godwitlib/network.py).
    QEMU: virtio-net-pci on a `-netdev stream` over 127.0.0.1:port (listen=True: this node
    is the listener and must start first). Bochs: e1000 on bxhub's UDP port `port`."""
    mac: str
    port: int
    listen: bool = False


@dataclass
class NodeSpec:
    name: str
    emulator: str
    iso: Path
    run_dir: Path
    memory_mib: int = 256
    nic: Optional[NicSpec] = None
    # Runs the emulator through this prefix (e.g. nsenter into a private network namespace).
    command_prefix: list = field(default_factory=list)


def kvm_unusable_reason():
    """None when QEMU can use KVM with VT-x visible to its guest; else why not."""
    if not os.path.exists("/dev/kvm"):
        return "there is no /dev/kvm (no KVM in this kernel, or not exposed to this machine)"
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return "/dev/kvm is not readable and writable by this user (join the 'kvm' group)"
    flags = ""
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("flags"):
                flags = line
                break
    if " vmx" not in flags:
        return ("this CPU shows no VT-x ('vmx' flag) to Linux, so KVM cannot offer nested "
                "VT-x; Godwit's kvm mode needs an Intel host with VT-x")
    nested = Path("/sys/module/kvm_intel/parameters/nested")
    if not nested.exists() or nested.read_text().strip() not in ("Y", "1"):
        return ("kvm_intel's nested virtualization is off: "
                "'modprobe -r kvm_intel && modprobe kvm_intel nested=1'")
    return None


def qemu_command(spec: NodeSpec, serial: str):
    command = ["qemu-system-x86_64", "-m", f"{spec.memory_mib}M", "-smp", "1",
               "-cdrom", str(spec.iso), "-boot", "d", "-display", "none", "-no-reboot",
               "-monitor", "none", "-serial", serial,
               "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    command += qemu_nic_arguments(spec.nic)
    if spec.emulator == "kvm":
        return command + ["-accel", "kvm", "-cpu", "host,+vmx"]
    return command + ["-accel", "tcg", "-cpu", QEMU_CPU]


def qemu_nic_arguments(nic: Optional[NicSpec]):
    """Modern virtio-net (1af4:1041) without its option ROM, on a TCP stream to the peer
    over loopback only; no NIC at all without a NicSpec (QEMU would add an e1000)."""
    if nic is None:
        return ["-nic", "none"]
    server = "on" if nic.listen else "off"
    return ["-netdev", f"stream,id=link,server={server},addr.type=inet,addr.host=127.0.0.1,"
                       f"addr.port={nic.port}",
            "-device", f"virtio-net-pci,netdev=link,mac={nic.mac},disable-legacy=on,romfile="]


def bochs_config(spec: NodeSpec, serial: str) -> str:
    return "\n".join([
        f"megs: {spec.memory_mib}",
        f"cpu: model=corei7_skylake_x, count=1, ips={BOCHS_IPS}, reset_on_triple_fault=0",
        "romimage: file=/usr/share/bochs/BIOS-bochs-latest",
        "vgaromimage: file=/usr/share/vgabios/vgabios.bin",
        f"ata0-master: type=cdrom, path={spec.iso}, status=inserted",
        "boot: cdrom",
        "clock: sync=none, time0=local",
        f"com1: enabled=1, mode=term, dev={serial}",
        "display_library: term",
        "pci: enabled=1, chipset=i440fx" + (", slot1=e1000" if spec.nic else ""),
        *bochs_nic_lines(spec.nic),
        "speaker: enabled=0",
        "sound: driver=dummy",
        "panic: action=fatal",
        "error: action=report",
        f"log: {spec.run_dir / 'bochs.log'}",
        "",
    ])


def bochs_nic_lines(nic: Optional[NicSpec]):
    """An e1000 on bxhub's port. Bochs binds 0.0.0.0 (ethdev=127.0.0.1:PORT is broken in
    2.7), so network.py runs it inside a private network namespace."""
    if nic is None:
        return []
    return [f"e1000: enabled=1, mac={nic.mac}, ethmod=socket, ethdev={nic.port}"]


class Node:
    """One emulator process running Godwit. Use as a context manager in tests."""

    def __init__(self, spec: NodeSpec, console: bool = True):
        if spec.emulator not in EMULATORS:
            raise ValueError(f"unknown emulator '{spec.emulator}' (use {', '.join(EMULATORS)})")
        if spec.emulator == "kvm" and (why := kvm_unusable_reason()):
            raise SystemExit(f"godwit: cannot use --emulator kvm: {why}")
        self.spec = spec
        spec.run_dir.mkdir(parents=True, exist_ok=True)
        self.master, slave = os.openpty()
        tty.setraw(slave)
        self._slave = slave
        self.serial_device = os.ttyname(slave)
        self.console = Console(spec.name, self.master, spec.run_dir / "console.log") if console else None
        self.process = None
        self.started_at = None

    def start(self):
        spec = self.spec
        emulator_log = open(spec.run_dir / "emulator.log", "w")
        env = dict(os.environ)
        if spec.emulator == "bochs":
            rc = spec.run_dir / "bochsrc"
            rc.write_text(bochs_config(spec, self.serial_device))
            (spec.run_dir / "bochs.commands").write_text("continue\nquit\n")
            command = ["bochs", "-q", "-f", str(rc), "-rc", str(spec.run_dir / "bochs.commands")]
            env["TERM"] = "xterm"
        else:
            command = qemu_command(spec, self.serial_device)
        for tool in command[:1]:
            if shutil.which(tool) is None:
                raise SystemExit(f"godwit: {tool} is missing: run tools/godwit setup")
        command = list(spec.command_prefix) + command
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=emulator_log,
                                        stderr=subprocess.STDOUT, env=env, start_new_session=True)
        return self

    def wait(self, timeout: float):
        """Waits for the emulator to end; returns its exit status or None on timeout."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        """Ends the emulator (its whole process group) if it still runs."""
        if self.process and self.process.poll() is None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(self.process.pid, sig)
                except ProcessLookupError:
                    break
                if self.wait(3) is not None:
                    break
        if self.console:
            self.console.close()
        for fd in (self.master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
