"""TensorBoard: event files read back with TensorBoard's own reader."""

import glob
import os
import sys

import numpy as np
import pytest

import kerasish as ks
from kerasish.callbacks import TensorBoard

pytest.importorskip("tensorboardX")
event_accumulator = pytest.importorskip(
    "tensorboard.backend.event_processing.event_accumulator"
)


def load(directory):
    acc = event_accumulator.EventAccumulator(
        directory,
        size_guidance={
            event_accumulator.SCALARS: 0,
            event_accumulator.HISTOGRAMS: 0,
            event_accumulator.IMAGES: 0,
        },
    )
    acc.Reload()
    return acc


def scalars(acc, tag):
    return [(e.step, e.value) for e in acc.Scalars(tag)]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    log_dir = str(tmp_path_factory.mktemp("tb"))
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype("float32")
    y = rng.integers(0, 2, size=(32, 1)).astype("float32")
    inputs = ks.Input((3,))
    hidden = ks.layers.Dense(4, activation="relu", name="hidden")(inputs)
    outputs = ks.layers.Dense(1, activation="sigmoid", name="out")(hidden)
    model = ks.Model(inputs, outputs)
    model.compile(
        optimizer=ks.optimizers.SGD(0.1),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    cb = TensorBoard(log_dir, histogram_freq=1, write_images=True, update_freq=2)
    history = model.fit(
        x, y, batch_size=8, epochs=3, validation_data=(x, y), callbacks=[cb], verbose=0
    )
    return log_dir, history, model


def test_epoch_scalars_equal_history(run):
    log_dir, history, _ = run
    train = load(os.path.join(log_dir, "train"))
    val = load(os.path.join(log_dir, "validation"))
    for key in ("loss", "accuracy"):
        got = scalars(train, f"epoch_{key}")
        assert [s for s, _ in got] == [0, 1, 2]
        np.testing.assert_allclose([v for _, v in got], history.history[key], rtol=1e-6)
        got = scalars(val, f"epoch_{key}")
        np.testing.assert_allclose(
            [v for _, v in got], history.history[f"val_{key}"], rtol=1e-6
        )
    np.testing.assert_allclose(
        [v for _, v in scalars(train, "epoch_learning_rate")], [0.1] * 3, rtol=1e-6
    )
    # evaluation during fit is also logged against the optimizer's iterations
    got = scalars(val, "evaluation_loss_vs_iterations")
    assert [s for s, _ in got] == [4, 8, 12]
    np.testing.assert_allclose(
        [v for _, v in got], history.history["val_loss"], rtol=1e-6
    )


def test_batch_scalars_every_update_freq_batches(run):
    log_dir, _, _ = run
    train = load(os.path.join(log_dir, "train"))
    steps = [s for s, _ in scalars(train, "batch_loss")]
    assert steps == [2, 4, 6, 8, 10, 12]  # 4 batches x 3 epochs, every 2nd


def test_histograms_images_and_graph(run):
    log_dir, _, model = run
    train = load(os.path.join(log_dir, "train"))
    tags = train.Tags()
    assert "hidden/kernel/histogram" in tags["histograms"]
    hist = train.Histograms("out/bias/histogram")
    assert [h.step for h in hist] == [0, 1, 2]
    final_bias = float(model.get_layer("out").get_weights()[1][0])
    assert hist[-1].histogram_value.min == pytest.approx(final_bias, rel=1e-6)
    assert hist[-1].histogram_value.num == 1
    assert "hidden/kernel/image" in tags["images"]
    graph = train.Graph()
    nodes = {n.name: (n.op, list(n.input)) for n in graph.node}
    assert nodes["hidden"] == ("Dense", [model.layers[0].name])
    assert nodes["out"] == ("Dense", ["hidden"])


def test_update_freq_epoch_adds_no_batch_hooks(tmp_path):
    from kerasish.callbacks.callback import overrides

    cb = TensorBoard(str(tmp_path))
    assert not overrides(cb, "on_train_batch_end")
    assert overrides(
        TensorBoard(str(tmp_path), update_freq="batch"), "on_train_batch_end"
    )


def test_profile_batch_writes_a_jax_trace(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 2)).astype("float32")
    y = rng.normal(size=(16, 1)).astype("float32")
    model = ks.Sequential([ks.Input((2,)), ks.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    cb = TensorBoard(str(tmp_path), profile_batch=(2, 3), write_graph=False)
    model.fit(x, y, batch_size=4, epochs=1, callbacks=[cb], verbose=0)
    traces = glob.glob(str(tmp_path / "train" / "plugins" / "profile" / "*" / "*"))
    assert any(t.endswith(".xplane.pb") for t in traces)
    assert not cb._is_tracing


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(update_freq="step"), "`update_freq` must be 'epoch', 'batch'"),
        (dict(update_freq=0), "`update_freq` must be"),
        (dict(histogram_freq=-1), "`histogram_freq` must be a non-negative"),
        (dict(profile_batch=(3, 2)), "profile_batch must be a non-negative"),
        (dict(profile_batch="a,b"), "profile_batch must be"),
        (dict(embeddings_freq=1), "embeddings .* are not supported"),
    ],
)
def test_invalid_arguments(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        TensorBoard(str(tmp_path), **kwargs)


def test_missing_writer_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    with pytest.raises(ImportError, match=r'pip install "kerasish\[tensorboard\]"'):
        TensorBoard(str(tmp_path))
