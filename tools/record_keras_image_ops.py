"""Records Keras 3's side of `tests/ops/test_image_ops.py`.

Keras's import and its eager image ops take tens of seconds
on a 2-core machine; the test compares kerasish with what this stores in
`tests/ops/keras_image_ops.json.gz`, with a digest of the cases (a changed
case asks to be recorded again). `test_record_is_what_keras_gives` (marker
`slow`) reruns Keras live and checks the record.
Run: python tools/record_keras_image_ops.py  (Keras must be importable).
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402

from tests import recorded  # noqa: E402
from tests.ops.test_image_ops import (  # noqa: E402
    RECORD,
    _digest,
    keras_side,
)


def main():
    record = {
        "keras_version": keras.__version__,
        "digest": _digest(),
        "keras": keras_side(keras),
    }
    recorded.write(RECORD, record)
    print(RECORD)


if __name__ == "__main__":
    main()
