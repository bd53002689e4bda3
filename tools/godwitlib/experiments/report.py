"""What `godwit experiment` leaves in its --out directory:

  data.csv, data.jsonl   one row per run (runner.COLUMNS), all parameters and results
  <experiment>.png/.svg  one figure per experiment (plots.py)
  report.html            self-contained (figures embedded as data: URIs): the machine and
                         the command, a summary table, and per experiment the paper's claim,
                         Godwit's figure and table, the verdict, and what is still missing

The page marks itself when it has loaded: <body data-images=N data-broken-images=K>, and a
red banner if any image failed to decode (the experiments test reads this).
"""
import base64
import csv
import datetime
import html
import json
import os
import platform
import subprocess
from pathlib import Path

from .. import paths
from . import analysis
from .runner import COLUMNS, JSONL_ONLY

STYLE = """
body { font-family: sans-serif; max-width: 1000px; margin: 1.5em auto; color: #222; line-height: 1.4; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.6em 0; }
td, th { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: right; }
th { background: #f2f2f2; } td.l, th.l { text-align: left; }
.verdict { font-weight: bold; padding: 0.3em 0.6em; border-radius: 4px; }
.reproduced { background: #d8f0d8; } .differs { background: #f6d5d0; }
.partly { background: #f8ecc8; } .not-run, .not-judged { background: #e4e4e4; }
blockquote { color: #555; font-style: italic; margin: 0.5em 1.5em; }
.missing { color: #8a4b00; } img { max-width: 100%; border: 1px solid #eee; }
code, pre { background: #f6f6f6; padding: 0.1em 0.3em; } pre { padding: 0.5em; overflow-x: auto; }
#broken { display: none; background: #c00; color: white; padding: 0.5em; }
"""

SCRIPT = """
window.addEventListener("load", function () {
  var images = document.images, broken = 0;
  for (var i = 0; i < images.length; i++) {
    if (!images[i].complete || images[i].naturalWidth === 0) { broken++; images[i].alt = "BROKEN IMAGE"; }
  }
  document.body.setAttribute("data-images", String(images.length));
  document.body.setAttribute("data-broken-images", String(broken));
  if (broken) {
    var banner = document.getElementById("broken");
    banner.textContent = broken + " of " + images.length + " figures failed to render";
    banner.style.display = "block";
  }
});
"""


def write_data(rows, out: Path):
    with open(out / "data.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in COLUMNS})
    with open(out / "data.jsonl", "w") as f:
        for row in rows:
            f.write(json.dumps({k: row.get(k) for k in COLUMNS + JSONL_ONLY}) + "\n")


def _first_line(argv) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout.splitlines()[0].strip()
    except (OSError, IndexError, subprocess.SubprocessError):
        return "unknown"


def machine() -> list:
    """(label, value) rows describing where the sweep ran: called when the sweep starts,
    so the commit is the one that ran (not one made while it ran) and the host's load is
    the load it started under."""
    cpu, mem = "unknown", "unknown"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
        kib = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
        mem = f"{kib / (1 << 20):.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    commit = _first_line(["git", "-C", str(paths.SOURCE), "rev-parse", "--short", "HEAD"])
    dirty = _first_line(["git", "-C", str(paths.SOURCE), "status", "--porcelain", "--untracked-files=no"])
    return [("host", f"{platform.node()}, {platform.system()} {platform.release()}"),
            ("CPU", f"{cpu}, {os.cpu_count()} logical CPUs (shared with whatever else ran)"),
            ("memory", mem), ("QEMU", _first_line(["qemu-system-x86_64", "--version"])),
            ("Godwit", f"commit {commit}{' with uncommitted changes' if dirty not in ('', 'unknown') else ''}"),
            ("host load", "load average {:.1f} / {:.1f} / {:.1f} (1 / 5 / 15 min) when the sweep started"
             .format(*os.getloadavg())),
            ("started", datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"))]


def _ms(value) -> str:
    return "" if value is None else f"{value:.0f}"


def point_table(experiment, rows) -> str:
    """Per point: x, measured loads, runs, median (min-max) of total time, downtime and the
    client-observed gap, rounds, wire MiB."""
    head = [experiment.x_label, "runs ok", "total ms median (min-max)", "downtime ms median (min-max)",
            "client gap ms median (min-max)", "rounds", "stopped", "MiB on the wire"]
    head.insert(1, "measured load of the migrated guest %")
    if any(r.get("background_load") is not None for r in rows):
        head.insert(2, "measured load of the second guest %")
    lines = ["<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>"]
    groups = {}
    for row in rows:
        groups.setdefault(row["point"], []).append(row)
    for group in groups.values():
        ok = analysis.ok_rows(group)
        first = group[0]
        if first.get("outcome") == "not runnable":
            lines.append(f"<tr><td class=l>{html.escape(str(first['mode']))}</td>"
                         f"<td class=l colspan={len(head) - 1}>not yet runnable in Godwit</td></tr>")
            continue

        def stat(column):
            values = sorted(r[column] for r in ok if r.get(column) is not None)
            if not values:
                return ""
            return f"{values[len(values) // 2]:.0f} ({values[0]:.0f}-{values[-1]:.0f})"

        def median(column, fmt="{:.1f}"):
            values = sorted(r[column] for r in ok if r.get(column) is not None)
            return fmt.format(values[len(values) // 2]) if values else ""

        x = median(experiment.x_column, "{}") if experiment.x_column == "mode" else \
            median(experiment.x_column, "{:g}")
        cells = [x or html.escape(str(first.get(experiment.x_column))), f"{len(ok)}/{len(group)}",
                 stat("total_ms"), stat("downtime_ms"), stat("client_gap_ms") or "none",
                 median("rounds", "{:.0f}"),
                 ", ".join(sorted({str(r.get('stop_reason')) for r in ok})),
                 f"{sum(r['wire_bytes'] for r in ok) / max(1, len(ok)) / (1 << 20):.1f}" if ok else ""]
        cells.insert(1, median("cpu_load"))
        if "measured load of the second guest %" in head:
            cells.insert(2, median("background_load"))
        errors = sorted({r["error"] for r in group if r.get("error")})
        lines.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
        if errors:
            lines.append(f"<tr><td class=l colspan={len(head)}>errors: {html.escape('; '.join(errors))}</td></tr>")
    return "\n".join(lines + ["</table>"])


def _image(png: Path, alt: str) -> str:
    data = base64.b64encode(png.read_bytes()).decode()
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'


def write_html(out: Path, results, command: str, quick: bool, emulator: str, started: list, elapsed: str):
    """results: [(experiment, rows, png, (word, sentence))]; started: machine() from the
    sweep's start; elapsed: how long it took."""
    title = "Godwit against seed 001 (Semenov, Versick, Tavangarian): migration time and downtime"
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
             f"<style>{STYLE}</style><script>{SCRIPT}</script></head><body>",
             "<div id=broken></div>", f"<h1>{html.escape(title)}</h1>"]
    if quick:
        parts.append("<p><b>Quick run</b> (<code>--quick</code>): small sweeps with few points, for CI; "
                     "the shapes are indicative only.</p>")
    parts.append("<p>The paper measured Xen 4.0.1 with 128 MB VMs on two hosts, timing a UDP service from an "
                 "external notebook. Godwit migrates between two emulated nodes on one link; times are node "
                 "a's clock (connection to the destination's acknowledgement; downtime from the pause to the "
                 "acknowledgement); where the migrated guest serves echo, the client-observed gap is the "
                 "longest pause between two replies to the host's UDP probe, the paper's way of measuring "
                 "offline time. Verdict rules: <i>linear</i> means a least-squares line through the "
                 f"medians has R\u00b2 \u2265 {analysis.LINEAR_R2}; <i>flat</i> means the largest median is at "
                 f"most {analysis.FLAT_RATIO}\u00d7 the smallest (+{analysis.FLAT_SLACK_MS:.0f} ms); "
                 "<i>rises</i> means the median at the largest x is more than that above the one at the "
                 "smallest.</p>")
    parts.append("<h2>Summary</h2><table><tr><th class=l>experiment</th><th class=l>paper</th>"
                 "<th class=l>verdict</th><th class=l>why</th></tr>")
    for experiment, _, _, (word, sentence) in results:
        parts.append(f"<tr><td class=l><a href='#{experiment.name}'>{experiment.name}</a></td>"
                     f"<td class=l>{experiment.figure}</td><td class=l><span class='verdict "
                     f"{word.replace(' ', '-')}'>{word}</span></td><td class=l>{html.escape(sentence)}</td></tr>")
    parts.append("</table>")
    for experiment, rows, png, (word, sentence) in results:
        parts.append(f"<h2 id='{experiment.name}'>{experiment.name}: {html.escape(experiment.title)} "
                     f"(paper {experiment.figure})</h2>")
        parts.append(f"<p><b>The paper:</b> {html.escape(experiment.claim)}</p>"
                     f"<blockquote lang=de>{html.escape(experiment.quote)}</blockquote>")
        parts.append(f"<p><b>Godwit runs:</b> {html.escape(experiment.setup)}</p>")
        for missing in experiment.missing:
            parts.append(f"<p class=missing>Missing in Godwit so far: {html.escape(missing)}.</p>")
        if png:
            parts.append(_image(png, f"{experiment.name} figure"))
        parts.append(point_table(experiment, rows))
        parts.append(f"<p>Verdict: <span class='verdict {word.replace(' ', '-')}'>{word}</span> "
                     f"{html.escape(sentence)}</p>")
    parts.append("<h2>How this was made</h2><pre>" + html.escape(command) + "</pre>")
    parts.append("<table>" + "".join(f"<tr><th class=l>{html.escape(k)}</th><td class=l>{html.escape(v)}</td></tr>"
                                     for k, v in started + [("took", elapsed), ("emulator", emulator)])
                 + "</table>")
    parts.append("<p>Every run's parameters and results: <a href='data.csv'>data.csv</a>, "
                 "<a href='data.jsonl'>data.jsonl</a>; each node's console log under the run directory named "
                 "in the command's output.</p></body></html>\n")
    (out / "report.html").write_text("\n".join(parts))
