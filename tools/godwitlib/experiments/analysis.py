"""Medians, spreads, fits and the one-line verdict of each experiment against the paper.
Pure: rows in, numbers and sentences out.

Shapes the paper claims, and how Godwit's data is judged against them (stated in the
report so a reader can disagree with the thresholds):
  linear  a least-squares line through the medians explains at least 95% of their
          variance (R^2 >= 0.95) with a positive slope;
  flat    the largest median is at most FLAT_RATIO times the smallest (plus FLAT_SLACK_MS,
          so that millisecond noise on tiny values does not count as a rise);
  rises   the median at the largest x is more than FLAT_RATIO times the one at the
          smallest x (plus the same slack).
"""
import statistics

FLAT_RATIO = 1.5
FLAT_SLACK_MS = 5.0
LINEAR_R2 = 0.95
NAMES = {"total_ms": "total time", "downtime_ms": "downtime"}


def ok_rows(rows):
    return [r for r in rows if r.get("outcome") == "succeeded" and r.get("total_ms") is not None]


def by_point(rows, x_column):
    """[(x, [rows])] of the succeeded rows, one entry per point, ordered by x. A point's x
    is the median of its rows' x (measured loads differ a little between repeats)."""
    groups = {}
    for row in ok_rows(rows):
        groups.setdefault(row["point"], []).append(row)
    points = []
    for group in groups.values():
        xs = [r[x_column] for r in group if isinstance(r.get(x_column), (int, float))]
        if xs:
            points.append((statistics.median(xs), group))
    return sorted(points, key=lambda p: p[0])


def summary(rows, x_column, column):
    """[(x, median, low, high, n)] of `column` per point."""
    out = []
    for x, group in by_point(rows, x_column):
        values = [r[column] for r in group if r.get(column) is not None]
        if values:
            out.append((x, statistics.median(values), min(values), max(values), len(values)))
    return out


def linear_fit(xs, ys):
    """(slope, intercept, r2) of the least-squares line; None with fewer than 2 distinct x."""
    if len(set(xs)) < 2:
        return None
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    intercept = my - slope * mx
    total = sum((y - my) ** 2 for y in ys)
    residual = sum((y - (slope * x + intercept)) ** 2 for x, y in zip(xs, ys))
    r2 = 1.0 - residual / total if total > 0 else 1.0
    return slope, intercept, r2


def judge(shape, points, column, unit="unit"):
    """(held, finding) for one expectation over [(x, median, low, high, n)]; `unit` names
    the x axis's unit in the fit."""
    name = NAMES.get(column, column)
    if len(points) < 2:
        return None, f"{name}: too few points to judge ({len(points)})"
    xs = [p[0] for p in points]
    medians = [p[1] for p in points]
    low, high = min(medians), max(medians)
    if shape == "linear":
        slope, intercept, r2 = linear_fit(xs, medians)
        held = r2 >= LINEAR_R2 and slope > 0
        return held, (f"{name} {'grows linearly' if held else 'is not linear'} "
                      f"(fit {slope:.1f} ms per {unit} + {intercept:.0f} ms, R\u00b2 = {r2:.3f})")
    if shape == "flat":
        held = high <= FLAT_RATIO * low + FLAT_SLACK_MS
        return held, (f"{name} {'stays flat' if held else 'varies'} "
                      f"({low:.0f}-{high:.0f} ms across the sweep, x{high / max(low, 1e-9):.2f})")
    if shape == "rises":
        first, last = medians[0], medians[-1]
        held = last > FLAT_RATIO * first + FLAT_SLACK_MS
        return held, (f"{name} {'rises' if held else 'does not rise'} "
                      f"({first:.0f} ms at the lowest x, {last:.0f} ms at the highest, x{last / max(first, 1e-9):.2f})")
    raise ValueError(f"unknown shape {shape}")


def verdict(experiment, rows):
    """(word, sentence): 'reproduced', 'differs', 'partly' or 'not run', and why."""
    runnable = [r for r in rows if r.get("outcome") != "not runnable"]
    if not experiment.expectations:
        ran = sorted({r["mode"] for r in ok_rows(rows)})
        missing = sorted({r["mode"] for r in rows if r.get("outcome") == "not runnable"})
        return "not run", (f"only {', '.join(ran) or 'nothing'} ran; not yet runnable: "
                           f"{', '.join(missing) or 'none'}, so there is nothing to compare")
    if not ok_rows(runnable):
        return "not run", "no run succeeded (see the table and the errors)"
    unit = "MiB" if experiment.x_column == "mem_mib" else "unit"
    findings = [judge(e.shape, summary(rows, experiment.x_column, e.column), e.column, unit)
                for e in experiment.expectations]
    held = [h for h, _ in findings]
    text = "; ".join(f for _, f in findings)
    failed = len(runnable) - len(ok_rows(runnable))
    if failed:
        text += f"; {failed} of {len(runnable)} runs failed"
    if any(h is None for h in held):
        return "not run", text
    if all(held):
        return "reproduced", text
    return ("partly" if any(held) else "differs"), text
