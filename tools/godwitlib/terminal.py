"""This terminal in raw mode while a console session runs on it."""
import contextlib
import os
import sys
import termios
import tty


@contextlib.contextmanager
def raw_terminal(fd=None):
    """Puts the terminal on `fd` (stdin by default) in raw mode for the block, so every
    key (Ctrl-C too) goes to the node, and restores it on every way out; does nothing
    when `fd` is not a terminal."""
    fd = sys.stdin.fileno() if fd is None else fd
    if not os.isatty(fd):
        yield
        return
    saved = termios.tcgetattr(fd)
    tty.setraw(fd)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
