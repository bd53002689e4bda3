"""Starting and stopping one Godwit node in an emulator.

  qemu   QEMU software emulation (TCG): AMD-V with nested paging, virtio-net.
  bochs  Bochs: VT-x with EPT (and PML), e1000.
  kvm    QEMU with KVM on an Intel host: real VT-x, nested.

Each node gets a run directory with its console log, the emulator's own log and, for
Bochs, the generated bochsrc. COM1 is a pseudo-terminal owned by the caller.
"""
import argparse
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
    """The node's NIC and its side of the link (see tools/godwitlib/network.py): QEMU's
    virtio-net-pci or Bochs' e1000 on the tap device `tap` of the run's bridge (the
    emulator must run inside the run's network namespace, where the tap is)."""
    mac: str
    tap: str


@dataclass
class NodeSpec:
    name: str
    emulator: str
    iso: Path
    run_dir: Path
    memory_mib: int = 256
    nic: Optional[NicSpec] = None
    # Runs the emulator through this prefix (nsenter into the run's network namespace).
    command_prefix: list = field(default_factory=list)


def parse_emulators(text: str) -> tuple:
    """'qemu' -> ('qemu',); 'qemu,bochs' -> ('qemu', 'bochs'): one emulator per node, in
    node order (a, b, ...). For argparse's type=."""
    names = tuple(name.strip() for name in text.split(","))
    for name in names:
        if name not in EMULATORS:
            raise argparse.ArgumentTypeError(f"unknown emulator '{name}' (use {', '.join(EMULATORS)}, "
                                             "or one per node: qemu,bochs)")
    return names


def emulators_name(emulators) -> str:
    """A name for a run's emulators, for run directories and reports: 'qemu' when every
    node runs under QEMU, 'qemu-bochs' for a mixed pair."""
    emulators = tuple(emulators)
    return emulators[0] if len(set(emulators)) == 1 else "-".join(emulators)


def describe_emulators(emulators) -> str:
    """'qemu' when all nodes run under QEMU, else 'qemu (node a), bochs (node b)'."""
    emulators = tuple(emulators)
    if len(set(emulators)) == 1:
        return emulators[0]
    return ", ".join(f"{emulator} (node {name})" for emulator, name in zip(emulators, "abcd"))


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
    """Modern virtio-net (1af4:1041) without its option ROM, on the run's tap device; no
    NIC at all without a NicSpec (QEMU would add an e1000)."""
    if nic is None:
        return ["-nic", "none"]
    return ["-netdev", f"tap,id=link,ifname={nic.tap},script=no,downscript=no",
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
    """An e1000 on the run's tap device (Bochs' tuntap module). Bochs drops unicast frames
    not addressed to this MAC, whatever the driver writes to RAL0/RAH0."""
    if nic is None:
        return []
    return [f"e1000: enabled=1, mac={nic.mac}, ethmod=tuntap, ethdev=/dev/net/tun:{nic.tap}"]


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
        self._emulator_log = None

    def start(self):
        spec = self.spec
        self._emulator_log = open(spec.run_dir / "emulator.log", "w")
        env = dict(os.environ)
        if spec.emulator == "bochs":
            rc = spec.run_dir / "bochsrc"
            rc.write_text(bochs_config(spec, self.serial_device))
            (spec.run_dir / "bochs.commands").write_text("continue\nquit\n")
            command = ["bochs", "-q", "-f", str(rc), "-rc", str(spec.run_dir / "bochs.commands")]
            env["TERM"] = "xterm"
        else:
            command = qemu_command(spec, self.serial_device)
        for tool in (command[0], "setpriv"):
            if shutil.which(tool) is None:
                raise SystemExit(f"godwit: {tool} is missing: run tools/godwit setup")
        # The emulator dies with this tool even when the tool is killed (SIGKILL leaves no
        # chance to clean up): setpriv sets the parent-death signal and then runs the
        # emulator, after nsenter has entered the run's namespace. The signal fires when
        # the thread that started the node ends, so start nodes from the main thread.
        command = list(spec.command_prefix) + ["setpriv", "--pdeathsig", "KILL", "--"] + command
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=self._emulator_log,
                                        stderr=subprocess.STDOUT, env=env, start_new_session=True)
        return self

    def wait(self, timeout: float):
        """Waits for the emulator to end; returns its exit status or None on timeout."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self):
        """Ends the emulator at once (SIGKILL to its process group), as if its machine lost
        power, and reaps it: once this returns its tap is free for a new emulator."""
        if self.process and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.process:
            self.process.wait()

    def stop(self):
        """Ends the emulator (its whole process group) if it still runs, and reaps it.
        Bochs ignores SIGTERM, so it gets SIGKILL straight away; QEMU gets SIGTERM first."""
        if self.process and self.process.poll() is None and self.spec.emulator != "bochs":
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            self.wait(3)
        self.kill()
        if self._emulator_log:
            self._emulator_log.close()
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
