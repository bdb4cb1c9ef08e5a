"""Records Keras 3's optimizers and schedules for `test_keras_compat.py`.

Keras's side of those cases takes most of a minute; this keeps what the test
compares, with a fingerprint of `tests/optimizers/optimizer_cases.py`, in
`tests/optimizers/keras_optimizers.json.gz`. The test
`test_record_is_what_keras_gives` (marker `slow`) reruns Keras.
Run: python tools/record_keras_optimizers.py  (Keras must be importable).
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402

from tests import recorded  # noqa: E402
from tests.optimizers import optimizer_cases  # noqa: E402

RECORD = ROOT / "tests" / "optimizers" / "keras_optimizers.json.gz"


def main():
    cases = optimizer_cases.record_all(keras)
    recorded.write(
        RECORD,
        {
            "keras_version": keras.__version__,
            "source": recorded.digest(optimizer_cases.__file__),
            "cases": cases,
        },
    )


if __name__ == "__main__":
    main()
