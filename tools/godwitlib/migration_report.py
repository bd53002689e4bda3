"""Text for people: a progress bar per migration round and the final summary table,
from the migration_round / migration_summary @event fields (migration/migration_stats.h)."""
from .migration_run import MIB, PAGE

BAR_WIDTH = 24


def bar(fraction: float, width: int = BAR_WIDTH) -> str:
    filled = max(0, min(width, round(fraction * width)))
    return "[" + "#" * filled + "." * (width - filled) + "]"


def round_line(event: dict, guest_pages: int) -> str:
    """One round: the bar is the share of the guest's pages this round sent, so a
    converging migration shows shrinking bars."""
    sent = event["pages_sent"]
    label = "final" if event["final"] else f"{event['round']:>5}"
    expected = event.get("expected_downtime_ms")
    if event["final"]:
        note = "  (guest paused: stop and copy)"
    else:
        note = f"  dirtied meanwhile {event['pages_dirtied']:>6}"
        if expected is not None:
            note += f", pause now ~{expected:.1f} ms"
    return (f"  round {label} {bar(sent / max(1, guest_pages))} {sent:>6} pages "
            f"({event['zero_pages']:>6} zero) {event['wire_bytes'] / MIB:7.2f} MiB "
            f"{event['bandwidth_mib_s']:7.2f} MiB/s{note}")


PAUSE_STEPS = (("final_pages", "last pages out"), ("state", "state out"), ("verify", "verify (hash all memory)"),
               ("end", "END out"), ("ack", "VERIFIED back"), ("commit", "COMMITTED back"),
               ("release", "released on a"))
ARRIVAL_STEPS = (("verify", "digests compared"), ("state", "state loaded"), ("ack_out", "VERIFIED out"),
                 ("commit", "COMMIT in"), ("resume", "guest resumed"))


def pause_breakdown(summary: dict, arrival: dict) -> list:
    """(label, value) rows: each side's part of the pause, on its own clock."""
    rows = []
    steps = summary.get("pause_steps_ms")
    if steps:
        rows.append(("pause on a", ", ".join(f"{text} +{steps.get(key, 0):.1f}" for key, text in PAUSE_STEPS
                                             if key != "verify" or summary.get("verify")) + " ms"))
    steps = (arrival or {}).get("steps_ms")
    if steps:
        rows.append(("  part on b", "from END in: " + ", ".join(f"{text} +{steps.get(key, 0):.1f}"
                                                             for key, text in ARRIVAL_STEPS) + " ms"))
    return rows


def guest_downtime_ms(summary, arrival):
    """The guest's downtime, never less than it was: a post-copy source's downtime_ms ends
    at READY, and the guest starts on the destination only after GO (go_wait_ms, the
    destination's clock, from READY queued; decision 0025). Other modes: the source's
    figure."""
    downtime = summary.get("downtime_ms")
    if downtime is None or not summary.get("switched"):
        return downtime
    return round(downtime + (arrival or {}).get("go_wait_ms", 0), 3)


def summary_rows(summary: dict, guest_mib: int, arrival: dict = None) -> list:
    """(label, value) rows of the final table; `arrival` is node b's migration_received."""
    guest_pages = guest_mib * MIB // PAGE
    outcome = summary["outcome"]
    if outcome != "succeeded":
        outcome += f" ({summary.get('reason', 'no reason given')})"
    expected = summary.get("expected_downtime_ms")
    until = ("it started on node b: node a's pause to READY plus node b's READY to GO"
             if summary.get("switched") else "node b's COMMITTED")
    rows = [
        ("mode", summary.get("mode", "pre-copy")),
        ("outcome", f"{outcome}; pre-copy stopped: {summary.get('stop_reason', '?')}"),
        ("total time", f"{summary['total_ms']:.1f} ms (connection to acknowledgement, node a's clock)"),
        ("downtime", f"{guest_downtime_ms(summary, arrival):.1f} ms (guest paused until "
                     f"{until}"
                     f"{', or its resumption on a after the failure' if outcome != 'succeeded' else ''})"
                     + (f"; the policy expected {expected:.1f} ms" if expected else "")),
        *([] if summary.get("switched") else pause_breakdown(summary, arrival)),
        ("rounds", f"{summary['rounds']} (pre-copy rounds and the final one)"),
        ("pages sent", f"{summary['pages_sent']} for {guest_pages} guest pages "
                       f"({summary['zero_pages']} of them zero pages, sent as runs without data)"),
        ("bytes on the wire", f"{summary['wire_bytes'] / MIB:.2f} MiB for {guest_mib} MiB of guest memory "
                              f"(needed at least {summary['required_bytes'] / MIB:.2f} MiB: data pages and state)"),
        ("memory digest", ("verified by the destination" if summary.get("digest_verified") else "NOT verified")
         + (" (--verify: all memory compared on both nodes)" if summary.get("verify")
            else " (kept as pages moved; --verify compares all memory)")),
    ]
    if summary.get("switched"):
        rows.insert(4, ("after the switch", f"{summary.get('pages_pushed', 0)} pages pushed, "
                                            f"{summary.get('demand_pages', 0)} fetched on demand "
                                            f"({summary.get('page_requests', 0)} requests)"))
        if arrival and arrival.get("postcopy"):
            rows.insert(5, ("guest waited on faults",
                            f"{arrival.get('fault_waits', 0)} times, {arrival.get('fault_wait_ms', 0):.1f} ms in all, "
                            f"longest {arrival.get('fault_wait_max_ms', 0):.1f} ms; histogram <1/<10/<100/<1000/"
                            f">=1000 ms: {arrival.get('fault_wait_hist')}"))
    if outcome.startswith("split"):
        rows.insert(0, ("GUEST SPLIT", "the link broke after the switch: node a keeps its paused copy, node b "
                                       "the guest (paused) and what it received. Once the link is back node a "
                                       "continues the migration on its own (every migrate_recover_every= s; "
                                       "`migrate recover` tries at once). If either node is gone for good, the "
                                       "guest cannot continue: `migrate abandon` gives it up"))
    return rows


def table(rows) -> str:
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"  {label:<{width}}  {value}" for label, value in rows)


def check_lines(checks) -> str:
    """checks: (held, description) pairs."""
    return "\n".join(f"  [{'ok' if held else 'FAILED'}] {text}" for held, text in checks)
