#!/usr/bin/env python3
"""Guests' x87/SSE state across guest switches and migrations (labels fpu-qemu and
fpu-bochs, two nodes of one emulator; issue 17, decision 0019).

- two loadgen guests on node a, each doing floating-point work at full load (so the node
  switches between them all the time, mid-computation), and a third on node b: each
  prints the digest of its results at every checkpoint, which must equal the digest
  recomputed here (tests/integration/fp_reference.py) — the results of a run without
  switching — and none reports an FP MISMATCH (its own recheck of every 16th block);
- one of a's loadgens migrates to b, where it shares the CPU with the third, and goes on
  printing the right digests there; the one left on a does too.
Without per-guest FPU state the guests read each other's XMM registers and the first
checkpoint's digest is wrong.
"""
import re
import time

import harness
from fp_reference import Digests
from harness import check
from migrate_test import check_moved

from godwitlib import paths  # noqa: E402
from godwitlib.migration_run import migrate, migration_nodes, start_guest, wait_booted  # noqa: E402

CHECKPOINT = 100  # blocks between two digests (a block is 1000 iterations)
LOADGEN = f"new loadgen mem=4M wss=256K load=100 checkpoint={CHECKPOINT} report=2000"
REFERENCE = Digests()


def checkpoints(node, guest_id):
    """[(blocks, digest)] the loadgen printed on `node` (whole lines only: the last one
    may still be arriving)."""
    return [(int(b), int(d, 16)) for b, d in
            re.findall(rf"^\[g{guest_id} loadgen\] loadgen: fp blocks=(\d+) digest=(0x[0-9a-f]+)\r?\n", node.console.text,
                       re.M)]


def check_no_mismatch(node):
    check("FP MISMATCH" not in node.console.text, "a loadgen saw its own FP results change", node)


def wait_checkpoint(node, guest_id, beyond=0, timeout=180.0):
    """Waits for a checkpoint past `beyond` blocks; checks every digest printed so far
    against the reference; returns the last (blocks, digest)."""
    deadline = time.monotonic() + timeout
    while not (seen := checkpoints(node, guest_id)) or seen[-1][0] <= beyond:
        check_no_mismatch(node)
        check(time.monotonic() < deadline,
              f"loadgen {guest_id} printed no checkpoint past {beyond} blocks within {timeout:.0f} s", node)
        time.sleep(0.5)
    check_no_mismatch(node)
    for blocks, digest in seen:
        want = REFERENCE.digest(blocks)
        check(digest == want, f"guest {guest_id} on {node.spec.name}: digest after {blocks} blocks is {digest:#x}, "
              f"the computation without switching gives {want:#x}", node)
    return seen[-1]


def main():
    args = harness.arguments(__doc__, linked=True)
    run_root = paths.BUILD / "test-runs" / f"fpu-{args.run_name}"

    def body():
        nodes = migration_nodes(args.emulators, run_root)
        with nodes as (a, b):
            wait_booted((a, b), harness.BOOT_TIMEOUT)
            first, second = start_guest(a, LOADGEN), start_guest(a, LOADGEN)
            third = start_guest(b, LOADGEN)
            for node, guest in ((a, first), (a, second), (b, third)):
                blocks, _ = wait_checkpoint(node, guest, CHECKPOINT)
                print(f"loadgen {guest} on {node.spec.name} ({node.spec.emulator}): {blocks} blocks, digests right")
            before = checkpoints(a, first)[-1][0]
            moved = migrate(a, first, b, timeout=300)
            on_b = check_moved(a, b, first, moved, "loadgen a->b")
            blocks, _ = wait_checkpoint(b, on_b, before)
            print(f"loadgen a->b: digests right from {before} to {blocks} blocks, now beside loadgen {third} on b")
            left = checkpoints(a, second)[-1][0]
            for node, guest, beyond in ((a, second, left), (b, third, checkpoints(b, third)[-1][0])):
                blocks, _ = wait_checkpoint(node, guest, beyond)
                print(f"loadgen {guest} on {node.spec.name}: digests still right at {blocks} blocks")

    return harness.run_test(body)


if __name__ == "__main__":
    raise SystemExit(main())
