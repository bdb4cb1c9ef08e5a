"""`Progbar`: Keras's progress bar: ` 12/100 ━━━━━━━━━━ 1s 8ms/step - loss: 0.4000`.

The text is Keras 3's, character for character: the counter padded to the target's
width and bold, the filled part of the bar green and the rest grey (`━` both), the
ETA (or, once finished, the time elapsed) in bold, the time per step, then the
metrics in the order they first came.

Where kerasish differs, the terminal shows the same text:

- A terminal (or a notebook) gets every frame, drawn over the last one. Anything
  else (a pipe, a log file) and `logging` (interactive logging off) get finished
  lines only: the final frame of each bar, without carriage returns or styles
  (Keras writes every frame, styled, wherever "posix" is imported).
- Logs are read (a host sync) only when a frame is printed, so a fast loop is not
  slowed down by the bar.
- The trainer reports compile time (`compiled`): shown as a note the next frame
  draws over, and left out of the time per step and the ETA.
"""

import math
import os
import re
import sys
import time
from collections.abc import Mapping

import numpy as np

from kerasish import config
from kerasish.common import io_utils

_BOLD, _GREEN, _GREY, _RESET = "\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m"
_STYLE = re.compile(r"\x1b\[[0-9;]*m")


def format_value(value, absolute=True):
    """A metric value as Keras prints it: `%.4f` above 1e-3, else `%.4e`.

    Keras's bar (verbose=1) compares `abs(value)` with 1e-3; its one line at the end
    (verbose=2) compares `value` itself, so -5 prints as `-5.0000e+00` there.

    Example:
    >>> format_value(0.0), format_value(-5.0), format_value(-5.0, absolute=False)
    ('0.0000e+00', '-5.0000', '-5.0000e+00')
    """
    large = abs(value) > 1e-3 if absolute else value > 1e-3
    return f"{value:.4f}" if large else f"{value:.4e}"


def _format_time(time_per_unit, unit_name):
    """` 0s/step`, ` 12ms/step` or ` 850us/step` (with Keras's leading space)."""
    if time_per_unit >= 1 or time_per_unit == 0:
        return f" {time_per_unit:.0f}s/{unit_name}"
    if time_per_unit >= 1e-3:
        return f" {time_per_unit * 1000.0:.0f}ms/{unit_name}"
    return f" {time_per_unit * 1000000.0:.0f}us/{unit_name}"


def _format_eta(eta):
    """Keras's ETA: `h:mm:ss` above an hour, `m:ss` above a minute, else `12s`."""
    if eta > 3600:
        return f"{int(eta // 3600)}:{int((eta % 3600) // 60):02d}:{int(eta % 60):02d}"
    if eta > 60:
        return f"{int(eta // 60)}:{int(eta % 60):02d}"
    return f"{int(eta)}s"


def _count(current, target):
    """` 3/12`: the step padded to the target's width (Keras's `%{n}d/%d`)."""
    digits = int(math.log10(target)) + 1
    return f"{int(current):{digits}d}/{int(target)}"


def _average(total, count):
    """Keras's displayed value: the mean of a non-float (an array) over `count`."""
    if not isinstance(total, float):
        total = np.mean(total)
    return total / max(1, count)


class Progbar:
    """Displays a progress bar.

    With neither `stateful_metrics` nor `stateless_metrics`, every value is
    averaged over the steps before it is shown (as in Keras).

    Args:
        target: Total number of steps expected, or `None` if unknown.
        width: Width of the bar in characters.
        verbose: 0 (silent), 1 (the live bar), 2 (one line at the end).
        interval: Minimum seconds between two frames of the live bar.
        stateful_metrics: Names whose values are shown as given (the latest
            value), not averaged. Give at most one of this and
            `stateless_metrics`.
        stateless_metrics: Names whose values *are* averaged over steps; all
            others are shown as given.
        unit_name: Shown in the time per unit (`"step"`, `"sample"`).

    `update(current, values)` takes `values` as a list of `(name, value)` pairs
    (as Keras) or as a mapping.

    Example:
    >>> bar = Progbar(3, verbose=2)
    >>> for step in (1, 2, 3):
    ...     bar.update(step, [("loss", 0.5)])  # doctest: +ELLIPSIS
    3/3 - 0s - ...s/step - loss: 0.5000
    """

    def __init__(
        self,
        target,
        width=20,
        verbose=1,
        interval=0.05,
        stateful_metrics=None,
        stateless_metrics=None,
        unit_name="step",
    ):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Progbar: give only one of `stateful_metrics` (names shown as "
                "given; all others averaged) and `stateless_metrics` (names "
                "averaged; all others shown as given)."
            )
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        if stateless_metrics is not None:
            self.stateful_metrics = None
            self.stateless_metrics = set(stateless_metrics)
        else:
            self.stateful_metrics = set(stateful_metrics or ())
            self.stateless_metrics = None
        # Keras also draws frames when "posix" is imported (always, on Linux):
        # kerasish keeps pipes and log files to finished lines.
        self._dynamic_display = (
            (hasattr(sys.stdout, "isatty") and sys.stdout.isatty())
            or "ipykernel" in sys.modules
            or "PYCHARM_HOSTED" in os.environ
        )
        self._seen_so_far = 0
        self._values = {}
        self._values_order = []
        # Nothing averaged: the first and latest values given, read when printed.
        self._first = None
        self._latest = None
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step = None
        self._compile_seconds = 0.0
        self._compile_seconds_at_first_step = 0.0
        self._prev_total_width = 0
        self._open_frame = ""  # the frame on the line, when not finished

    def update(self, current, values=None, finalize=None):
        """Updates the progress bar.

        Args:
            current: Index of the current step (1 after the first).
            values: `(name, value)` pairs (or a mapping) for this step. A name in
                `stateful_metrics` is shown as given, others averaged.
            finalize: Whether this is the bar's last update. Defaults to
                `current >= target`.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        self._accumulate(current, values, finalize)
        now = time.time()
        time_per_unit = self._estimate_step_duration(current, now)
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            if self._live():
                self._draw(self._frame(current, now, time_per_unit, finalize), finalize)
            elif finalize:  # a finished line, without styles (a log file's)
                frame = self._frame(current, now, time_per_unit, True)
                io_utils.print_msg(_STYLE.sub("", frame))
        elif self.verbose == 2 and finalize and self.target and self.target > 0:
            count = _count(current, self.target)
            line = f"{count} - {now - self._start:.0f}s -"
            line += _format_time(time_per_unit, self.unit_name)
            io_utils.print_msg(line + self._metrics_text(absolute=False))
        self._last_update = now

    def add(self, n, values=None):
        """Moves the bar `n` steps on: `update(steps seen so far + n, values)`."""
        self.update(self._seen_so_far + n, values)

    def compiled(self, seconds):
        """Notes that the trainer spent `seconds` compiling a step.

        The time is left out of the time per step and the ETA. With verbose=1 a
        note `compiling the step... done in 0.2s` is shown: on a terminal, on the
        bar's line until the next frame draws over it (a message printed before
        then finds the line as it was); elsewhere, as a line of its own.
        """
        self._compile_seconds += seconds
        if self.verbose != 1:
            return
        note = f"compiling the step... done in {seconds:.1f}s"
        if not self._live():
            io_utils.print_msg(note)
            return
        io_utils.print_msg(self._over_line(note, len(note)), line_break=False)
        io_utils.mark_transient(len(note), restore=self._open_frame)
        self._prev_total_width = len(note)

    def _live(self):
        """Whether every frame is drawn (a terminal, interactive logging on)."""
        return self._dynamic_display and config.is_interactive_logging_enabled()

    def _draw(self, frame, finalize):
        """Draws `frame` over the last one (Keras's backspaces, carriage return and
        trailing blanks), ending the line when the bar is finished."""
        total_width = len(_STYLE.sub("", frame))
        message = self._over_line(frame, total_width)
        if finalize:
            message += "\n"
        io_utils.print_msg(message, line_break=False)
        self._prev_total_width = total_width
        self._open_frame = "" if finalize else frame

    def _over_line(self, text, width):
        """`text` (`width` columns shown) drawn over the line's last frame or
        note: Keras's backspaces and carriage return, then blanks over what is
        left of a longer one."""
        covered = max(self._prev_total_width, io_utils.take_transient())
        message = "\b" * self._prev_total_width + "\r" + text
        return message + " " * max(covered - width, 0)

    def _frame(self, current, now, time_per_unit, finalize):
        """Keras's verbose=1 frame, with its styles: counter, bar, time, metrics."""
        target = self.target
        if target is not None and target > 0:
            count = _count(current, target)
            filled = int(self.width * (float(current) / target))
            text = f"{_BOLD}{count}{_RESET} "
            if filled > 0:
                text += f"{_GREEN}{'━' * filled}{_RESET}"
            text += f"{_GREY}{'━' * (self.width - filled)}{_RESET}"
        else:
            text = f"{int(current):7d}/Unknown"
        if target is not None and target > 0 and not finalize:
            when = _format_eta(time_per_unit * (target - current))
        else:
            when = f"{now - self._start:.0f}s"  # time elapsed
        text += f" {_BOLD}{when}{_RESET}" + _format_time(time_per_unit, self.unit_name)
        return text + self._metrics_text(absolute=True)

    def _metrics_text(self, absolute):
        """` - name: value` for each metric, in the order the names first came."""
        self._read_latest()
        text = ""
        for key in self._values_order:
            total, count = self._values[key]
            try:
                text += f" - {key}: {format_value(_average(total, count), absolute)}"
            except (TypeError, ValueError):  # not a number: not shown
                continue
        return text

    def _estimate_step_duration(self, current, now):
        """Keras's estimate of one step's duration, less the compile time reported.

        After the first step, the time since it over the steps since (the first
        step is not representative); before, the time since the start over
        `current`; 0 before any step.
        """
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            compiling = self._compile_seconds - self._compile_seconds_at_first_step
            spent = now - self._time_after_first_step - compiling
            time_per_unit = spent / (current - 1)
        else:
            time_per_unit = (now - self._start - self._compile_seconds) / current
        if current == 1:
            self._time_after_first_step = now
            self._compile_seconds_at_first_step = self._compile_seconds
        return max(time_per_unit, 0.0)

    def _accumulate(self, current, values, finalize):
        """Keras's bookkeeping: stateless values are averaged over the steps since
        the bar started (weighted by the steps per update); stateful ones are kept
        as given. Sums stay lazy (no host sync until a frame prints)."""
        if self.stateless_metrics is not None and not self.stateless_metrics:
            # Nothing is averaged: keep the mappings and read them (a host sync
            # for a trainer's lazy logs) only when a frame is printed. The first
            # gives the names' order, as Keras's would.
            if values is not None:
                if self._first is None and not self._values_order:
                    self._first = values
                self._latest = values
            self._seen_so_far = current
            return
        items = values.items() if isinstance(values, Mapping) else values or ()
        for key, value in items:
            if key not in self._values_order:
                self._values_order.append(key)
            if self.stateful_metrics is not None:
                stateless = key not in self.stateful_metrics
            else:
                stateless = key in self.stateless_metrics
            if stateless and not finalize:
                base = max(current - self._seen_so_far, 1)
                try:
                    if key in self._values:
                        total, count = self._values[key]
                        self._values[key] = [total + value * base, count + base]
                    else:
                        self._values[key] = [value * base, base]
                    continue
                except TypeError:  # not a number: kept as given
                    pass
            self._values[key] = [value, 1]
        self._seen_so_far = current

    def _read_latest(self):
        """Reads the values `_accumulate` kept unread (nothing averaged): the first
        values given set the names' order, the latest the values shown."""
        first, latest = self._first, self._latest
        self._first = self._latest = None
        for values in (first, latest):
            if values is None:
                continue
            for key, value in values.items() if isinstance(values, Mapping) else values:
                if key not in self._values_order:
                    self._values_order.append(key)
                self._values[key] = [value, 1]
