"""A terminal for tests of printed progress: a stdout that says it is a tty,
and Keras's progress-bar styles (the fake clock `tick` is in conftest.py)."""

import contextlib
import io

B, G, W, R = "\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m"  # bold, green, grey, reset
BAR = "━"


class Terminal(io.StringIO):
    """A stdout that, like a shell's, is a terminal."""

    def isatty(self):
        return True


def printed(fn, tty=True):
    out = Terminal() if tty else io.StringIO()
    with contextlib.redirect_stdout(out):
        fn()
    return out.getvalue()
