"""What each experiment varies, the guests it starts for each point, and what seed 001
claims about it.

Godwit has no `loadgen` guest yet (issue 17: a CPU load in percent made of floating-point
work). Until it exists the CPU-load experiments use a stand-in, said so in every output:
a dirtier whose working set is 16 pages (64 KiB), so it dirties almost nothing, rewriting
those pages at a rate; the rate sets how much CPU it uses, and the harness measures that
share (the guest's CPU time over the node's uptime, from `guests` and `info`) instead of
assuming it. Its work is integer stores and checks, not floating point.
"""
from dataclasses import dataclass, field
from typing import Optional

# The dirtier's command line rounds working sets to pages; 16 pages keep a load guest's
# dirty set negligible next to any link.
LOAD_WSS = "64K"
# Rewrite rates that take the stand-in load guest from idle to saturating one node's CPU
# under QEMU TCG (0 = flat out). The measured share, not the rate, is what gets plotted.
LOAD_RATES_FULL = (1, 8000, 20000, 35000, 50000, 0)
LOAD_RATES_QUICK = (1, 35000, 0)
# A guest that checks its whole working set once an hour rewrites only at its rate:
# its CPU use then does not grow with its memory (the experiments wait for its initial
# fill by watching its CPU share instead of its first report).
QUIET_REPORT_MS = 3_600_000
PAPER_VM_MIB = 128  # the paper's VMs had 128 MB

MISSING_LOADGEN = ("the `loadgen` guest (a CPU load in percent from floating-point work, issue 17): this "
                   "experiment uses a stand-in load, a dirtier rewriting a 64 KiB working set at a rate, "
                   "with its CPU share measured")
MISSING_CLIENT = ("the client-observed gap (guest networking and the client probe): client_gap_ms stays "
                  "empty and the reply-rate timeline is not drawn; the downtime shown is the hypervisor's "
                  "(pause to the destination's acknowledgement)")
MISSING_MODES = ("migration modes other than pre-copy (post-copy, hybrid, stop-and-copy: the modes issue): "
                 "only pre-copy runs")


@dataclass(frozen=True)
class Guest:
    """A dirtier on node a: memory, working set, rewrite rate (pages/s, 0 = flat out)."""
    mem_mib: int
    wss: str
    rate: int
    report_ms: int = QUIET_REPORT_MS

    @property
    def wss_mib(self) -> float:
        number, unit = self.wss[:-1], self.wss[-1]
        return int(number) / (1024 if unit == "K" else 1)

    @property
    def line(self) -> str:
        return f"new dirtier mem={self.mem_mib}M wss={self.wss} rate={self.rate} report={self.report_ms}"


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
        measuring, then the guest's data over the link (about 7/8 of a memory-size guest)."""
        if not self.runnable:
            return 0.0
        return 8.0 + self.migrated.wss_mib / link_mib_s + self.migrated.mem_mib / 100


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


def load_guest(rate: int, mem_mib: int = PAPER_VM_MIB) -> Guest:
    return Guest(mem_mib, LOAD_WSS, rate)


FLAT_OUT_BACKGROUND = Guest(16, LOAD_WSS, 0)  # 100% of a CPU, dirtying 16 pages

EXPERIMENTS = (
    Experiment(
        "cpu-load", "fig. 3", "Migration time and downtime against the CPU load inside the migrated VM",
        "cpu_load", "CPU load of the migrated guest (% of node a's CPU, measured)",
        "On current hardware the total migration time stays almost constant as the migrated VM's CPU load "
        "rises (conclusion 1), and the downtime is about constant (conclusion 3); only the resource-poor "
        "Pentium III system's time rose above about 60% load.",
        "Die Dauer der Live-Migration einer virtuellen Maschine bleibt mit steigender Last innerhalb der VM "
        "stabil und ist somit lastunabhängig. [...] Offline-Zeiten während der Migration sind relativ "
        "unabhängig von der CPU-Last.",
        "Node a runs the migrated guest alone: a 128 MiB (--quick: 32 MiB) stand-in load guest (dirtier, 64 KiB working set) "
        "at rewrite rates from 1 page/s to flat out; its CPU share is measured over 2 s before each "
        "migration. Its memory is mostly zero pages, sent without data.",
        (Expectation("total_ms", "flat"), Expectation("downtime_ms", "flat")),
        tuple(Point(load_guest(rate)) for rate in LOAD_RATES_FULL),
        tuple(Point(load_guest(rate, 32)) for rate in LOAD_RATES_QUICK),
        (MISSING_LOADGEN, MISSING_CLIENT)),
    Experiment(
        "background-load", "fig. 4",
        "The same with a second VM at 100% CPU load on the source node",
        "cpu_load", "CPU load of the migrated guest (% of node a's CPU, measured)",
        "With a second VM at 100% load on the source, the fast system's times stay stable; on the slow "
        "system the downtime grew to 15 s above 60% load of the migrated VM. When the VMs load the host "
        "to its limit the migration time rises strongly (conclusion 2).",
        "Die Migrationszeit einer virtuellen Maschine auf einen anderen physikalischen Host steigt stark "
        "an, wenn mehrere virtuelle Maschinen derart hohe Last erzeugen, dass die physikalischen Ressourcen "
        "(CPU und Arbeitsspeicher) des Quellhosts ihre Kapazitätsgrenzen erreichen.",
        "As cpu-load, plus a second guest on node a that stays there: a 16 MiB stand-in load guest "
        "rewriting its 16 pages flat out (100% when alone). A Godwit node has one CPU, so the two guests "
        "and the hypervisor's migration work share it.",
        (Expectation("total_ms", "rises"), Expectation("downtime_ms", "flat")),
        tuple(Point(load_guest(rate), FLAT_OUT_BACKGROUND) for rate in LOAD_RATES_FULL),
        tuple(Point(load_guest(rate, 32), FLAT_OUT_BACKGROUND) for rate in LOAD_RATES_QUICK),
        (MISSING_LOADGEN, MISSING_CLIENT)),
    Experiment(
        "background-vm-load", "fig. 5",
        "Migration time and downtime of an idle VM against the CPU load of a second VM on the source",
        "background_load", "CPU load of the second guest on node a (% of node a's CPU, measured)",
        "Migrating an idle VM while a second VM's load varies: stable on the fast system; on the slow "
        "system the migration took longer above about 60% background load while the downtime stayed "
        "constant up to about 90%.",
        "Auf dem älteren System erhöhte sich die Dauer der Live-Migration ab ca. 60% der CPU-Last der nicht "
        "migrierten VM, wobei die Offline-Zeit konstant blieb und erst ab ca. 90% anstieg.",
        "Node a runs a 128 MiB (--quick: 32 MiB) idle guest (dirtier, 64 KiB working set, 1 page/s), which is migrated, and a "
        "second 16 MiB stand-in load guest at rewrite rates from 1 page/s to flat out, which stays.",
        (Expectation("total_ms", "rises"), Expectation("downtime_ms", "flat")),
        tuple(Point(load_guest(1), Guest(16, LOAD_WSS, rate)) for rate in LOAD_RATES_FULL),
        tuple(Point(load_guest(1, 32), Guest(16, LOAD_WSS, rate)) for rate in LOAD_RATES_QUICK),
        (MISSING_LOADGEN, MISSING_CLIENT)),
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
        (MISSING_CLIENT,)),
    Experiment(
        "dirty-pages", "fig. 7", "Migration time and downtime against the pages modified during the migration",
        "rate", "pages rewritten per second by the migrated guest",
        "An application that modifies many pages during the migration raises both the migration time and "
        "the downtime (conclusion 5; in the paper the stop-and-copy phase doubled).",
        "Viele Speichermodifikationen während der Migration führen zur Erhöhung der Migrationsdauer und der "
        "Offline-Zeit gleichzeitig.",
        "A 128 MiB dirtier with a 64 MiB working set (filled with data) rewriting 1 page/s up to 16000 pages/s "
        "(62 MiB/s; --quick: 32 MiB, 16 MiB working set, up to 8000 pages/s), more than QEMU's link carries "
        "(about 5-20 MiB/s); pre-copy then stops (no progress, or its round limit) and sends the rest with "
        "the guest paused.",
        (Expectation("total_ms", "rises"), Expectation("downtime_ms", "rises")),
        tuple(Point(Guest(PAPER_VM_MIB, "64M", rate)) for rate in (1, 1000, 2000, 4000, 8000, 16000)),
        tuple(Point(Guest(32, "16M", rate)) for rate in (1, 2000, 8000)),
        (MISSING_CLIENT,)),
    Experiment(
        "modes", "Table 1", "Pre-copy against post-copy, hybrid and stop-and-copy",
        "mode", "migration mode",
        "The paper's Table 1: pre-copy (push, then stop-and-copy), post-copy (stop-and-copy of the state, "
        "then pull on access), hybrid (push and pull) and classic stop-and-copy. Its measurements are "
        "Xen's pre-copy only; it leaves other approaches to future work.",
        "Da Xen als Migrationsmethode den Pre-Copy-Ansatz verwendet, können Rückschlüsse auf Systeme mit "
        "anderen Migrationsmethoden (wie VMware) nicht direkt erfolgen.",
        "The dirty-pages guest at 2000 pages/s, once per mode. Only pre-copy exists in Godwit today; the "
        "other modes are listed as not yet runnable.",
        (),
        tuple(Point(Guest(PAPER_VM_MIB, "64M", 2000), mode=mode, runnable=mode == "pre-copy")
              for mode in ("pre-copy", "post-copy", "hybrid", "stop-and-copy")),
        tuple(Point(Guest(32, "16M", 2000), mode=mode, runnable=mode == "pre-copy")
              for mode in ("pre-copy", "post-copy", "hybrid", "stop-and-copy")),
        (MISSING_MODES, MISSING_CLIENT)),
)

BY_NAME = {experiment.name: experiment for experiment in EXPERIMENTS}
NAMES = tuple(BY_NAME) + ("all",)


def chosen(name: str) -> tuple:
    return EXPERIMENTS if name == "all" else (BY_NAME[name],)
