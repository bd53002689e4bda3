"""The experiment harness's pure parts: the loadgen command lines the sweeps type (their
parameters as guests/loadgen/main.cpp reads them), the client-probe columns of a run
(runner.client_columns: a gap only counts when replies went on to the end), and the
verdict when the client gap is missing (analysis.verdict)."""
import sys
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from godwitlib.experiments import analysis, runner, sweeps  # noqa: E402


def row(point, x, total, down, gap=None):
    return {"point": point, "outcome": "succeeded", "load_percent": x, "total_ms": total, "downtime_ms": down,
            "client_gap_ms": gap, "mode": "pre-copy"}


class Lines(unittest.TestCase):
    def test_loadgen_lines_carry_load_pages_and_network(self):
        guest = sweeps.dirty_guest(2000, 128, "64M")
        line = guest.line("10.0.0.105")
        self.assertTrue(line.startswith("new loadgen mem=128M load=50 pages=200 wss=64M period=100 "), line)
        self.assertTrue(line.endswith(" net=10.0.0.105/24"), line)
        self.assertNotIn("net=", sweeps.background_guest(100).line())

    def test_every_load_experiment_migrates_a_loadgen_with_a_network(self):
        for name in ("cpu-load", "background-load", "background-vm-load", "dirty-pages", "modes"):
            for quick in (False, True):
                for point in sweeps.BY_NAME[name].points(quick):
                    net = point.mode not in ("post-copy", "hybrid")  # they refuse a NIC (decision 0021)
                    self.assertEqual((point.migrated.image, point.migrated.net), ("loadgen", net), name)
                    if point.background:
                        self.assertEqual(point.background.image, "loadgen", name)
        self.assertEqual(sweeps.BY_NAME["background-load"].full[0].background.load, 100)

    def test_dirty_rates_are_whole_pages_per_period(self):
        for rate in sweeps.DIRTY_RATES_FULL + sweeps.DIRTY_RATES_QUICK:
            self.assertEqual(rate * sweeps.LOADGEN_PERIOD_MS % 1000, 0, rate)

    def test_guest_addresses_change_per_run_and_stay_in_range(self):
        self.assertNotEqual(runner.guest_ip(1), runner.guest_ip(2))
        self.assertEqual(runner.guest_ip(0), runner.guest_ip(runner.GUEST_IP_COUNT))
        self.assertEqual(runner.guest_ip(99), "10.0.0.199")


class ClientColumns(unittest.TestCase):
    START_NS = 50 * 10**9

    def summary(self, bins, received=100, gap=180.0):
        return {"sent": 120, "received": received, "longest_gap_ms": gap, "replies_per_100ms": bins,
                "start_mono_ns": self.START_NS}

    def test_replies_to_the_end_give_the_gap(self):
        columns = runner.client_columns(self.summary([5] * 30), 50 + 3.05, 2.0)
        self.assertEqual(columns["client_gap_ms"], 180.0)
        self.assertNotIn("client_error", columns)

    def test_replies_that_stop_early_give_no_gap(self):
        columns = runner.client_columns(self.summary([5] * 10), 50 + 3.0, 2.0)
        self.assertIsNone(columns["client_gap_ms"])
        self.assertIn("stopped 2.0 s before", columns["client_error"])

    def test_no_reply_gives_no_gap(self):
        columns = runner.client_columns(self.summary([], received=0, gap=0.0), 50 + 3.0, 2.0)
        self.assertIsNone(columns["client_gap_ms"])
        self.assertIn("no reply", columns["client_error"])


class Verdict(unittest.TestCase):
    def test_missing_client_gap_is_said_but_does_not_decide(self):
        rows = [row(0, 0, 1000, 60), row(1, 100, 1100, 70)]
        word, sentence = analysis.verdict(sweeps.BY_NAME["cpu-load"], rows)
        self.assertEqual(word, "reproduced")
        self.assertIn("client-observed gap: no data", sentence)

    def test_client_gap_counts_when_there(self):
        rows = [row(0, 0, 1000, 60, 150), row(1, 100, 1100, 70, 900)]
        word, sentence = analysis.verdict(sweeps.BY_NAME["cpu-load"], rows)
        self.assertEqual(word, "partly")
        self.assertIn("client-observed gap varies", sentence)

    def test_modes_are_not_judged_but_described(self):
        rows = [dict(row(0, 0, 1000, 60, 150), mode="pre-copy"), dict(row(1, 0, 800, 5, 40), mode="post-copy")]
        word, sentence = analysis.verdict(sweeps.BY_NAME["modes"], rows)
        self.assertEqual(word, "not judged")
        self.assertIn("post-copy total 800 ms, downtime 5 ms, client gap 40 ms", sentence)


if __name__ == "__main__":
    unittest.main()
