"""Records Keras 3's threshold metrics for `test_confusion_metrics.py`.

Keras's side of those cases takes most of a minute; this keeps what the test
compares, with a fingerprint of `tests/metrics/confusion_cases.py`, in
`tests/metrics/keras_confusion_metrics.json.gz`. The test
`test_matches_keras_live` (marker `slow`) reruns Keras.
Run: python tools/record_keras_confusion_metrics.py  (Keras must be importable).
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402

from tests import recorded  # noqa: E402
from tests.metrics import confusion_cases  # noqa: E402

RECORD = ROOT / "tests" / "metrics" / "keras_confusion_metrics.json.gz"


def main():
    cases = confusion_cases.record_all(keras)
    recorded.write(
        RECORD,
        {
            "keras_version": keras.__version__,
            "source": recorded.digest(confusion_cases.__file__),
            "cases": cases,
        },
    )


if __name__ == "__main__":
    main()
