"""Host-side clients of a guest during a migration, started on the run's link: the UDP
probe (udp_probe.py), iputils `ping -i 0.01` and one TCP connection (tcp_relay.py). All
run inside the link's network namespace, as separate processes, because this process is
not in it. The probes' summaries carry start_mono_ns (the host's monotonic clock, which
every process shares), so their replies can be put on a migration's time axis."""
import json
import os
import re
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


class UdpProbe:
    """udp_probe.py against ip:7 until stop(), which returns its JSON summary. With
    on_progress, calls on_progress(bin, replies) from a reader thread as each 100 ms of
    the probe's run closes."""

    def __init__(self, link, ip, interval_ms=1.0, log_path=None, on_progress=None):
        argv = [sys.executable, str(HERE / "udp_probe.py"), ip, "--interval-ms", str(interval_ms)]
        if log_path:
            argv += ["--log", str(log_path)]
        if on_progress:
            argv += ["--progress"]
        self.process = link.popen_on_link(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True)
        started = self.process.stdout.readline()
        if '"probe_started"' not in started:
            raise AssertionError(f"the UDP probe did not start: {started!r} {self.process.stderr.read()}")
        self.on_progress = on_progress
        self.lines = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.process.stdout:
            if line.startswith('{"bin"'):
                if self.on_progress:
                    progress = json.loads(line)
                    self.on_progress(progress["bin"], progress["replies"])
            elif line.startswith("{"):
                self.lines.append(line)

    def stop(self, timeout=30.0) -> dict:
        self.process.stdin.close()  # end of stdin: stop
        self.process.wait(timeout=timeout)
        self.reader.join(timeout)
        err = self.process.stderr.read()
        if not self.lines:
            raise AssertionError(f"the UDP probe printed no summary: {err!r}")
        return json.loads(self.lines[-1])


def under_udp_probe(link, ip, interval_ms, log_path, action, before_s=1.0, after_s=2.0):
    """Runs action() (a migration) while the UDP probe talks to ip, with replies flowing
    before_s seconds before it and after_s after it; returns (action's result, the probe's
    summary). The probe is stopped whatever action() raises."""
    probe = UdpProbe(link, ip, interval_ms, log_path)
    try:
        time.sleep(before_s)
        result = action()
        time.sleep(after_s)
    finally:
        summary = probe.stop()
    return result, summary


class TcpLines:
    """One TCP connection to ip:port (tcp_relay.py) that sends numbered lines and checks
    that exactly the bytes sent come back, in order."""

    def __init__(self, link, ip, port=7):
        self.process = link.popen_on_link([sys.executable, str(HERE / "tcp_relay.py"), ip, str(port)],
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, bufsize=0)
        self.sent = b""
        self.received = b""
        self.lines = 0

    def send_lines(self, count):
        chunk = b"".join(b"line %06d of the continuity test\n" % (self.lines + i) for i in range(count))
        self.lines += count
        self.sent += chunk
        self.process.stdin.write(chunk)
        self.process.stdin.flush()

    def wait_echo(self, timeout=30.0) -> bool:
        """Reads until everything sent came back (True) or the time is up (False)."""
        deadline = time.monotonic() + timeout
        out = self.process.stdout
        while len(self.received) < len(self.sent) and time.monotonic() < deadline:
            ready, _, _ = select.select([out], [], [], 0.2)
            if ready:
                data = out.read1(65536) if hasattr(out, "read1") else out.read(65536)
                if not data:
                    break
                self.received += data
        return self.received == self.sent

    def close(self) -> str:
        """Ends the connection; returns what the relay said on stderr."""
        try:
            _, err = self.process.communicate(input=b"", timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
        return err.decode(errors="replace")


# `ping -D` reply lines: "[1733436000.123456] 64 bytes from 10.0.0.21: icmp_seq=12 ttl=255 time=0.41 ms"
PING_REPLY = re.compile(r"^\[(\d+\.\d+)\] \d+ bytes from [\d.]+: icmp_seq=(\d+) .*time=([\d.]+) ms(.*)$", re.M)
PING_SENT = re.compile(r"(\d+) packets transmitted")


def summarize_ping(output: str, wall_minus_mono: float, start_mono: float) -> dict:
    """The UDP probe's summary (udp_probe.summarize) for iputils `ping -D` output:
    reply times are converted from the wall clock to the host's monotonic clock and
    counted from `start_mono` (when ping was started)."""
    sent_match = PING_SENT.search(output)
    seen, times, rtts, duplicates = set(), [], [], 0
    for match in PING_REPLY.finditer(output):
        seq = int(match.group(2))
        if seq in seen or "DUP!" in match.group(4):
            duplicates += 1
            continue
        seen.add(seq)
        times.append(float(match.group(1)) - wall_minus_mono - start_mono)
        rtts.append(float(match.group(3)))
    times.sort()
    longest, gap_start = 0.0, None
    for earlier, later in zip(times, times[1:]):
        if later - earlier > longest:
            longest, gap_start = later - earlier, earlier
    def bin_of(t):  # 100 ms bins; the epsilon keeps 0.6 s (5.999.. tenths) in bin 6
        return max(int(t * 10 + 1e-6), 0)
    bins = [0] * (bin_of(max(times)) + 1) if times else []
    for t in times:
        bins[bin_of(t)] += 1
    sent = int(sent_match.group(1)) if sent_match else (max(seen) if seen else 0)
    rtts.sort()
    return {
        "sent": sent,
        "received": len(seen),
        "lost": max(sent - len(seen), 0),
        "duplicates": duplicates,
        "longest_gap_ms": round(longest * 1000, 3),
        "longest_gap_start_s": round(gap_start, 3) if gap_start is not None else None,
        "rtt_median_ms": rtts[len(rtts) // 2] if rtts else None,
        "replies_per_100ms": bins,
        "start_mono_ns": int(start_mono * 1e9),
    }


class PingProbe:
    """iputils `ping -D -i 0.01` to ip from the host side until stop(), which interrupts
    it (as ^C would) and returns the same summary as the UDP probe's. Intervals below
    0.2 s need root, which the link's namespace gives."""

    def __init__(self, link, ip, interval_s=0.01):
        self.interval_s = interval_s
        self.wall_minus_mono = time.time() - time.monotonic()
        self.start_mono = time.monotonic()
        self.process = link.popen_on_link(["ping", "-n", "-D", "-i", str(interval_s), "-W", "1", ip],
                                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True)
        # Read as it comes: a full pipe (64 KiB, about 8 s of replies) would stop ping.
        self.output = []
        self.reader = threading.Thread(target=lambda: self.output.extend(self.process.stdout), daemon=True)
        self.reader.start()

    def stop(self, timeout=15.0) -> dict:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.reader.join(5)
        out, err = "".join(self.output), self.process.stderr.read()
        if not PING_SENT.search(out):
            raise AssertionError(f"ping printed no summary: {out[-500:]!r} {err!r}")
        summary = summarize_ping(out, self.wall_minus_mono, self.start_mono)
        summary["interval_ms"] = self.interval_s * 1000
        return summary


def numbered_lines(data: bytes):
    """(complete lines, the first problem or None) of the echo guest's stream on port 8:
    "line NNNNNN\n" numbered from 0, each one more than the last (mod 10^6); a last line
    still arriving is not a problem."""
    lines = data.split(b"\n")[:-1]  # the part after the last newline is still arriving
    for index, line in enumerate(lines):
        if line != b"line %06d" % (index % 1_000_000):
            return index, f"line {index} is {line[:40]!r}, expected b'line {index % 1_000_000:06d}'"
    return len(lines), None


class TcpStream:
    """One TCP connection to the echo guest's numbered-line stream (ip:8), read in the
    background until close(); check() says whether every line came, in order."""

    def __init__(self, link, ip, port=8):
        self.process = link.popen_on_link([sys.executable, str(HERE / "tcp_relay.py"), ip, str(port)],
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, bufsize=0)
        self.data = b""
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        while True:
            chunk = self.process.stdout.read(65536)
            if not chunk:
                return
            self.data += chunk

    def lines(self) -> int:
        return numbered_lines(self.data)[0]

    def close(self) -> str:
        """Ends the connection; returns what the relay said on stderr. Only the reader
        thread reads standard output (communicate() would take chunks from it)."""
        self.process.stdin.close()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.reader.join(5)
        return self.process.stderr.read().decode(errors="replace")
