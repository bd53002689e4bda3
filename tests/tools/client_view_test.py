"""The client's view of a migration in the tools: iputils `ping -D` output summarized as
the UDP probe's summary (client_probe.summarize_ping), the check of the echo guest's
numbered-line stream (client_probe.numbered_lines), the demo's sparkline, and the
plot's placing of a client's replies on node a's clock (plot_cmd.client_series)."""
import sys
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from godwitlib import client_probe, demo_cmd, plot_cmd  # noqa: E402

# Wall clock = monotonic + 1000 s in this made-up run; ping started at monotonic 50.0 s.
WALL_MINUS_MONO, START = 1000.0, 50.0


def reply(t, seq, extra=""):
    return f"[{WALL_MINUS_MONO + START + t:.6f}] 64 bytes from 10.0.0.21: icmp_seq={seq} ttl=255 time=0.40 ms{extra}"


class SummarizePing(unittest.TestCase):
    def test_gap_losses_and_duplicates(self):
        lines = [reply(0.01 * i, i + 1) for i in range(10)]           # 0.00 .. 0.09 s
        lines.append(reply(0.095, 10, " (DUP!)"))
        lines += [reply(0.60 + 0.01 * i, 61 + i) for i in range(5)]    # after a 510 ms gap
        lines += ["", "--- 10.0.0.21 ping statistics ---",
                  "65 packets transmitted, 15 received, +1 duplicates, 76.9231% packet loss, time 650ms"]
        summary = client_probe.summarize_ping("\n".join(lines), WALL_MINUS_MONO, START)
        self.assertEqual(summary["sent"], 65)
        self.assertEqual(summary["received"], 15)
        self.assertEqual(summary["lost"], 50)
        self.assertEqual(summary["duplicates"], 1)
        self.assertAlmostEqual(summary["longest_gap_ms"], 510.0, places=1)
        self.assertAlmostEqual(summary["longest_gap_start_s"], 0.09, places=3)
        self.assertEqual(summary["replies_per_100ms"], [10, 0, 0, 0, 0, 0, 5])
        self.assertEqual(summary["start_mono_ns"], 50_000_000_000)

    def test_no_reply(self):
        summary = client_probe.summarize_ping("3 packets transmitted, 0 received, 100% packet loss",
                                              WALL_MINUS_MONO, START)
        self.assertEqual((summary["sent"], summary["received"], summary["lost"]), (3, 0, 3))
        self.assertEqual(summary["longest_gap_ms"], 0)
        self.assertIsNone(summary["longest_gap_start_s"])
        self.assertEqual(summary["replies_per_100ms"], [])


class NumberedLines(unittest.TestCase):
    def test_complete_and_in_order(self):
        data = b"".join(b"line %06d\n" % i for i in range(5)) + b"line 0000"
        self.assertEqual(client_probe.numbered_lines(data), (5, None))

    def test_a_missing_or_repeated_line_is_found(self):
        skipped = b"line 000000\nline 000002\n"
        self.assertEqual(client_probe.numbered_lines(skipped)[0], 1)
        self.assertIn("expected b'line 000001'", client_probe.numbered_lines(skipped)[1])
        repeated = b"line 000000\nline 000001\nline 000001\n"
        self.assertEqual(client_probe.numbered_lines(repeated)[0], 2)


class Sparkline(unittest.TestCase):
    def test_levels(self):
        self.assertEqual(demo_cmd.sparkline([0, 100, 50, 200], 100), " █▄█")


class ClientSeries(unittest.TestCase):
    def test_on_the_migrations_axis(self):
        migration = {"start": {"t_ms": 12_000}}
        record = {"node_a_uptime_s_at_start": 11.0, "replies_per_100ms": [90, 0, 45]}
        xs, ys = plot_cmd.client_series(record, migration)
        self.assertEqual([round(x, 3) for x in xs], [-1.0, -0.9, -0.8])
        self.assertEqual(ys, [900, 0, 450])


if __name__ == "__main__":
    unittest.main()
