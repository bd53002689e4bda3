"""A progress bar over a whole sweep with the time left.

Runs differ a lot in length (a 1 GiB guest takes a minute, a 32 MiB one seconds), so
every run carries a cost guess (Point.cost_s) and the time left is the remaining guessed
cost scaled by how the finished runs' real times compared with their guesses.
"""
import sys
import time

WIDTH = 30


def duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02}:{seconds % 60:02}" if seconds >= 3600 \
        else f"{seconds // 60}:{seconds % 60:02}"


class Progress:
    def __init__(self, costs, stream=sys.stderr):
        self.total_cost = sum(costs) or 1.0
        self.count = len(costs)
        self.done_cost = 0.0
        self.done = 0
        self.started = time.monotonic()
        self.stream = stream
        self.tty = stream.isatty()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def time_left(self) -> float:
        """Seconds left: the remaining guessed cost at the rate observed so far."""
        elapsed = time.monotonic() - self.started
        if self.done_cost <= 0:
            return self.total_cost
        return (self.total_cost - self.done_cost) * elapsed / self.done_cost

    def line(self, label: str) -> str:
        fraction = self.done_cost / self.total_cost
        filled = round(fraction * WIDTH)
        elapsed = time.monotonic() - self.started
        return (f"[{'#' * filled}{'.' * (WIDTH - filled)}] {self.done}/{self.count} runs, "
                f"{duration(elapsed)} elapsed, about {duration(self.time_left())} left  {label}")

    def show(self, label: str):
        """Draws the bar before a run starts (in place on a terminal, a line otherwise)."""
        text = self.line(label)
        if self.tty:
            self.stream.write("\r\033[K" + text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def finished(self, cost: float, note: str = ""):
        self.done += 1
        self.done_cost += cost
        if note:
            self.say(note)

    def say(self, text: str):
        """A line of its own above the bar."""
        self.stream.write(("\r\033[K" if self.tty else "") + text + "\n")
        self.stream.flush()
