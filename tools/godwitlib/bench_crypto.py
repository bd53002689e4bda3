"""`godwit bench crypto`: what protecting migration records costs the CPU, per mode.

Modes (kernel/shell/crypto_bench.h), each over 4 KiB page records:
  checksum     stream v1's WordHash64 record checksum (what the stream does today)
  integrity    stream v2 integrity-only: the ChaCha20-Poly1305 tag over header and body
  encrypt      stream v2 encrypted: ChaCha20-Poly1305 (RFC 8439)
  hmac-sha256  an HMAC-SHA-256 tag per record, for comparison
Measured twice: on the host (tests/bench/crypto_bench.cpp, the same pure code and
BearSSL files built for the host at -O2; best of five rounds) and inside the hypervisor
(`cryptobench`, freestanding build without SSE; best of three rounds) on one node of
`--emulator`. Under QEMU the node's clock is the host's TSC, so a busy host still moves
single figures by 2x: compare modes within one run.

The emulated node's CPU is what limits a migration under emulation: a sender already
spends its CPU on copying and TCP at the link's rate L, so per MiB it spends 1/L, plus
1/C for a protection mode that runs at C MiB/s instead of the checksum's 1/C_checksum.
The estimate printed is the throughput left, (1/L + 1/C_checksum) / (1/L + 1/C), for the
link rates of docs/architecture.md (tcpbench under QEMU TCG: 10 and 25 MiB/s; Bochs'
e1000 link: 1.39 MiB/s of emulated time); it assumes the CPU is the only bottleneck, so
it is the worst case.
"""
import json
import subprocess

from . import paths
from .emulators import Node, NodeSpec
from .iso import BootConfig, make_iso

HOST_MIB = 64
HOST_ROUNDS = 5
NODE_ROUNDS = 3
LINK_RATES_MIB_S = {"qemu": (10, 25), "bochs": (1.39,)}


def host_figures() -> list:
    program = paths.BUILD / "tests" / "bench" / "godwit_crypto_bench"
    output = subprocess.run([str(program), str(HOST_MIB), str(HOST_ROUNDS)], check=True,
                            capture_output=True, text=True).stdout
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def node_figures(emulator: str, mib: int) -> tuple:
    run_dir = paths.RUNS / f"bench-crypto-{emulator}" / "a"
    run_dir.mkdir(parents=True, exist_ok=True)
    iso = make_iso(BootConfig(paths.kernel_image(), "node=a", []), run_dir / "godwit.iso")
    node = Node(NodeSpec("a", emulator, iso, run_dir, 256)).start()
    try:
        node.console.wait_event("boot", 300)
        before = len(node.console.events("cryptobench"))
        node.console.command(f"cryptobench {mib} {NODE_ROUNDS}", 1200)
        events = node.console.events("cryptobench")[before:]
    finally:
        node.stop()
    return events, str(run_dir)


def slowdown(modes: dict, link: float) -> dict:
    """Fraction of the checksum-only migration throughput left with each mode at link rate
    `link`, if the node's CPU is the bottleneck."""
    base = 1 / link + 1 / modes["checksum"]
    return {mode: round(base / (1 / link + 1 / rate), 3) for mode, rate in modes.items() if rate}


def bench_crypto(emulator: str, mib: int, with_node: bool) -> dict:
    host = host_figures()
    result = {"benchmark": "crypto", "host": host,
              "host_command": f"{paths.BUILD}/tests/bench/godwit_crypto_bench {HOST_MIB} {HOST_ROUNDS}"}
    if with_node:
        events, run_dir = node_figures(emulator, mib)
        rates = {e["mode"]: float(e["mib_s"]) for e in events}
        result.update({"emulator": emulator, "node_mib": mib, "node": events, "run_dir": run_dir,
                       "throughput_left": {f"link_{link}_mib_s": slowdown(rates, link)
                                           for link in LINK_RATES_MIB_S[emulator]} if "checksum" in rates else {}})
    result["command"] = f"tools/godwit bench crypto --emulator {emulator} --mib {mib}" + \
        ("" if with_node else " --host-only")
    result["ok"] = len(host) == 4 and (not with_node or len(result["node"]) == 4)
    return result


def print_result(r):
    print(f"record protection cost on the host ({HOST_MIB} MiB of 4 KiB records, best of {HOST_ROUNDS}):")
    for m in r["host"]:
        print(f"  {m['mode']:<12} {float(m['mib_s']):9.1f} MiB/s  {m['tsc_per_byte']:6.2f} TSC ticks/byte")
    if "node" in r:
        print(f"inside the hypervisor under {r['emulator']} ({r['node_mib']} MiB per mode, best of {NODE_ROUNDS}, "
              "node clock):")
        for e in r["node"]:
            print(f"  {e['mode']:<12} {float(e['mib_s']):9.3f} MiB/s  {float(e['tsc_per_byte']):8.2f} TSC ticks/byte")
        for link, left in r["throughput_left"].items():
            shown = ", ".join(f"{mode} {fraction:.0%}" for mode, fraction in left.items())
            print(f"  migration throughput left if the CPU is the bottleneck at {link}: {shown}")
        print(f"logs: {r['run_dir']}")


def command(args) -> int:
    result = bench_crypto(args.emulator, args.mib, not args.host_only)
    if args.json:
        print(json.dumps(result))
    else:
        print_result(result)
    return 0 if result["ok"] else 1
