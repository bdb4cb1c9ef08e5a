"""CTC and Circle losses: against Keras 3 and independent numpy references."""

import itertools
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras
import numpy as np
import pytest

from kerasish import losses

RNG = np.random.default_rng(0)


def _log_softmax(x):
    m = x.max(-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))


def np_ctc_brute_force(labels, logits):
    """-log of the summed probability of every path that collapses to `labels`."""
    out = []
    for lab, lg in zip(labels, logits):
        target = tuple(int(v) for v in lab if v != 0)
        logp = _log_softmax(lg.astype("float64"))
        total = 0.0
        for path in itertools.product(range(lg.shape[-1]), repeat=lg.shape[0]):
            collapsed = [k for k, _ in itertools.groupby(path) if k != 0]
            if tuple(collapsed) == target:
                total += np.exp(sum(logp[t, k] for t, k in enumerate(path)))
        out.append(-np.log(total))
    return np.array(out)


def test_ctc_matches_brute_force_and_keras():
    y_true = np.array([[1, 2, 0], [2, 0, 0], [1, 1, 0]], "int32")
    y_pred = RNG.normal(size=(3, 5, 3)).astype("float32")
    got = np.asarray(losses.ctc(y_true, y_pred))
    np.testing.assert_allclose(got, np_ctc_brute_force(y_true, y_pred), rtol=1e-5)
    np.testing.assert_allclose(
        got, np.asarray(keras.losses.ctc(y_true, y_pred)), rtol=1e-5
    )
    mean = float(losses.CTC()(y_true, y_pred))
    np.testing.assert_allclose(mean, float(keras.losses.CTC()(y_true, y_pred)), 1e-5)
    np.testing.assert_allclose(mean, got.mean(), rtol=1e-5)


def test_ctc_config_round_trip_and_registry():
    loss = losses.CTC(reduction="sum", name="my_ctc")
    config = loss.get_config()
    assert config == keras.losses.CTC(reduction="sum", name="my_ctc").get_config()
    again = losses.CTC.from_config(config)
    assert (again.name, again.reduction) == ("my_ctc", "sum")
    assert isinstance(losses.deserialize(losses.serialize(loss)), losses.CTC)
    assert losses.get("ctc") is losses.ctc


@pytest.mark.parametrize(
    "y_true_shape, y_pred_shape, match",
    [((2,), (2, 3, 4), "y_true.shape=\\(2,\\)"), ((2, 3), (2, 3), "y_pred.shape")],
)
def test_ctc_rejects_bad_ranks(y_true_shape, y_pred_shape, match):
    with pytest.raises(ValueError, match=match):
        losses.ctc(np.ones(y_true_shape, "int32"), np.ones(y_pred_shape, "float32"))


def np_circle(labels, emb, gamma=80.0, margin=0.4, remove_diagonal=True):
    n = len(labels)
    out = np.zeros(n)
    dist = np.maximum(1.0 - emb @ emb.T, 0.0)
    for i in range(n):
        pos, neg = [], []
        for j in range(n):
            d = dist[i, j]
            if labels[i] == labels[j]:
                if remove_diagonal and i == j:
                    continue
                pos.append(-gamma * max(margin + d, 0) * (margin - d))
            else:
                neg.append(gamma * max(1 + margin - d, 0) * (1 - margin - d))
        p = np.log(np.sum(np.exp(pos))) if pos else -np.inf
        q = np.log(np.sum(np.exp(neg))) if neg else -np.inf
        out[i] = np.logaddexp(0.0, p + q)
    return out


def test_circle_matches_numpy_and_keras():
    emb = RNG.normal(size=(6, 4))
    emb = (emb / np.linalg.norm(emb, axis=1, keepdims=True)).astype("float32")
    labels = np.array([0, 1, 0, 2, 1, 0])
    gamma, margin = 4.0, 0.25
    got = np.asarray(losses.circle(labels, emb, gamma=gamma, margin=margin))
    np.testing.assert_allclose(
        got, np_circle(labels, emb.astype("float64"), gamma, margin), rtol=1e-4
    )
    ref = keras.losses.circle(labels, emb, gamma=gamma, margin=margin)
    np.testing.assert_allclose(got, np.asarray(ref), rtol=1e-5)
    for kwargs in ({}, {"remove_diagonal": False}, {"reduction": "sum"}):
        ours = losses.Circle(gamma=gamma, margin=margin, **kwargs)(labels, emb)
        theirs = keras.losses.Circle(gamma=gamma, margin=margin, **kwargs)(labels, emb)
        np.testing.assert_allclose(float(ours), float(theirs), rtol=1e-5)


def test_circle_zero_losses_leave_the_mean():
    # Two well separated classes: samples with loss exactly 0 are not averaged in,
    # as Keras sets the mask `loss > 0`.
    emb = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], "float32")
    labels = np.array([0, 0, 1, 1])
    per_sample = np.asarray(losses.circle(labels, emb, gamma=400.0))
    mean = float(losses.Circle(gamma=400.0)(labels, emb))
    keep = per_sample > 0
    assert not keep.all()
    expected = per_sample[keep].sum() / max(keep.sum(), 1)
    np.testing.assert_allclose(mean, expected, rtol=1e-6)
    np.testing.assert_allclose(
        mean, float(keras.losses.Circle(gamma=400.0)(labels, emb)), rtol=1e-5
    )


def test_circle_config_round_trip():
    loss = losses.Circle(gamma=10.0, margin=0.3, remove_diagonal=False)
    config = loss.get_config()
    assert (
        config
        == keras.losses.Circle(
            gamma=10.0, margin=0.3, remove_diagonal=False
        ).get_config()
    )
    again = losses.deserialize(losses.serialize(loss))
    assert (again.gamma, again.margin, again.remove_diagonal) == (10.0, 0.3, False)
