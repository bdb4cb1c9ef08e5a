"""`Progbar`: Keras's progress bar: `12/100 ━━━━━━━━━━ 1s 8ms/step - loss: 0.4`.

Logs are read (a host sync) only when a line is printed, at most every `interval`
seconds, so a fast loop is not slowed down by the bar. Compilation time is reported
separately and excluded from the time per step and the ETA.
"""

import logging
import sys
import time
from collections.abc import Mapping

from kerasish import config


def format_value(value):
    value = float(value)
    return f"{value:.4f}" if abs(value) > 1e-3 or value == 0 else f"{value:.4e}"


def _format_time(seconds, unit):
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit}"
    return f"{seconds * 1e6:.0f}us/{unit}"


class Progbar:
    """A progress bar.

    Args:
        target: Total number of steps, or None if unknown.
        width: Width of the bar in characters.
        verbose: 1 for the live bar, 2 for one line at the end, 0 for silence.
        interval: Minimum seconds between two printed updates.
        stateful_metrics: Names whose values are shown as given (the latest
            value), not averaged over steps. Give at most one of this and
            `stateless_metrics`.
        stateless_metrics: Names whose values *are* averaged over steps; all
            others are shown as given. With neither argument, every value is
            averaged (as in Keras).
        unit_name: Shown in the time per unit ("step").

    `update(current, values)` takes `values` as a dict or as a list of
    `(name, value)` pairs.
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
        if stateless_metrics is not None:
            self.stateful_metrics = None
            self.stateless_metrics = set(stateless_metrics)
        else:
            self.stateful_metrics = set(stateful_metrics or ())
            self.stateless_metrics = None
        self._values = {}
        self._latest = None  # lazily read logs when nothing is averaged
        self._values_order = []
        self._seen_so_far = 0
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.seen = 0
        self._start = time.time()
        self._last_update = 0.0
        self._compile_time = 0.0
        self._first_step_done = None
        self._dynamic = sys.stdout.isatty() or "ipykernel" in sys.modules
        self._prev_len = 0

    def compiled(self, seconds):
        self._compile_time += seconds
        if self.verbose == 1:
            self._write(
                f"compiling the step... done in {seconds:.1f}s",
                newline=not self._dynamic,
            )

    def _write(self, text, newline=False):
        if not config.is_interactive_logging_enabled():
            if newline:  # Finished lines only; `logging` has no carriage return.
                logging.getLogger("kerasish").info(text)
            return
        if self._dynamic:
            pad = max(0, self._prev_len - len(text))
            sys.stdout.write("\r" + text + " " * pad + ("\n" if newline else ""))
        else:
            sys.stdout.write(text + ("\n" if newline else ""))
        self._prev_len = 0 if newline else len(text)
        sys.stdout.flush()

    def update(self, current, values=None, finalize=None):
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        self._accumulate(current, values, finalize)
        self.seen = current
        if not self.verbose:
            return
        now = time.time()
        if not finalize and (now - self._last_update < self.interval):
            return
        if self.verbose == 2 and not finalize:
            return
        if self.verbose == 1 and not finalize and not self._dynamic:
            return
        self._last_update = now
        elapsed = max(now - self._start - self._compile_time, 0.0)
        per_step = elapsed / current if current else 0.0
        if self._latest is not None:
            latest = self._latest
            items = latest.items() if isinstance(latest, Mapping) else latest
            self._values.update({key: [value, 1] for key, value in items})
            self._latest = None
        logs = ""
        for key in sorted(self._values):
            total_value, count = self._values[key]
            try:
                logs += f" - {key}: {format_value(_mean(total_value, count))}"
            except (TypeError, ValueError):
                continue
        total = now - self._start
        if self.verbose == 2:
            line = f"{current}/{self.target or current} - {total:.0f}s - "
            line += _format_time(per_step, self.unit_name) + logs
            self._write(line, newline=True)
            return
        target = self.target
        if target:
            filled = int(self.width * min(current, target) / target)
            bar = (
                "━" * filled + " " * (self.width - filled)
                if not finalize
                else "━" * self.width
            )
            count = f"{current}/{target} {bar}"
        else:
            count = f"{current}/Unknown"
        if finalize:
            line = (
                f"{count} {total:.0f}s {_format_time(per_step, self.unit_name)}{logs}"
            )
        else:
            eta = per_step * (target - current) if target else 0
            line = f"{count} {total:.0f}s {_format_time(per_step, self.unit_name)}"
            if target:
                line = f"{count} {_eta(eta)}"
            line += logs
        self._write(line, newline=finalize)

    def _accumulate(self, current, values, finalize):
        """Keras's bookkeeping: stateless values are averaged over the steps
        since the bar started (weighted by steps per update); stateful ones are
        kept as given. Sums stay lazy (no host sync until a line prints)."""
        if self.stateless_metrics is not None and not self.stateless_metrics:
            # Nothing is averaged: keep the mapping and read it (a host sync
            # for a trainer's lazy logs) only when a line is printed.
            if values is not None:
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
                        self._values[key][0] = self._values[key][0] + value * base
                        self._values[key][1] += base
                    else:
                        self._values[key] = [value * base, base]
                    continue
                except TypeError:
                    pass
            self._values[key] = [value, 1]
        self._seen_so_far = current


def _mean(total, count):
    return float(total) / max(count, 1)


def _eta(seconds):
    if seconds > 3600:
        hours, rest = divmod(int(seconds), 3600)
        return f"ETA: {hours}:{rest // 60:02d}:{rest % 60:02d}"
    if seconds > 60:
        return f"ETA: {int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"ETA: {seconds:.0f}s"
