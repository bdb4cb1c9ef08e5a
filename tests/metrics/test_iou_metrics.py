"""IoU metrics vs scikit-learn's Jaccard score and numpy, and Keras 3."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np
import pytest
from sklearn import metrics as skm

from kerasish import metrics

RNG = np.random.default_rng(6)


def np_iou(t, p, c, w=None, ids=None):
    w = np.ones(len(t)) if w is None else w
    cm = np.zeros((c, c))
    np.add.at(cm, (t, p), w)
    tp = np.diag(cm)
    den = cm.sum(0) + cm.sum(1) - tp
    ids = range(c) if ids is None else ids
    vals = [tp[i] / den[i] for i in ids if den[i] > 0]
    return np.mean(vals)


def test_mean_iou_vs_sklearn_over_batches():
    t = RNG.integers(0, 4, size=(60,))
    p = np.where(RNG.uniform(size=60) < 0.6, t, RNG.integers(0, 4, size=60))
    w = RNG.uniform(0.1, 2, size=(60,)).astype("float32")
    m = metrics.MeanIoU(num_classes=4)
    for s in (slice(0, 25), slice(25, 60)):
        m.update_state(t[s], p[s], sample_weight=w[s])
    expected = skm.jaccard_score(t, p, average="macro", sample_weight=w)
    np.testing.assert_allclose(m.result(), expected, rtol=1e-5)
    # Stateless path with a padded batch of weight 0 gives the same.
    state = m.init()
    pad_t = np.concatenate([t, np.full(5, 3)])
    pad_p = np.concatenate([p, np.zeros(5, int)])
    state = m.update(state, pad_t, pad_p, np.concatenate([w, np.zeros(5, "float32")]))
    np.testing.assert_allclose(m.compute(state), expected, rtol=1e-5)


def test_segmentation_maps_one_hot_and_ignore_class():
    t = RNG.integers(0, 3, size=(2, 4, 4))
    logits = RNG.normal(size=(2, 4, 4, 3)).astype("float32")
    p = logits.argmax(-1)
    expected = np_iou(t.ravel(), p.ravel(), 3)
    np.testing.assert_allclose(metrics.MeanIoU(3)(t, p), expected, rtol=1e-5)
    np.testing.assert_allclose(
        metrics.MeanIoU(3, sparse_y_pred=False)(t, logits), expected, rtol=1e-5
    )
    onehot = np.eye(3, dtype="float32")[t]
    np.testing.assert_allclose(
        metrics.OneHotMeanIoU(3)(onehot, logits), expected, rtol=1e-5
    )
    keep = t.ravel() != 1
    np.testing.assert_allclose(
        metrics.MeanIoU(3, ignore_class=1)(t, p),
        np_iou(t.ravel()[keep], p.ravel()[keep], 3),
        rtol=1e-5,
    )
    # Per-image weights apply to every pixel of the image.
    w = np.array([1.0, 0.0], "float32")
    np.testing.assert_allclose(
        metrics.MeanIoU(3)(t, p, sample_weight=w),
        np_iou(t[0].ravel(), p[0].ravel(), 3),
        rtol=1e-5,
    )


def test_iou_target_classes_and_binary_iou():
    t = RNG.integers(0, 3, size=(40,))
    p = RNG.integers(0, 3, size=(40,))
    np.testing.assert_allclose(
        metrics.IoU(3, target_class_ids=[0, 2])(t, p),
        np_iou(t, p, 3, ids=[0, 2]),
        rtol=1e-5,
    )
    yb = (RNG.uniform(size=30) > 0.5).astype(int)
    sb = RNG.uniform(size=30).astype("float32")
    pb = (sb >= 0.5).astype(int)
    np.testing.assert_allclose(
        metrics.BinaryIoU()(yb, sb), np_iou(yb, pb, 2), rtol=1e-5
    )
    np.testing.assert_allclose(
        metrics.BinaryIoU(target_class_ids=[1])(yb, sb),
        np_iou(yb, pb, 2, ids=[1]),
        rtol=1e-5,
    )
    onehot = np.eye(3, dtype="float32")[t]
    np.testing.assert_allclose(
        metrics.OneHotIoU(3, [1])(onehot, np.eye(3, dtype="float32")[p]),
        np_iou(t, p, 3, ids=[1]),
        rtol=1e-5,
    )


def test_names_config_and_errors():
    assert metrics.MeanIoU(2, name="miou").name == "miou"
    m = metrics.MeanIoU(4, ignore_class=0)
    assert metrics.deserialize(metrics.serialize(m)).get_config() == m.get_config()
    assert "target_class_ids" not in m.get_config()
    with pytest.raises(ValueError, match=r"target class ids \[5\] are out of range"):
        metrics.IoU(3, target_class_ids=[5])
    with pytest.raises(ValueError, match="`num_classes` must be a positive int"):
        metrics.MeanIoU(0)


@pytest.mark.compat
@pytest.mark.filterwarnings("ignore")  # Keras warns about float weights
def test_matches_keras():
    keras = pytest.importorskip("keras")
    t = RNG.integers(0, 4, size=(3, 16))
    p = RNG.integers(0, 4, size=(3, 16))
    w = RNG.integers(0, 3, size=(3, 16)).astype("float32")
    for ours, theirs in [
        (metrics.MeanIoU(4), keras.metrics.MeanIoU(4)),
        (metrics.MeanIoU(4, ignore_class=2), keras.metrics.MeanIoU(4, ignore_class=2)),
        (metrics.IoU(4, [1, 3]), keras.metrics.IoU(4, [1, 3])),
    ]:
        for i in range(3):
            ours.update_state(t[i], p[i], sample_weight=w[i])
            theirs.update_state(t[i], p[i], sample_weight=w[i])
        np.testing.assert_allclose(ours.result(), theirs.result(), rtol=1e-5)
