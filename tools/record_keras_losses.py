"""Records Keras 3's losses for `test_losses.py`.

Keras's side of those cases takes most of a minute; this keeps what the test
compares, with a fingerprint of `tests/losses/losses_cases.py`, in
`tests/losses/keras_losses.json.gz`. The test
`test_record_is_what_keras_gives` (marker `slow`) reruns Keras.
Run: python tools/record_keras_losses.py  (Keras must be importable).
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402

from tests import recorded  # noqa: E402
from tests.losses import losses_cases  # noqa: E402

RECORD = ROOT / "tests" / "losses" / "keras_losses.json.gz"


def main():
    cases = losses_cases.record_all(keras)
    recorded.write(
        RECORD,
        {
            "keras_version": keras.__version__,
            "source": recorded.digest(losses_cases.__file__),
            "cases": cases,
        },
    )


if __name__ == "__main__":
    main()
