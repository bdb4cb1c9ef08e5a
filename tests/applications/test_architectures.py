"""Every architecture's model name, layer names, operations, weight shapes (in
order) and parameter count equal Keras's.

Keras's side is recorded by `tools/record_keras.py applications` in
`keras_architectures.json.gz` (building the 52 cases in Keras costs minutes,
nearly all in Keras's symbolic build); `test_record_is_what_keras_builds` (marker
`slow`, run with `-m slow`) rebuilds every case in Keras and checks the record.
"""

import functools
from pathlib import Path

import pytest

import kerasish
from kerasish import applications
from tests import recorded
from tests.applications.cases import CASES, FAMILIES, OTHERS, architecture, case_id

pytestmark = pytest.mark.compat

RECORD = Path(__file__).with_name("keras_architectures.json.gz")


@functools.cache
def keras_record():
    return recorded.read(RECORD)


def assert_same_architecture(theirs, ours):
    for key in ("name", "layers", "operations", "weights"):
        assert ours[key] == theirs[key], key
    assert ours["count_params"] == theirs["count_params"]
    assert ours["trainable_weights"] == theirs["trainable_weights"]


def _params(case):
    # VGG19's 120M-parameter dense top takes ~20 s to initialize.
    heavy = case[0] == "VGG19" and case[1].get("include_top")
    return pytest.param(case, marks=pytest.mark.slow) if heavy else case


@pytest.mark.parametrize("case", [_params(c) for c in CASES], ids=case_id)
def test_architecture_equals_keras(case, zero_initial_values, collector_paused):
    name, kwargs = case
    model = getattr(applications, name)(weights=None, **kwargs)
    assert_same_architecture(
        keras_record()["cases"][case_id(case)], architecture(model)
    )


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_record_is_what_keras_builds(case, keras_build):
    name, kwargs = case
    live = architecture(keras_build(name, weights=None, **kwargs))
    assert live == keras_record()["cases"][case_id(case)]


def test_record_covers_every_case():
    assert sorted(keras_record()["cases"]) == sorted(case_id(c) for c in CASES)


def test_every_keras_architecture_is_covered():
    keras = pytest.importorskip("keras")
    covered = {name for name, _ in FAMILIES} | set(OTHERS)
    names = {n for n in dir(keras.applications) if n[0].isupper()}
    assert names == covered
    assert names <= set(applications.__all__)


def test_input_tensor_is_the_model_input():
    inputs = kerasish.Input((64, 64, 3))
    model = applications.MobileNet(
        weights=None, include_top=False, input_tensor=inputs, pooling="max"
    )
    assert model.inputs[0] is inputs
    assert model.output.shape == (None, 1024)
    assert model.layers[-1].name == "global_max_pooling2d"
