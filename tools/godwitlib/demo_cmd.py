"""`godwit demo`: live migration, end to end.

Boots nodes a and b on one virtual link, starts on a a dirtier (rewrites pages of its
memory all the time and checks every page against what it last wrote) and a counter,
moves the dirtier to b while it writes, and then shows that it went on: its self-check
passes on b with larger counts, node a no longer holds it, and the counter on a never
stopped. Then it does what migration is for: node a starts an echo guest on the network,
a UDP client on the host side sends it a datagram every millisecond (every 5 on Bochs),
and the guest moves to b while the demo draws the client's reply rate as it goes (one
character per 100 ms) and reports the gap the client saw next to the hypervisor's
downtime. Exits 0 only if all of that held."""
import sys
import threading
import time

from . import build, paths, setup_step
from .emulators import describe_emulators, emulators_name, parse_emulators
from .migration_report import check_lines, guest_downtime_ms, round_line, summary_rows, table
from .client_probe import UdpProbe
from .migration_run import (MIB, MODES, PAGE, MigrationFailure, counter_lines, dirtier_corrupt, dirtier_reports,
                            guest_state, migrate, migration_nodes, source_clock_rate, start_guest, wait_booted,
                            wait_counter, wait_dirtier_report)
from .network import NODES, node_emulators

# (guest MiB, the rest of its command line) per emulator: Bochs' link carries about
# 1.4 MiB/s, QEMU's 10-20, so Bochs gets a guest that dirties less than its link sends.
# A mixed pair is as slow as its Bochs node.
DIRTIER = {"qemu": (64, "wss=8M rate=2000 report=500"), "kvm": (64, "wss=8M rate=2000 report=500"),
           "bochs": (32, "wss=2M rate=150 report=500")}
COUNTER = "new counter mem=4M period=500"
ECHO_IP = "10.0.0.21"
ECHO = f"new echo mem=16M net={ECHO_IP}/24"
# The UDP client's period: Bochs forwards a few hundred frames a second at most.
PROBE_INTERVAL_MS = {"qemu": 1.0, "kvm": 1.0, "bochs": 5.0}
LEVELS = " ▁▂▃▄▅▆▇█"


def add_arguments(parser):
    parser.add_argument("--emulator", type=parse_emulators, default=("qemu",), metavar="EMULATOR[,EMULATOR]",
                        help="qemu (default), bochs or kvm for both nodes, or one per node: qemu,bochs")
    parser.add_argument("--link-mbit", type=int, metavar="N", help="shape the link to N Mbit/s (tc tbf)")
    parser.add_argument("--mode", choices=MODES, default="pre-copy",
                        help="how to move the dirtier: stop-and-copy, pre-copy (default), post-copy or hybrid "
                             "(docs/walkthrough.md has a section on each)")


def say(text=""):
    print(text)
    sys.stdout.flush()


def dirtier_settings(emulators):
    """DIRTIER's entry for the pair: the slower emulator's."""
    return DIRTIER["bochs" if "bochs" in emulators else emulators[0]]


def dirtier_line(emulators):
    mem, rest = dirtier_settings(emulators)
    return f"new dirtier mem={mem}M {rest}"


def start_guests(a, emulators):
    say(f"\n1. Node a starts two guests:\n   godwit> {dirtier_line(emulators)}")
    dirtier = start_guest(a, dirtier_line(emulators))
    say(f"   godwit> {COUNTER}")
    counter = start_guest(a, COUNTER)
    before = wait_dirtier_report(a, dirtier)
    wait_counter(a, counter, 1)
    say(f"   guest {dirtier} (dirtier) rewrites pages of its memory and checks each against what it\n"
        f"   last wrote: writes={before[0]} verified={before[1]} pass={before[2]} so far.\n"
        f"   guest {counter} (counter) prints a number twice a second; it stays on node a.")
    return dirtier, counter


MODE_STORY = {
    "pre-copy": "   One line per pre-copy round: its bar is the share of the guest's pages it sent;\n"
                "   'dirtied meanwhile' is what the guest rewrote during it, which the next round sends\n"
                "   again. When little is left, node a pauses the guest and sends the rest (final).",
    "stop-and-copy": "   Stop-and-copy: node a pauses the guest at once and sends all of its memory and\n"
                     "   state in one round; the guest is down for the whole copy.",
    "post-copy": "   Post-copy: node a pauses the guest, sends only its state, and node b runs it at once\n"
                 "   with no memory: each page it touches is fetched from a first, the rest pushed behind.",
    "hybrid": "   Hybrid: a few pre-copy rounds while the guest runs on a, then post-copy for the pages\n"
              "   still dirty.",
}


def move(a, b, dirtier, guest_mib, mode="pre-copy"):
    say(f"\n2. Node a sends guest {dirtier} to node b ({NODES[1].ip}) while it keeps writing:\n"
        f"   godwit> migrate {dirtier} {NODES[1].ip}{'' if mode == 'pre-copy' else ' --mode ' + mode}\n"
        + MODE_STORY[mode])
    guest_pages = guest_mib * MIB // PAGE
    result = migrate(a, dirtier, b, on_round=lambda event: say(round_line(event, guest_pages)), mode=mode)
    say("\n3. The result, as node a measured it (and node b's own part of the pause, on b's clock):")
    say(table(summary_rows(result.summary, guest_mib, result.arrival)))
    say(f"  {'host wall clock':<17}  {result.wall_s:.1f} s for the whole migrate command")
    return result


def counted_on(node, counter):
    numbers = [n for n, _ in counter_lines(node, counter)]
    return numbers == list(range(1, len(numbers) + 1))


def prove(a, b, dirtier, counter, result, ok_before, counter_before):
    """Waits for the evidence; returns (held, description) pairs."""
    arrival = result.arrival
    new_id = arrival.get("guest_id")
    after = None
    if arrival.get("outcome") == "running":
        try:
            after = wait_dirtier_report(b, new_id, more_than=ok_before[0])
        except MigrationFailure as failure:
            say(f"   {failure}")
    counter_after = wait_counter(a, counter, counter_before[0] + 2)[-1]
    source_row = guest_state(a, dirtier)
    gone = source_row.startswith("ended") and "migrated" in source_row
    say(f"\n4. After the move: node b runs it as guest {new_id}; node a's `guests` lists guest {dirtier} as "
        f"{'ended (migrated)' if gone else repr(source_row)}")
    if after:
        say(f"   dirtier self-check before (on a): writes={ok_before[0]} verified={ok_before[1]} pass={ok_before[2]}")
        say(f"   dirtier self-check after  (on b): writes={after[0]} verified={after[1]} pass={after[2]}")
    say(f"   counter on a: {counter_before[0]} (t={counter_before[1]} ms) before, "
        f"{counter_after[0]} (t={counter_after[1]} ms) now")
    return [
        (result.succeeded, "the migration succeeded"),
        (result.summary.get("digest_verified") is True, "node b's memory digest matched node a's"),
        (arrival.get("outcome") == "running", "node b runs the guest"),
        (after is not None, "the dirtier's self-check goes on passing on node b, with larger counts"),
        (dirtier_corrupt(a) is None and dirtier_corrupt(b) is None, "no page was ever found corrupt"),
        (gone, "node a no longer holds the guest"),
        (counted_on(a, counter) and counter_after[1] > counter_before[1],
         "the counter on node a kept counting all along (no number skipped)"),
    ]


def sparkline(counts, expected):
    """One character per 100 ms: blank for no reply, a full block for all expected."""
    return "".join(LEVELS[min(len(LEVELS) - 1, round(c / expected * (len(LEVELS) - 1)))] for c in counts)


class RateDisplay:
    """Prints the client's replies as they come: one line per second of the probe's run,
    one character per 100 ms, and the replies per second."""

    def __init__(self, interval_ms):
        self.expected = 100 / interval_ms
        self.pending = []
        self.lock = threading.Lock()

    def __call__(self, index, replies):
        with self.lock:
            self.pending.append(replies)
            if len(self.pending) == 10:
                second = (index + 1) / 10
                say(f"   client {second:5.1f} s |{sparkline(self.pending, self.expected)}| {sum(self.pending):5d} "
                    "replies/s")
                self.pending = []


def move_echo(a, b, link, emulator, mode):
    """Step 5: an echo guest moves (in `mode`, with its network card) while a host-side
    client talks to it. Returns the checks."""
    interval = PROBE_INTERVAL_MS[emulator]
    say(f"\n5. What migration is for: a service stays reachable. Node a starts an echo guest on the\n"
        f"   network, and a UDP client on the host side of the link sends it a numbered datagram\n"
        f"   every {interval:g} ms. Each line below is one second of the client's replies, one\n"
        f"   character per 100 ms (a full block: every datagram answered; blank: none).\n"
        f"   godwit> {ECHO}")
    guest = start_guest(a, ECHO)
    a.console.expect(rf"\[g{guest} echo\] echo: up as {ECHO_IP}/24", 60)
    probe = UdpProbe(link, ECHO_IP, interval, on_progress=RateDisplay(interval))
    try:
        time.sleep(2.0)
        say(f"   godwit> migrate {guest} {NODES[1].ip}{'' if mode == 'pre-copy' else ' --mode ' + mode}")
        result = migrate(a, guest, b, on_round=lambda event: say("   " + round_line(event, 16 * MIB // PAGE)),
                         mode=mode)
        time.sleep(3.0)
    finally:
        client = probe.stop()
    downtime = guest_downtime_ms(result.summary, result.arrival) or 0.0
    rate = source_clock_rate(result) or 1.0
    say(f"\n   The client's view next to the hypervisor's:\n"
        f"     hypervisor downtime (guest paused on a until running on b): {downtime:.0f} ms\n"
        f"     longest gap between two replies the client saw:            {client['longest_gap_ms']:.0f} ms\n"
        f"     datagrams: {client['sent']} sent, {client['received']} answered, {client['lost']} lost, "
        f"{client['duplicates']} duplicated")
    if abs(rate - 1) > 0.2:
        say(f"     (node a's clock ran at 1/{rate:.2f} of the host's: the downtime was about "
            f"{downtime * rate:.0f} ms of the client's time; Bochs' clock follows its instructions)")
    resumed = sum(client["replies_per_100ms"][-10:]) > 0
    return [
        (result.succeeded and result.arrival.get("outcome") == "running", "the echo guest moved to node b"),
        (resumed, "the client's replies resumed from node b (the guest announced its new place)"),
        (client["duplicates"] == 0, "no reply came twice"),
    ]


def command(args):
    setup_step.ensure_ready(quiet=True)
    build.build()
    emulators = node_emulators(args.emulator, 2)
    run_root = paths.RUNS / f"demo-{emulators_name(emulators)}"
    say(f"godwit demo: live migration between two Godwit nodes under {describe_emulators(emulators)}")
    shaped = f", shaped to {args.link_mbit} Mbit/s" if args.link_mbit else ""
    say(f"Booting node a ({NODES[0].ip}) and node b ({NODES[1].ip}) on one virtual link{shaped} ...")
    try:
        nodes = migration_nodes(emulators, run_root, link_mbit=args.link_mbit)
        with nodes as (a, b):
            wait_booted((a, b))
            dirtier, counter = start_guests(a, emulators)
            counter_before = counter_lines(a, counter)[-1]
            result = move(a, b, dirtier, dirtier_settings(emulators)[0], args.mode)
            ok_before = dirtier_reports(a, dirtier)[-1]  # the last check on a, right before the pause
            checks = prove(a, b, dirtier, counter, result, ok_before, counter_before)
            checks += move_echo(a, b, nodes.link, "bochs" if "bochs" in emulators else emulators[0], args.mode)
    except AssertionError as failure:  # MigrationFailure or a console timeout
        checks = [(False, f"the demo could not go on: {failure}")]
    say("\n6. What the demo showed:")
    say(check_lines(checks))
    say(f"\nConsole logs (everything each node printed): {run_root / 'a' / 'console.log'} and "
        f"{run_root / 'b' / 'console.log'}")
    held = all(ok for ok, _ in checks)
    say("godwit demo: " + ("everything held." if held else "something did NOT hold (see above)."))
    return 0 if held else 1
