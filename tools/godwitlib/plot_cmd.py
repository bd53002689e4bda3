"""`godwit plot FILE.jsonl`: draws each migration in an events file (from `godwit migrate
--out`) on a real time axis, with matplotlib, as SVG and PNG side by side.

Per migration, two panels sharing node a's clock (seconds since the migration started):
  pages  each round as a span from its start to its end: pages sent (bar; its pale lower
         part the zero pages, sent without data) and pages the guest dirtied meanwhile
         (line), with the pause (stop and copy until node b acknowledged) shaded; a log
         scale when round 0 would dwarf the rest; the policy's downtime target and its
         estimate on a second axis when the events carry them;
  link   what the link carried in each round: wire bytes over the round's time. The final
         round's own duration only covers handing data to TCP (90 MiB/s on a 15 MiB/s
         link), so there the divisor is the pause up to node b's acknowledgement.
  client a third panel when the file has the host-side clients' records (`godwit migrate
         --guest echo --out`): the replies per second each client got (UDP probe on the
         left axis, ping on the right), per 100 ms, with the rounds marked as spans and
         the pause shaded: seed 001's picture of a dip in the push rounds and a gap at
         stop-and-copy. Only for migrations from node a, whose clock the records carry;
         the x axis then spans the clients' whole run.
A failed migration's panel says why it failed (the source's reason, and node b's).

Given the JSON of `godwit bench modes --json` instead, it draws downtime and total time
against the dirty rate, one line per migration mode (plot_modes.py).
"""
import json
from pathlib import Path

from . import figures, plot_modes

SENT, ZERO, DIRTIED, LINK, PAUSE, POLICY = "#3b6fb6", "#a9c1e6", "#e08a2c", "#2a9d4b", "#d0542c", "#7a3fa0"
CLIENT_COLORS = {"udp": "#1f5fa8", "ping": "#8c2d7a"}
CLIENT_NAMES = {"udp": "UDP probe", "ping": "ping"}
MIB = 1 << 20
# Round 0 sends all memory; when it is this many times the largest later round the
# later ones would be invisible on a linear axis.
LOG_WHEN = 20
TARGET_FIELDS = ("downtime_target_ms", "target_downtime_ms", "target_ms")
ESTIMATE_FIELDS = ("downtime_estimate_ms", "estimated_downtime_ms", "estimate_ms")


def add_arguments(parser):
    parser.add_argument("events", type=Path,
                        help="JSON lines written by `godwit migrate --out`, or `godwit bench modes --json` output")
    parser.add_argument("--out", type=Path,
                        help="SVG file to write (default: the events file with .svg); a PNG goes beside it")


def migrations(lines):
    """[{node, start, rounds, summary, received}] in file order, one per migration_start;
    `received` is the destination's migration_received that followed, if any."""
    found, open_by_node, received = [], {}, []
    for event in lines:
        kind, node = event.get("event"), event.get("node", "?")
        if kind == "migration_start":
            open_by_node[node] = {"node": node, "start": event, "rounds": [], "summary": None, "received": None}
            found.append(open_by_node[node])
        elif kind == "migration_round" and node in open_by_node:
            open_by_node[node]["rounds"].append(event)
        elif kind == "migration_summary" and node in open_by_node:
            open_by_node.pop(node)["summary"] = event
        elif kind == "migration_received":
            received.append(event)
    for migration, arrival in zip(found, received):
        migration["received"] = arrival
    return found


def clients_of(lines):
    """The host-side clients' records (event client_probe) that can be put on node a's
    clock, in file order."""
    return [e for e in lines if e.get("event") == "client_probe" and e.get("node_a_uptime_s_at_start") is not None]


def client_series(record, migration):
    """(seconds on the migration's axis, replies per host second) for each 100 ms of a
    client: its host time is divided by node a's clock rate (1/4 under a loaded Bochs)."""
    offset = record["node_a_uptime_s_at_start"] - migration["start"]["t_ms"] / 1000
    rate = record.get("node_a_clock_rate") or 1.0  # node a's uptime at the start is already on its clock
    bins = record.get("replies_per_100ms", [])
    return [offset + i / 10 / rate for i in range(len(bins))], [count * 10 for count in bins]


def draw_clients(axis, migration, clients, pause):
    """The clients' reply rates over the rounds (spans, alternately shaded) and the pause."""
    for index, (start, end, r) in enumerate(spans(migration)):
        axis.axvspan(start, end, color="#777777" if index % 2 else "#bbbbbb", alpha=0.18, lw=0)
        axis.text((start + end) / 2, 0.98, "final" if r["final"] else f"r{r['round']}", ha="center", va="top",
                  fontsize=7, transform=axis.get_xaxis_transform())
    if pause:
        axis.axvspan(*pause, color=PAUSE, alpha=0.25, lw=0)
    lines, axes = [], [axis, axis.twinx()] if len(clients) > 1 else [axis]
    span = []
    for record, target in zip(clients, axes):
        kind = record.get("kind", "udp")
        xs, ys = client_series(record, migration)
        span += xs[:1] + xs[-1:]
        color = CLIENT_COLORS.get(kind, "black")
        lines += target.step(xs, ys, where="post", color=color, lw=1.2,
                             label=f"{CLIENT_NAMES.get(kind, kind)}: gap {record['longest_gap_ms']:.0f} ms, "
                                   f"{record['lost']} of {record['sent']} lost")
        if record.get("interval_ms"):
            target.set_ylim(0, 1200 / record["interval_ms"])
        else:
            target.set_ylim(bottom=0)
        target.set_ylabel(f"{CLIENT_NAMES.get(kind, kind)} replies/s", color=color)
    axis.legend(lines, [line.get_label() for line in lines], fontsize=7, loc="center left", framealpha=0.9)
    if span:
        axis.set_xlim(min(span), max(span) + 0.1)  # the clients ran before and after the migration
    axis.set_xlabel("seconds since the migration started (node a's clock)")


def title_of(migration):
    """(what moved where, how it went)."""
    start, summary = migration["start"], migration["summary"] or {}
    head = (f"guest {start.get('id')} ({start.get('name')}, {start.get('mem_mib')} MiB), "
            f"node {migration['node']} -> {start.get('to')}")
    if not summary:
        return head, "no migration_summary: the run ended before the migration finished (see the console logs)"
    if summary.get("outcome") != "succeeded":
        why = summary.get("reason", "no reason given")
        received = migration.get("received") or {}
        if received.get("outcome") == "failed":
            why += f"; node b: {received.get('reason', 'failed')}"
        return head, f"FAILED: {why}"
    return head, (f"{summary['outcome']}: {summary['total_ms']:.0f} ms, downtime {summary['downtime_ms']:.0f} ms, "
                  f"{summary['rounds']} rounds, pre-copy stopped: {summary.get('stop_reason')}")


def spans(migration):
    """[(start_s, end_s, round event)] on the migration's own time axis (node a's clock,
    0 = migration_start): each round ends at its event and lasted duration_ms."""
    t0 = migration["start"]["t_ms"]
    return [((r["t_ms"] - r["duration_ms"] - t0) / 1000, (r["t_ms"] - t0) / 1000, r) for r in migration["rounds"]]


def pause_span(migration):
    """(start_s, end_s) of the guest's pause, from the summary's downtime; None if unknown."""
    summary = migration["summary"]
    if not summary or summary.get("downtime_ms") is None or not summary.get("downtime_ms"):
        return None
    end = (summary["t_ms"] - migration["start"]["t_ms"]) / 1000
    return end - summary["downtime_ms"] / 1000, end


def link_rate(round_span, pause):
    """MiB/s the link carried during a round (see the module's note on the final one)."""
    start, end, r = round_span
    seconds = (pause[1] - pause[0]) if (r["final"] and pause) else (end - start)
    return r["wire_bytes"] / MIB / seconds if seconds > 0 else 0.0


def first_field(event, names):
    return next((event[name] for name in names if event.get(name) is not None), None)


def draw_pages(axis, migration, pause):
    rounds = spans(migration)
    for start, end, r in rounds:
        width = max(end - start, 1e-3)
        axis.bar(start, r["pages_sent"], width=width, align="edge", color=SENT, alpha=0.85, edgecolor="white")
        axis.bar(start, r["zero_pages"], width=width, align="edge", color=ZERO, edgecolor="white")
        axis.hlines(r["pages_dirtied"], start, end, colors=DIRTIED, lw=2.5)
        axis.text((start + end) / 2, 0.98, "final" if r["final"] else f"round {r['round']}", ha="center", va="top",
                  fontsize=7, transform=axis.get_xaxis_transform())
    if pause:
        axis.axvspan(*pause, color=PAUSE, alpha=0.18, lw=0)
    later = [r["pages_sent"] for _, _, r in rounds[1:]] + [r["pages_dirtied"] for _, _, r in rounds]
    if rounds and max(later or [0]) * LOG_WHEN < rounds[0][2]["pages_sent"]:
        axis.set_yscale("symlog", linthresh=10)
        axis.set_ylabel("pages (log scale)")
    else:
        axis.set_ylabel("pages")
    axis.set_ylim(bottom=0)
    targets = [(end, first_field(r, TARGET_FIELDS), first_field(r, ESTIMATE_FIELDS)) for _, end, r in rounds]
    summary_target = first_field(migration["summary"] or {}, TARGET_FIELDS)
    if any(t or e for _, t, e in targets) or summary_target:
        policy = axis.twinx()
        xs = [x for x, _, e in targets if e is not None]
        if xs:
            policy.plot(xs, [e for _, _, e in targets if e is not None], "D", color=POLICY, ms=4,
                        label="policy's downtime estimate")
        target = summary_target or next((t for _, t, _ in targets if t is not None), None)
        if target is not None:
            policy.axhline(target, color=POLICY, ls="--", lw=1, label="downtime target")
        policy.set_ylabel("ms", color=POLICY)
        policy.set_ylim(bottom=0)
        policy.legend(fontsize=7, loc="center right")


def draw_link(axis, migration, pause):
    for round_span in spans(migration):
        start, end, r = round_span
        rate = link_rate(round_span, pause)
        axis.hlines(rate, start, end, colors=LINK, lw=2.5)
        if r["final"] and pause:
            axis.hlines(rate, pause[0], pause[1], colors=LINK, lw=1, linestyles=":")
    if pause:
        axis.axvspan(*pause, color=PAUSE, alpha=0.18, lw=0)
    axis.set_ylabel("link MiB/s")
    axis.set_ylim(bottom=0)
    axis.set_xlabel("seconds since the migration started (node a's clock)")


def draw(found, out: Path, clients=()):
    """Writes out (.svg) and its .png; returns both paths. `clients`: client_probe
    records, drawn under each migration from node a."""
    plt = figures.pyplot()
    panels = 3 if clients else 2
    fig, axes = plt.subplots(panels * len(found), 1, figsize=(9, (4.6 + 2.2 * (panels - 2)) * len(found)),
                             squeeze=False, gridspec_kw={"height_ratios": [3, 1, 2][:panels] * len(found)})
    for index, migration in enumerate(found):
        pages, link = axes[panels * index][0], axes[panels * index + 1][0]
        head, detail = title_of(migration)
        pages.set_title(f"{head}\n{detail}", color="#b00000" if detail.startswith(("FAILED", "no ")) else "black")
        pause = pause_span(migration)
        if migration["rounds"]:
            draw_pages(pages, migration, pause)
            draw_link(link, migration, pause)
            link.sharex(pages)
        else:
            for axis in (pages, link):
                axis.text(0.5, 0.5, "no rounds recorded", ha="center", va="center", transform=axis.transAxes)
        pages.grid(alpha=0.3)
        link.grid(alpha=0.3)
        if clients:
            client = axes[panels * index + 2][0]
            if migration["node"] == "a" and migration["rounds"]:
                client.sharex(pages)  # before draw_clients makes its twin, which shares the x axis too
                draw_clients(client, migration, clients, pause_span(migration))
                link.set_xlabel("")
            else:
                client.text(0.5, 0.5, "the clients' records are on node a's clock", ha="center", va="center",
                            transform=client.transAxes)
            client.grid(alpha=0.3)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in (SENT, ZERO, PAUSE)] + \
              [plt.Line2D([], [], color=DIRTIED, lw=2.5), plt.Line2D([], [], color=LINK, lw=2.5)]
    fig.legend(handles, ["pages sent in the round", "of them zero pages (no data)", "guest paused (downtime)",
                         "pages dirtied during the round", "what the link carried (final: bytes / pause)"],
               loc="lower center", ncol=3, fontsize=7, frameon=False)
    fig.tight_layout(rect=(0, 0.06 / len(found) / (panels - 1), 1, 1))
    return figures.save(fig, out.with_suffix(""), dpi=100)


def command(args):
    lines = []
    with open(args.events) as source:
        for number, line in enumerate(source, 1):
            if line.strip():
                try:
                    lines.append(json.loads(line))
                except json.JSONDecodeError as error:
                    raise SystemExit(f"godwit plot: {args.events}:{number}: not JSON ({error})")
    if len(lines) == 1 and plot_modes.is_modes_result(lines[0]):
        png, svg = plot_modes.draw(lines[0], args.out or args.events.with_suffix(".svg"))
        print(f"godwit plot: wrote {svg} and {png}")
        return 0
    found = migrations(lines)
    if not found:
        raise SystemExit(f"godwit plot: {args.events} holds no migration_start event")
    out = args.out or args.events.with_suffix(".svg")
    png, svg = draw(found, out, clients_of(lines))
    for migration in found:
        print("; ".join(title_of(migration)))
    print(f"godwit plot: wrote {svg} and {png}")
    return 0
