"""The network of a run: Godwit nodes on one Ethernet link that the host side can reach.

    with LinkedNodes(("qemu", "bochs"), run_root) as (a, b):
        a.console.wait_event("boot"); b.console.wait_event("boot")
        print(a.console.command("ping 10.0.0.2 3"))

Every run gets a private network namespace of its own, so runs never see each other or
the machine's own network. A sleeping holder process keeps it alive; the emulators and
host-side clients enter it with nsenter:

    private network namespace of one run    (nsenter --net=/proc/<holder>/ns/net)
    +------------------------------------------------------------------------------+
    |   host side: br0 10.0.0.254/24  <- iputils ping, UDP/TCP clients run here   |
    |       |                                                                      |
    |       +-- tapa --- node a 10.0.0.1 52:54:00:00:00:01 (e.g. QEMU, virtio-net) |
    |       +-- tapb --- node b 10.0.0.2 52:54:00:00:00:02 (e.g. Bochs, e1000)     |
    |       +-- tapc, tapd: nodes c and d (up to 4)                                |
    +------------------------------------------------------------------------------+

QEMU attaches with `-netdev tap,ifname=tapX`, Bochs with `ethmod=tuntap`, so any mix of
emulators shares the bridge. `link_mbit` shapes each tap with tc's tbf: every frame a
node receives passes its tap's queue, so node-to-node traffic crosses one link of that
rate (frames from a node to the host side are not shaped).

Teardown on every exit path: stop() kills the emulators (Bochs ignores SIGTERM, so it
gets SIGKILL) and then the holder, and the namespace, bridge and taps vanish with the
last process inside. If the tool itself is killed, the parent-death signal (setpriv
--pdeathsig) kills the holder and the emulators with it.

Root creates the namespace with `unshare --net`. Other users get an unprivileged user
namespace (`unshare --user --map-root-user --net`), which can make the bridge and the
taps where /dev/net/tun is open to users; when neither works, Link says what is missing.

Each node has its run directory (run_root/a, run_root/b, ...) with console.log (its
serial console), emulator.log and, for Bochs, bochsrc and bochs.log; run_root/link.log
has the link's set-up.
"""
import os
import re
import shutil
import signal
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from . import paths
from .emulators import Node, NicSpec, NodeSpec
from .iso import BootConfig, make_iso

HOST_IP = "10.0.0.254"
PREFIX_LENGTH = 24
BRIDGE = "br0"
MAX_NODES = 4


@dataclass
class NodeAddress:
    name: str
    ip: str
    prefix: int
    mac: str

    @property
    def tap(self) -> str:
        return f"tap{self.name}"

    @property
    def command_line(self) -> str:
        return f"ip={self.ip}/{self.prefix}"


NODES = tuple(NodeAddress(name, f"10.0.0.{n}", PREFIX_LENGTH, f"52:54:00:00:00:{n:02x}")
              for n, name in enumerate("abcd", start=1))


def tbf_arguments(mbit: int) -> list:
    """tc tbf's parameters for a link of `mbit` Mbit/s. The bucket (burst) holds 4 ms of
    traffic at the rate, at least 4 KiB (more than one full-size frame, or nothing would
    ever pass). The queue holds 50 ms at the rate plus the bucket, but at least 256 KiB,
    so that one node's whole TCP window (lwIP's 128 segments, 187 KB) fits: with 50 ms
    at 10 Mbit (62 KB) tbf dropped frames and tcpbench got 6.5 Mbit/s instead of 9.45."""
    rate_bytes_s = mbit * 1_000_000 // 8
    burst = max(4096, rate_bytes_s // 250)
    limit = max(256 * 1024, rate_bytes_s // 20 + burst)
    return ["tbf", "rate", f"{mbit}mbit", "burst", str(burst), "limit", str(limit)]


class Link:
    """One run's network namespace with the bridge and one tap per node.

    open() builds it; prefix is the argv prefix that runs a command inside it;
    run_on_link()/popen_on_link() run host-side commands there; close() ends it."""

    def __init__(self, taps, log_path: Path, link_mbit: Optional[int] = None):
        self.taps = list(taps)
        self.link_mbit = link_mbit
        self.log_path = log_path
        self.prefix = []
        self.user_namespace = False
        self._holder = None
        self._log = None
        self._clients = []

    # --- building ---------------------------------------------------------------------
    def open(self):
        needed = ["unshare", "nsenter", "setpriv", "ip"] + (["tc"] if self.link_mbit else [])
        for tool in needed:
            if shutil.which(tool) is None:
                raise SystemExit(f"godwit: {tool} is missing: run tools/godwit setup")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "w")
        failures = []
        try:
            for user_namespace in ([False, True] if os.geteuid() == 0 else [True]):
                failure = self._try_open(user_namespace)
                if failure is None:
                    self._write_log(f"# enter it: {self.enter_command}\n")
                    return self
                failures.append(failure)
                self._end_holder()
        except BaseException:
            self.close()
            raise
        self.close()
        raise SystemExit(link_failure_message(failures))

    def _try_open(self, user_namespace: bool) -> Optional[str]:
        """Creates the namespace and the link in it; None on success, else what failed."""
        unshare = ["unshare"] + (["--user", "--map-root-user"] if user_namespace else []) + ["--net"]
        self._write_log(f"$ {' '.join(unshare)} -- setpriv --pdeathsig KILL -- sleep infinity\n")
        self._holder = subprocess.Popen(unshare + ["--", "setpriv", "--pdeathsig", "KILL", "--", "sleep", "infinity"],
                                        stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        if not self._wait_holder_ready():
            return f"`{' '.join(unshare)}` failed (see {self.log_path})"
        pid = self._holder.pid
        self.user_namespace = user_namespace
        # In the user namespace this user is root already; nsenter must not try setgroups
        # (--map-root-user denies it), hence --preserve-credentials.
        user = [f"--user=/proc/{pid}/ns/user", "--preserve-credentials"] if user_namespace else []
        self.prefix = ["nsenter"] + user + [f"--net=/proc/{pid}/ns/net", "--"]
        # A quiet link: no IPv6 chatter (router solicitations, MLD) for the nodes to drop.
        self._run_logged(["sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6; "
                                      "echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6"])
        batch = ["link set lo up", f"link add {BRIDGE} type bridge forward_delay 0",
                 f"addr add {HOST_IP}/{PREFIX_LENGTH} dev {BRIDGE}", f"link set {BRIDGE} up"]
        for tap in self.taps:
            batch += [f"tuntap add {tap} mode tap", f"link set {tap} master {BRIDGE}", f"link set {tap} up"]
        result = self._run_logged(["ip", "-batch", "-"], "\n".join(batch) + "\n")
        if result.returncode != 0:
            return f"creating the bridge and taps failed: {result.stdout.strip()}"
        if self.link_mbit:
            for tap in self.taps:
                result = self._run_logged(["tc", "qdisc", "replace", "dev", tap, "root"]
                                          + tbf_arguments(self.link_mbit))
                if result.returncode != 0:
                    raise SystemExit(f"godwit: cannot shape {tap} to {self.link_mbit} Mbit/s: "
                                     f"{result.stdout.strip()}")
        return None

    def _wait_holder_ready(self, timeout=10.0) -> bool:
        """True once the holder runs `sleep` (unshare has made the namespaces and mapped
        the user): entering it earlier could enter the machine's own network instead."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._holder.poll() is not None:
                return False
            try:
                if Path(f"/proc/{self._holder.pid}/comm").read_text().strip() == "sleep":
                    return True
            except OSError:
                pass
            time.sleep(0.02)
        return False

    def _run_logged(self, argv, stdin_text=None) -> subprocess.CompletedProcess:
        self._write_log(f"$ {' '.join(argv)}\n" + (stdin_text or ""))
        result = subprocess.run(self.prefix + argv, input=stdin_text, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, timeout=30)
        self._write_log(result.stdout)
        return result

    def _write_log(self, text):
        if self._log and text:
            self._log.write(text)
            self._log.flush()

    # --- using ------------------------------------------------------------------------
    @property
    def holder_pid(self) -> int:
        return self._holder.pid

    @property
    def enter_command(self) -> str:
        """What a person types in another terminal to be on the host side of the link: by
        itself it starts a shell there; followed by a command, it runs that command."""
        return " ".join(self.prefix[:-1])

    def run_on_link(self, argv, timeout: float = 60.0) -> subprocess.CompletedProcess:
        """Runs a host-side command on the link (inside the namespace) and waits for it;
        its output (stdout and stderr together) is in .stdout."""
        return subprocess.run(self.prefix + list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=timeout)

    def popen_on_link(self, argv, **popen_arguments) -> subprocess.Popen:
        """Starts a host-side command on the link; close() kills it if it still runs."""
        process = subprocess.Popen(self.prefix + ["setpriv", "--pdeathsig", "KILL", "--"] + list(argv),
                                   start_new_session=True, **popen_arguments)
        self._clients.append(process)
        return process

    # --- ending -----------------------------------------------------------------------
    def _end_holder(self):
        if self._holder:
            if self._holder.poll() is None:
                self._holder.kill()
            self._holder.wait()
            self._holder = None
        self.prefix = []

    def close(self):
        """Kills the host-side clients and the holder: the namespace, bridge and taps go
        with them (the emulators must have been stopped first)."""
        for process in self._clients:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        self._clients = []
        self._end_holder()
        if self._log:
            self._log.close()
            self._log = None


def link_failure_message(failures) -> str:
    """One message: what was tried, what failed, and what is missing on this machine."""
    missing = []
    if os.geteuid() != 0:
        tun = Path("/dev/net/tun")
        if not tun.exists():
            missing.append("/dev/net/tun does not exist (load the tun module: modprobe tun)")
        elif not os.access(tun, os.R_OK | os.W_OK):
            mode = stat.S_IMODE(tun.stat().st_mode)
            missing.append(f"/dev/net/tun is mode {mode:04o}, not open to this user (a standard Debian "
                           "desktop has 0666: sudo chmod 0666 /dev/net/tun)")
        limit = Path("/proc/sys/user/max_user_namespaces")
        if limit.exists() and limit.read_text().strip() == "0":
            missing.append("user namespaces are off (sysctl user.max_user_namespaces=0)")
        clone = Path("/proc/sys/kernel/unprivileged_userns_clone")
        if clone.exists() and clone.read_text().strip() == "0":
            missing.append("unprivileged user namespaces are off (sysctl kernel.unprivileged_userns_clone=0)")
    else:
        missing.append("root could not create a network namespace (a container without CAP_SYS_ADMIN?)")
    return ("godwit: cannot build this run's network (a bridge with a tap per node in a private network "
            f"namespace): {'; '.join(failures)}.\nWhat is missing: {'; '.join(missing) or 'see the log'}. "
            "Or run as root.")


def ping_from_host(link: Link, ip: str, count: int = 3, timeout: float = 30.0) -> dict:
    """iputils `ping` from the host side of the link (10.0.0.254): replies and average
    round trip, with the command's output."""
    argv = ["ping", "-n", "-c", str(count), "-i", "0.2", "-W", "2", ip]
    output = link.run_on_link(argv, timeout).stdout
    counts = re.search(r"(\d+) packets transmitted, (\d+) received", output)
    rtt = re.search(r"= [\d.]+/([\d.]+)/", output)
    return {"target": ip, "sent": int(counts.group(1)) if counts else 0,
            "received": int(counts.group(2)) if counts else 0,
            "rtt_avg_ms": float(rtt.group(1)) if rtt else None,
            "command": " ".join(argv), "output": output}


def node_emulators(emulators, count: Optional[int] = None) -> tuple:
    """One emulator per node: a single name is used for every node, a list (qemu,bochs)
    names each node's in order a, b, ..."""
    emulators = (emulators,) if isinstance(emulators, str) else tuple(emulators)
    count = count or max(2, len(emulators))
    if not 1 <= count <= MAX_NODES:
        raise SystemExit(f"godwit: a run has 1 to {MAX_NODES} nodes on its link, not {count}")
    if len(emulators) == 1:
        return emulators * count
    if len(emulators) != count:
        raise SystemExit(f"godwit: {len(emulators)} emulators ({','.join(emulators)}) for {count} nodes: "
                         "name one for all nodes or one per node")
    return emulators


class LinkedNodes:
    """Starts nodes a, b, ... on one link (their own Link); stops them all and the link
    on exit. As a context manager it gives the list of started nodes."""

    def __init__(self, emulators, run_root: Path, count: Optional[int] = None, memory_mib: int = 256,
                 extra_command_line: str = "", modules=None, console: bool = True,
                 link_mbit: Optional[int] = None):
        self.emulators = node_emulators(emulators, count)
        self.addresses = NODES[:len(self.emulators)]
        self.run_root = run_root
        self.memory_mib = memory_mib
        self.extra = extra_command_line
        self.modules = modules or []
        self.console = console
        self.link_mbit = link_mbit
        self.nodes = []
        self.link = None
        self._restarts = 0

    def _spec(self, index: int, run_dir: Path, iso: Optional[Path] = None) -> NodeSpec:
        address = self.addresses[index]
        run_dir.mkdir(parents=True, exist_ok=True)
        if iso is None:
            line = f"{address.command_line} node={address.name} {self.extra}".strip()
            iso = make_iso(BootConfig(paths.kernel_image(), line, self.modules), run_dir / "godwit.iso")
        return NodeSpec(address.name, self.emulators[index], iso, run_dir, self.memory_mib,
                        NicSpec(address.mac, address.tap), self.link.prefix)

    def start(self):
        self.run_root.mkdir(parents=True, exist_ok=True)
        try:
            self.link = Link([a.tap for a in self.addresses], self.run_root / "link.log", self.link_mbit).open()
            for index, address in enumerate(self.addresses):
                spec = self._spec(index, self.run_root / address.name)
                self.nodes.append(Node(spec, self.console).start())
        except BaseException:
            self.stop()
            raise
        return self.nodes

    def index_of(self, name: str) -> int:
        return next(i for i, address in enumerate(self.addresses) if address.name == name)

    def kill_node(self, name: str):
        """Ends that node's emulator at once (SIGKILL), as if its machine lost power; its
        console stays readable until restart_node."""
        self.nodes[self.index_of(name)].kill()

    def restart_node(self, name: str):
        """Replaces that node by a freshly booted one (same emulator, address, ISO and
        tap), in run directory <name>.N so the old console log is kept. The old emulator
        is killed and reaped first: a Bochs still holding the tap would stop the new one
        ("open failed on /dev/net/tun:tapb: Device or resource busy")."""
        index = self.index_of(name)
        old = self.nodes[index]
        old.stop()
        self._restarts += 1
        spec = self._spec(index, self.run_root / f"{name}.{self._restarts}", old.spec.iso)
        self.nodes[index] = Node(spec, self.console).start()
        return self.nodes[index]

    def kill_b(self):
        self.kill_node("b")

    def restart_b(self):
        return self.restart_node("b")

    def ping_from_host(self, node, count: int = 3) -> dict:
        """iputils ping from the host side (10.0.0.254) to that node."""
        return ping_from_host(self.link, self.addresses[self.nodes.index(node)].ip, count)

    def stop(self):
        for node in self.nodes:
            node.stop()
        if self.link:
            self.link.close()
            self.link = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
