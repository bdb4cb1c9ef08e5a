"""`model.export(path, format="onnx")`, served by onnxruntime, against `predict`."""

import os
import sys

import numpy as np
import pytest

import kerasish as keras
from kerasish import layers, ops

pytest.importorskip("jax2onnx")
ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")


def _mlp():
    return keras.Sequential(
        [
            keras.Input((5,)),
            layers.Dense(8, activation="gelu"),
            layers.Dropout(0.5),  # identity at inference
            layers.Dense(3, activation="softmax"),
        ]
    )


def _convnet():
    return keras.Sequential(
        [
            keras.Input((8, 8, 2)),
            layers.Conv2D(4, 3, padding="same"),
            layers.BatchNormalization(),
            layers.ReLU(),
            layers.MaxPooling2D(),
            layers.AveragePooling2D(2),
            layers.GlobalAveragePooling2D(),
            layers.Dense(2),
        ]
    )


def _recurrent():
    return keras.Sequential(
        [
            keras.Input((6,), dtype="int32"),
            layers.Embedding(10, 4),
            layers.LSTM(5, return_sequences=True),
            layers.GRU(3),
            layers.Dense(1),
        ]
    )


def _attention():
    x = keras.Input((4, 8), name="tokens")
    h = layers.MultiHeadAttention(2, 4)(x, x)
    h = layers.LayerNormalization()(h + x)
    return keras.Model(x, layers.Dense(2, name="logits")(h))


def _two_in_two_out():
    a = keras.Input((5,), name="a")
    b = keras.Input((7, 3), name="b")
    pooled = layers.MaxPooling1D(2)(b)  # channels-last 1-d max pooling
    h = layers.Concatenate()([a, layers.Flatten()(pooled)])
    out_1 = layers.Dense(2, name="first")(h)
    out_2 = layers.Dense(1, activation="sigmoid", name="second")(h)
    return keras.Model([a, b], [out_1, out_2])


def _randomize(model, rng):
    # Non-trivial weights (BatchNorm statistics included) so that a wrong
    # layout or a dropped term shows in the values.
    for v in model.weights:
        if "int" in str(v.dtype) or "seed" in v.path:
            continue
        value = rng.normal(size=v.shape).astype("float32") * 0.5
        if v.path.endswith("moving_variance"):
            value = np.abs(value) + 0.5
        v.assign(value)


FAMILIES = {
    "dense": (_mlp, [((3, 5), "float32")]),
    "conv_pool_batchnorm": (_convnet, [((3, 8, 8, 2), "float32")]),
    "embedding_lstm_gru": (_recurrent, [((3, 6), "int32")]),
    "attention_layernorm": (_attention, [((3, 4, 8), "float32")]),
    "two_inputs_two_outputs": (
        _two_in_two_out,
        [((4, 5), "float32"), ((4, 7, 3), "float32")],
    ),
}


def _data(rng, specs):
    out = []
    for shape, dtype in specs:
        if dtype == "int32":
            out.append(rng.integers(0, 10, size=shape).astype("int32"))
        else:
            out.append(rng.normal(size=shape).astype(dtype))
    return out


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_onnx_runs_like_predict(family, tmp_path):
    build, specs = FAMILIES[family]
    rng = np.random.default_rng(0)
    model = build()
    _randomize(model, rng)
    path = tmp_path / "model.onnx"
    model.export(path, format="onnx", verbose=False)
    session = ort.InferenceSession(str(path))
    names = [i.name for i in session.get_inputs()]
    assert names == [t.name for t in model.inputs]
    xs = _data(rng, specs)
    expected = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    expected = expected if isinstance(expected, list) else [expected]
    for rows in (slice(None), slice(0, 1)):  # the batch dimension is symbolic
        got = session.run(None, {n: x[rows] for n, x in zip(names, xs)})
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g, e[rows], rtol=1e-4, atol=1e-5)
    if family == "two_inputs_two_outputs":
        assert [o.name for o in session.get_outputs()] == ["first", "second"]


def test_onnx_subclassed_model_dict_outputs_signature_and_opset(tmp_path, capsys):
    class Heads(keras.Model):
        def __init__(self):
            super().__init__()
            self.body = layers.Dense(4, activation="tanh")
            self.score = layers.Dense(1)

        def call(self, x):
            h = self.body(x)
            return {"score": self.score(h), "features": h}

    model = Heads()
    x = np.random.default_rng(1).normal(size=(2, 3)).astype("float32")
    expected = model(x)
    path = tmp_path / "heads.onnx"
    model.export(
        path,
        format="onnx",
        input_signature=[keras.InputSpec(shape=(None, 3), dtype="float32")],
        opset_version=17,
    )
    assert f"Saved artifact at '{path}'." in capsys.readouterr().out
    proto = onnx.load(str(path))
    assert {o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")} == {
        17
    }
    session = ort.InferenceSession(str(path))
    names = [o.name for o in session.get_outputs()]
    assert names == ["score", "features"]
    got = dict(zip(names, session.run(None, {session.get_inputs()[0].name: x})))
    for key in names:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-5, atol=1e-6)


class QROrthonormal(layers.Layer):
    """Uses a batched QR decomposition, which jax2onnx cannot convert."""

    def call(self, x):
        q, _ = ops.linalg.qr(x)
        return q


def test_onnx_unconvertible_layer_is_named_and_nothing_is_written(tmp_path):
    model = keras.Sequential(
        [keras.Input((4, 4)), layers.Dense(4), QROrthonormal(name="orthonormal")]
    )
    path = tmp_path / "model.onnx"
    path.write_bytes(b"previous version")
    with pytest.raises(
        ValueError,
        match=r"Cannot export model '.*' to ONNX: Layer 'orthonormal' "
        r"\(QROrthonormal\) uses an operation .*jax2onnx.*qr.*format='jax'",
    ):
        model.export(path, format="onnx", verbose=False)
    assert path.read_bytes() == b"previous version"  # atomic: old file intact
    assert os.listdir(tmp_path) == ["model.onnx"]  # no temporary file left


def test_onnx_export_argument_errors(tmp_path):
    model = _mlp()
    with pytest.raises(TypeError, match=r"`opset_version` must be an int.*'17'"):
        model.export(tmp_path / "m.onnx", format="onnx", opset_version="17")
    with pytest.raises(TypeError, match="applies to format='onnx' only"):
        model.export(tmp_path / "m", opset_version=17)
    with pytest.raises(TypeError, match="takes no `platforms`"):
        model.export(tmp_path / "m.onnx", format="onnx", platforms=["cpu"])
    with pytest.raises(ValueError, match="Unknown export format 'tflite'.*onnx"):
        model.export(tmp_path / "m", format="tflite")
    assert not os.listdir(tmp_path)


def test_onnx_without_the_extra_names_it(tmp_path, monkeypatch):
    from kerasish.engine import jax_onnx

    monkeypatch.setattr(jax_onnx, "_converter", None)
    monkeypatch.setitem(sys.modules, "jax2onnx", None)  # import fails
    with pytest.raises(ImportError, match=r'pip install "kerasish\[onnx\]"'):
        _mlp().export(tmp_path / "m.onnx", format="onnx", verbose=False)
    assert not os.listdir(tmp_path)
