"""One figure per experiment, as the paper draws them: migration time and downtime over
the experiment's axis, side by side. Each run is a faint dot; each point's median is a
marker with a bar from its fastest to its slowest run; for memory-size the fitted line.
Where the migrated guest served echo, the downtime panel also has the client-observed gap
(the longest pause between UDP replies seen on the host), the paper's offline time.
"""
from pathlib import Path

from .. import figures
from . import analysis

TOTAL, DOWN, GAP, FIT = "#3b6fb6", "#d0542c", "#2a9d4b", "#777777"


def draw(experiment, rows, stem: Path, quick: bool, emulator: str):
    """Writes stem.png and stem.svg; returns (png, svg)."""
    plt = figures.pyplot()
    fig, panels = plt.subplots(1, 2, figsize=(9.0, 3.4))
    label = " (quick run)" if quick else ""
    fig.suptitle(f"{experiment.figure}: {experiment.title}{label}\nGodwit, {emulator}", fontsize=10)
    if experiment.x_column == "mode":
        _modes(panels, rows)
    else:
        _panel(panels[0], experiment, rows, "total_ms", TOTAL, "migration time")
        if any(r.get("client_gap_ms") is not None for r in analysis.ok_rows(rows)):
            _panel(panels[1], experiment, rows, "downtime_ms", DOWN, "downtime", "downtime (node a)")
            _panel(panels[1], experiment, rows, "client_gap_ms", GAP, "downtime and client-observed gap",
                   "client gap (host)")
        else:
            _panel(panels[1], experiment, rows, "downtime_ms", DOWN, "downtime")
    for axis in panels:  # after every series, so that the top still fits them all
        axis.set_ylim(bottom=0)
    fig.tight_layout()
    return figures.save(fig, stem)


def _panel(axis, experiment, rows, column, color, name, legend="median (min-max)"):
    ok = analysis.ok_rows(rows)
    shown = [r for r in ok if r.get(experiment.x_column) is not None and r.get(column) is not None]
    xs = [r[experiment.x_column] for r in shown]
    ys = [r[column] / 1000 for r in shown]
    axis.scatter(xs, ys, s=10, color=color, alpha=0.3, linewidths=0)
    points = analysis.summary(rows, experiment.x_column, column)
    if points:
        px = [p[0] for p in points]
        med = [p[1] / 1000 for p in points]
        err = [[(p[1] - p[2]) / 1000 for p in points], [(p[3] - p[1]) / 1000 for p in points]]
        axis.errorbar(px, med, yerr=err, color=color, marker="o", ms=5, capsize=3, lw=1.5, label=legend)
        if any(e.shape == "linear" and e.column == column for e in experiment.expectations):
            fit = analysis.linear_fit(px, [p[1] for p in points])
            if fit:
                slope, intercept, r2 = fit
                ends = [min(px), max(px)]
                axis.plot(ends, [(slope * x + intercept) / 1000 for x in ends], "--", color=FIT,
                          label=f"linear fit, R\u00b2={r2:.3f}")
        axis.legend(fontsize=7, loc="upper left")
    else:
        axis.text(0.5, 0.5, "no successful run", ha="center", va="center", transform=axis.transAxes)
    if experiment.x_column == "rate":
        axis.set_xscale("symlog", linthresh=1000)
    axis.set_xlabel(experiment.x_label)
    axis.set_ylabel(f"{name} (s)")
    axis.set_title(name)
    axis.grid(alpha=0.3)


def _modes(panels, rows):
    modes = []
    for row in rows:
        if row["mode"] not in modes:
            modes.append(row["mode"])
    for axis, column, color, name in ((panels[0], "total_ms", TOTAL, "migration time"),
                                      (panels[1], "downtime_ms", DOWN, "downtime")):
        for i, mode in enumerate(modes):
            values = [r[column] / 1000 for r in analysis.ok_rows(rows) if r["mode"] == mode]
            if values:
                values.sort()
                axis.bar(i, values[len(values) // 2], color=color, width=0.6)
                axis.scatter([i] * len(values), values, s=10, color="black", alpha=0.5)
                gaps = [r["client_gap_ms"] / 1000 for r in analysis.ok_rows(rows)
                        if r["mode"] == mode and r.get("client_gap_ms") is not None]
                if column == "downtime_ms" and gaps:
                    axis.scatter([i + 0.2] * len(gaps), gaps, s=18, color=GAP, marker="D",
                                 label="client gap (host)" if i == 0 else None)
            else:
                runnable = any(r["mode"] == mode and r.get("outcome") != "not runnable" for r in rows)
                axis.text(i, 0.02, "no successful\nrun" if runnable else "not yet\nin Godwit", ha="center",
                          va="bottom", fontsize=7, transform=axis.get_xaxis_transform())
        if axis.get_legend_handles_labels()[0]:
            axis.legend(fontsize=7, loc="upper center")
        axis.set_xticks(range(len(modes)), modes, fontsize=8)
        axis.set_ylabel(f"{name} (s)")
        axis.set_title(name)
        axis.grid(alpha=0.3, axis="y")
