"""F1Score / FBetaScore vs scikit-learn over weighted batches, and Keras 3."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
import numpy as np
import pytest
from sklearn import metrics as skm

from kerasish import metrics

RNG = np.random.default_rng(5)


def run(metric, batches):
    if not metric.built:
        metric.build(batches[0][0].shape, batches[0][1].shape)
    update = jax.jit(metric.update)
    state = metric.init()
    for y, p, w in batches:
        state = update(state, y, p, w)
    out = np.asarray(metric.compute(state))
    metric.reset_state()
    for y, p, w in batches:
        metric.update_state(y, p, sample_weight=w)
    np.testing.assert_allclose(np.asarray(metric.result()), out, rtol=1e-5, atol=1e-6)
    return out


def make(n=3, b=20, c=4):
    return [
        (
            (RNG.uniform(size=(b, c)) > 0.5).astype("float32"),
            RNG.uniform(size=(b, c)).astype("float32"),
            RNG.uniform(0.1, 2, size=(b,)).astype("float32"),
        )
        for _ in range(n)
    ]


def pad(batches, rows=3):
    return [
        (
            np.concatenate([y, np.ones((rows, y.shape[1]), y.dtype)]),
            np.concatenate([p, np.full((rows, p.shape[1]), 0.9, p.dtype)]),
            np.concatenate([w, np.zeros(rows, w.dtype)]),
        )
        for y, p, w in batches
    ]


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
def test_f1_multilabel_threshold_vs_sklearn(average):
    batches = make()
    y = np.concatenate([b[0] for b in batches])
    p = np.concatenate([b[1] for b in batches])
    w = np.concatenate([b[2] for b in batches])
    expected = skm.f1_score(y, p > 0.5, average=average, sample_weight=w)
    m = metrics.F1Score(average=average, threshold=0.5)
    np.testing.assert_allclose(run(m, batches), expected, rtol=1e-4)
    np.testing.assert_allclose(run(m, pad(batches)), expected, rtol=1e-4)


@pytest.mark.parametrize("average", [None, "macro"])
def test_column_of_sample_weights_is_one_weight_per_sample(average):
    """`sample_weight` of shape (batch, 1) (what `fit` is often given) weighs
    samples as (batch,) does; it multiplied every sample by every weight
    before (a (batch, classes) state). Keras raises on it; other shapes raise."""
    batches = make(n=1)
    y, p, w = batches[0]
    expected = skm.f1_score(y, p > 0.5, average=average, sample_weight=w)
    m = metrics.F1Score(average=average, threshold=0.5)
    np.testing.assert_allclose(run(m, [(y, p, w[:, None])]), expected, rtol=1e-4)
    with pytest.raises(ValueError, match=r"one weight per sample.*got \(20, 4\)"):
        metrics.F1Score(average=average)(y, p, sample_weight=np.ones_like(y))


@pytest.mark.parametrize("beta", [0.5, 2.0])
def test_fbeta_vs_sklearn(beta):
    batches = make()
    y = np.concatenate([b[0] for b in batches])
    p = np.concatenate([b[1] for b in batches])
    w = np.concatenate([b[2] for b in batches])
    expected = skm.fbeta_score(y, p > 0.4, beta=beta, average="macro", sample_weight=w)
    m = metrics.FBetaScore(average="macro", beta=beta, threshold=0.4)
    np.testing.assert_allclose(run(m, batches), expected, rtol=1e-4)


def test_f1_multiclass_argmax_vs_sklearn():
    labels = RNG.integers(0, 5, size=(30,))
    scores = RNG.uniform(size=(30, 5)).astype("float32")
    onehot = np.eye(5, dtype="float32")[labels]
    expected = skm.f1_score(labels, scores.argmax(-1), average="macro")
    np.testing.assert_allclose(
        metrics.F1Score(average="macro")(onehot, scores), expected, rtol=1e-4
    )


def test_names_config_and_errors():
    assert (
        metrics.F1Score().name == "f1_score"
        and metrics.FBetaScore().name == "fbeta_score"
    )
    m = metrics.F1Score(average="micro", threshold=0.3)
    cfg = m.get_config()
    assert "beta" not in cfg and cfg["threshold"] == 0.3
    assert metrics.deserialize(metrics.serialize(m)).get_config() == cfg
    with pytest.raises(ValueError, match="invalid `average` 'samples'"):
        metrics.F1Score(average="samples")
    with pytest.raises(ValueError, match="`beta` must be a Python float"):
        metrics.FBetaScore(beta=1)
    with pytest.raises(ValueError, match="`beta` must be > 0"):
        metrics.FBetaScore(beta=-1.0)
    with pytest.raises(ValueError, match="0 < threshold <= 1"):
        metrics.F1Score(threshold=1.5)
    with pytest.raises(ValueError, match=r"F1Score expects 2D inputs.*\(4,\)"):
        metrics.F1Score().update_state(np.zeros(4), np.zeros(4))


@pytest.mark.compat
def test_matches_keras():
    keras = pytest.importorskip("keras")
    batches = make()
    for average in (None, "micro", "macro", "weighted"):
        for threshold in (None, 0.5):
            ours = metrics.FBetaScore(average=average, beta=2.0, threshold=threshold)
            theirs = keras.metrics.FBetaScore(
                average=average, beta=2.0, threshold=threshold
            )
            for y, p, w in batches:
                ours.update_state(y, p, sample_weight=w)
                theirs.update_state(y, p, sample_weight=w)
            np.testing.assert_allclose(ours.result(), theirs.result(), rtol=1e-5)
            assert ours.get_config() == theirs.get_config()
