"""`kerasish.export.ExportArchive`: endpoints written out, reloaded in a new process."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import kerasish as keras
from kerasish import export, layers
from tests.helpers import keras3, signature_parts

pytest.importorskip("flatbuffers")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _model():
    inputs = keras.Input((3,), name="x")
    hidden = layers.Dense(4, activation="tanh", name="h")(inputs)
    return keras.Model(inputs, layers.Dense(2, name="o")(hidden))


def test_endpoints_and_collections_reload_in_a_new_process(tmp_path):
    model = _model()
    archive = export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(
        "serve", model.call, [keras.InputSpec(shape=(None, 3), dtype="float32")]
    )
    archive.add_endpoint(
        "scaled",
        lambda d, s: {"y": model(d["x"]) * s},
        [{"x": keras.InputSpec(shape=(None, 3))}, ((), "float32")],
    )
    archive.add_variable_collection("kernels", [model.layers[1].kernel])
    path = tmp_path / "archive.kerasish_export"
    archive.write_out(path, verbose=False)
    x = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    np.save(tmp_path / "x.npy", x)
    script = textwrap.dedent(
        f"""
        import numpy as np
        import kerasish.export
        reloaded = kerasish.export.load({str(path)!r})
        x = np.load({str(tmp_path)!r} + "/x.npy")
        np.save({str(tmp_path)!r} + "/serve.npy", reloaded.serve(x))
        np.save({str(tmp_path)!r} + "/serve2.npy", reloaded.serve(x[:2]))
        out = reloaded.scaled({{"x": x}}, np.float32(3.0))
        np.save({str(tmp_path)!r} + "/scaled.npy", out["y"])
        np.save({str(tmp_path)!r} + "/kernel.npy", reloaded.kernels[0])
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT, timeout=180)
    want = np.asarray(model(x))
    np.testing.assert_allclose(np.load(tmp_path / "serve.npy"), want, rtol=1e-6)
    np.testing.assert_allclose(np.load(tmp_path / "serve2.npy"), want[:2], rtol=1e-6)
    np.testing.assert_allclose(np.load(tmp_path / "scaled.npy"), 3 * want, rtol=1e-6)
    np.testing.assert_array_equal(
        np.load(tmp_path / "kernel.npy"), model.layers[1].kernel.numpy()
    )


def test_track_and_add_endpoint_and_call_errors(tmp_path):
    model = _model()
    archive = export.ExportArchive()
    archive.track_and_add_endpoint("call", model, [keras.InputSpec(shape=(None, 3))])
    assert len(archive.variables) == 4 and len(archive.trainable_variables) == 4
    path = tmp_path / "a.kerasish_export"
    archive.write_out(path, verbose=False)
    reloaded = export.load(path)
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(reloaded.call(x), np.asarray(model(x)), rtol=1e-6)
    with pytest.raises(ValueError, match=r"expected shape \(None, 3\)"):
        reloaded.call(np.ones((2, 4), "float32"))
    with pytest.raises(ValueError, match=r"takes 1 argument\(s\), received 2"):
        reloaded.call(x, x)


def test_archive_errors(tmp_path):
    archive = export.ExportArchive()
    spec = [keras.InputSpec(shape=(None, 3))]
    with pytest.raises(ValueError, match="Expected a Keras `Layer` or `Model`"):
        archive.track(3)
    with pytest.raises(ValueError, match="has not yet been built"):
        archive.track(layers.Dense(2))
    with pytest.raises(ValueError, match="No layer is tracked"):
        archive.add_endpoint("serve", lambda x: x, spec)
    model = _model()
    archive.track(model)
    with pytest.raises(ValueError, match="must provide an `input_signature`"):
        archive.add_endpoint("serve", model.call)
    with pytest.raises(TypeError, match="`fn` must be callable"):
        archive.add_endpoint("serve", 3, spec)
    with pytest.raises(ValueError, match="No endpoints have been set yet"):
        archive.write_out(tmp_path / "none")
    archive.add_endpoint("serve", model.call, spec)
    with pytest.raises(ValueError, match="Endpoint name 'serve' is already taken"):
        archive.add_endpoint("serve", model.call, spec)
    with pytest.raises(ValueError, match="Expected `variables` to be a list"):
        archive.add_variable_collection("v", model.layers[1].kernel)
    with pytest.raises(ValueError, match="`kerasish.Variable` instances"):
        archive.add_variable_collection("v", [np.ones(2)])
    with pytest.raises(TypeError, match="Cannot read the input spec"):
        archive.add_endpoint("other", model.call, [object()])


@pytest.mark.compat
def test_signatures_match_keras():
    keras_module = keras3()
    theirs = keras_module.export.ExportArchive
    for name in [
        "track",
        "add_endpoint",
        "add_variable_collection",
        "write_out",
        "track_and_add_endpoint",
    ]:
        assert signature_parts(getattr(export.ExportArchive, name)) == (
            signature_parts(getattr(theirs, name))
        ), name
