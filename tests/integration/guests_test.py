#!/usr/bin/env python3
"""Guests test (labels vmx under Bochs, svm under QEMU): one scenario, both backends.

- hello, counter, dirtier and cpuid run concurrently from boot; cpuid prints CPU model
  godwit-1 exactly, the same on both backends; hello exits 0, the counter's
  guest time advances while the others run, the dirtier's self-check passes;
- every isolation attack ends only the attacking guest with the expected reason, or is
  refused with an error code, and the other guests and the shell keep working; a guest
  that spins without yielding does not stop the others;
- the dirty log counts exactly the dirtier's working set (inside its range), and zero
  pages for a guest that only sleeps; under Bochs (VT-x with PML) the count comes from
  Intel PML, with no exit per page (decision 0022), under QEMU (AMD-V) from write
  protection.
"""
import re
import time

import harness
from harness import check

# attack -> (reason in guest_exit, status) ; "spin" is handled separately.
ATTACKS = {
    "read-outside": ("outside-ram", None),
    "write-outside": ("outside-ram", None),
    "io": ("io-denied", None),
    "msr": ("msr-denied", None),
    "triple-fault": ("triple-fault", None),
    "hypercalls": ("exited", 0),
}
DIRTIER_WSS_PAGES = 256  # wss=1M

# What the cpuid guest must print on every node: CPU model godwit-1
# (kernel/vm/cpu_model.cpp, docs/decisions/0011-guest-cpu-model.md), whatever the host.
GODWIT1_LEAVES = [
    "leaf=0x00000000 subleaf=0 eax=0x00000001 ebx=0x77646f47 ecx=0x34365550 edx=0x43567469",
    "leaf=0x00000001 subleaf=0 eax=0x00000611 ebx=0x00000800 ecx=0x80002001 edx=0x0788a149",
    "leaf=0x80000000 subleaf=0 eax=0x80000008 ebx=0x00000000 ecx=0x00000000 edx=0x00000000",
    "leaf=0x80000001 subleaf=0 eax=0x00000000 ebx=0x00000000 ecx=0x00000001 edx=0x20100000",
    "leaf=0x80000002 subleaf=0 eax=0x77646f47 ebx=0x76207469 ecx=0x75747269 edx=0x43206c61",
    "leaf=0x80000003 subleaf=0 eax=0x28205550 ebx=0x65646f6d ecx=0x2931206c edx=0x00000000",
    "leaf=0x80000004 subleaf=0 eax=0x00000000 ebx=0x00000000 ecx=0x00000000 edx=0x00000000",
    "leaf=0x80000005 subleaf=0 eax=0x00000000 ebx=0x00000000 ecx=0x00000000 edx=0x00000000",
    "leaf=0x80000006 subleaf=0 eax=0x00000000 ebx=0x00000000 ecx=0x00000000 edx=0x00000000",
    "leaf=0x80000007 subleaf=0 eax=0x00000000 ebx=0x00000000 ecx=0x00000000 edx=0x00000000",
    "leaf=0x80000008 subleaf=0 eax=0x00003024 ebx=0x00000000 ecx=0x00000000 edx=0x00000000",
]
GODWIT1_DIGEST = "0x14bfd13e26836db3"
HYPERCALL = {"qemu": "vmmcall", "bochs": "vmcall", "kvm": "vmcall"}


def check_cpuid_guest(console, emulator, node):
    """The cpuid guest printed model godwit-1 exactly, named this backend's hypercall
    instruction, and exited 0."""
    # It started at boot and may have ended before the lines the test waited for since.
    ended = next((e for e in console.events("guest_exit") if e.get("name") == "cpuid"), None)
    if ended is None:
        ended = console.wait_event("guest_exit", 60, name="cpuid")
    check(ended["reason"] == "exited" and ended["status"] == 0, f"cpuid ended badly: {ended}", node)
    guest_id = ended["id"]
    leaves = re.findall(rf"^\[g{guest_id} cpuid\] cpuid: (leaf=[^\r\n]*)", console.text, re.M)
    check(leaves == GODWIT1_LEAVES, "the cpuid guest did not see CPU model godwit-1:\n" + "\n".join(leaves), node)
    end = re.search(rf"^\[g{guest_id} cpuid\] cpuid: pass 1 end leaves=11 digest=(0x[0-9a-f]{{16}}) "
                    r'vendor="GodwitVCPU64" brand="Godwit virtual CPU \(model 1\)"\r?$', console.text, re.M)
    check(end is not None and end.group(1) == GODWIT1_DIGEST, "the cpuid guest's summary line is wrong", node)
    major, minor = harness.abi_version()
    check(re.search(rf'^\[g{guest_id} cpuid\] cpuid: pass 1 hypervisor="GodwitGodwit" abi={major}\.{minor} '
                    rf"hypercall={HYPERCALL[emulator]}\r?$", console.text, re.M),
          "the cpuid guest did not name this backend's hypercall instruction", node)
    print(f"cpuid: model godwit-1, digest {GODWIT1_DIGEST}, hypercall {HYPERCALL[emulator]}")


def counter_values(console, guest_id):
    return [int(n) for n in re.findall(rf"\[g{guest_id} counter\] counter (\d+) t=(?:\d+)", console.text, re.M)]


def counter_times(console, guest_id):
    return [int(t) for t in re.findall(rf"\[g{guest_id} counter\] counter \d+ t=(\d+)", console.text, re.M)]


def start_guest(console, line, node):
    out = console.command(line, 60)
    match = re.search(r"guest (\d+) \(", out)
    check(match is not None, f"'{line}' did not start a guest: {out!r}", node)
    return int(match.group(1))


def main():
    args = harness.arguments(__doc__)
    emulator = args.emulator
    modules = [
        (harness.guest_image("hello"), "guest=hello mem=4M"),
        (harness.guest_image("counter"), "guest=counter mem=4M period=200"),
        (harness.guest_image("dirtier"), "guest=dirtier mem=8M wss=1M rate=2000 report=500"),
        (harness.guest_image("cpuid"), "guest=cpuid mem=4M"),
        (harness.guest_image("counter"), "image=counter"),
        (harness.guest_image("isolation"), "image=isolation"),
    ]

    def body():
        node = harness.boot_node("a", emulator, "guests", modules=modules)
        try:
            console = node.console
            console.wait_event("boot", harness.BOOT_TIMEOUT)
            hello = console.wait_event("guest_exit", 60, name="hello")
            check(hello["reason"] == "exited" and hello["status"] == 0, f"hello ended badly: {hello}", node)
            check(re.search(r"\[g\d+ hello\] hello from guest", console.text, re.M), "hello printed nothing", node)
            console.expect(r"\[g\d+ dirtier\] dirtier: ok", 60)
            check_cpuid_guest(console, emulator, node)
            counter_id = int(re.search(r"\[g(\d+) counter\]", console.text, re.M).group(1))
            before = counter_times(console, counter_id)

            # Isolation: each attack in a fresh guest; the others must not notice.
            for attack, (reason, status) in ATTACKS.items():
                guest_id = start_guest(console, f"new isolation mem=4M attack={attack}", node)
                ended = console.wait_event("guest_exit", 60, id=guest_id)
                check(ended["reason"] == reason, f"attack {attack}: ended with {ended['reason']}, "
                      f"expected {reason} ({ended})", node)
                if status is not None:
                    check(ended["status"] == status, f"attack {attack}: status {ended['status']}", node)
                print(f"attack {attack}: {ended['reason']} ({ended['detail']})")
            check("NOT refused" not in console.text, "a bad hypercall was not refused", node)
            spin_id = start_guest(console, "new isolation mem=4M attack=spin", node)
            spin_start = counter_values(console, counter_id)[-1]
            time.sleep(3)
            console.command("guests")
            check(counter_values(console, counter_id)[-1] >= spin_start + 3,
                  "the counter stopped while a guest spun without yielding", node)
            check("killed" in console.command(f"kill {spin_id}"), "could not kill the spinning guest", node)

            after = counter_times(console, counter_id)
            check(len(after) > len(before) and after[-1] > before[-1], "the counter's time did not advance", node)
            listing = console.command("guests")
            check(re.search(r"dirtier\s+(running|blocked)", listing), f"dirtier not alive:\n{listing}", node)
            check(re.search(r"counter\s+(running|blocked)", listing), f"counter not alive:\n{listing}", node)

            # Dirty log: exactly the working set inside its range; zero for a sleeper.
            ws = re.search(r"\[g(\d+) dirtier\] dirtier: working set (\d+) pages at (0x[0-9a-f]+)", console.text)
            check(ws is not None, "the dirtier did not announce its working set", node)
            dirtier_id, pages, gpa = int(ws.group(1)), int(ws.group(2)), ws.group(3)
            check(pages == DIRTIER_WSS_PAGES, f"dirtier working set is {pages} pages", node)
            mechanism = "pml" if emulator == "bochs" else "write-protect"
            boot_says = "dirty tracking: PML" if emulator == "bochs" else "dirty tracking: write protection"
            check(boot_says in console.text, f"the boot log does not say '{boot_says}'", node)
            console.type(f"dirtylog {dirtier_id} 2 {gpa} {pages * 4}K\r")
            log = console.wait_event("dirtylog", 60, id=dirtier_id)
            check(log["tracking"] == mechanism, f"the dirty log was tracked by {log['tracking']}, not {mechanism}", node)
            check(log["pages_in_range"] == pages, f"dirty log counted {log['pages_in_range']} of {pages} pages", node)
            if mechanism == "pml":
                # The CPU logged the pages: at most a log-full exit per 512 pages, no fault per page.
                check(log["faults"] <= log["pages"] // 512 + 1, f"PML tracking took {log['faults']} exits", node)
            else:
                check(log["faults"] >= pages, f"write protection took {log['faults']} faults for {pages} pages", node)
            print(f"dirtylog dirtier: {log}")
            # A sub-second window: measured for about its length, and the dirtier writes in it.
            console.type(f"dirtylog {dirtier_id} 200ms\r")
            short = console.wait_event("dirtylog", 60, id=dirtier_id)
            check(200 <= short["ms"] < 2000 and short["pages"] > 0, f"a 200 ms dirty log gave {short}", node)
            sleeper = start_guest(console, "new counter mem=4M period=600000", node)
            console.expect(rf"\[g{sleeper} counter\] counter 1 ", 30)
            console.type(f"dirtylog {sleeper} 2\r")
            idle = console.wait_event("dirtylog", 60, id=sleeper)
            check(idle["pages"] == 0, f"an idle guest dirtied {idle['pages']} pages", node)
            console.expect(r"\[g\d+ dirtier\] dirtier: ok", 30)
            check("CORRUPT" not in console.text, "the dirtier found corruption", node)
        finally:
            node.stop()

    return harness.run_test(body)


if __name__ == "__main__":
    raise SystemExit(main())
