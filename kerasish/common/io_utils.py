"""Where messages go: stdout (interactive, the default) or Python's `logging`."""

import logging
import sys

from kerasish.config import (
    disable_interactive_logging,
    enable_interactive_logging,
    is_interactive_logging_enabled,
)


def print_msg(message, line_break=True):
    """Writes `message` to stdout, or logs it at INFO on the "kerasish" logger."""
    message = str(message)
    if is_interactive_logging_enabled():
        sys.stdout.write(f"{message}\n" if line_break else message)
        sys.stdout.flush()
    else:
        logging.getLogger("kerasish").info(message)


__all__ = [
    "disable_interactive_logging",
    "enable_interactive_logging",
    "is_interactive_logging_enabled",
    "print_msg",
]
