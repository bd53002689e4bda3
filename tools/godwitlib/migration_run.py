"""Shared by `demo`, `migrate`, `bench migrate` and the migration test: two nodes
that may migrate guests to each other, starting guests, running one migration while
following its rounds, and reading what the guests print.

    with migration_nodes(("qemu", "bochs"), run_root) as (a, b):
        wait_booted((a, b))
        guest = start_guest(a, "new dirtier mem=16M wss=1M")
        result = migrate(a, guest, b, on_round=print)
        assert result.succeeded and result.running_on_destination
"""
import json
import re
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

from . import paths
from .network import NODES, LinkedNodes

# Both nodes must share it; the kernel refuses migrations without one.
MIGRATE_KEY = "godwit-shared-secret"
GUEST_IMAGES = ("dirtier", "counter", "cpuid", "echo", "netabuse", "loadgen")
BOOT_TIMEOUT = 180
PAGE = 4096
MIB = 1 << 20


class MigrationFailure(AssertionError):
    """Something a migration run relies on did not happen; the message says what."""


def migration_nodes(emulators, run_root, command_line="", **options) -> LinkedNodes:
    """Two nodes (or `count=`) on one link with the shared key and the guest images as
    modules; `emulators` is one for all nodes or one per node (see LinkedNodes);
    `command_line`: more words for every node's command line."""
    modules = []
    for name in GUEST_IMAGES:
        image = paths.guests_dir() / f"{name}.elf"
        if not image.exists():
            raise MigrationFailure(f"guest image {image} is missing: build first")
        modules.append((image, f"image={name}"))
    extra = f"migrate_key={MIGRATE_KEY} {command_line}".strip()
    return LinkedNodes(emulators, run_root, extra_command_line=extra, modules=modules, **options)


def wait_booted(nodes, timeout=BOOT_TIMEOUT):
    for node in nodes:
        node.console.wait_event("boot", timeout)


def start_guest(node, line) -> int:
    """Runs a `new ...` shell line; returns the new guest's id."""
    output = node.console.command(line, 60)
    match = re.search(r"guest (\d+) \(", output)
    if match is None:
        raise MigrationFailure(f"node {node.spec.name}: '{line}' started no guest: {output.strip()!r}")
    return int(match.group(1))


@dataclass
class Migration:
    """What one `migrate` shell command reported on the source, and what the destination
    reported (its migration_received event, on success or failure; empty when it said
    nothing, e.g. it died or never heard of the migration)."""
    guest_id: int
    target: str
    start: dict = field(default_factory=dict)
    rounds: list = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    arrival: dict = field(default_factory=dict)
    output: str = ""
    wall_s: float = 0.0  # host wall clock for the whole command

    @property
    def succeeded(self) -> bool:
        return self.summary.get("outcome") == "succeeded"

    @property
    def split(self) -> bool:
        """Failed after the switch (post-copy, hybrid): the guest can run nowhere."""
        return self.summary.get("outcome") == "split"

    @property
    def running_on_destination(self) -> bool:
        return self.arrival.get("outcome") == "running"


# Up to the newline: a line still arriving may already end in "}" (nested objects).
EVENT_LINE = r'^@event (\{"event":"migration_(?:start|round|summary)".*\})\r?\n'


def ip_of(node) -> str:
    return next(address.ip for address in NODES if address.name == node.spec.name)


MODES = ("stop-and-copy", "pre-copy", "post-copy", "hybrid")


def migrate(source, guest_id, destination, downtime_ms=None, max_rounds=None, verify=False,
            on_round: Optional[Callable[[dict], None]] = None, timeout=600.0, protect=None,
            via=None, extra=(), mode=None) -> Migration:
    """Types `migrate` on the source and follows it to its summary and the next prompt,
    calling on_round(event) as each round's event arrives; then collects the
    destination's migration_received (waiting for it on success; briefly on failure,
    when the destination may be gone). verify: `migrate --verify`; protect: `--protect
    integrity|encrypted`; via: the address:port the source connects to instead of the
    destination's (an on-path relay); extra: more option words; mode: `--mode` (one of
    MODES; None leaves the node's default, pre-copy)."""
    line = f"migrate {guest_id} {via or ip_of(destination)}"
    if mode is not None:
        line += f" --mode {mode}"
    if downtime_ms is not None:
        line += f" --downtime-ms {downtime_ms}"
    if max_rounds is not None:
        line += f" --max-rounds {max_rounds}"
    if verify:
        line += " --verify"
    if protect:
        line += f" --protect {protect}"
    for word in extra:  # e.g. ("--when-quiet", "50", "--for", "3")
        line += f" {word}"
    arrivals_before = len(destination.console.events("migration_received"))
    incoming_before = len(destination.console.events("migration_incoming"))
    console = source.console
    started = time.monotonic()
    # Checked typing: under Bochs on a busy machine a byte can arrive twice or not at all.
    first = console.enter(line, 30)
    result = Migration(guest_id, ip_of(destination))
    while not result.summary:
        event = json.loads(console.expect(EVENT_LINE, started + timeout - time.monotonic()).group(1))
        event["host_mono_s"] = time.monotonic()  # when this process saw it: see source_clock_zero
        kind = event["event"]
        if kind == "migration_start":
            result.start = event
        elif kind == "migration_round":
            result.rounds.append(event)
            if on_round:
                on_round(event)
        else:
            result.summary = event
    last = console.expect(r"^godwit> ", 60).start()
    result.wall_s = time.monotonic() - started
    result.output = console.text[first:last]
    if result.succeeded:
        result.arrival = wait_for_event(destination, "migration_received", after=arrivals_before)
    elif len(destination.console.events("migration_incoming")) > incoming_before:
        try:  # what the destination said about it, if it is still there to say it
            result.arrival = wait_for_event(destination, "migration_received", after=arrivals_before, timeout=5)
        except MigrationFailure:
            pass
    return result


def source_clock_zero(result: Migration) -> Optional[float]:
    """The host's monotonic time (s) at which the source's uptime clock (t_ms) read 0,
    from when its migration events were seen: each event is seen a little after it was
    written, so the earliest estimate is the best."""
    events = [e for e in [result.start, *result.rounds, result.summary] if "host_mono_s" in e and "t_ms" in e]
    return min(e["host_mono_s"] - e["t_ms"] / 1000 for e in events) if events else None


def source_clock_rate(result: Migration) -> Optional[float]:
    """Host seconds per second of the source's uptime clock over the migration (from
    migration_start to the summary, as this process saw them). About 1 under QEMU; under
    Bochs, whose clock follows executed instructions (decision 0003), it is well above 1
    on a loaded host, and every duration the node reports (the downtime too) is that
    many times shorter than what a client on the host measures."""
    start, end = result.start, result.summary
    if "host_mono_s" not in start or "host_mono_s" not in end or end.get("t_ms", 0) <= start.get("t_ms", 0):
        return None
    return (end["host_mono_s"] - start["host_mono_s"]) / ((end["t_ms"] - start["t_ms"]) / 1000)


def destination_said(result: Migration) -> str:
    """The destination's verdict in words, for a person: "running as guest 3", "failed:
    memory digest mismatch", or "nothing received"."""
    arrival = result.arrival
    if not arrival:
        return "nothing received"
    if arrival.get("outcome") == "running":
        return f"running as guest {arrival.get('guest_id')}"
    return f"{arrival.get('outcome')}: {arrival.get('reason', 'no reason given')}"


def wait_for_event(node, name, after=0, timeout=60.0, **fields) -> dict:
    """The first @event `name` with those fields among all of the node's events from
    index `after` on (of that name), whatever commands have read since."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for event in node.console.events(name)[after:]:
            if all(event.get(k) == v for k, v in fields.items()):
                return event
        time.sleep(0.1)
    raise MigrationFailure(f"node {node.spec.name}: no @event {name} {fields or ''} within {timeout:.0f} s:\n"
                           f"{node.console.tail()}")


# What a node needs besides its guests' RAM: the hypervisor, its heap and frame bitmap,
# the guests' nested page tables and frame lists, the migration buffers.
NODE_OVERHEAD_MIB = 256
DEFAULT_NODE_MIB = 256


def node_memory_mib(guest_mib: int, requested=None) -> int:
    """The memory of each node for a guest of guest_mib: `requested` (--node-mem) when
    given, else enough for the guest and the hypervisor, at least DEFAULT_NODE_MIB."""
    if requested:
        return requested
    return max(DEFAULT_NODE_MIB, guest_mib + NODE_OVERHEAD_MIB)


def size_mib(text: str) -> int:
    """'64M', '1G' or a plain number of MiB."""
    units = {"M": 1, "G": 1024}
    number, unit = (text[:-1], text[-1].upper()) if text[-1].upper() in units else (text, "M")
    if not number.isdigit() or int(number) == 0:
        raise ValueError(f"not a size in MiB: {text}")
    return int(number) * units[unit]


# --- what the guests print -------------------------------------------------------------
def dirtier_reports(node, guest_id):
    """(writes, verified, pass) of each `dirtier: ok` line of that guest, in order."""
    pattern = rf"^\[g{guest_id} dirtier\] dirtier: ok writes=(\d+) verified=(\d+) pass=(\d+)"
    return [tuple(int(x) for x in m.groups()) for m in re.finditer(pattern, node.console.text, re.M)]


def dirtier_corrupt(node):
    """The first `dirtier: CORRUPT` line on that node, or None."""
    match = re.search(r"^\[g\d+ dirtier\] dirtier: CORRUPT.*$", node.console.text, re.M)
    return match.group(0) if match else None


def wait_dirtier_report(node, guest_id, more_than=0, timeout=60.0):
    """Waits for a `dirtier: ok` line of that guest with more writes than `more_than`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reports = [r for r in dirtier_reports(node, guest_id) if r[0] > more_than]
        if reports:
            return reports[-1]
        if dirtier_corrupt(node):
            raise MigrationFailure(f"node {node.spec.name}: {dirtier_corrupt(node)}")
        time.sleep(0.2)
    raise MigrationFailure(f"node {node.spec.name}: guest {guest_id} printed no `dirtier: ok` with more than "
                           f"{more_than} writes within {timeout:.0f} s:\n{node.console.tail()}")


def counter_lines(node, guest_id):
    """(n, guest ms) of each line the counter guest printed, in order."""
    pattern = rf"^\[g{guest_id} counter\] counter (\d+) t=(\d+)"
    return [(int(n), int(t)) for n, t in re.findall(pattern, node.console.text, re.M)]


def wait_counter(node, guest_id, beyond, timeout=30.0):
    """Waits until the counter printed an n above `beyond`; returns its lines."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = counter_lines(node, guest_id)
        if lines and lines[-1][0] > beyond:
            return lines
        time.sleep(0.2)
    raise MigrationFailure(f"node {node.spec.name}: counter guest {guest_id} did not count past {beyond} "
                           f"within {timeout:.0f} s:\n{node.console.tail()}")


def guest_state(node, guest_id) -> str:
    """The `guests` row of that guest ("running ...", "ended ... migrated ..."), or ""."""
    listing = node.console.command("guests")
    match = re.search(rf"^\s*{guest_id}\s+\S+\s+(.*)$", listing, re.M)
    return match.group(1).strip() if match else ""


def node_events(nodes):
    """Every @event of the nodes, each tagged with its node's name, node by node."""
    tagged = []
    for node in nodes:
        for event in node.console.events():
            tagged.append({"node": node.spec.name, **event})
    return tagged
