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
NAMES = {"total_ms": "total time", "downtime_ms": "downtime", "client_gap_ms": "client-observed gap"}
# Judged when there is data; a missing client gap (no network, or the probe saw nothing)
# is said in the finding but does not make the whole experiment "not run".
OPTIONAL = ("client_gap_ms",)


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
    """(word, sentence): 'reproduced', 'differs', 'partly', 'not run', or 'not judged'
    (no claim to check: modes), and why."""
    runnable = [r for r in rows if r.get("outcome") != "not runnable"]
    if not experiment.expectations:
        return "not judged", modes_sentence(rows)
    if not ok_rows(runnable):
        return "not run", "no run succeeded (see the table and the errors)"
    unit = "MiB" if experiment.x_column == "mem_mib" else "unit"
    findings = []
    for e in experiment.expectations:
        held, finding = judge(e.shape, summary(rows, experiment.x_column, e.column), e.column, unit)
        if held is None and e.column in OPTIONAL:
            finding, held = f"{NAMES[e.column]}: no data", "optional"
        findings.append((held, finding))
    held = [h for h, _ in findings if h != "optional"]
    text = "; ".join(f for _, f in findings)
    failed = len(runnable) - len(ok_rows(runnable))
    if failed:
        text += f"; {failed} of {len(runnable)} runs failed"
    if any(h is None for h in held):
        return "not run", text
    if all(held):
        return "reproduced", text
    return ("partly" if any(held) else "differs"), text


def modes_sentence(rows) -> str:
    """The paper measured pre-copy only (Table 1 names the others): what each mode did."""
    parts = []
    for mode in dict.fromkeys(r["mode"] for r in rows):
        mine = [r for r in rows if r["mode"] == mode]
        ok = ok_rows(mine)
        if any(r.get("outcome") == "not runnable" for r in mine):
            parts.append(f"{mode} not yet runnable")
            continue
        if not ok:
            parts.append(f"{mode} failed ({len(mine)} runs)")
            continue

        def med(column):
            values = sorted(r[column] for r in ok if r.get(column) is not None)
            return f"{values[len(values) // 2]:.0f}" if values else "-"
        gap = med("client_gap_ms")
        parts.append(f"{mode} total {med('total_ms')} ms, downtime {med('downtime_ms')} ms, "
                     + (f"client gap {gap} ms" if gap != "-" else "no client gap"))
    return "the paper measured only Xen's pre-copy, so there is no claim to check; medians: " + "; ".join(parts)
