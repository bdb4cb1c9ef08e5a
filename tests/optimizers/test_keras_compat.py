"""Ten steps of every optimizer against Keras 3's own, from the same weights and
gradients (float32 tolerance); schedules, configs and the loss-scale optimizer too.

Keras's side is what `tools/record_keras.py optimizers` recorded in
`keras_optimizers.json.gz` (cases in `optimizer_cases.py`);
`test_record_is_what_keras_gives` (marker `slow`) reruns Keras and checks it.
"""

import functools
import os
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np
import pytest

import kerasish.optimizers as optimizers
from kerasish.optimizers import schedules
from kerasish.variables import Variable
from tests import recorded
from tests.helpers import keras3
from tests.optimizers import optimizer_cases as cases
from tests.optimizers.optimizer_cases import SHAPES

RECORD = Path(__file__).parent / "keras_optimizers.json.gz"


@functools.cache
def keras_record():
    fingerprint = recorded.digest(cases.__file__)
    return recorded.load(RECORD, "source", fingerprint, "optimizers")["cases"]


def _run_kerasish(opt, grads_seq, init):
    variables = [Variable(w.copy(), name=f"w{i}") for i, w in enumerate(init)]
    for grads in grads_seq:
        opt.apply(grads, variables)
    return [v.numpy() for v in variables]


def _close(got, want, err_msg=""):
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        np.testing.assert_allclose(
            g, w, rtol=2e-5, atol=2e-6, err_msg=f"{err_msg} variable {i}"
        )


@pytest.mark.parametrize(
    "case_id, name, kwargs",
    [(i, n, k) for i, (n, k) in zip(cases.STEP_IDS, cases.STEP_CASES)],
    ids=cases.STEP_IDS,
)
def test_ten_steps_match_keras(case_id, name, kwargs):
    theirs = keras_record()["steps"][case_id]
    ours = getattr(optimizers, name)(**kwargs)
    _close(
        _run_kerasish(ours, cases.gradient_sequence(10), cases.initial()),
        theirs["values"],
        case_id,
    )
    assert int(ours.iterations) == theirs["iterations"]
    if kwargs.get("use_ema"):
        ema = ours.finalize_variable_values([np.zeros(s, "float32") for s in SHAPES])
        _close(ema, theirs["ema"], f"{case_id} EMA")
    else:
        assert theirs["ema"] is None


@pytest.mark.parametrize("index", range(len(cases.SCHEDULES_IN_SGD)))
def test_schedule_inside_optimizer_matches_keras(index):
    name, args, kwargs = cases.SCHEDULES_IN_SGD[index]
    theirs = keras_record()["schedules_in_sgd"][index]
    ours = optimizers.SGD(getattr(schedules, name)(*args, **kwargs), momentum=0.5)
    _close(
        _run_kerasish(ours, cases.gradient_sequence(10), cases.initial()),
        theirs["values"],
        name,
    )
    np.testing.assert_allclose(
        float(ours.learning_rate), theirs["learning_rate"], rtol=1e-6
    )


def test_schedules_match_keras():
    for (name, args, kwargs), theirs in zip(
        cases.SCHEDULES, keras_record()["schedules"], strict=True
    ):
        ours = getattr(schedules, name)(*args, **kwargs)
        np.testing.assert_allclose(
            [float(ours(step)) for step in cases.SCHEDULE_STEPS],
            theirs["values"],
            rtol=1e-5,
            atol=1e-7,
            err_msg=f"{name} {args} {kwargs}",
        )
        assert ours.get_config() == theirs["config"], (name, args, kwargs)


@pytest.mark.parametrize("name", cases.CONFIG_NAMES)
def test_config_keys_match_keras(name):
    ours = getattr(optimizers, name)().get_config()
    theirs = keras_record()["configs"][name]
    assert set(ours) == set(theirs)
    for key, value in theirs.items():
        if key not in ("name", "learning_rate"):
            assert ours[key] == value, key
    np.testing.assert_allclose(
        ours["learning_rate"], theirs["learning_rate"], rtol=1e-6
    )


def test_loss_scale_optimizer_matches_keras():
    theirs = keras_record()["loss_scale"]
    ours = optimizers.LossScaleOptimizer(
        optimizers.Adam(0.01), initial_scale=64.0, dynamic_growth_steps=2
    )
    _close(
        _run_kerasish(ours, cases.loss_scale_gradients(), cases.initial()),
        theirs["values"],
    )
    assert float(ours.dynamic_scale) == theirs["dynamic_scale"]
    assert int(ours.iterations) == theirs["iterations"]


@pytest.mark.slow
@pytest.mark.compat
def test_record_is_what_keras_gives():
    """Reruns every case under Keras 3: the record still holds what it gives."""
    keras = keras3()
    # The configs hold Keras's automatic names ('adam_10'), counted per process
    # as the record's were: start the count afresh, whatever ran before here.
    keras.utils.clear_session()
    live = cases.record_all(keras)
    record = keras_record()
    for case_id, theirs in live["steps"].items():
        _close(record["steps"][case_id]["values"], theirs["values"], case_id)
        assert record["steps"][case_id]["iterations"] == theirs["iterations"]
        if theirs["ema"] is not None:
            _close(record["steps"][case_id]["ema"], theirs["ema"], case_id)
    for recorded_case, theirs in zip(
        record["schedules_in_sgd"], live["schedules_in_sgd"]
    ):
        _close(recorded_case["values"], theirs["values"])
        assert recorded_case["learning_rate"] == theirs["learning_rate"]
    for recorded_case, theirs in zip(record["schedules"], live["schedules"]):
        assert recorded_case == {**theirs, "values": recorded_case["values"]}
        np.testing.assert_allclose(
            recorded_case["values"], theirs["values"], rtol=recorded.LIVE_RTOL
        )
    assert record["configs"] == live["configs"]
    _close(record["loss_scale"]["values"], live["loss_scale"]["values"])
    assert record["loss_scale"]["dynamic_scale"] == live["loss_scale"]["dynamic_scale"]
