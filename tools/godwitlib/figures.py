"""matplotlib for the tools (`plot`, `experiment`): Debian's python3-matplotlib, drawn
off-screen (Agg), saved as PNG and SVG side by side.

Setup installs python3-matplotlib into Debian's /usr/lib/python3/dist-packages. When
the tools run under another Python 3 of the same minor version (a pyenv shim first on
PATH, say), that directory is not on its path; its pure-Python and CPython-ABI modules
still load, so it is added rather than asking for a second install through pip.
"""
import sys
from pathlib import Path

DEBIAN_DIST_PACKAGES = Path("/usr/lib/python3/dist-packages")
_pyplot = None


def pyplot():
    """matplotlib.pyplot with the Agg backend; SystemExit saying what to do if missing."""
    global _pyplot
    if _pyplot is not None:
        return _pyplot
    try:
        import matplotlib
    except ImportError:
        if DEBIAN_DIST_PACKAGES.is_dir() and str(DEBIAN_DIST_PACKAGES) not in sys.path:
            sys.path.append(str(DEBIAN_DIST_PACKAGES))
        try:
            import matplotlib
        except ImportError as error:
            raise SystemExit(f"godwit: matplotlib is missing ({error}): run tools/godwit setup "
                             "(Debian's python3-matplotlib), with the Python 3 Debian ships") from error
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.rcParams.update({"font.size": 9, "axes.titlesize": 10, "svg.fonttype": "none",
                         "figure.dpi": 100, "savefig.bbox": "tight"})
    _pyplot = plt
    return plt


def save(figure, stem: Path, dpi: int = 90) -> tuple:
    """Writes stem.png (small: `dpi`) and stem.svg; closes the figure; returns both paths."""
    plt = pyplot()
    png, svg = stem.with_suffix(".png"), stem.with_suffix(".svg")
    figure.savefig(png, dpi=dpi)
    figure.savefig(svg)
    plt.close(figure)
    return png, svg
