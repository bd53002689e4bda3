"""`godwit demo`: live migration, end to end.

Boots nodes a and b on one virtual link, starts on a a dirtier (rewrites pages of its
memory all the time and checks every page against what it last wrote) and a counter,
moves the dirtier to b while it writes, and then shows that it went on: its self-check
passes on b with larger counts, node a no longer holds it, and the counter on a never
stopped. Exits 0 only if all of that held."""
import sys

from . import build, paths, setup_step
from .emulators import describe_emulators, emulators_name, parse_emulators
from .migration_report import check_lines, round_line, summary_rows, table
from .migration_run import (MIB, MODES, PAGE, MigrationFailure, counter_lines, dirtier_corrupt, dirtier_reports,
                            guest_state, migrate, migration_nodes, start_guest, wait_booted,
                            wait_counter, wait_dirtier_report)
from .network import NODES, node_emulators

# (guest MiB, the rest of its command line) per emulator: Bochs' link carries about
# 1.4 MiB/s, QEMU's 10-20, so Bochs gets a guest that dirties less than its link sends.
# A mixed pair is as slow as its Bochs node.
DIRTIER = {"qemu": (64, "wss=8M rate=2000 report=500"), "kvm": (64, "wss=8M rate=2000 report=500"),
           "bochs": (32, "wss=2M rate=150 report=500")}
COUNTER = "new counter mem=4M period=500"


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


def command(args):
    setup_step.ensure_ready(quiet=True)
    build.build()
    emulators = node_emulators(args.emulator, 2)
    run_root = paths.RUNS / f"demo-{emulators_name(emulators)}"
    say(f"godwit demo: live migration between two Godwit nodes under {describe_emulators(emulators)}")
    shaped = f", shaped to {args.link_mbit} Mbit/s" if args.link_mbit else ""
    say(f"Booting node a ({NODES[0].ip}) and node b ({NODES[1].ip}) on one virtual link{shaped} ...")
    try:
        with migration_nodes(emulators, run_root, link_mbit=args.link_mbit) as (a, b):
            wait_booted((a, b))
            dirtier, counter = start_guests(a, emulators)
            counter_before = counter_lines(a, counter)[-1]
            result = move(a, b, dirtier, dirtier_settings(emulators)[0], args.mode)
            ok_before = dirtier_reports(a, dirtier)[-1]  # the last check on a, right before the pause
            checks = prove(a, b, dirtier, counter, result, ok_before, counter_before)
    except AssertionError as failure:  # MigrationFailure or a console timeout
        checks = [(False, f"the demo could not go on: {failure}")]
    say("\n5. What the demo showed:")
    say(check_lines(checks))
    say(f"\nConsole logs (everything each node printed): {run_root / 'a' / 'console.log'} and "
        f"{run_root / 'b' / 'console.log'}")
    held = all(ok for ok, _ in checks)
    say("godwit demo: " + ("everything held." if held else "something did NOT hold (see above)."))
    return 0 if held else 1
