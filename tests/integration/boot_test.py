#!/usr/bin/env python3
"""Boot test (labels boot-qemu, boot-bochs): Godwit boots, reports the virtualization
feature the emulator offers, answers shell commands, and halts the emulator with the
code it was given."""
import harness
from harness import check


def main():
    args = harness.arguments(__doc__)
    emulator = args.emulator

    def body():
        node = harness.boot_node("a", emulator, "boot")
        try:
            console = node.console
            boot = console.wait_event("boot", harness.BOOT_TIMEOUT)
            print(f"boot event after {boot['t_ms']} ms of hypervisor time: {boot}")
            missing = harness.EXPECTED_FEATURES[emulator] - set(boot["features"])
            check(not missing, f"boot event lacks features {missing}", node)

            info = console.command("info")
            backend = harness.EXPECTED_BACKEND[emulator]
            check(f"{backend}:" in info and "usable:" in info.split(f"{backend}:")[1].split("\n")[0],
                  f"'info' does not report {backend} as usable:\n{info}", node)
            check("memory:" in info and "uptime:" in info, f"'info' lacks memory/uptime:\n{info}", node)

            help_text = console.command("help")
            for name in ("info", "mem", "halt"):
                check(name in help_text, f"'help' does not list '{name}'", node)
            unknown = console.command("frobnicate now")
            check("unknown command 'frobnicate'" in unknown, f"bad reply to an unknown command: {unknown!r}", node)
            mem = console.command("mem")
            check("frames:" in mem and "available" in mem, f"'mem' output unexpected:\n{mem}", node)
            usage = console.command("halt now")
            check("must be a number" in usage, f"'halt now' was not refused: {usage!r}", node)

            console.type("halt 7\r")
            halt = console.wait_event("halt", 30)
            check(halt["code"] == 7, f"halt event has code {halt['code']}, expected 7", node)
            status = node.wait(30)
            check(status is not None, "the emulator did not end after halt", node)
            if emulator != "bochs":  # QEMU's isa-debug-exit: (code << 1) | 1
                check(status == (7 << 1) | 1, f"QEMU exit status {status}, expected 15", node)
        finally:
            node.stop()

    return harness.run_test(body)


if __name__ == "__main__":
    raise SystemExit(main())
