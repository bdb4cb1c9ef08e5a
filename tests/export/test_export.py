"""`model.export(path)` + `kerasish.export.load(path)`: serving without the code."""

import os
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest

import kerasish as keras
from kerasish import export, layers

pytest.importorskip("flatbuffers")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Residual(layers.Layer):
    """A custom layer defined only in this test module."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

    def call(self, x):
        return x + x * self.w


def _functional():
    a = keras.Input((5,), name="a")
    b = keras.Input((3,), name="b")
    h = layers.Dense(4, activation="relu", name="h")(a)
    out_a = layers.Dense(2, name="out_a")(Residual(name="res")(h))
    out_b = layers.Dense(1, name="out_b")(b)
    return keras.Model([a, b], [out_a, out_b])


def test_export_in_a_new_process_without_the_model_classes(tmp_path):
    model = _functional()
    rng = np.random.default_rng(0)
    for v in model.weights:
        v.assign(rng.normal(size=v.shape).astype("float32"))
    path = tmp_path / "served.kerasish_export"
    model.export(path)
    for n in (7, 2):
        np.save(tmp_path / f"a{n}.npy", rng.normal(size=(n, 5)).astype("float32"))
        np.save(tmp_path / f"b{n}.npy", rng.normal(size=(n, 3)).astype("float32"))
    # The child never sees `Residual` (defined only here) nor builds any layer.
    script = textwrap.dedent(
        f"""
        import sys
        import numpy as np
        import kerasish.export
        served = kerasish.export.load({str(path)!r})
        for n in (7, 2):
            a = np.load({str(tmp_path)!r} + f"/a{{n}}.npy")
            b = np.load({str(tmp_path)!r} + f"/b{{n}}.npy")
            out_a, out_b = served([a, b])
            np.save({str(tmp_path)!r} + f"/out_a{{n}}.npy", out_a)
            np.save({str(tmp_path)!r} + f"/out_b{{n}}.npy", out_b)
        assert "test_export" not in sys.modules
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT, timeout=120)
    for n in (7, 2):
        a, b = np.load(tmp_path / f"a{n}.npy"), np.load(tmp_path / f"b{n}.npy")
        want_a, want_b = model.predict([a, b], verbose=0)
        got_a, got_b = (
            np.load(tmp_path / f"out_a{n}.npy"),
            np.load(tmp_path / f"out_b{n}.npy"),
        )
        assert got_a.shape == (n, 2) and got_b.shape == (n, 1)
        np.testing.assert_allclose(got_a, want_a, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(got_b, want_b, rtol=1e-6, atol=1e-6)


def test_export_sequential_symbolic_batch_and_call_forms(tmp_path):
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="tanh")])
    path = tmp_path / "seq.kerasish_export"
    assert model.export(path) == path
    served = export.load(path)
    x = np.random.default_rng(1).normal(size=(9, 4)).astype("float32")
    np.testing.assert_allclose(
        served(x), model.predict(x, verbose=0), rtol=1e-6, atol=1e-6
    )
    np.testing.assert_allclose(
        served.serve(x[:1]), model.predict(x[:1], verbose=0), rtol=1e-6
    )
    assert served.metadata["inputs"][0]["shape"] == [None, 4]
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == [
            "function.jaxexport",
            "metadata.json",
            "weights.npz",
        ]


def test_export_subclassed_model_with_input_signature(tmp_path):
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x) * 2.0

    model = Net()
    x = np.ones((3, 5), "float32")
    model(x)
    model.export(tmp_path / "a.kerasish_export")  # shapes recorded at build
    model.export(
        tmp_path / "b.kerasish_export", input_signature=[((None, 5), "float32")]
    )
    for name in ("a", "b"):
        served = export.load(tmp_path / f"{name}.kerasish_export")
        np.testing.assert_allclose(served(x), np.asarray(model(x)), rtol=1e-6)


def test_exported_model_input_errors(tmp_path):
    model = _functional()
    model.export(tmp_path / "f.kerasish_export")
    served = export.load(tmp_path / "f.kerasish_export")
    a, b = np.ones((2, 5), "float32"), np.ones((2, 3), "float32")
    np.testing.assert_allclose(served({"a": a, "b": b})[0], served(a, b)[0])
    with pytest.raises(
        ValueError, match=r"takes 2 input\(s\) \(\['a', 'b'\]\), received 1"
    ):
        served(a)
    with pytest.raises(
        ValueError, match=r"input 'b' expects shape \(None, 3\).*\(2, 4\)"
    ):
        served(a, np.ones((2, 4), "float32"))
    with pytest.raises(ValueError, match=r"input dict lacks \['b'\]"):
        served({"a": a})


def test_export_errors(tmp_path):
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
    with pytest.raises(ValueError, match="Unknown export format 'tf_saved_model'.*jax"):
        model.export(tmp_path / "m", format="tf_saved_model")
    with pytest.raises(TypeError, match="unexpected keyword"):
        model.export(tmp_path / "m", bogus=1)
    with pytest.raises(ValueError, match="not built"):
        keras.Sequential([layers.Dense(2)]).export(tmp_path / "m")


def test_load_refuses_broken_export_files(tmp_path):
    with pytest.raises(ValueError, match="File not found"):
        export.load(tmp_path / "nothing")
    (tmp_path / "junk").write_bytes(b"junk")
    with pytest.raises(ValueError, match="not a valid zip archive"):
        export.load(tmp_path / "junk")
    keras.Sequential([keras.Input((2,)), layers.Dense(1)]).save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match="lacks.*load_model"):
        export.load(tmp_path / "m.keras")
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    model.export(tmp_path / "ok")
    with zipfile.ZipFile(tmp_path / "ok") as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    with zipfile.ZipFile(tmp_path / "badfn", "w") as zf:
        for n, data in members.items():
            zf.writestr(n, b"garbage" if n == "function.jaxexport" else data)
    with pytest.raises(ValueError, match="serialized function cannot be loaded"):
        export.load(tmp_path / "badfn")
    with zipfile.ZipFile(tmp_path / "evil", "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)
        zf.writestr("../escape", b"x")
    with pytest.raises(ValueError, match="refusing the archive member"):
        export.load(tmp_path / "evil")
