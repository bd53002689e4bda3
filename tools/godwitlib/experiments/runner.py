"""One point of an experiment on a booted pair of nodes: start the guests on node a, wait
until the migrated guest has filled its working set, measure each guest's CPU share,
migrate it to node b with the existing tooling (migration_run.migrate), and return one
data row; then end the guests so the next point starts from empty nodes.

Nodes are booted once per experiment (with the memory its largest point needs) and reused
for every point and repeat; a run that breaks the console conversation (a timeout) ends
that pair, and the next point boots a fresh one.
"""
import re
import time

from ..migration_run import (MigrationFailure, guest_state, migrate, migration_nodes, node_memory_mib,
                             start_guest, wait_booted)
from .sweeps import Experiment, Point

# Columns of data.csv, in order; data.jsonl has the same keys.
COLUMNS = ("experiment", "figure", "point", "repeat", "emulator", "link_mbit", "node_mem_mib", "mode",
           "mem_mib", "wss", "rate", "cpu_load", "background_rate", "background_load", "outcome",
           "stop_reason", "total_ms", "downtime_ms", "client_gap_ms", "rounds", "pages_sent", "zero_pages",
           "wire_bytes", "required_bytes", "digest_verified", "running_on_b", "host_wall_s", "load_source",
           "migrated_line", "background_line", "error")
MEASURE_S = 2.0
SETTLE_SHARE = 0.9  # a guest still filling its working set runs flat out


def node_mib_for(experiment: Experiment, points, requested=None) -> int:
    """Every node of the experiment gets what its largest point needs on node a."""
    need = max(p.migrated.mem_mib + (p.background.mem_mib if p.background else 0) for p in points)
    return node_memory_mib(need, requested)


def open_pair(emulators, run_root, link_mbit, node_mib):
    """A started, booted pair (a LinkedNodes to stop later, and its two nodes)."""
    linked = migration_nodes(emulators, run_root, link_mbit=link_mbit, memory_mib=node_mib)
    nodes = linked.start()
    try:
        wait_booted(nodes)
    except BaseException:
        linked.stop()
        raise
    return linked, nodes


def uptime_ms(node) -> int:
    match = re.search(r"uptime:\s+(\d+)\.(\d{3}) s", node.console.command("info"))
    if match is None:
        raise MigrationFailure(f"node {node.spec.name}: `info` printed no uptime")
    return int(match.group(1)) * 1000 + int(match.group(2))


def cpu_ms(node, ids) -> dict:
    """Each guest's CPU time so far (ms), from the `guests` table's cpu ms column."""
    listing = node.console.command("guests")
    found = {}
    for guest_id in ids:
        match = re.search(rf"^\s*{guest_id}\s+\S+\s+\S+\s+\d+\s+\d+\s+(\d+)", listing, re.M)
        if match is None:
            raise MigrationFailure(f"node {node.spec.name}: guest {guest_id} not in `guests`:\n{listing}")
        found[guest_id] = int(match.group(1))
    return found


def cpu_shares(node, ids, seconds=MEASURE_S) -> dict:
    """Each guest's share of the node's CPU over about `seconds`: its CPU time over the
    node's uptime, both on the node's clock."""
    t0, c0 = uptime_ms(node), cpu_ms(node, ids)
    time.sleep(seconds)
    t1, c1 = uptime_ms(node), cpu_ms(node, ids)
    span = max(1, t1 - t0)
    return {guest_id: (c1[guest_id] - c0[guest_id]) / span for guest_id in ids}


def wait_settled(node, guest_id, timeout: float):
    """Waits until the guest no longer runs flat out (it has filled its working set)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cpu_shares(node, [guest_id], 1.0)[guest_id] < SETTLE_SHARE:
            return
    raise MigrationFailure(f"node {node.spec.name}: guest {guest_id} still ran flat out after {timeout:.0f} s "
                           "(filling its working set?)")


def end_guest(node, guest_id):
    """Ends a guest if it still lives there (after a failed migration, say). A guest waiting
    for its timer is "blocked": it holds its memory all the same, so anything not ended goes."""
    state = guest_state(node, guest_id) if guest_id is not None else ""
    if state and not state.startswith("ended"):
        node.console.command(f"kill {guest_id}")


def run_point(a, b, experiment: Experiment, point: Point) -> dict:
    """Starts the point's guests on node a, migrates the first to b; the result columns."""
    background = None
    guest = None
    arrived = None
    try:
        if point.background:
            background = start_guest(a, point.background.line)
        guest = start_guest(a, point.migrated.line)
        if point.migrated.rate != 0:
            wait_settled(a, guest, 60 + point.migrated.wss_mib / 4)
        ids = [guest] + ([background] if background else [])
        shares = cpu_shares(a, ids)
        moved = migrate(a, guest, b)
        arrived = moved.arrival.get("guest_id")
        summary = moved.summary
        return {
            "cpu_load": round(100 * shares[guest], 1),
            "background_load": round(100 * shares[background], 1) if background else None,
            "outcome": summary.get("outcome"), "stop_reason": summary.get("stop_reason"),
            "total_ms": summary.get("total_ms"), "downtime_ms": summary.get("downtime_ms"),
            "rounds": summary.get("rounds"), "pages_sent": summary.get("pages_sent"),
            "zero_pages": summary.get("zero_pages"), "wire_bytes": summary.get("wire_bytes"),
            "required_bytes": summary.get("required_bytes"), "digest_verified": summary.get("digest_verified"),
            "running_on_b": moved.running_on_destination, "host_wall_s": round(moved.wall_s, 3),
            "error": None if moved.succeeded else summary.get("reason", "the migration failed"),
        }
    finally:
        end_guest(b, arrived)
        end_guest(a, guest)
        end_guest(a, background)
