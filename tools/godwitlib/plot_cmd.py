"""`godwit plot FILE.jsonl`: draws the rounds of each migration in an events file (from
`godwit migrate --out`) as an SVG: per round, the pages sent and the pages the guest
dirtied meanwhile (bars, left axis) and the bandwidth (line, right axis). A converging
migration shows both bars shrinking until the final stop-and-copy round.
Hand-written SVG, standard library only."""
import json
import math
from pathlib import Path
from xml.sax.saxutils import escape

WIDTH, PANEL_HEIGHT = 760, 340
LEFT, RIGHT, TOP, BOTTOM = 70, 70, 50, 50  # margins of a panel's plot area
SENT, ZERO, DIRTIED, BANDWIDTH = "#3b6fb6", "#a9c1e6", "#e08a2c", "#2a9d4b"


def add_arguments(parser):
    parser.add_argument("events", type=Path, help="JSON lines written by `godwit migrate --out`")
    parser.add_argument("--out", type=Path, help="SVG file to write (default: the events file with .svg)")


def migrations(lines):
    """[{start, rounds, summary}] in file order, one per migration_start on a node."""
    found, open_by_node = [], {}
    for event in lines:
        kind, node = event.get("event"), event.get("node", "?")
        if kind == "migration_start":
            open_by_node[node] = {"node": node, "start": event, "rounds": [], "summary": None}
            found.append(open_by_node[node])
        elif kind == "migration_round" and node in open_by_node:
            open_by_node[node]["rounds"].append(event)
        elif kind == "migration_summary" and node in open_by_node:
            open_by_node.pop(node)["summary"] = event
    return found


def nice_top(value):
    """The smallest 1, 2 or 5 times a power of ten at or above value (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def text(x, y, content, anchor="middle", size=12, color="#222", weight="normal"):
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{color}" '
            f'font-weight="{weight}">{escape(str(content))}</text>')


def title_of(migration):
    """(what moved where, how it went)."""
    start, summary = migration["start"], migration["summary"] or {}
    head = f"guest {start.get('id')} ({start.get('name')}, {start.get('mem_mib')} MiB), node {migration['node']} -> {start.get('to')}"
    if not summary:
        return head, "no summary"
    return head, (f"{summary['outcome']}: {summary['total_ms']:.0f} ms, downtime {summary['downtime_ms']:.0f} ms, "
                  f"{summary['rounds']} rounds, pre-copy stopped: {summary.get('stop_reason')}")


def axes(top, height, pages_top, bandwidth_top):
    """Grid lines and both axes' labels for a plot area starting at y=top."""
    parts, right = [], WIDTH - RIGHT
    for i in range(6):
        y = top + height - height * i / 5
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(text(LEFT - 6, y + 4, f"{pages_top * i / 5:g}", "end", 11, SENT))
        parts.append(text(right + 6, y + 4, f"{bandwidth_top * i / 5:g}", "start", 11, BANDWIDTH))
    parts.append(text(18, top + height / 2, "pages", "middle", 12, SENT))
    parts.append(text(WIDTH - 18, top + height / 2, "MiB/s", "middle", 12, BANDWIDTH))
    return parts


def panel(migration, y0):
    """The SVG elements of one migration, its panel starting at y=y0."""
    rounds = migration["rounds"]
    top, height = y0 + TOP, PANEL_HEIGHT - TOP - BOTTOM
    head, detail = title_of(migration)
    parts = [text(WIDTH / 2, y0 + 18, head, size=13, weight="bold"), text(WIDTH / 2, y0 + 35, detail, size=12)]
    if not rounds:
        return parts + [text(WIDTH / 2, top + height / 2, "no rounds recorded")]
    pages_top = nice_top(max(max(r["pages_sent"], r["pages_dirtied"]) for r in rounds))
    bandwidth_top = nice_top(max(r["bandwidth_mib_s"] for r in rounds))
    parts += axes(top, height, pages_top, bandwidth_top)
    slot = (WIDTH - LEFT - RIGHT) / len(rounds)
    bar = slot * 0.35
    points = []
    for i, r in enumerate(rounds):
        x = LEFT + slot * i + slot / 2
        for offset, value, color in ((-bar, r["pages_sent"], SENT), (0, r["pages_dirtied"], DIRTIED)):
            h = height * value / pages_top
            parts.append(f'<rect x="{x + offset:.1f}" y="{top + height - h:.1f}" width="{bar:.1f}" '
                         f'height="{h:.1f}" fill="{color}"><title>{value} pages</title></rect>')
        zero = height * r["zero_pages"] / pages_top  # the lower part of the sent bar: no data sent
        parts.append(f'<rect x="{x - bar:.1f}" y="{top + height - zero:.1f}" width="{bar:.1f}" height="{zero:.1f}" '
                     f'fill="{ZERO}"><title>{r["zero_pages"]} zero pages</title></rect>')
        points.append((x, top + height - height * r["bandwidth_mib_s"] / bandwidth_top))
        parts.append(text(x, top + height + 16, "final" if r["final"] else r["round"], size=11))
    parts.append('<polyline fill="none" stroke-width="2" stroke="' + BANDWIDTH + '" points="'
                 + " ".join(f"{x:.1f},{y:.1f}" for x, y in points) + '"/>')
    parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{BANDWIDTH}"/>' for x, y in points]
    parts.append(text(WIDTH / 2, top + height + 34, "round", size=12))
    return parts


def legend(y):
    parts, x = [], LEFT
    for color, label in ((SENT, "pages sent"), (ZERO, "of them zero (no data)"),
                         (DIRTIED, "pages dirtied during the round"), (BANDWIDTH, "bandwidth")):
        parts.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{color}"/>')
        parts.append(text(x + 18, y, label, "start", 12))
        x += 30 + 7 * len(label)
    return parts


def svg(found) -> str:
    height = PANEL_HEIGHT * len(found) + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
             f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif">',
             f'<rect width="{WIDTH}" height="{height}" fill="white"/>']
    for index, migration in enumerate(found):
        parts += panel(migration, PANEL_HEIGHT * index)
    parts += legend(height - 12)
    return "\n".join(parts + ["</svg>", ""])


def command(args):
    lines = []
    with open(args.events) as source:
        for number, line in enumerate(source, 1):
            if line.strip():
                try:
                    lines.append(json.loads(line))
                except json.JSONDecodeError as error:
                    raise SystemExit(f"godwit plot: {args.events}:{number}: not JSON ({error})")
    found = migrations(lines)
    if not found:
        raise SystemExit(f"godwit plot: {args.events} holds no migration_start event")
    out = args.out or args.events.with_suffix(".svg")
    out.write_text(svg(found))
    for migration in found:
        print("; ".join(title_of(migration)))
    print(f"godwit plot: wrote {out}")
    return 0
