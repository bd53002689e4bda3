"""`godwit plot` of a `godwit bench modes --json` result: downtime and total time against
the dirty rate, one line per migration mode (symlog x axis, since the rates span 0 to
tens of thousands of pages/s; log y axis, since post-copy's downtime is milliseconds and
stop-and-copy's seconds). Failed runs are left out of the lines and listed in the title.
A `--guest echo` result (one run per mode) becomes bars instead: each mode's downtime
beside the gap its host-side client saw."""
from pathlib import Path

from . import figures

MODE_STYLE = {"stop-and-copy": ("#d0542c", "s"), "pre-copy": ("#3b6fb6", "o"),
              "post-copy": ("#2a9d4b", "^"), "hybrid": ("#7a3fa0", "D")}


def is_modes_result(record) -> bool:
    return isinstance(record, dict) and record.get("benchmark") == "modes"


def draw_echo(result: dict, out: Path):
    """`bench modes --guest echo`: one run per mode, no rates. Per mode, the downtime
    (node a's clock) beside the longest gap its host-side client saw (the host's)."""
    plt = figures.pyplot()
    fig, axis = plt.subplots(figsize=(7, 4.4))
    rows = [r for r in result["rows"] if r.get("outcome") == "succeeded"]
    failed = [r["mode"] for r in result["rows"] if r.get("outcome") != "succeeded"]
    for i, r in enumerate(rows):
        color, _ = MODE_STYLE.get(r["mode"], ("#777777", "o"))
        axis.bar(i - 0.2, r["downtime_ms"], width=0.4, color=color, alpha=0.5, label="downtime (light)" if i == 0 else None)
        axis.bar(i + 0.2, r["client_gap_ms"], width=0.4, color=color, label="client gap (dark)" if i == 0 else None)
    axis.set_xticks(range(len(rows)), [r["mode"] for r in rows])
    axis.set_yscale("log")
    axis.set_ylabel("ms (downtime: node a's clock; client gap: the host's)")
    axis.grid(alpha=0.3, axis="y", which="both")
    axis.legend(fontsize=8)
    title = (f"migration modes under {result['emulator']}, echo guest mem={result['mem_mib']}M with a card, UDP probe "
             f"every {result['probe_interval_ms']} ms" + (f"\nfailed: {', '.join(failed)}" if failed else ""))
    fig.suptitle(title, fontsize=10, color="#b00000" if failed else "black")
    fig.tight_layout()
    return figures.save(fig, out.with_suffix(""), dpi=100)


def draw(result: dict, out: Path):
    """Writes out (.svg) and its .png; returns both paths."""
    if result.get("guest") == "echo":
        return draw_echo(result, out)
    plt = figures.pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4))
    failed = [f"{r['mode']} at {r['rate']}" for r in result["rows"] if r.get("outcome") != "succeeded"]
    for axis, key, label in ((axes[0], "downtime_ms", "downtime (ms)"), (axes[1], "total_ms", "total time (ms)")):
        for mode, (color, marker) in MODE_STYLE.items():
            points = sorted((r["rate"], r[key]) for r in result["rows"]
                            if r["mode"] == mode and r.get("outcome") == "succeeded" and r.get(key))
            if points:
                axis.plot([p[0] for p in points], [p[1] for p in points], color=color, marker=marker, label=mode)
        axis.set_xscale("symlog", linthresh=100)
        axis.set_yscale("log")
        axis.set_xlabel("dirty rate (pages/s)")
        axis.set_ylabel(label)
        axis.grid(alpha=0.3, which="both")
    axes[0].legend(fontsize=8)
    title = (f"migration modes under {result['emulator']}, dirtier mem={result['mem_mib']}M wss={result['wss']}"
             + (f"\nfailed: {', '.join(failed)}" if failed else ""))
    fig.suptitle(title, fontsize=10, color="#b00000" if failed else "black")
    fig.tight_layout()
    return figures.save(fig, out.with_suffix(""), dpi=100)
