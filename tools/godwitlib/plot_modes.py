"""`godwit plot` of a `godwit bench modes --json` result: downtime and total time against
the dirty rate, one line per migration mode (symlog x axis, since the rates span 0 to
tens of thousands of pages/s; log y axis, since post-copy's downtime is milliseconds and
stop-and-copy's seconds). Failed runs are left out of the lines and listed in the title."""
from pathlib import Path

from . import figures

MODE_STYLE = {"stop-and-copy": ("#d0542c", "s"), "pre-copy": ("#3b6fb6", "o"),
              "post-copy": ("#2a9d4b", "^"), "hybrid": ("#7a3fa0", "D")}


def is_modes_result(record) -> bool:
    return isinstance(record, dict) and record.get("benchmark") == "modes"


def draw(result: dict, out: Path):
    """Writes out (.svg) and its .png; returns both paths."""
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
