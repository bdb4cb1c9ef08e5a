"""The threshold-metric cases compared with Keras 3 (shared by
`test_confusion_metrics.py` and `tools/record_keras.py confusion_metrics`;
editing this file asks for a new record)."""

import numpy as np


def compat_data():
    rng = np.random.default_rng(30)
    binary = []
    for _ in range(3):
        y = (rng.uniform(size=(25, 1)) > 0.4).astype("float32")
        p = np.clip(0.35 * y + rng.uniform(size=(25, 1)) * 0.65, 0, 1).astype("float32")
        binary.append((y, p, rng.uniform(0.2, 2, size=(25,)).astype("float32")))
    y5 = (rng.uniform(size=(30, 5)) > 0.5).astype("float32")
    p5 = rng.uniform(size=(30, 5)).astype("float32")
    w5 = rng.uniform(size=(30,)).astype("float32")
    multi = [(y5[:15], p5[:15], w5[:15]), (y5[15:], p5[15:], w5[15:])]
    return {"binary": binary, "multi": multi}


COMPAT_CASES = [
    ("TruePositives", {}, "binary"),
    ("FalsePositives", {"thresholds": [0.2, 0.5, 0.8]}, "binary"),
    ("TrueNegatives", {"thresholds": [0.0, 0.5, 1.0]}, "binary"),
    ("FalseNegatives", {}, "binary"),
    ("Precision", {}, "binary"),
    ("Recall", {"thresholds": [0.3, 0.6]}, "binary"),
    ("Precision", {"top_k": 2}, "multi"),
    ("Recall", {"class_id": 3}, "multi"),
    ("AUC", {}, "binary"),
    ("AUC", {"curve": "PR"}, "binary"),
    ("AUC", {"curve": "PR", "summation_method": "majoring"}, "binary"),
    ("AUC", {"curve": "PRGAIN"}, "binary"),
    ("AUC", {"thresholds": [0.1, 0.35, 0.8]}, "binary"),
    ("AUC", {"multi_label": True}, "multi"),
    ("AUC", {"multi_label": True, "label_weights": [1, 2, 0, 1, 1]}, "multi"),
    ("AUC", {"label_weights": [1, 2, 0, 1, 1]}, "multi"),
    ("SensitivityAtSpecificity", {"specificity": 0.6}, "binary"),
    ("SpecificityAtSensitivity", {"sensitivity": 0.6}, "binary"),
    ("PrecisionAtRecall", {"recall": 0.5}, "binary"),
    ("RecallAtPrecision", {"precision": 0.7}, "binary"),
]
COMPAT_IDS = [f"{c[0]}-{i}" for i, c in enumerate(COMPAT_CASES)]


def result(metrics_module, name, kwargs, data):
    """The metric's result after updating it with each batch of `data`."""
    metric = getattr(metrics_module, name)(**kwargs)
    for y, p, w in compat_data()[data]:
        metric.update_state(y, p, sample_weight=w)
    return np.asarray(metric.result())


def record_all(keras):
    return {
        case_id: result(keras.metrics, *case)
        for case_id, case in zip(COMPAT_IDS, COMPAT_CASES)
    }
