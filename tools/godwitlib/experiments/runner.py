"""One point of an experiment on a booted pair of nodes: start the guests on node a, wait
until the migrated guest is ready (a dirtier has filled its working set, by its dirty
rate; a loadgen with a network serves echo), measure each guest's CPU share, migrate it to node b with the
existing tooling (migration_run.migrate) while the host's UDP probe (client_probe.UdpProbe)
talks to it when it has a network, and return one data row; then end the guests so the
next point starts from empty nodes.

Nodes are booted once per node size and reused for every point, repeat and experiment that
needs that size; a run that breaks the console conversation (a timeout) ends that pair, and
the next point boots a fresh one.
"""
import re
import time

from ..client_probe import UdpProbe
from ..migration_run import (MigrationFailure, guest_state, migrate, migration_nodes, node_memory_mib,
                             start_guest, wait_booted)
from .sweeps import Experiment, Point

# Columns of data.csv, in order; data.jsonl has the same keys.
COLUMNS = ("experiment", "figure", "point", "repeat", "emulator", "link_mbit", "node_mem_mib", "mode",
           "mem_mib", "wss", "rate", "load_percent", "cpu_load", "background_rate", "background_load_percent",
           "background_load", "outcome", "stop_reason", "total_ms", "downtime_ms", "client_gap_ms",
           "client_sent", "client_received", "client_interval_ms", "rounds", "pages_sent", "zero_pages",
           "wire_bytes", "required_bytes", "digest_verified", "running_on_b", "host_wall_s", "load_source",
           "migrated_line", "background_line", "error")
# Only in data.jsonl: the probe's replies per 100 ms (the reply-rate timeline).
JSONL_ONLY = ("client_replies_per_100ms",)
MEASURE_S = 2.0
MEASURE_QUICK_S = 1.0  # --quick: a coarser share, a faster sweep
# The probe runs this long before the migration (a baseline of replies) and after it (the
# guest answering from node b: a gap only counts when replies resume).
PROBE_LEAD_S = 1.0
PROBE_TAIL_S = 1.5
PROBE_QUICK_S = (0.5, 1.0)  # --quick: (lead, tail)
# Guest addresses: a fresh one for every run (10.0.0.100-199), so no ARP entry the host's
# link learnt for an earlier run's guest (another MAC) is ever in play.
GUEST_IP_BASE, GUEST_IP_COUNT = 100, 100


def guest_ip(run_index: int) -> str:
    return f"10.0.0.{GUEST_IP_BASE + run_index % GUEST_IP_COUNT}"


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


def wait_filled(node, guest_id, rate: int, timeout: float):
    """A dirtier first writes its whole working set flat out, then `rate` pages/s: waits
    until the node's dirty-rate logger (a `dirtyrate` event per guest per second) shows
    two windows in a row at most twice its rate plus 200 pages/s. A window during the fill
    is far above that, and the fill runs without a break, so two low ones mean it is over.
    (Its CPU share said so before; with every guest's writes tracked all the time, the
    hypervisor's fault handling takes enough of a filling guest's share to look settled.)"""
    limit = 2 * rate + 200
    deadline = time.monotonic() + timeout
    low = 0
    while low < 2:
        left = deadline - time.monotonic()
        if left <= 0:
            raise MigrationFailure(f"node {node.spec.name}: guest {guest_id} still wrote more than {limit} pages/s "
                                   f"after {timeout:.0f} s (filling its working set?)")
        event = node.console.wait_event("dirtyrate", left, id=guest_id)
        low = low + 1 if event.get("pages_per_s", limit + 1) <= limit else 0


def end_guest(node, guest_id):
    """Ends a guest if it still lives there (after a failed migration, say). A guest waiting
    for its timer is "blocked": it holds its memory all the same, so anything not ended goes."""
    state = guest_state(node, guest_id) if guest_id is not None else ""
    if state and not state.startswith("ended"):
        node.console.command(f"kill {guest_id}")


def client_columns(summary: dict, stopped_mono_s: float, interval_ms: float) -> dict:
    """The probe's columns. Its longest gap is between two replies, so it only means
    something when replies came at all and went on until the probe was stopped (at
    `stopped_mono_s`, host monotonic: the guest answered from node b); otherwise
    client_gap_ms stays empty and `client_error` says why."""
    bins = summary.get("replies_per_100ms") or []
    probe_s = stopped_mono_s - summary.get("start_mono_ns", 0) / 1e9
    columns = {"client_sent": summary.get("sent"), "client_received": summary.get("received"),
               "client_interval_ms": interval_ms, "client_replies_per_100ms": bins, "client_gap_ms": None}
    if not summary.get("received"):
        columns["client_error"] = "the UDP probe got no reply at all"
    elif len(bins) * 0.1 < probe_s - 0.6:
        columns["client_error"] = (f"the UDP probe's replies stopped {probe_s - len(bins) * 0.1:.1f} s before "
                                   "it ended (the guest did not answer from node b)")
    else:
        columns["client_gap_ms"] = summary.get("longest_gap_ms")
    return columns


def run_point(a, b, link, experiment: Experiment, point: Point, ip: str, probe_log=None,
              interval_ms: float = 2.0, quick: bool = False) -> dict:
    """Starts the point's guests on node a (the migrated one at `ip` when it has a
    network), measures their CPU shares, migrates the first to b, probing it from the
    host side; the result columns. quick: shorter measurements (--quick)."""
    measure_s = MEASURE_QUICK_S if quick else MEASURE_S
    lead_s, tail_s = PROBE_QUICK_S if quick else (PROBE_LEAD_S, PROBE_TAIL_S)
    background = None
    guest = None
    arrived = None
    probe = None
    migrated = point.migrated
    try:
        if point.background:
            background = start_guest(a, point.background.line())
        line = migrated.line(ip)
        guest = start_guest(a, line)
        if migrated.net:
            a.console.expect(rf"\[g{guest} loadgen\] loadgen: serving echo", 60)
        if migrated.image == "dirtier" and migrated.rate != 0:
            wait_filled(a, guest, migrated.rate, 60 + migrated.wss_mib / 4)
        ids = [guest] + ([background] if background else [])
        shares = cpu_shares(a, ids, measure_s)
        client = {}
        if migrated.net:
            probe = UdpProbe(link, ip, interval_ms, probe_log)
            time.sleep(lead_s)
        try:
            moved = migrate(a, guest, b, mode=None if point.mode == "pre-copy" else point.mode)
            arrived = moved.arrival.get("guest_id")
            if probe and moved.succeeded:
                time.sleep(tail_s)
        finally:
            if probe:
                stopped = time.monotonic()
                summary, probe = probe.stop(), None
                client = client_columns(summary, stopped, interval_ms)
        summary = moved.summary
        error = None if moved.succeeded else summary.get("reason", "the migration failed")
        if moved.succeeded and not moved.running_on_destination:
            error = f"node b did not run the guest: {moved.arrival or 'it said nothing'}"
        if error is None and client.get("client_error"):
            error = client["client_error"]
        return {
            "migrated_line": line,
            "cpu_load": round(100 * shares[guest], 1),
            "background_load": round(100 * shares[background], 1) if background else None,
            "outcome": summary.get("outcome"), "stop_reason": summary.get("stop_reason"),
            "total_ms": summary.get("total_ms"), "downtime_ms": summary.get("downtime_ms"),
            "rounds": summary.get("rounds"), "pages_sent": summary.get("pages_sent"),
            "zero_pages": summary.get("zero_pages"), "wire_bytes": summary.get("wire_bytes"),
            "required_bytes": summary.get("required_bytes"), "digest_verified": summary.get("digest_verified"),
            "running_on_b": moved.running_on_destination, "host_wall_s": round(moved.wall_s, 3),
            **{k: v for k, v in client.items() if k != "client_error"},
            "error": error,
        }
    finally:
        if probe:
            probe.stop()
        end_guest(b, arrived)
        end_guest(a, guest)
        end_guest(a, background)
