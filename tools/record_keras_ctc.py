"""Records Keras 3's `ctc_loss` and `ctc_decode` on the CTC test case.

Compiling Keras's beam-search decoder alone takes seconds; its results on the
fixed case are constants. This keeps them, with a fingerprint of the case, in
`tests/ops/keras_ctc.json.gz`; `test_ctc_record_matches_keras_live` (marker
`slow`) reruns Keras.
Run: python tools/record_keras_ctc.py  (Keras must be importable).
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import jax  # noqa: E402
import keras  # noqa: E402

from tests import recorded  # noqa: E402
from tests.ops.test_nn_ops import (  # noqa: E402
    CTC_RECORD,
    ctc_fingerprint,
    ctc_results,
)


def main():
    jax.config.update("jax_default_matmul_precision", "highest")  # as the tests
    recorded.write(
        CTC_RECORD,
        {
            "keras_version": keras.__version__,
            "case": ctc_fingerprint(),
            "results": ctc_results(keras),
        },
    )


if __name__ == "__main__":
    main()
