"""Learning-rate schedules against their closed forms."""

import math

import numpy as np
import pytest

from kerasish.engine import get_engine
from kerasish.optimizers import schedules

STEPS = [0, 1, 4, 5, 9, 10, 11, 25, 100]


def _check(schedule, closed_form):
    for step in STEPS:
        np.testing.assert_allclose(
            float(schedule(step)), closed_form(step), rtol=1e-5, atol=1e-8
        )


def test_exponential_decay():
    _check(schedules.ExponentialDecay(0.1, 10, 0.5), lambda s: 0.1 * 0.5 ** (s / 10))
    _check(
        schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True),
        lambda s: 0.1 * 0.5 ** (s // 10),
    )


def test_piecewise_constant_decay():
    def closed(s):
        return 1.0 if s <= 5 else 0.5 if s <= 10 else 0.1

    _check(schedules.PiecewiseConstantDecay([5, 10], [1.0, 0.5, 0.1]), closed)


def test_polynomial_decay():
    def closed(s, power=2.0, end=0.01):
        s = min(s, 20)
        return (0.1 - end) * (1 - s / 20) ** power + end

    _check(schedules.PolynomialDecay(0.1, 20, 0.01, power=2.0), closed)

    def cyclic(s):
        horizon = 20 * max(1, math.ceil(s / 20))
        return (0.1 - 0.01) * (1 - s / horizon) + 0.01

    _check(schedules.PolynomialDecay(0.1, 20, 0.01, cycle=True), cyclic)


def test_inverse_time_decay():
    _check(schedules.InverseTimeDecay(0.1, 5, 0.5), lambda s: 0.1 / (1 + 0.5 * s / 5))
    _check(
        schedules.InverseTimeDecay(0.1, 5, 0.5, staircase=True),
        lambda s: 0.1 / (1 + 0.5 * (s // 5)),
    )


def test_cosine_decay_with_and_without_warmup():
    def cosine(s, alpha=0.2):
        s = min(s, 20)
        return 0.1 * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * s / 20)) + alpha)

    _check(schedules.CosineDecay(0.1, 20, alpha=0.2), cosine)

    def warm(s):
        if s < 10:
            return 0.0 + (0.3 - 0.0) * s / 10
        s = min(s, 30) - 10
        return 0.3 * 0.5 * (1 + math.cos(math.pi * s / 20))

    _check(schedules.CosineDecay(0.0, 20, warmup_target=0.3, warmup_steps=10), warm)


def test_cosine_decay_restarts():
    def closed(s, first=4, t_mul=2.0, m_mul=0.5, alpha=0.1):
        start, length, i = 0, first, 0
        while s >= start + length:
            start, length, i = start + length, length * t_mul, i + 1
        frac = (s - start) / length
        cos = 0.5 * m_mul**i * (1 + math.cos(math.pi * frac))
        return 0.1 * ((1 - alpha) * cos + alpha)

    _check(
        schedules.CosineDecayRestarts(0.1, 4, t_mul=2.0, m_mul=0.5, alpha=0.1), closed
    )
    _check(
        schedules.CosineDecayRestarts(0.1, 4, t_mul=1.0),
        lambda s: 0.1 * 0.5 * (1 + math.cos(math.pi * ((s / 4) % 1))),
    )


def test_schedules_trace_under_jit():
    engine = get_engine()
    schedule = schedules.CosineDecay(0.1, 20, warmup_target=0.2, warmup_steps=5)
    fn = engine.jit(schedule)
    for step in [0, 3, 5, 12]:
        np.testing.assert_allclose(
            float(fn(np.int32(step))), float(schedule(step)), rtol=1e-6
        )


@pytest.mark.parametrize(
    "schedule",
    [
        schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True),
        schedules.PiecewiseConstantDecay([5, 10], [1.0, 0.5, 0.1]),
        schedules.PolynomialDecay(0.1, 20, cycle=True),
        schedules.InverseTimeDecay(0.1, 5, 0.5),
        schedules.CosineDecay(0.1, 20, warmup_target=0.2, warmup_steps=3),
        schedules.CosineDecayRestarts(0.1, 4, m_mul=0.9),
    ],
)
def test_config_round_trip(schedule):
    clone = schedules.deserialize(schedules.serialize(schedule))
    assert type(clone) is type(schedule)
    assert clone.get_config() == schedule.get_config()
    for step in [0, 7, 33]:
        assert float(clone(step)) == float(schedule(step))


@pytest.mark.parametrize(
    "make,error,match",
    [
        (lambda: schedules.ExponentialDecay(0.1, 0, 0.5), ValueError, "`decay_steps`"),
        (
            lambda: schedules.ExponentialDecay("a", 1, 0.5),
            TypeError,
            "initial_learning",
        ),
        (lambda: schedules.PolynomialDecay(0.1, -1), ValueError, "`decay_steps` must"),
        (lambda: schedules.InverseTimeDecay(0.1, 0, 1.0), ValueError, "`decay_steps`"),
        (lambda: schedules.CosineDecay(0.1, 0), ValueError, "`decay_steps`"),
        (
            lambda: schedules.CosineDecay(0.1, 5, warmup_steps=-1),
            ValueError,
            "`warmup_steps`",
        ),
        (
            lambda: schedules.CosineDecayRestarts(0.1, 0),
            ValueError,
            "`first_decay_steps`",
        ),
        (
            lambda: schedules.PiecewiseConstantDecay([1, 2], [0.1]),
            ValueError,
            "one longer than",
        ),
        (
            lambda: schedules.PiecewiseConstantDecay([3, 2], [0.1, 0.2, 0.3]),
            ValueError,
            "increasing",
        ),
    ],
)
def test_argument_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_base_class_must_be_overridden():
    base = schedules.LearningRateSchedule()
    with pytest.raises(NotImplementedError, match="must override `__call__"):
        base(0)
    with pytest.raises(NotImplementedError, match="get_config"):
        base.get_config()
