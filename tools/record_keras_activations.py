"""Records `keras.activations.serialize` of every built-in activation, for the tests.

Keras's first `serialize` imports TensorFlow (seconds); the answers are constants.
This keeps them, with a fingerprint of the names asked, in
`tests/activations/keras_serialized.json.gz`;
`test_compat_serialize_record_matches_keras_live` (marker `slow`) reruns Keras.
Run: python tools/record_keras_activations.py  (Keras must be importable).
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402

from tests import recorded  # noqa: E402
from tests.activations.test_activations import (  # noqa: E402
    SERIALIZED_RECORD,
    keras_serialized,
    names_fingerprint,
)


def main():
    recorded.write(
        SERIALIZED_RECORD,
        {
            "keras_version": keras.__version__,
            "names": names_fingerprint(),
            "serialized": keras_serialized(keras),
        },
    )


if __name__ == "__main__":
    main()
