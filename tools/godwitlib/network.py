"""Two Godwit nodes on one Ethernet link, all on this machine, for tests and demos.

    with TwoNodes("qemu", run_root) as (a, b):
        a.console.wait_event("boot"); b.console.wait_event("boot")
        print(a.console.command("ping 10.0.0.2 3"))

Node a is 10.0.0.1/24 with MAC 52:54:00:00:00:01, node b 10.0.0.2/24 with ...:02.
Each node has its run directory (run_root/a, run_root/b) with console.log (its serial
console), emulator.log and, for Bochs, bochsrc and bochs.log.

The link never leaves this machine:
  qemu  virtio-net on a `-netdev stream` TCP connection over 127.0.0.1: node a listens,
        node b connects once a's port is listening (a client started before its listener
        never links and never retries). When b's QEMU dies, a's stream server listens
        again and a new node b can connect (restart_b). `kvm` is wired the same way.
  bochs e1000 on Bochs' socket module, through `bxhub -ports=2`. Both bind 0.0.0.0, so
        bxhub and both Bochs processes run inside a private network namespace that has
        only `lo` (a sleeping holder process owns it; the others enter it with nsenter).
        Needs root (or CAP_SYS_ADMIN) for the namespace. A restarted node b is a new
        Bochs on the same bxhub port.
"""
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from . import paths
from .emulators import Node, NicSpec, NodeSpec
from .iso import BootConfig, make_iso

BXHUB_BASE = 40000  # inside the private namespace, so no clash with anything else


@dataclass
class NodeAddress:
    name: str
    ip: str
    prefix: int
    mac: str

    @property
    def command_line(self) -> str:
        return f"ip={self.ip}/{self.prefix}"


NODES = (NodeAddress("a", "10.0.0.1", 24, "52:54:00:00:00:01"),
         NodeAddress("b", "10.0.0.2", 24, "52:54:00:00:00:02"))


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_listener(port: int, timeout: float = 15.0):
    """Waits until something listens on 127.0.0.1:port, without connecting to it (QEMU's
    stream server takes the first connection as its peer)."""
    wanted = f"0100007F:{port:04X}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open("/proc/net/tcp") as table:
            for line in table.readlines()[1:]:
                fields = line.split()
                if fields[1] == wanted and fields[3] == "0A":  # 0A: LISTEN
                    return
        time.sleep(0.05)
    raise RuntimeError(f"QEMU node a did not listen on 127.0.0.1:{port} within {timeout:.0f} s")


class PrivateNetwork:
    """A network namespace with only `lo`, held open by a sleeping process."""

    def __init__(self, log_path: Path):
        for tool in ("unshare", "nsenter", "ip"):
            if shutil.which(tool) is None:
                raise SystemExit(f"godwit: {tool} is missing: run tools/godwit setup")
        self._holder = subprocess.Popen(["unshare", "--net", "--", "sleep", "86400"],
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        self.prefix = ["nsenter", f"--net=/proc/{self._holder.pid}/ns/net", "--"]
        time.sleep(0.1)
        if self._holder.poll() is not None:
            raise SystemExit("godwit: cannot create a private network namespace (unshare --net "
                             "needs root or CAP_SYS_ADMIN); Bochs' networking binds 0.0.0.0 and "
                             "must not run outside one")
        subprocess.run(self.prefix + ["ip", "link", "set", "lo", "up"], check=True)
        self._log = open(log_path, "w")
        self.processes = []

    def start(self, command):
        process = subprocess.Popen(self.prefix + command, stdin=subprocess.DEVNULL, stdout=self._log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(process)
        return process

    def close(self):
        for process in self.processes + [self._holder]:
            if process.poll() is None:
                process.kill()
            process.wait()
        self._log.close()


class TwoNodes:
    """Starts nodes a and b wired to each other; stops both (and bxhub) on exit."""

    def __init__(self, emulator: str, run_root: Path, memory_mib: int = 256, extra_command_line: str = "",
                 modules=None, console: bool = True):
        if emulator not in ("qemu", "bochs", "kvm"):
            raise ValueError("two-node runs support --emulator qemu, bochs or kvm")
        self.emulator = emulator
        self.run_root = run_root
        self.memory_mib = memory_mib
        self.extra = extra_command_line
        self.modules = modules or []
        self.console = console
        self.nodes = []
        self.network = None
        self._nics = []
        self._restarts = 0

    def _spec(self, address: NodeAddress, nic: NicSpec, prefix) -> NodeSpec:
        run_dir = self.run_root / address.name
        run_dir.mkdir(parents=True, exist_ok=True)
        line = f"{address.command_line} node={address.name} {self.extra}".strip()
        iso = make_iso(BootConfig(paths.kernel_image(), line, self.modules), run_dir / "godwit.iso")
        return NodeSpec(address.name, self.emulator, iso, run_dir, self.memory_mib, nic, prefix)

    def start(self):
        self.run_root.mkdir(parents=True, exist_ok=True)
        try:
            if self.emulator in ("qemu", "kvm"):
                self._start_qemu()
            else:
                self._start_bochs()
        except BaseException:
            self.stop()
            raise
        return self.nodes

    def _start_qemu(self):
        port = free_loopback_port()
        a, b = NODES
        self._nics = [NicSpec(a.mac, port, listen=True), NicSpec(b.mac, port)]
        self.nodes.append(Node(self._spec(a, self._nics[0], []), self.console).start())
        wait_for_listener(port)
        self.nodes.append(Node(self._spec(b, self._nics[1], []), self.console).start())

    def _start_bochs(self):
        self.network = PrivateNetwork(self.run_root / "bxhub.log")
        self.network.start(["bxhub", "-ports=2", f"-base={BXHUB_BASE}"])
        time.sleep(0.2)
        for index, address in enumerate(NODES):
            self._nics.append(NicSpec(address.mac, BXHUB_BASE + 2 * index))
            self.nodes.append(Node(self._spec(address, self._nics[index], self.network.prefix), self.console).start())

    def kill_b(self):
        """Ends node b's emulator at once (SIGKILL), as if its machine lost power; its
        console stays readable until restart_b."""
        process = self.nodes[1].process
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def restart_b(self):
        """Replaces node b by a freshly booted one (same address, ISO and link port), in
        run directory b.N so the old console log is kept. Returns the new node."""
        old = self.nodes[1]
        self.kill_b()
        old.stop()
        if self.emulator in ("qemu", "kvm"):
            wait_for_listener(self._nics[1].port)
        self._restarts += 1
        run_dir = self.run_root / f"b.{self._restarts}"
        spec = NodeSpec("b", self.emulator, old.spec.iso, run_dir, self.memory_mib, self._nics[1],
                        old.spec.command_prefix)
        self.nodes[1] = Node(spec, self.console).start()
        return self.nodes[1]

    def stop(self):
        for node in self.nodes:
            node.stop()
        if self.network:
            self.network.close()
            self.network = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
