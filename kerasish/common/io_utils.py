"""Where messages go: stdout (interactive, the default) or Python's `logging`.

Everything kerasish prints as progress (epoch lines, progress bars, its own notes)
goes through `print_msg`, as in Keras, so `keras.config.disable_interactive_logging()`
sends all of it to the "kerasish" logger.

A kerasish note such as `compiling the step... done in 0.2s` is drawn on the
terminal's current line with a carriage return and no newline (`mark_transient`):
the next `print_msg` clears it first (and puts back the unfinished bar it was drawn
over), so no message is ever glued to it, and a progress bar frame draws over it
(`take_transient`).
"""

import logging
import sys

from kerasish.config import (
    disable_interactive_logging,
    enable_interactive_logging,
    is_interactive_logging_enabled,
)

# The transient note still on stdout's current line: the stream it was written to
# (a later `sys.stdout` is another terminal, or a capture), its width and the text
# it was drawn over.
_transient = {"stream": None, "width": 0, "restore": ""}


def print_msg(message, line_break=True):
    """Writes `message` to stdout, or logs it at INFO on the "kerasish" logger.

    Args:
        message: The text (anything `str` takes).
        line_break: Whether a newline follows `message` on stdout.
    """
    message = str(message)
    if not is_interactive_logging_enabled():
        logging.getLogger("kerasish").info(message)
        return
    restore = _transient["restore"]
    width = take_transient()
    if width:  # blank the note and put back what it was drawn over
        message = "\r" + " " * width + "\r" + restore + message
    message = f"{message}\n" if line_break else message
    try:
        sys.stdout.write(message)
    except UnicodeEncodeError:
        # A terminal whose encoding lacks "━" gets Keras 2's "=" (as Keras does).
        message = message.replace("━", "=")
        encoding = sys.stdout.encoding or "utf-8"
        sys.stdout.write(message.encode(encoding, errors="ignore").decode(encoding))
    sys.stdout.flush()


def mark_transient(width, restore=""):
    """Records that stdout's current line holds a transient note `width` columns
    wide, written with no newline: the next `print_msg` blanks it and writes
    `restore` (the unfinished progress bar frame it was drawn over) first."""
    _transient.update(stream=sys.stdout, width=width, restore=restore)


def take_transient():
    """The width of the transient note on stdout's line (0 if none), forgotten:
    the caller draws over it."""
    stream, width = _transient["stream"], _transient["width"]
    _transient.update(stream=None, width=0, restore="")
    return width if stream is sys.stdout else 0


__all__ = [
    "disable_interactive_logging",
    "enable_interactive_logging",
    "is_interactive_logging_enabled",
    "print_msg",
]
