"""`KerasFileEditor` over Keras's h5 layout: inspect, edit, resave; the edited
file loads into the edited architecture, in kerasish and in Keras."""

import numpy as np
import pytest

import kerasish as keras
from kerasish.saving import KerasFileEditor
from tests.helpers import keras3


def _mlp(units=(4, 3)):
    model = keras.Sequential(
        [keras.Input((2,))] + [keras.layers.Dense(u) for u in units]
    )
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(size=w.shape) for w in model.get_weights()])
    return model


def test_summary_and_compare(tmp_path, capsys):
    model = _mlp()
    model.save_weights(tmp_path / "m.weights.h5")
    editor = KerasFileEditor(tmp_path / "m.weights.h5")
    editor.summary()
    # Keras's text, line for line (its constructor prints the file first).
    assert capsys.readouterr().out.splitlines() == [
        f"Keras model file '{tmp_path / 'm.weights.h5'}'",
        "Weights structure",
        "  > layers",
        "      ├─ dense",
        "      │   ├─ 0: shape=(2, 4), dtype=float32",
        "      │   └─ 1: shape=(4,), dtype=float32",
        "      └─ dense_1",
        "          ├─ 0: shape=(4, 3), dtype=float32",
        "          └─ 1: shape=(3,), dtype=float32",
    ]
    with pytest.raises(ValueError, match="should be a leaf name.*'layers/d'"):
        editor.rename_object("dense", "layers/d")


def test_object_metadata_keys_and_the_saved_iteration_are_keras_s(tmp_path):
    model = _mlp()
    model.compile("adam", "mse")
    model.fit(np.ones((4, 2)), np.ones((4, 3)), verbose=0)
    model.save_weights(tmp_path / "m.weights.h5")
    editor = KerasFileEditor(tmp_path / "m.weights.h5")
    assert editor.object_metadata == {
        "/layers/dense": {"name": "dense"},
        "/layers/dense_1": {"name": "dense_1"},
        "/optimizer": {"name": "adam"},
    }
    iteration = editor.weights_dict["optimizer"]["0"]
    assert iteration.dtype == np.int32 and int(iteration) == 1  # Keras on JAX
    assert editor.compare(model) == {
        "status": "success",
        "error_count": 0,
        "match_count": 4,
    }
    assert editor.compare(_mlp((4, 3, 5)))["status"] == "error"


def test_edit_and_resave_loads_into_the_new_architecture(tmp_path):
    model = _mlp((4, 3))
    model.save(tmp_path / "m.keras")
    editor = KerasFileEditor(tmp_path / "m.keras")
    assert editor.config["class_name"] == "Sequential"
    kernel = np.full((3, 5), 0.5, "float32")
    editor.add_object("layers/dense_2", weights={"0": kernel, "1": np.ones(5)})
    editor.delete_weight("dense_1", "1")
    editor.add_weights("dense_1", {"1": np.zeros(3)})
    editor.save(tmp_path / "edited.weights.h5")
    bigger = _mlp((4, 3, 5))
    bigger.load_weights(tmp_path / "edited.weights.h5")
    np.testing.assert_array_equal(bigger.layers[2].kernel.numpy(), kernel)
    np.testing.assert_array_equal(bigger.layers[1].bias.numpy(), np.zeros(3))
    np.testing.assert_array_equal(
        bigger.layers[0].kernel.numpy(), model.layers[0].kernel.numpy()
    )
    editor.delete_object("layers/dense_2")
    editor.rename_object("dense_1", "dense_9")
    assert editor.compare(model)["error_count"] == 2


def test_editor_errors(tmp_path):
    model = _mlp()
    model.save_weights(tmp_path / "m.weights.h5")
    with pytest.raises(ValueError, match="expected a `.keras` `.weights.h5`"):
        KerasFileEditor(tmp_path / "m.h5")
    editor = KerasFileEditor(tmp_path / "m.weights.h5")
    with pytest.raises(ValueError, match="'nope' does not appear"):
        editor.delete_object("nope")
    with pytest.raises(ValueError, match="Path 'layers/nope' not found"):
        editor.delete_object("layers/nope")
    with pytest.raises(ValueError, match="Weight 7 not found in object dense"):
        editor.delete_weight("dense", "7")
    with pytest.raises(ValueError, match="should be a dict"):
        editor.add_weights("dense", [1, 2])
    with pytest.raises(ValueError, match="expected a `.weights.h5` extension"):
        editor.save(tmp_path / "x.keras")


@pytest.mark.compat
def test_edited_file_loads_in_keras_like_keras_editor_output(tmp_path):
    k = keras3()
    model = _mlp((4, 3))
    model.save_weights(tmp_path / "m.weights.h5")
    mine = KerasFileEditor(tmp_path / "m.weights.h5")
    theirs = k.saving.KerasFileEditor(str(tmp_path / "m.weights.h5"))
    for editor in (mine, theirs):
        editor.delete_object("layers/dense_1")
    mine.save(tmp_path / "mine.weights.h5")
    theirs.save(str(tmp_path / "theirs.weights.h5"))
    for name in ("mine", "theirs"):
        other = k.Sequential([k.Input((2,)), k.layers.Dense(4)])
        other.load_weights(tmp_path / f"{name}.weights.h5")
        np.testing.assert_allclose(
            np.asarray(other.layers[0].kernel.numpy()),
            model.layers[0].kernel.numpy(),
        )
