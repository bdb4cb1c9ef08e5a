"""plot_history and plot_model render real, non-empty images of the right size."""

import shutil
import sys

import numpy as np
import pytest

import kerasish as ks
from kerasish.callbacks import History
from kerasish.common.plotting import plot_history
from kerasish.utils.plot_model import model_to_dot, plot_model

PIL = pytest.importorskip("PIL.Image")


def fake_history():
    h = History()
    h.history = {
        "loss": [1.0, 0.5, 0.25],
        "val_loss": [1.1, 0.7, 0.6],
        "accuracy": [0.5, 0.7, 0.9],
    }
    return h


def test_plot_history_png_size_and_curves(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "h.png"
    figure = fake_history().plot(to_file=str(path), figsize=(6, 3), dpi=50)
    with PIL.open(path) as image:
        assert image.size == (300, 150)
        pixels = np.asarray(image.convert("L"))
    assert pixels.min() < 128 < pixels.max()  # something was drawn
    loss_ax, acc_ax = figure.axes
    assert [line.get_label() for line in loss_ax.lines] == ["train", "validation"]
    np.testing.assert_array_equal(loss_ax.lines[1].get_ydata(), [1.1, 0.7, 0.6])
    np.testing.assert_array_equal(loss_ax.lines[0].get_xdata(), [1, 2, 3])
    assert [line.get_label() for line in acc_ax.lines] == ["train"]


def test_plot_history_selects_metrics_and_accepts_dict():
    pytest.importorskip("matplotlib")
    figure = plot_history(fake_history().history, metrics="accuracy")
    assert len(figure.axes) == 1 and figure.axes[0].get_title() == "accuracy"


def test_plot_history_errors():
    pytest.importorskip("matplotlib")
    with pytest.raises(ValueError, match="no metric 'auc'.*'accuracy', 'loss'"):
        plot_history(fake_history(), metrics=["auc"])
    with pytest.raises(ValueError, match="history is empty"):
        plot_history({})
    with pytest.raises(TypeError, match="expects the `History`"):
        plot_history([1, 2])


def test_plot_history_missing_matplotlib(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r'pip install "kerasish\[plot\]"'):
        plot_history(fake_history())


def functional():
    inputs = ks.Input((3,), name="features")
    a = ks.layers.Dense(4, activation="relu", name="a")(inputs)
    b = ks.layers.Dense(2, name="b")(a)
    c = ks.layers.Dense(1, name="c")(a)
    out = ks.layers.Dense(1, name="out")(b)
    return ks.Model(inputs, [out, c])


def test_model_to_dot_nodes_and_edges():
    pytest.importorskip("pydot")
    model = functional()
    dot = model_to_dot(model, show_shapes=True, show_layer_activations=True)
    labels = {n.get_name(): n.get("label") for n in dot.get_nodes() if n.get("label")}
    by_layer = {layer.name: str(id(layer)) for layer in model.layers}
    assert "a (Dense)" in labels[by_layer["a"]]
    assert "activation: relu" in labels[by_layer["a"]]
    assert "input: (None, 3)" in labels[by_layer["a"]]
    assert "output: (None, 4)" in labels[by_layer["a"]]
    edges = {(e.get_source(), e.get_destination()) for e in dot.get_edges()}
    expected = {("features", "a"), ("a", "b"), ("a", "c"), ("b", "out")}
    assert edges == {(by_layer[s], by_layer[d]) for s, d in expected}
    assert dot.get("splines") == "ortho"
    assert model_to_dot(model, splines="curved").get("splines") == "curved"


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz `dot` not installed")
def test_plot_model_renders_png(tmp_path):
    pytest.importorskip("pydot")
    path = tmp_path / "model.png"
    assert plot_model(functional(), to_file=str(path), show_shapes=True, dpi=72) is None
    with PIL.open(path) as image:
        width, height = image.size
        assert image.format == "PNG"
        pixels = np.asarray(image.convert("L"))
    assert width > 50 and height > 3 * 50  # four levels stacked top to bottom
    assert pixels.min() < 128  # text and boxes drawn
    lr = tmp_path / "lr.png"
    plot_model(functional(), to_file=str(lr), rankdir="LR", dpi=72)
    with PIL.open(lr) as image:
        assert image.size[0] > image.size[1]  # left to right is wide


def test_plot_model_sequential_dot_file(tmp_path):
    pytest.importorskip("pydot")
    model = ks.Sequential([ks.Input((2,)), ks.layers.Dense(3), ks.layers.Dense(1)])
    path = tmp_path / "m.dot"
    plot_model(model, to_file=str(path))
    text = path.read_text()
    assert "digraph" in text and text.count("->") == 2
    assert "splines=ortho" in text.replace('"', "")
    # As in Keras, plot_model hides layer names unless asked.
    assert "dense (Dense)" not in text and model.layers[0].name not in text
    plot_model(model, to_file=str(path), show_layer_names=True, splines="line")
    text = path.read_text()
    assert model.layers[0].name in text and "splines=line" in text.replace('"', "")


def test_plot_model_without_graphviz(monkeypatch, tmp_path):
    pytest.importorskip("pydot")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(ImportError, match="You must install graphviz"):
        plot_model(functional(), to_file=str(tmp_path / "m.png"))


def test_plot_model_without_pydot(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pydot", None)
    with pytest.raises(ImportError, match="You must install pydot.*kerasish\\[plot\\]"):
        plot_model(functional(), to_file=str(tmp_path / "m.png"))


def test_plot_model_errors():
    pytest.importorskip("pydot")
    with pytest.raises(ValueError, match="`rankdir` must be 'TB' or 'LR'"):
        model_to_dot(functional(), rankdir="BT")
    with pytest.raises(ValueError, match="has not yet been built"):
        model_to_dot(ks.Sequential([ks.layers.Dense(1)]))
