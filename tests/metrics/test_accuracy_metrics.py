"""Accuracy metrics over several weighted batches, padding rows, and Keras 3."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
import numpy as np
import pytest

from kerasish import metrics

RNG = np.random.default_rng(2)


def run(metric, batches):
    """Stateless (jitted) and stateful results over `batches` of (y, p, w)."""
    update = jax.jit(metric.update)
    state = metric.init()
    for y, p, w in batches:
        state = update(state, y, p, w)
    stateless = np.asarray(metric.compute(state))
    metric.reset_state()
    for y, p, w in batches:
        metric.update_state(y, p, sample_weight=w)
    np.testing.assert_allclose(np.asarray(metric.result()), stateless, rtol=1e-6)
    return stateless


def pad(batches, rows=3):
    """The same batches with garbage rows of weight 0 appended to each."""
    out = []
    for y, p, w in batches:
        gy = np.full((rows,) + y.shape[1:], 1, y.dtype)
        gp = np.full((rows,) + p.shape[1:], np.nan, p.dtype)
        out.append(
            (
                np.concatenate([y, gy]),
                np.concatenate([p, gp]),
                np.concatenate([w, np.zeros(rows, w.dtype)]),
            )
        )
    return out


def make_binary(n=3, b=8):
    return [
        (
            (RNG.uniform(size=(b, 1)) > 0.5).astype("float32"),
            RNG.uniform(size=(b, 1)).astype("float32"),
            RNG.uniform(0.1, 2, size=(b,)).astype("float32"),
        )
        for _ in range(n)
    ]


def make_sparse(n=3, b=8, c=6):
    return [
        (
            RNG.integers(0, c, size=(b,)).astype("int32"),
            RNG.normal(size=(b, c)).astype("float32"),
            RNG.uniform(0.1, 2, size=(b,)).astype("float32"),
        )
        for _ in range(n)
    ]


def onehot(batches, c=6):
    return [(np.eye(c, dtype="float32")[y], p, w) for y, p, w in batches]


def weighted_mean(hits, batches):
    w = np.concatenate([b[2] for b in batches])
    return np.sum(np.concatenate(hits) * w) / np.sum(w)


def test_binary_accuracy():
    batches = make_binary()
    for threshold in (0.5, 0.3):
        hits = [
            ((p[:, 0] > threshold) == (y[:, 0] == 1)).astype(float)
            for y, p, _ in batches
        ]
        m = metrics.BinaryAccuracy(threshold=threshold)
        np.testing.assert_allclose(
            run(m, batches), weighted_mean(hits, batches), rtol=1e-6
        )
        np.testing.assert_allclose(
            run(m, pad(batches)), weighted_mean(hits, batches), rtol=1e-6
        )


def test_categorical_and_sparse_accuracy():
    batches = make_sparse()
    hits = [(np.argmax(p, -1) == y).astype(float) for y, p, _ in batches]
    ref = weighted_mean(hits, batches)
    np.testing.assert_allclose(
        run(metrics.SparseCategoricalAccuracy(), batches), ref, rtol=1e-6
    )
    np.testing.assert_allclose(
        run(metrics.SparseCategoricalAccuracy(), pad(batches)), ref, rtol=1e-6
    )
    column = [(y[:, None], p, w) for y, p, w in batches]
    np.testing.assert_allclose(
        run(metrics.SparseCategoricalAccuracy(), column), ref, rtol=1e-6
    )
    np.testing.assert_allclose(
        run(metrics.CategoricalAccuracy(), onehot(batches)), ref, rtol=1e-6
    )
    np.testing.assert_allclose(
        run(metrics.CategoricalAccuracy(), pad(onehot(batches))), ref, rtol=1e-6
    )


def test_top_k_accuracies():
    batches = make_sparse(c=8)
    for k in (1, 3):
        hits = []
        for y, p, _ in batches:
            top = np.argsort(-p, -1)[:, :k]
            hits.append(np.any(top == y[:, None], -1).astype(float))
        ref = weighted_mean(hits, batches)
        np.testing.assert_allclose(
            run(metrics.SparseTopKCategoricalAccuracy(k=k), batches), ref, rtol=1e-6
        )
        np.testing.assert_allclose(
            run(metrics.TopKCategoricalAccuracy(k=k), onehot(batches, 8)),
            ref,
            rtol=1e-6,
        )
        np.testing.assert_allclose(
            run(metrics.SparseTopKCategoricalAccuracy(k=k), pad(batches)),
            ref,
            rtol=1e-6,
        )
    # from_sorted_ids: y_pred holds class ids sorted by score.
    y = np.array([2, 0, 1])
    ids = np.array([[2, 1, 0], [1, 2, 0], [0, 2, 1]], "float32")
    m = metrics.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True)
    np.testing.assert_allclose(m(y, ids), 1.0 / 3)


def test_sequence_accuracy():
    y = RNG.integers(0, 4, size=(3, 5))
    p = RNG.normal(size=(3, 5, 4)).astype("float32")
    m = metrics.SparseCategoricalAccuracy()
    np.testing.assert_allclose(m(y, p), np.mean(np.argmax(p, -1) == y), rtol=1e-6)


def test_accuracy_exact_match():
    m = metrics.Accuracy()
    np.testing.assert_allclose(m([[1], [2], [3], [4]], [[0], [2], [3], [4]]), 0.75)


def test_names_and_config():
    assert metrics.BinaryAccuracy().name == "binary_accuracy"
    assert metrics.CategoricalAccuracy().name == "categorical_accuracy"
    assert (
        metrics.SparseTopKCategoricalAccuracy().name
        == "sparse_top_k_categorical_accuracy"
    )
    m = metrics.TopKCategoricalAccuracy(k=2, name="top2")
    clone = metrics.deserialize(metrics.serialize(m))
    assert clone.get_config() == {"name": "top2", "dtype": "float32", "k": 2}
    assert metrics.BinaryAccuracy(threshold=0.7).get_config()["threshold"] == 0.7


def test_errors():
    with pytest.raises(ValueError, match="`k` must be a positive int"):
        metrics.TopKCategoricalAccuracy(k=0)
    with pytest.raises(TypeError, match="`threshold` must be a float"):
        metrics.BinaryAccuracy(threshold="0.5")


@pytest.mark.compat
def test_matches_keras():
    keras = pytest.importorskip("keras")
    sparse = make_sparse(c=8)
    cases = [
        ("BinaryAccuracy", {}, make_binary()),
        ("BinaryAccuracy", {"threshold": 0.7}, make_binary()),
        ("SparseCategoricalAccuracy", {}, sparse),
        ("CategoricalAccuracy", {}, onehot(sparse, 8)),
        ("TopKCategoricalAccuracy", {"k": 3}, onehot(sparse, 8)),
        ("SparseTopKCategoricalAccuracy", {"k": 3}, sparse),
    ]
    for name, kwargs, batches in cases:
        ours, theirs = (
            getattr(metrics, name)(**kwargs),
            getattr(keras.metrics, name)(**kwargs),
        )
        for y, p, w in batches:
            ours.update_state(y, p, sample_weight=w)
            theirs.update_state(y, p, sample_weight=w)
        np.testing.assert_allclose(
            ours.result(), theirs.result(), rtol=1e-6, err_msg=name
        )
        assert ours.get_config() == theirs.get_config()
