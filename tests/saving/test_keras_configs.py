"""Every public class's config is Keras's, as `serialize_keras_object` writes it
into a `.keras` file: the same keys, in the same order, with the same values.

Each class is built with the same arguments in both libraries (those of
`config_cases.ARGS`) after `clear_session()`, so automatic names agree. Keras's
side is recorded (`python tools/record_keras.py configs`); the `slow` twin
checks the record against Keras live.
"""

import json
from pathlib import Path

import pytest

import kerasish
from tests import recorded
from tests.helpers import keras3
from tests.saving.config_cases import ARGS, public_classes

RECORD = Path(__file__).with_name("keras_configs.json.gz")

# Where kerasish writes more than Keras, or another value, on purpose; Keras
# loads each of these kerasish configs (and kerasish Keras's).
_KERAS_DROPS = "Keras's config drops the argument, so a reloaded object forgets it"
_INT_MATRIX = (
    "Keras's int32 confusion matrix truncates fractional sample weights; kerasish's "
    "is float32"
)
DELIBERATE = {
    "layers.SimpleRNN": {"seed": _KERAS_DROPS},
    "layers.MaxNumBoundingBoxes": {"fill_value": _KERAS_DROPS},
    "losses.CosineSimilarity": {"axis": _KERAS_DROPS},
    "losses.Huber": {"delta": _KERAS_DROPS},
    "metrics.CosineSimilarity": {"axis": _KERAS_DROPS},
    "initializers.Identity": {"gain": _KERAS_DROPS},
    "initializers.IdentityInitializer": {"gain": _KERAS_DROPS},
    "initializers.identity": {"gain": _KERAS_DROPS},
    **{
        f"metrics.{name}": {"dtype": _INT_MATRIX}
        for name in ("IoU", "BinaryIoU", "MeanIoU", "OneHotIoU", "OneHotMeanIoU")
    },
}

# Not compared: a function registered under this test's own package.
SKIP = {"layers.JaxLayer"}

CASES = [c for c in public_classes() if c not in SKIP]


def _modules(lib):
    return {
        "layers": lib.layers,
        "losses": lib.losses,
        "metrics": lib.metrics,
        "optimizers": lib.optimizers,
        "schedules": lib.optimizers.schedules,
        "initializers": lib.initializers,
        "regularizers": lib.regularizers,
        "constraints": lib.constraints,
    }


def serialized(lib, case):
    """`case`'s config in `lib` as JSON text reads it back (None: no such name)."""
    kind, name = case.split(".")
    cls = getattr(_modules(lib)[kind], name, None)
    if cls is None:
        return None
    # Names only (no garbage collection: late in a long run, a full collection
    # of a worker's heap takes a second or more per case).
    lib.utils.clear_session(free_memory=False)
    # Aliases (Convolution2D) share their class's arguments.
    ours = getattr(_modules(kerasish)[kind], name)
    args = ARGS.get(case) or ARGS.get(f"{kind}.{ours.__name__}", {})
    args = args(lib) if callable(args) else args
    return json.loads(json.dumps(lib.saving.serialize_keras_object(cls(**args))))


def keras_side(keras):
    # As JSON text: the record keeps the keys' order only in a string.
    return {case: json.dumps(serialized(keras, case)) for case in CASES}


def _digest():
    return recorded.digest(Path(__file__)) + recorded.digest(
        Path(__file__).with_name("config_cases.py")
    )


@pytest.fixture(scope="module")
def record():
    return recorded.load(RECORD, "digest", _digest(), "configs")["keras"]


@pytest.mark.slow  # the default test below compares kerasish with this record
@pytest.mark.compat
def test_record_is_what_keras_gives(record):
    assert keras_side(keras3()) == record


def _differences(theirs, ours, path=""):
    if isinstance(theirs, dict) and isinstance(ours, dict):
        if list(theirs) != list(ours):
            return [f"{path or '/'}: keys {list(theirs)} (Keras) vs {list(ours)}"]
        found = []
        for key in theirs:
            found += _differences(theirs[key], ours[key], f"{path}/{key}")
        return found
    if theirs != ours:
        return [f"{path}: {theirs!r} (Keras) vs {ours!r}"]
    return []


@pytest.mark.parametrize("case", CASES)
def test_config_is_keras_config(case, record):
    theirs = json.loads(record[case])
    if theirs is None:
        pytest.skip(f"{case} is kerasish's own name (not in Keras 3)")
    ours = serialized(kerasish, case)
    theirs = {**theirs, "config": dict(theirs["config"])}
    for key in DELIBERATE.get(case, {}):
        ours["config"].pop(key)
        theirs["config"].pop(key, None)
    assert not _differences(theirs, ours), _differences(theirs, ours)
