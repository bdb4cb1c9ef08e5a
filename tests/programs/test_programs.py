"""Whole programs in the style of the Keras guides, run under Keras 3 and kerasish.

Each module `tests/programs/prog_*.py` is a complete program written against the
Keras API: `run(keras, workdir)` takes the library as `keras`, builds its data from a
fixed seed, asserts what the guide promises (accuracy in range, shapes) and returns a
dict of what a user would see. The test runs it under both libraries and compares
the values whose name says how:

- `same_*`: equal (History keys, shapes, parameter counts, summaries, labels);
- `close_*`: equal to float tolerance (programs that copy weights, so both libraries
  compute the same numbers);
- anything else is reported only (e.g. final losses, which start from different
  random weights).

Running all the programs under Keras takes minutes, so the default run compares
with Keras's compared values as `tools/record_keras.py programs` recorded them in
`keras_results.json.gz` (with a fingerprint of each program's source, so an
edited program asks to be recorded again); `test_program_runs_the_same_under_both`
(marker `slow`) runs Keras live.
"""

import functools
import importlib
from pathlib import Path

import numpy as np
import pytest

from tests import recorded
from tests.helpers import keras3

HERE = Path(__file__).parent
PROGRAMS = sorted(p.stem for p in HERE.glob("prog_*.py"))
RECORD = HERE / "keras_results.json.gz"


@functools.cache
def keras_record():
    return recorded.read(RECORD)


def compared(result):
    """The values a program's result is compared on: `same_*` and `close_*`."""
    return {k: v for k, v in result.items() if k.startswith(("same_", "close_"))}


def _run(lib, name, tmp_path):
    # Names reset without a garbage collection: late in a long run a full
    # collection of a worker's heap takes seconds.
    if lib == "keras":
        module = keras3()
    else:
        import kerasish as module
    module.utils.clear_session(free_memory=False)
    program = importlib.import_module(f"tests.programs.{name}")
    workdir = tmp_path / lib
    workdir.mkdir()
    return program.run(module, workdir)


def _compare(key, theirs, ours):
    if key.startswith("same_"):
        if isinstance(theirs, np.ndarray) or isinstance(ours, np.ndarray):
            np.testing.assert_array_equal(
                np.asarray(ours), np.asarray(theirs), err_msg=key
            )
        else:
            assert ours == theirs, f"{key}: Keras {theirs!r} vs kerasish {ours!r}"
    elif key.startswith("close_"):
        ours, theirs = (np.asarray(v, dtype="float64") for v in (ours, theirs))
        # Not broadcast: an empty list must not pass for a scalar.
        assert ours.shape == theirs.shape, f"{key}: shape {ours.shape} vs Keras's"
        np.testing.assert_allclose(ours, theirs, rtol=2e-4, atol=2e-5, err_msg=key)


# The heaviest programs (15-40 s each in a 2-core run, mostly compiling), whose
# parts the unit tests also check: out of the default run, which must stay
# under 15 minutes; `python -m pytest -m slow` runs them.
HEAVY = {
    "prog_applications_transfer",
    "prog_applications_zoo",
    "prog_augmentation_random",
    "prog_captioning_cct",
    "prog_cyclegan_packaging",
    "prog_detection_boxes",
    "prog_diffusion_flows",
    "prog_generative_custom_steps",
    "prog_gradcam_pointnet",
    "prog_graph_networks",
    "prog_image_classification",
    "prog_image_ops_preprocessing",
    "prog_image_utils_superres",
    "prog_imbalanced_metrics",
    "prog_input_gradients",
    "prog_losses_metrics_zoo",
    "prog_mixer_architectures",
    "prog_mlm_fnet",
    "prog_moe_attention_variants",
    "prog_ops_numpy_api",
    "prog_pixelcnn_vqvae",
    "prog_regularization",
    "prog_reinforcement_learning",
    "prog_retrieval_tabtransformer",
    "prog_rnn_cells_api",
    "prog_self_supervised",
    "prog_sklearn_wrappers",
    "prog_structured_gated_forests",
    "prog_tabular_wide_deep",
    "prog_token_tagging",
    "prog_training_options",
    "prog_transformer_translation",
    "prog_video_sequences",
    "prog_vision_transformer",
}


def _recorded_params():
    return [
        pytest.param(name, marks=pytest.mark.slow) if name in HEAVY else name
        for name in PROGRAMS
    ]


@pytest.mark.parametrize("name", _recorded_params())
def test_program_gives_what_keras_gave(name, tmp_path):
    entry = keras_record()["programs"].get(name)
    assert entry is not None and entry["source"] == recorded.digest(
        HERE / f"{name}.py"
    ), f"{name}.py changed since Keras ran it: python tools/record_keras.py programs"
    ours = compared(_run("kerasish", name, tmp_path))
    assert sorted(ours) == sorted(entry["result"])
    for key, theirs in entry["result"].items():
        _compare(key, theirs, ours[key])


@pytest.mark.slow
@pytest.mark.compat
@pytest.mark.parametrize("name", PROGRAMS)
def test_program_runs_the_same_under_both(name, tmp_path):
    theirs = _run("keras", name, tmp_path)
    ours = _run("kerasish", name, tmp_path)
    assert sorted(ours) == sorted(theirs)
    for key in theirs:
        _compare(key, theirs[key], ours[key])
    for key, value in keras_record()["programs"][name]["result"].items():
        _compare(key, value, theirs[key])  # the record is still what Keras gives
