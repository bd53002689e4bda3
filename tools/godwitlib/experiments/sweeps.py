"""What each experiment varies, the guests it starts for each point, and what seed 001
claims about it.

The paper varied the load with its own generator: a duty cycle of floating-point work
and idle time, later extended to modify a given number of pages per busy phase. Godwit's
`loadgen` guest is that generator (guests/loadgen: load=<percent> of each 100 ms period
busy with SSE work, pages=<n> written at the start of each period), so the CPU-load
experiments (figs. 3-5), dirty-pages (fig. 7) and modes run it. The migrated loadgen gets
a network (net=) and serves the echo protocol, and the harness's UDP probe measures the
offline time from the client side as the paper did (IxChariot on a notebook).
memory-size (fig. 6) keeps the dirtier: it fills its working set with data before the
migration, so the guest's whole memory goes on the wire and the time grows with it; a
loadgen's untouched memory is zero pages, sent without data.
"""
from dataclasses import dataclass, field
from typing import Optional

# A guest that reports once an hour keeps the console quiet; the dirtier also checks its
# whole working set only then, so its CPU use does not grow with its memory (the
# experiments wait for its initial fill by watching its dirty rate instead of its first
# report).
QUIET_REPORT_MS = 3_600_000
PAPER_VM_MIB = 128  # the paper's VMs had 128 MB
LOADGEN_PERIOD_MS = 100  # the duty cycle's period: pages=<n> per period is 10n pages/s
LOADGEN_WSS = "1M"  # a load guest's working set (it writes no pages unless told)
# CPU loads of the load experiments (the paper's axes, 0-100% in steps).
LOADS_FULL = (0, 20, 40, 60, 80, 100)
LOADS_QUICK = (0, 50, 100)
# Pages/s of dirty-pages, from none to more than QEMU's link carries (about 1200-4000
# pages/s on this machine); multiples of 10 (whole pages per 100 ms period).
DIRTY_RATES_FULL = (0, 1000, 2000, 4000, 8000, 16000)
DIRTY_RATES_QUICK = (0, 2000, 8000)
DIRTY_LOAD = 50  # the dirty-pages guest's CPU load (the paper does not say; half busy)

MISSING_CLIENT_DIRTIER = ("the client-observed gap for this experiment: its guest is a dirtier (the "
                          "loadgen's untouched memory would be zero pages, so the size would not show), which "
                          "has no network; client_gap_ms stays empty and the downtime shown is the "
                          "hypervisor's (pause to the destination's acknowledgement)")


@dataclass(frozen=True)
class Guest:
    """A guest on node a. load None: a dirtier rewriting `rate` pages/s of its working set
    (0 = flat out); otherwise a loadgen at `load` percent writing `rate` pages/s, serving
    the echo protocol when `net` (the runner picks its address)."""
    mem_mib: int
    wss: str
    rate: int
    report_ms: int = QUIET_REPORT_MS
    load: Optional[int] = None
    net: bool = False

    @property
    def image(self) -> str:
        return "dirtier" if self.load is None else "loadgen"

    @property
    def wss_mib(self) -> float:
        number, unit = self.wss[:-1], self.wss[-1]
        return int(number) / (1024 if unit == "K" else 1)

    def line(self, ip: Optional[str] = None) -> str:
        """The shell's `new` line; with `net`, `ip` is the guest's address (/24)."""
        if self.image == "dirtier":
            return f"new dirtier mem={self.mem_mib}M wss={self.wss} rate={self.rate} report={self.report_ms}"
        # checkpoint: the FP work's progress line only every 10^9 blocks (never, in practice).
        text = (f"new loadgen mem={self.mem_mib}M load={self.load} pages={self.pages_per_period} wss={self.wss} "
                f"period={LOADGEN_PERIOD_MS} report={self.report_ms} checkpoint=1000000000")
        if self.net:
            text += f" net={ip or '<ip>'}/24"
        return text

    @property
    def pages_per_period(self) -> int:
        return self.rate * LOADGEN_PERIOD_MS // 1000


@dataclass(frozen=True)
class Point:
    """One setting of an experiment: the guest migrated, an optional second guest that
    stays on node a (background load), the mode, and the planned value on the x axis."""
    migrated: Guest
    background: Optional[Guest] = None
    mode: str = "pre-copy"
    runnable: bool = True

    def cost_s(self, link_mib_s: float = 12.0) -> float:
        """A guess of one run's seconds, for the progress bar's time left: setting up and
        measuring (more with the client probe around the migration), then the data over
        the link: a dirtier's filled working set, or what a loadgen has written."""
        if not self.runnable:
            return 0.0
        data = self.migrated.wss_mib if self.migrated.image == "dirtier" or self.migrated.rate else 0.0
        return (12.0 if self.migrated.net else 8.0) + data / link_mib_s + self.migrated.mem_mib / 100


@dataclass(frozen=True)
class Expectation:
    """What the paper says about one result column along the x axis: 'flat', 'rises' or
    'linear'."""
    column: str
    shape: str


@dataclass(frozen=True)
class Experiment:
    name: str
    figure: str        # the paper's figure
    title: str
    x_column: str      # the data column on the x axis
    x_label: str
    claim: str         # the paper's result, in English
    quote: str         # and in the paper's words (German)
    setup: str         # what Godwit runs, in one paragraph
    expectations: tuple
    full: tuple
    quick: tuple
    missing: tuple = field(default_factory=tuple)

    def points(self, quick: bool) -> tuple:
        return self.quick if quick else self.full


def memory_guest(mem_mib: int, rate: int = 100) -> Guest:
    """A dirtier whose working set is 7/8 of its memory less 1 MiB (as `bench migrate`), so
    nearly all its memory goes on the wire as data, rewritten at a modest constant rate:
    every size modifies the same number of pages per second, as in the paper."""
    return Guest(mem_mib, f"{max(1024, mem_mib * 896 - 1024)}K", rate)


def load_guest(load: int, mem_mib: int = PAPER_VM_MIB, net: bool = True) -> Guest:
    """A loadgen at `load` percent that writes no pages; migrated ones serve echo."""
    return Guest(mem_mib, LOADGEN_WSS, 0, load=load, net=net)


def dirty_guest(rate: int, mem_mib: int, wss: str, net: bool = True) -> Guest:
    """A loadgen writing `rate` pages/s round-robin over `wss`, half busy, with echo."""
    return Guest(mem_mib, wss, rate, load=DIRTY_LOAD, net=net)


def background_guest(load: int) -> Guest:
    """The second VM, which stays on node a: a 16 MiB loadgen at `load` percent."""
    return load_guest(load, 16, net=False)


def client_expectations(*shapes) -> tuple:
    """The paper's shapes for total time and downtime, and the downtime's shape again for
    the client-observed gap (the paper's offline time was measured from the client)."""
    total, down = shapes
    return (Expectation("total_ms", total), Expectation("downtime_ms", down), Expectation("client_gap_ms", down))


MODES = ("pre-copy", "post-copy", "hybrid", "stop-and-copy")
# Modes that refuse a guest with a network card (decision 0021: its NIC's state would have
# to follow it page by page); their loadgen runs without one.
NO_NIC_MODES = ("post-copy", "hybrid")
MISSING_NIC_MODES = ("the client-observed gap of post-copy and hybrid: they do not move a guest with a network "
                     "card (decision 0021), so their loadgen has no network and client_gap_ms stays empty for "
                     "them; pre-copy and stop-and-copy are probed")

EXPERIMENTS = (
    Experiment(
        "cpu-load", "fig. 3", "Migration time and downtime against the CPU load inside the migrated VM",
        "load_percent", "CPU load of the migrated loadgen (%, set)",
        "On current hardware the total migration time stays almost constant as the migrated VM's CPU load "
        "rises (conclusion 1), and the downtime is about constant (conclusion 3); only the resource-poor "
        "Pentium III system's time rose above about 60% load.",
        "Die Dauer der Live-Migration einer virtuellen Maschine bleibt mit steigender Last innerhalb der VM "
        "stabil und ist somit lastunabhängig. [...] Offline-Zeiten während der Migration sind relativ "
        "unabhängig von der CPU-Last.",
        "Node a runs the migrated guest alone: a 128 MiB (--quick: 32 MiB) loadgen at 0-100% CPU load "
        "(floating-point work for that share of each 100 ms period, no page writes) serving the echo "
        "protocol, which the host's UDP probe (a datagram every 2 ms) uses for the client-observed gap. Its "
        "CPU share is measured over 2 s before each migration. Its memory is mostly zero pages, sent "
        "without data.",
        client_expectations("flat", "flat"),
        tuple(Point(load_guest(load)) for load in LOADS_FULL),
        tuple(Point(load_guest(load, 32)) for load in LOADS_QUICK)),
    Experiment(
        "background-load", "fig. 4",
        "The same with a second VM at 100% CPU load on the source node",
        "load_percent", "CPU load of the migrated loadgen (%, set)",
        "With a second VM at 100% load on the source, the fast system's times stay stable; on the slow "
        "system the downtime grew to 15 s above 60% load of the migrated VM. When the VMs load the host "
        "to its limit the migration time rises strongly (conclusion 2).",
        "Die Migrationszeit einer virtuellen Maschine auf einen anderen physikalischen Host steigt stark "
        "an, wenn mehrere virtuelle Maschinen derart hohe Last erzeugen, dass die physikalischen Ressourcen "
        "(CPU und Arbeitsspeicher) des Quellhosts ihre Kapazitätsgrenzen erreichen.",
        "As cpu-load, plus a second guest on node a that stays there: a 16 MiB loadgen at 100% load. A "
        "Godwit node has one CPU, so the two guests and the hypervisor's migration work share it (the "
        "measured shares add up to at most 100%).",
        client_expectations("rises", "flat"),
        tuple(Point(load_guest(load), background_guest(100)) for load in LOADS_FULL),
        tuple(Point(load_guest(load, 32), background_guest(100)) for load in LOADS_QUICK)),
    Experiment(
        "background-vm-load", "fig. 5",
        "Migration time and downtime of an idle VM against the CPU load of a second VM on the source",
        "background_load_percent", "CPU load of the second loadgen (%, set)",
        "Migrating an idle VM while a second VM's load varies: stable on the fast system; on the slow "
        "system the migration took longer above about 60% background load while the downtime stayed "
        "constant up to about 90%.",
        "Auf dem älteren System erhöhte sich die Dauer der Live-Migration ab ca. 60% der CPU-Last der nicht "
        "migrierten VM, wobei die Offline-Zeit konstant blieb und erst ab ca. 90% anstieg.",
        "Node a runs a 128 MiB (--quick: 32 MiB) idle loadgen (load 0%) serving echo, which is migrated, "
        "and a second 16 MiB loadgen at 0-100% load, which stays.",
        client_expectations("rises", "flat"),
        tuple(Point(load_guest(0), background_guest(load)) for load in LOADS_FULL),
        tuple(Point(load_guest(0, 32), background_guest(load)) for load in LOADS_QUICK)),
    Experiment(
        "memory-size", "fig. 6", "Migration time and downtime against the VM's memory size",
        "mem_mib", "guest memory (MiB)",
        "The total migration time grows about linearly with the VM's memory; the downtime stays nearly "
        "constant, since the VM modifies a similar number of pages at every size (conclusion 4).",
        "Die VM-Migrationsdauer hängt von der Speichergröße der virtuellen Maschine in linearer Weise ab. "
        "Die Offline-Zeit während der Migration ist unabhängig von der Größe des VM-Speichers.",
        "A dirtier whose working set is 7/8 of its memory (so nearly all of it goes on the wire as data), "
        "rewriting 100 pages/s at every size, from 64 MiB to 1 GiB (the ABI's largest guest; --quick: 16-64 MiB); the nodes "
        "get the largest guest's memory plus 256 MiB (--node-mem overrides).",
        (Expectation("total_ms", "linear"), Expectation("downtime_ms", "flat")),
        tuple(Point(memory_guest(mem)) for mem in (64, 128, 256, 512, 1024)),
        tuple(Point(memory_guest(mem)) for mem in (16, 32, 64)),
        (MISSING_CLIENT_DIRTIER,)),
    Experiment(
        "dirty-pages", "fig. 7", "Migration time and downtime against the pages modified during the migration",
        "rate", "pages written per second (migrated loadgen)",
        "An application that modifies many pages during the migration raises both the migration time and "
        "the downtime (conclusion 5; in the paper the stop-and-copy phase doubled).",
        "Viele Speichermodifikationen während der Migration führen zur Erhöhung der Migrationsdauer und der "
        "Offline-Zeit gleichzeitig.",
        "A 128 MiB loadgen at 50% load writing 0 to 16000 pages/s (0-1600 pages per 100 ms period, 62 MiB/s "
        "at the top) round-robin over a 64 MiB working set (--quick: 32 MiB, 16 MiB working set, up to 8000 "
        "pages/s), serving echo; QEMU's link carries about 1200-4000 pages/s here, so pre-copy stops (no "
        "progress, or its round limit) and sends the rest with the guest paused. Only pages it has written "
        "hold data: at low rates most of the working set is still zero when the migration starts.",
        client_expectations("rises", "rises"),
        tuple(Point(dirty_guest(rate, PAPER_VM_MIB, "64M")) for rate in DIRTY_RATES_FULL),
        tuple(Point(dirty_guest(rate, 32, "16M")) for rate in DIRTY_RATES_QUICK)),
    Experiment(
        "modes", "Table 1", "Pre-copy against post-copy, hybrid and stop-and-copy",
        "mode", "migration mode",
        "The paper's Table 1: pre-copy (push, then stop-and-copy), post-copy (stop-and-copy of the state, "
        "then pull on access), hybrid (push and pull) and classic stop-and-copy. Its measurements are "
        "Xen's pre-copy only; it leaves other approaches to future work.",
        "Da Xen als Migrationsmethode den Pre-Copy-Ansatz verwendet, können Rückschlüsse auf Systeme mit "
        "anderen Migrationsmethoden (wie VMware) nicht direkt erfolgen.",
        "The dirty-pages guest at 2000 pages/s (loadgen, 50% load, echo), once per mode (`migrate --mode`). "
        "Downtime is the guest's pause until node b's acknowledgement (stop-and-copy, pre-copy) or until "
        "node b was ready to run it (post-copy, hybrid); the client-observed gap measures pre-copy and "
        "stop-and-copy the same way (post-copy and hybrid refuse a guest with a network card).",
        (),
        tuple(Point(dirty_guest(2000, PAPER_VM_MIB, "64M", mode not in NO_NIC_MODES), mode=mode) for mode in MODES),
        tuple(Point(dirty_guest(2000, 32, "16M", mode not in NO_NIC_MODES), mode=mode) for mode in MODES),
        (MISSING_NIC_MODES,)),
)

BY_NAME = {experiment.name: experiment for experiment in EXPERIMENTS}
NAMES = tuple(BY_NAME) + ("all",)


def chosen(names: str) -> tuple:
    """The experiments of `all` or of a comma-separated list of names, in the paper's order."""
    wanted = {part.strip() for part in names.split(",") if part.strip()}
    unknown = wanted - set(NAMES)
    if unknown or not wanted:
        raise ValueError(f"unknown experiment(s) {', '.join(sorted(unknown)) or '(none)'}; choose from "
                         f"{', '.join(NAMES)} (or a comma-separated list)")
    return EXPERIMENTS if "all" in wanted else tuple(e for e in EXPERIMENTS if e.name in wanted)
