"""Progbar: the text Keras prints, character for character.

Every expected string below was printed by `keras.utils.Progbar` of Keras 3.15.1
(JAX backend) for the same calls, under the same fake clock, on a stdout that says
it is a terminal: styles, backspaces and trailing blanks included.
"""

import contextlib
import io
import logging
from collections.abc import Mapping

import numpy as np
import pytest

from kerasish import config
from kerasish.common import io_utils
from kerasish.common.progbar import Progbar, format_value
from tests.terminal import BAR, B, G, R, W, printed

NOTE = "compiling the step... done in 0.5s"


def test_a_frame_is_kerass(tick):
    def run():
        bar = Progbar(10, interval=0)
        tick(0.000009)
        bar.update(1, [("loss", 0.5), ("acc", 0.0)])
        tick(0.045)
        bar.update(10, [("loss", 0.5), ("acc", 0.0)])

    # Keras 3.15.1: the counter bold and padded to the target's width, the filled
    # part green and the rest grey, the ETA then the time per step.
    assert printed(run) == (
        f"\r{B} 1/10{R} {G}━━{R}{W}{BAR * 18}{R} {B}0s{R} 9us/step"
        " - loss: 0.5000 - acc: 0.0000e+00"
        + "\b"
        * 71
        + f"\r{B}10/10{R} {G}{BAR * 20}{R}{W}{R} {B}0s{R} 5ms/step"
        " - loss: 0.5000 - acc: 0.0000e+00\n"
    )


def test_add_moves_on_from_the_steps_seen_and_the_counter_is_padded(tick):
    def run():
        bar = Progbar(target=128, unit_name="sample", interval=0.0)
        tick(2.0)
        bar.add(32, values=[("loss", 0.25), ("tiny", 1e-5)])
        tick(1.0)
        bar.add(64, values=[("loss", 0.75)])
        tick(1.0)
        bar.add(32, values=[("loss", 0.5)])

    # Keras 3.15.1; loss averaged over samples: (0.25 * 32 + 0.75 * 64) / 96.
    assert printed(run) == (
        f"\r{B} 32/128{R} {G}{BAR * 5}{R}{W}{BAR * 15}{R} {B}6s{R} 62ms/sample"
        " - loss: 0.2500 - tiny: 1.0000e-05"
        + "\b"
        * 77
        + f"\r{B} 96/128{R} {G}{BAR * 15}{R}{W}{BAR * 5}{R} {B}1s{R} 31ms/sample"
        " - loss: 0.5833 - tiny: 1.0000e-05"
        + "\b"
        * 77
        + f"\r{B}128/128{R} {G}{BAR * 20}{R}{W}{R} {B}4s{R} 31ms/sample"
        " - loss: 0.5000 - tiny: 1.0000e-05\n"
    )


def test_add_finishes_at_the_target_and_blanks_a_shorter_frame(tick):
    def run():
        bar = Progbar(3, width=6, interval=0)
        tick(0.5)
        bar.update(1, [("loss", 1.0)])
        tick(0.002)
        bar.update(2, [("loss", 2.0)])
        tick(0.002)
        bar.add(1, [("loss", 3.0)])

    # Keras 3.15.1: the final update shows the last value, not the average.
    assert printed(run) == (
        f"\r{B}1/3{R} {G}━━{R}{W}{BAR * 4}{R} {B}1s{R} 500ms/step - loss: 1.0000"
        + "\b" * 39
        + f"\r{B}2/3{R} {G}{BAR * 4}{R}{W}━━{R} {B}0s{R} 2ms/step - loss: 1.5000  "
        + "\b" * 37
        + f"\r{B}3/3{R} {G}{BAR * 6}{R}{W}{R} {B}1s{R} 2ms/step - loss: 3.0000\n"
    )


def test_unknown_target(tick):
    def run():
        bar = Progbar(target=None, interval=0.0)
        tick(0.3)
        bar.update(1, values=[("loss", 0.5)])
        tick(12.0)
        bar.update(3, values=[("loss", 0.5)])
        bar.update(3, values=[("loss", 0.5)], finalize=True)

    # Keras 3.15.1: `%7d/Unknown`, no bar, the time elapsed.
    assert printed(run) == (
        f"\r      1/Unknown {B}0s{R} 300ms/step - loss: 0.5000"
        + "\b" * 44
        + f"\r      3/Unknown {B}12s{R} 6s/step - loss: 0.5000  "
        + "\b" * 42
        + f"\r      3/Unknown {B}12s{R} 6s/step - loss: 0.5000\n"
    )


def test_eta_formats_and_the_first_step_is_left_out(tick):
    def run():
        bar = Progbar(10000, interval=0)
        tick(1.0)
        bar.update(1)
        tick(0.5)
        bar.update(2)  # 0.5 s a step since the first: 4999 s left
        tick(0.5 * 9868)
        bar.update(9870)  # 65 s left
        tick(0.5 * 100)
        bar.update(9970)

    # Keras 3.15.1: h:mm:ss above an hour, m:ss above a minute, else seconds.
    assert printed(run) == (
        f"\r{B}    1/10000{R} {W}{BAR * 20}{R} {B}2:46:39{R} 1s/step"
        + "\b" * 48
        + f"\r{B}    2/10000{R} {W}{BAR * 20}{R} {B}1:23:19{R} 500ms/step"
        + "\b" * 51
        + f"\r{B} 9870/10000{R} {G}{BAR * 19}{R}{W}━{R} {B}1:05{R} 500ms/step   "
        + "\b" * 48
        + f"\r{B} 9970/10000{R} {G}{BAR * 19}{R}{W}━{R} {B}15s{R} 500ms/step "
    )


def test_interval_skips_frames_but_not_the_first_or_last(tick):
    def run():
        bar = Progbar(12, interval=100)
        for step in range(1, 13):
            tick(0.01)
            bar.update(step, [("loss", 1.0)])

    # Keras 3.15.1.
    assert printed(run) == (
        f"\r{B} 1/12{R} {G}━{R}{W}{BAR * 19}{R} {B}0s{R} 10ms/step - loss: 1.0000"
        + "\b" * 54
        + f"\r{B}12/12{R} {G}{BAR * 20}{R}{W}{R} {B}0s{R} 10ms/step - loss: 1.0000\n"
    )


VALUES = [
    ("loss", 0.5),
    ("neg", -5.0),
    ("zero", 0.0),
    ("tiny", 1e-5),
    ("big", 123456.7),
    ("undefined", float("nan")),
    ("small_neg", -1e-5),
]


def test_number_formats_of_the_bar_and_of_verbose_2(tick):
    def bar_1():
        bar = Progbar(10, stateful_metrics=[k for k, _ in VALUES])
        tick(0.05)
        bar.update(10, VALUES)

    def bar_2():
        bar = Progbar(10, verbose=2, stateful_metrics=[k for k, _ in VALUES])
        for step in range(1, 11):
            tick(0.005)
            bar.update(step, VALUES)

    # Keras 3.15.1: `%.4f` where abs(v) > 1e-3, else `%.4e`; verbose=2 compares v
    # itself, so a negative value gets the exponent there.
    assert printed(bar_1) == (
        f"\r{B}10/10{R} {G}{BAR * 20}{R}{W}{R} {B}0s{R} 5ms/step - loss: 0.5000"
        " - neg: -5.0000 - zero: 0.0000e+00 - tiny: 1.0000e-05 - big: 123456.7000"
        " - undefined: nan - small_neg: -1.0000e-05\n"
    )
    assert printed(bar_2) == (
        "10/10 - 0s - 5ms/step - loss: 0.5000 - neg: -5.0000e+00 - zero: 0.0000e+00"
        " - tiny: 1.0000e-05 - big: 123456.7000 - undefined: nan"
        " - small_neg: -1.0000e-05\n"
    )
    assert format_value(np.float32(123456.7)) == "123456.7031"
    assert format_value(-5.0) == "-5.0000" and format_value(0.25) == "0.2500"
    assert format_value(-5.0, absolute=False) == "-5.0000e+00"
    assert format_value(0.0) == "0.0000e+00" and format_value(1e-5) == "1.0000e-05"
    assert format_value(1e-3) == "1.0000e-03"  # the bound itself is "small"


def test_names_in_the_order_they_first_came_and_arrays_averaged(tick):
    def order():
        bar = Progbar(3, interval=0, stateless_metrics=set())
        tick(0.01)
        bar.update(1, [("b", 1.0), ("a", 2.0)])
        tick(0.01)
        bar.update(2, [("c", 3.0), ("a", 4.0), ("b", 5.0)])
        tick(0.01)
        bar.update(3, [("val_a", 1.0), ("a", 6.0), ("b", 7.0), ("c", 8.0)])

    def arrays():
        bar = Progbar(2, interval=0, stateful_metrics=["per_class"])
        tick(0.01)
        bar.update(1, [("per_class", np.array([0.5, 1.0])), ("loss", np.float32(2))])
        tick(0.01)
        bar.update(2, [("per_class", np.array([0.25, 0.75])), ("loss", 4)])

    # Keras 3.15.1 (not sorted; an array shows its mean).
    assert printed(order).split("\r")[-1] == (
        f"{B}3/3{R} {G}{BAR * 20}{R}{W}{R} {B}0s{R} 10ms/step"
        " - b: 7.0000 - a: 6.0000 - c: 8.0000 - val_a: 1.0000\n"
    )
    assert printed(arrays).split("\r")[-1] == (
        f"{B}2/2{R} {G}{BAR * 20}{R}{W}{R} {B}0s{R} 10ms/step"
        " - per_class: 0.5000 - loss: 4.0000\n"
    )


def test_verbose_2_prints_once_at_a_known_target(tick):
    def run():
        bar = Progbar(2, verbose=2)
        tick(0.01)
        bar.update(1, [("loss", 0.5)])
        tick(0.01)
        bar.update(2, [("loss", 0.5)])
        unknown = Progbar(None, verbose=2)
        unknown.update(3, [("loss", 0.5)], finalize=True)

    # Keras 3.15.1: nothing for the unknown target.
    assert printed(run) == "2/2 - 0s - 10ms/step - loss: 0.5000\n"


def test_not_a_terminal_gets_the_final_frame_only(tick):
    def run():
        bar = Progbar(12, interval=0)
        for step in range(1, 13):
            tick(0.01)
            bar.update(step, [("loss", 1.0)])

    # Keras 3.15.1's final frame (styles dropped), on a line of its own.
    assert printed(run, tty=False) == (
        f"12/12 {BAR * 20} 0s 10ms/step - loss: 1.0000\n"
    )


def test_interactive_logging_off_logs_finished_lines(tick, caplog):
    def run():
        bar = Progbar(2, interval=0)
        tick(0.01)
        bar.update(1, [("loss", 1.0)])
        tick(0.5)
        bar.compiled(0.5)
        tick(0.01)
        bar.update(2, [("loss", 1.0)])

    config.disable_interactive_logging()
    try:
        with caplog.at_level(logging.INFO, logger="kerasish"):
            assert printed(run) == ""
    finally:
        config.enable_interactive_logging()
    assert [r.getMessage() for r in caplog.records] == [
        NOTE,
        f"2/2 {BAR * 20} 1s 10ms/step - loss: 1.0000",
    ]


def test_compile_time_is_left_out_and_the_next_frame_draws_over_the_note(tick):
    def run():
        bar = Progbar(4, width=4, interval=0)
        tick(0.5)
        bar.compiled(0.5)
        tick(0.1)
        bar.update(1, [("loss", 0.5)])  # 0.1 s for the step, not 0.6
        tick(0.3)
        bar.update(4, [("loss", 0.5)])

    # The frames are Keras's; the first draws over the note (backspaced as a frame).
    assert printed(run) == (
        f"\r{NOTE}"
        + "\b" * 34
        + f"\r{B}1/4{R} {G}━{R}{W}━━━{R} {B}0s{R} 100ms/step - loss: 0.5000"
        + "\b" * 37
        + f"\r{B}4/4{R} {G}━━━━{R}{W}{R} {B}1s{R} 100ms/step - loss: 0.5000\n"
    )

    def short_frame():
        bar = Progbar(2, width=2, interval=0)
        tick(0.5)
        bar.compiled(0.5)
        tick(0.05)
        bar.update(1)

    assert printed(short_frame) == (
        f"\r{NOTE}"
        + "\b" * 34
        + f"\r{B}1/2{R} {G}━{R}{W}━{R} {B}0s{R} 50ms/step"
        # blanks over the rest of the note
        + " " * 15
    )


def test_a_note_is_cleared_before_any_other_message(tick):
    def run():
        bar = Progbar(4)
        bar.compiled(0.5)
        io_utils.print_msg("Epoch 2/2")

    # Never glued to the next line: blanked, then the message.
    assert printed(run) == f"\r{NOTE}\r{' ' * 34}\rEpoch 2/2\n"


def test_a_note_over_an_unfinished_bar_puts_it_back_for_the_next_message(tick):
    def run():
        bar = Progbar(4, width=4, interval=0)
        tick(0.1)
        bar.update(1, [("loss", 0.5)])
        tick(0.5)
        bar.compiled(0.5)  # e.g. the validation step, after the last batch
        io_utils.print_msg("\nEpoch 1: saving model")

    frame = f"{B}1/4{R} {G}━{R}{W}━━━{R} {B}0s{R} 100ms/step - loss: 0.5000"
    # The line then reads as Keras's would: the frame, then the message.
    assert printed(run) == (
        f"\r{frame}"
        + "\b" * 37
        + f"\r{NOTE}   "
        + f"\r{' ' * 34}\r{frame}\nEpoch 1: saving model\n"
    )


def test_the_note_is_a_line_of_its_own_where_not_a_terminal(tick):
    def run():
        bar = Progbar(1, interval=0)
        tick(0.5)
        bar.compiled(0.5)
        tick(0.01)
        bar.update(1, [("loss", 0.5)])

    assert printed(run, tty=False) == (
        f"{NOTE}\n1/1 {BAR * 20} 1s 10ms/step - loss: 0.5000\n"
    )

    def quiet():
        Progbar(1, verbose=2).compiled(0.5)
        Progbar(1, verbose=0).compiled(0.5)

    assert printed(quiet) == ""


class CountingLogs(Mapping):
    """Logs that count how often they are read (a host sync, for lazy logs)."""

    reads = 0

    def __init__(self, values):
        self._values = values

    def __getitem__(self, key):
        CountingLogs.reads += 1
        return self._values[key]

    def __iter__(self):
        CountingLogs.reads += 1
        return iter(self._values)

    def __len__(self):
        return len(self._values)


def test_logs_are_read_only_when_a_line_is_printed(tick):
    CountingLogs.reads = 0

    def run():
        bar = Progbar(100, stateless_metrics=())
        for step in range(1, 100):
            tick(0.01)
            bar.update(step, CountingLogs({"b": 1.0, "a": float(step)}))
        assert CountingLogs.reads == 0
        bar.update(100, CountingLogs({"b": 1.0, "a": 100.0, "val_a": 2.0}))

    assert printed(run, tty=False) == (
        f"100/100 {BAR * 20} 1s 10ms/step - b: 1.0000 - a: 100.0000 - val_a: 2.0000\n"
    )


def test_print_msg_falls_back_to_keras_2s_bar_where_the_encoding_lacks_it():
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="ascii")
    with contextlib.redirect_stdout(out):
        io_utils.print_msg(f"1/1 {BAR * 4}")
    out.flush()
    assert raw.getvalue() == b"1/1 ====\n"  # as Keras 3.15.1


def test_only_one_of_stateful_and_stateless_metrics():
    with pytest.raises(ValueError, match="only one of"):
        Progbar(2, stateful_metrics=["a"], stateless_metrics=["b"])
