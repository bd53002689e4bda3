"""The serial console of one node, seen from a tool: read what Godwit prints, type
commands the way a person would, wait for text or @event lines with a deadline.

The emulator's COM1 is attached to a pseudo-terminal we own: it works the same for QEMU
and Bochs and needs no TCP port (so nodes inside a private network namespace work too).
"""
import json
import os
import re
import select
import threading
import time
from pathlib import Path

PROMPT = "godwit> "


class ConsoleTimeout(AssertionError):
    """A wait ran out; the message carries the tail of the console log."""


class Console:
    def __init__(self, name: str, master_fd: int, log_path: Path):
        """Reads and types through `master_fd`, the controlling side of the node's pty."""
        self.name = name
        self.log_path = log_path
        self._master = master_fd
        self._text = ""
        self._cursor = 0
        self._changed = threading.Condition()
        self._closed = False
        self._carry = ""
        self._last_output = time.monotonic()
        self._log = open(log_path, "w", encoding="utf-8", errors="replace")
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()

    # --- reading -------------------------------------------------------------------
    def _read_loop(self):
        while not self._closed:
            try:
                ready, _, _ = select.select([self._master], [], [], 0.2)
                if not ready:
                    continue
                data = os.read(self._master, 65536)
            except OSError:
                break
            if not data:
                break
            text = self._clean(data.decode("utf-8", errors="replace"))
            self._log.write(text.replace("\x1b[K", "\n"))
            self._log.flush()
            with self._changed:
                self._append(text)
                self._last_output = time.monotonic()
                self._changed.notify_all()

    def _clean(self, text: str) -> str:
        """Drops CRs; an escape or a backspace echo split across reads is held back
        until it is whole."""
        text = self._carry + text.replace("\r", "")
        self._carry = ""
        for partial in ("\x1b[", "\x1b", "\b ", "\b"):
            if text.endswith(partial):
                text, self._carry = text[:-len(partial)], partial
                break
        return text

    def _append(self, text: str):
        """Adds console text. "CR ESC[K" is the hypervisor erasing the prompt line (the
        prompt and a half-typed command) to print a line above it, then redrawing it:
        the erased characters are dropped but the prompt is kept on a line of its own,
        so a half-typed command never looks like an entered one and every prompt the
        shell printed stays countable. Called with the lock held."""
        pieces = text.split("\x1b[K")
        self._add(pieces[0])
        for piece in pieces[1:]:
            line_start = self._text.rfind("\n") + 1
            kept = PROMPT if self._text.startswith(PROMPT, line_start) else ""
            self._text = self._text[:line_start] + (kept + "\n" if kept else "")
            self._cursor = min(self._cursor, len(self._text))
            self._add(piece)

    def _add(self, piece: str):
        """Appends, applying the shell's backspace echo ("BS space BS") as a terminal
        would: the character before it on the line is gone."""
        while piece:
            at = piece.find("\b \b")
            if at < 0:
                self._text += piece
                return
            self._text += piece[:at]
            if self._text and not self._text.endswith("\n"):
                self._text = self._text[:-1]
                self._cursor = min(self._cursor, len(self._text))
            piece = piece[at + 3:]

    @property
    def text(self) -> str:
        with self._changed:
            return self._text

    def tail(self, lines=40) -> str:
        return "\n".join(self.text.splitlines()[-lines:])

    def _fail(self, what: str, timeout: float):
        raise ConsoleTimeout(
            f"[{self.name}] no {what} within {timeout:.0f} s. Last console lines "
            f"(full log: {self.log_path}):\n{self.tail()}")

    def expect(self, pattern: str, timeout: float = 30.0) -> re.Match:
        """Waits for `pattern` (a regex) after the cursor; moves the cursor past it."""
        regex = re.compile(pattern, re.M)
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                match = regex.search(self._text, self._cursor)
                if match:
                    self._cursor = match.end()
                    return match
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(min(left, 0.5))
        self._fail(f"match for /{pattern}/", timeout)

    def wait_event(self, event_name: str, timeout: float = 30.0, **fields) -> dict:
        """Waits for an `@event` line called `event_name` whose fields include `fields`."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self._fail(f"@event '{event_name}' {fields or ''}", timeout)
            match = self.expect(r'^@event (\{.*"event":"' + re.escape(event_name) + r'".*\})$', left)
            event = json.loads(match.group(1))
            if all(event.get(k) == v for k, v in fields.items()):
                return event

    def events(self, name=None) -> list:
        """Every @event line so far (optionally only those called `name`)."""
        found = []
        for line in self.text.splitlines():
            if line.startswith("@event "):
                try:
                    event = json.loads(line[len("@event "):])
                except json.JSONDecodeError:
                    continue
                if name is None or event.get("event") == name:
                    found.append(event)
        return found

    # --- typing ----------------------------------------------------------------------
    def type(self, text: str):
        """Sends text in small paced chunks: the UART's receive FIFO holds 16 bytes and
        the hypervisor polls it on its timer tick, so a burst could overrun it."""
        data = text.encode()
        for start in range(0, len(data), 4):
            os.write(self._master, data[start:start + 4])
            time.sleep(0.01)

    def _input_line(self) -> str:
        """What the prompt line shows now: the prompt and the command typed so far."""
        with self._changed:
            return self._text[self._text.rfind("\n") + 1:]

    def _type_checked(self, line: str, attempts: int = 3, settle: float = 5.0, stalled: float = 30.0):
        """Types `line` without Enter and waits until the prompt line shows exactly it.
        An emulated UART can drop a byte, or take one twice (seen under Bochs on a loaded
        machine, with a guest keeping the node busy: "wss=2M" arrived as "wM"), and
        running a mangled command would be worse than a slow one. So the line goes out a
        few bytes at a time, each piece only once the node has echoed the one before
        (never more in flight than its 16-byte receive FIFO holds), and a line that
        arrives wrong, or stops arriving for `settle` seconds, is erased with one Ctrl-U
        and typed again. While none of a piece has arrived the node may not be reading at
        all (a loaded CI machine held a Bochs node back for more than 15 s): typing on
        then would only pile bytes up, so that wait is `stalled` seconds."""
        for _ in range(attempts):
            if self._type_paced(line, settle, stalled):
                return
            self._erase_line(settle)
        with self._changed:
            quiet = time.monotonic() - self._last_output
        raise ConsoleTimeout(f"[{self.name}] could not type {line!r} intact; the prompt line shows "
                             f"{self._input_line()!r}; the node's last output was {quiet:.1f} s ago")

    def _type_paced(self, line: str, settle: float, stalled: float, piece: int = 8) -> bool:
        """Sends `line` `piece` bytes at a time (half the UART's FIFO), each after the echo
        of the one before; True once the prompt line shows exactly the line."""
        for start in range(0, len(line), piece):
            before = PROMPT + line[:start]
            wanted = PROMPT + line[:start + piece]
            os.write(self._master, line[start:start + piece].encode())
            last_shown, last_change = None, time.monotonic()
            while True:
                shown = self._input_line()
                if shown == wanted:
                    break
                if not wanted.startswith(shown) and shown.startswith(PROMPT):
                    return False  # a byte went missing or arrived twice: no point waiting
                if shown != last_shown:
                    last_shown, last_change = shown, time.monotonic()
                patience = stalled if shown == before else settle
                if time.monotonic() - last_change > patience:
                    return False
                time.sleep(0.01)
        return self._input_line() == PROMPT + line

    def _erase_line(self, settle: float):
        """Erases what the prompt line shows: Ctrl-U (the shell's line editor clears its
        whole line on it), again if that byte was lost too."""
        for _ in range(3):
            self.type("\x15")
            deadline = time.monotonic() + settle
            while time.monotonic() < deadline:
                if self._input_line() == PROMPT:
                    time.sleep(0.2)  # a late byte of the old line would show now
                    if self._input_line() == PROMPT:
                        return
                time.sleep(0.05)

    def _press_enter(self, line: str, timeout: float, settle: float = 5.0):
        """Presses Enter after `line` and waits for the shell to take it. The Enter byte
        can be dropped like any other (seen under Bochs while a guest's traffic kept the
        node busy); while the prompt line still shows the typed command unchanged, Enter
        is pressed again. A second Enter the shell did get runs an empty line: harmless."""
        deadline = time.monotonic() + timeout
        while True:
            self.type("\r")
            try:
                self.expect(re.escape(line) + r"\n", min(settle, max(deadline - time.monotonic(), 0.1)))
                return
            except ConsoleTimeout:
                if time.monotonic() >= deadline or self._input_line() != PROMPT + line:
                    raise

    def enter(self, line: str, timeout: float = 30.0) -> int:
        """Types one shell command, checked as it shows on the prompt line, and presses
        Enter; returns where its output starts in `text` (for commands read as they run)."""
        self._type_checked(line)
        self._press_enter(line, timeout)
        return self._cursor

    def command(self, line: str, timeout: float = 30.0) -> str:
        """Types one shell command and returns its output (up to the next prompt).
        Call it once the shell is up (after the boot event)."""
        start = self.enter(line, timeout)
        self.expect(re.escape(PROMPT), timeout)
        return self.text[start:self._cursor - len(PROMPT)]

    def close(self):
        self._closed = True
        self._reader.join(timeout=2)
        self._log.close()

