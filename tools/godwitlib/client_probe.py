"""Host-side clients of a guest during a migration, started on the run's link: the UDP
probe (udp_probe.py) and one TCP connection (tcp_relay.py). Both run inside the link's
network namespace, as separate processes, because this process is not in it."""
import json
import select
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


class UdpProbe:
    """udp_probe.py against ip:7 until stop(), which returns its JSON summary."""

    def __init__(self, link, ip, interval_ms=1.0, log_path=None):
        argv = [sys.executable, str(HERE / "udp_probe.py"), ip, "--interval-ms", str(interval_ms)]
        if log_path:
            argv += ["--log", str(log_path)]
        self.process = link.popen_on_link(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True)
        started = self.process.stdout.readline()
        if '"probe_started"' not in started:
            raise AssertionError(f"the UDP probe did not start: {started!r} {self.process.stderr.read()}")

    def stop(self, timeout=30.0) -> dict:
        out, err = self.process.communicate(input="", timeout=timeout)  # end of stdin: stop
        lines = [line for line in out.splitlines() if line.startswith("{")]
        if not lines:
            raise AssertionError(f"the UDP probe printed no summary: {out!r} {err!r}")
        return json.loads(lines[-1])


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
