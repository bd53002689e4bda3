"""Fault injection for migration runs: stop a node or cut the link, at a named step of a
migration or at a random moment, then heal it (issue 15).

    faults = Faults(nodes)                      # nodes: a started LinkedNodes
    faults.inject("cut_dst_src", source="a", destination="b")   # see FAULTS
    ...
    faults.heal()                               # undoes every fault that can be undone

    plan = FaultPlan(step="after_end", fault="cut_dst_src", hold_s=35)
    outcome = run_with_fault(nodes, source, guest_id, destination, plan)

The faults, named by the nodes' roles in the migration (src: the source, dst: the
destination), all from the host side of the run's private network namespace:
  cut_src_dst, cut_dst_src, cut_both
            frames towards the second node are dropped: a `blackhole` qdisc replaces the
            root qdisc of its tap (every frame it receives leaves the bridge through it),
            so src -> dst is cut while dst -> src still flows, or the other way, or both.
            (This kernel has no tc classifiers or netem; blackhole and tbf are built in.)
            Healing puts back the tap's qdisc: the link's tbf when it is shaped, else
            the default.
  freeze_src, freeze_dst
            SIGSTOP to that node's emulator: the machine stops dead, mid-instruction,
            and its clock jumps when SIGCONT heals it (its timeouts then fire at once).
  kill_src, kill_dst
            SIGKILL: the machine is gone with whatever it held; healing cannot bring it
            back (LinkedNodes.restart_node boots a fresh one).
Faults.drop_towards(node), freeze(node) and kill(node) do the same by node name.

The steps, recognised from the nodes' @event lines (the source's migration_start,
migration_round and migration_commit, the destination's migration_progress):
  before_header  the fault is in place before `migrate` is typed;
  mid_round0     the destination saw ROUND 0 (migration_progress round 0), plus
                 ROUND0_DELAY_S so that pages are flowing;
  mid_final      the destination saw the final ROUND (the run uses --max-rounds 1, so
                 round 1 is the final one, sent with the guest paused);
  after_end      the destination saw END (migration_progress step end; the run uses
                 --verify, so the destination then hashes all of memory before its
                 verdict: the fault lands between END and the verdict);
  after_verdict  the destination queued its verdict, VERIFIED (migration_progress step
                 verified): it holds the loaded guest and runs it only on COMMIT;
  after_commit   the source sent COMMIT (migration_commit): from then on it never
                 resumes the guest on its own, and a lost COMMIT or COMMITTED leaves it
                 paused, unsettled (docs/migration-stream.md, section 8);
  random         a uniformly random moment between migration_start and the expected end
                 of the migration (RANDOM_WINDOW_S).
"""
import os
import random
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Optional

from .network import LinkedNodes, tbf_arguments

FAULTS = ("cut_src_dst", "cut_dst_src", "cut_both", "freeze_src", "freeze_dst", "kill_src", "kill_dst")
# The faults a soak draws from: each can be healed, so no guest is lost by the fault itself.
HEALABLE_FAULTS = ("cut_src_dst", "cut_dst_src", "cut_both", "freeze_src", "freeze_dst")
STEPS = ("before_header", "mid_round0", "mid_final", "after_end", "after_verdict", "after_commit", "random")
ROUND0_DELAY_S = 0.3
RANDOM_WINDOW_S = 8.0  # a 256 MiB dirtier moves in about 5-10 s under QEMU


class FaultError(RuntimeError):
    """A fault could not be put in place or taken away; the message says which command."""


class Faults:
    """The faults of one run's nodes a, b (a started LinkedNodes). Every fault put in
    place is remembered so that heal() can undo it; kill cannot be undone."""

    def __init__(self, nodes: LinkedNodes):
        self.nodes = nodes
        self.active = []  # (kind, node name) in the order they were put in place
        self.log = []     # (host monotonic time, what was done)

    # --- the node and its tap ---------------------------------------------------------
    def _node(self, name):
        return self.nodes.nodes[self.nodes.index_of(name)]

    def _tap(self, name) -> str:
        return self.nodes.addresses[self.nodes.index_of(name)].tap

    def _tc(self, *arguments):
        result = self.nodes.link.run_on_link(["tc", *arguments], timeout=30)
        if result.returncode != 0:
            raise FaultError(f"`tc {' '.join(arguments)}` failed: {result.stdout.strip()}")

    def _signal(self, name, number):
        process = self._node(name).process
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, number)
        except ProcessLookupError:
            pass

    def _note(self, what):
        self.log.append((time.monotonic(), what))

    # --- putting faults in place --------------------------------------------------------
    def drop_towards(self, name):
        """Frames towards node `name` are dropped."""
        self._tc("qdisc", "replace", "dev", self._tap(name), "root", "blackhole")
        self.active.append(("drop", name))
        self._note(f"drop frames towards {name}")

    def freeze(self, name):
        self._signal(name, signal.SIGSTOP)
        self.active.append(("freeze", name))
        self._note(f"freeze {name}")

    def kill(self, name):
        self.nodes.kill_node(name)
        self._note(f"kill {name}")

    def inject(self, fault: str, source: str = "a", destination: str = "b"):
        """Puts one of FAULTS in place; `source` and `destination` name the nodes."""
        if fault not in FAULTS:
            raise FaultError(f"unknown fault {fault!r} (one of {', '.join(FAULTS)})")
        role = {"src": source, "dst": destination}
        kind, _, rest = fault.partition("_")
        if kind == "cut":
            targets = (source, destination) if rest == "both" else (role[rest.split("_")[1]],)
            for target in targets:
                self.drop_towards(target)
        elif kind == "freeze":
            self.freeze(role[rest])
        else:
            self.kill(role[rest])

    # --- healing ------------------------------------------------------------------------
    def heal(self):
        """Undoes every fault in place, newest first: the taps get their qdisc back,
        frozen emulators continue."""
        while self.active:
            kind, name = self.active.pop()
            if kind == "drop":
                tap = self._tap(name)
                if self.nodes.link_mbit:
                    self._tc("qdisc", "replace", "dev", tap, "root", *tbf_arguments(self.nodes.link_mbit))
                else:
                    self._tc("qdisc", "del", "dev", tap, "root")
            else:
                self._signal(name, signal.SIGCONT)
            self._note(f"heal {kind} {name}")


# --- faults at the steps of one migration ----------------------------------------------
@dataclass
class FaultPlan:
    step: str                 # one of STEPS
    fault: str                # one of FAULTS
    hold_s: float = 5.0       # how long the fault stays before heal()
    random_at_s: Optional[float] = None  # for step "random": seconds after migration_start

    def migrate_options(self) -> dict:
        """The `migrate` options that make this step observable (see the module doc)."""
        options = {}
        if self.step == "mid_final":
            options["max_rounds"] = 1
        if self.step == "after_end":
            options["verify"] = True
        return options


@dataclass
class Injection:
    """What happened to one plan: whether its step was reached, when the fault went in
    (host seconds after `migrate` was typed) and when it was healed."""
    plan: FaultPlan
    reached: bool = False
    injected_at_s: Optional[float] = None
    healed_at_s: Optional[float] = None
    note: str = ""
    log: list = field(default_factory=list)


def _trigger(step):
    """(node role, event name, fields) that marks `step`, or None."""
    return {"mid_round0": ("destination", "migration_progress", {"step": "round", "round": 0}),
            "mid_final": ("destination", "migration_progress", {"step": "round", "round": 1}),
            "after_end": ("destination", "migration_progress", {"step": "end"}),
            "after_verdict": ("destination", "migration_progress", {"step": "verified"}),
            "after_commit": ("source", "migration_commit", {})}.get(step)


def _count(node, name) -> int:
    return len(node.console.events(name))


class StepInjector:
    """Watches the nodes' consoles from a thread and puts `plan.fault` in place when its
    step comes, then heals it hold_s later. start() before typing `migrate` (for
    before_header it injects at once); finish() waits for the heal and returns the
    Injection."""

    def __init__(self, nodes: LinkedNodes, source, destination, plan: FaultPlan, give_up_s: float = 240.0):
        self.faults = Faults(nodes)
        self.source, self.destination, self.plan = source, destination, plan
        self.give_up_s = give_up_s
        self.result = Injection(plan)
        self._thread = None
        self._stop = threading.Event()
        self._started = 0.0
        self._baseline = {}

    def start(self):
        self._started = time.monotonic()
        self._baseline["migration_progress"] = _count(self.destination, "migration_progress")
        for name in ("migration_start", "migration_commit"):
            self._baseline[name] = _count(self.source, name)
        self._baseline["migration_summary"] = _count(self.source, "migration_summary")
        if self.plan.step == "before_header":
            self._inject()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _elapsed(self):
        return time.monotonic() - self._started

    def _inject(self):
        self.faults.inject(self.plan.fault, self.source.spec.name, self.destination.spec.name)
        self.result.reached = True
        self.result.injected_at_s = self._elapsed()

    def _seen(self, node, name, fields) -> bool:
        for event in node.console.events(name)[self._baseline.get(name, 0):]:
            if all(event.get(k) == v for k, v in fields.items()):
                return True
        return False

    def _migration_over(self) -> bool:
        return _count(self.source, "migration_summary") > self._baseline["migration_summary"]

    def _run(self):
        plan = self.plan
        deadline = self._started + self.give_up_s
        try:
            if not self.result.reached:
                self._wait_for_step(deadline)
            if self.result.reached:
                heal_at = time.monotonic() + plan.hold_s
                while time.monotonic() < heal_at and not self._stop.is_set():
                    time.sleep(0.05)
        except FaultError as error:
            self.result.note = str(error)
        finally:
            self.faults.heal()
            if self.result.reached:
                self.result.healed_at_s = self._elapsed()
            self.result.log = [(t - self._started, what) for t, what in self.faults.log]

    def _wait_for_step(self, deadline):
        plan = self.plan
        trigger = _trigger(plan.step)
        if plan.step == "random":
            while not self._seen(self.source, "migration_start", {}):
                if time.monotonic() > deadline or self._stop.is_set() or self._migration_over():
                    self.result.note = "the migration never started"
                    return
                time.sleep(0.02)
            at = plan.random_at_s if plan.random_at_s is not None else random.uniform(0, RANDOM_WINDOW_S)
            until = time.monotonic() + at
            while time.monotonic() < until:
                if self._stop.is_set():
                    return
                time.sleep(0.02)
            if self._migration_over():
                self.result.note = f"the migration was over before {at:.1f} s"
                return
            self._inject()
            return
        role, name, fields = trigger
        node = self.source if role == "source" else self.destination
        while time.monotonic() < deadline and not self._stop.is_set():
            if self._seen(node, name, fields):
                if plan.step == "mid_round0":
                    time.sleep(ROUND0_DELAY_S)
                self._inject()
                return
            # The destination's verdict line may reach us after the source's summary:
            # finish() stops the wait for it after its grace.
            if self._migration_over() and plan.step != "after_verdict" and not self._seen(node, name, fields):
                self.result.note = f"step {plan.step} not reached: the migration ended first"
                return
            time.sleep(0.02)
        if not self.result.reached:
            self.result.note = self.result.note or f"step {plan.step} not reached within {self.give_up_s:.0f} s"

    def finish(self, grace_s: float = 10.0, timeout: float = 300.0) -> Injection:
        """Waits until the fault (if any) has been healed. Call once the migration's
        summary has arrived (or the run gave up on it): a step not reached within
        grace_s after that (the destination's verdict may come after the source's
        summary) will not come."""
        if self._thread is not None:
            until = time.monotonic() + grace_s
            while not self.result.reached and time.monotonic() < until and self._thread.is_alive():
                time.sleep(0.05)
            if not self.result.reached:
                self._stop.set()  # the step can no longer come: stop watching
            self._thread.join(timeout)
        return self.result

    def abort(self):
        """Heals at once (a run that is ending early)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)

