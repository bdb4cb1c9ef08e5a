"""Records Keras 3's distillation fits for `test_distiller.py`.

Keras's side of those cases takes most of a minute; this keeps what the test
compares, with a fingerprint of `tests/distillation/distiller_cases.py`, in
`tests/distillation/keras_distiller_fit.json.gz`. The test
`test_fit_matches_keras_live` (marker `slow`) reruns Keras.
Run: python tools/record_keras_distiller.py  (Keras must be importable).
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402

from tests import recorded  # noqa: E402
from tests.distillation import distiller_cases  # noqa: E402

RECORD = ROOT / "tests" / "distillation" / "keras_distiller_fit.json.gz"


def main():
    cases = {
        case: distiller_cases.fit_case(keras, case)
        for case in distiller_cases.FIT_CASES
    }
    recorded.write(
        RECORD,
        {
            "keras_version": keras.__version__,
            "source": recorded.digest(distiller_cases.__file__),
            "cases": cases,
        },
    )


if __name__ == "__main__":
    main()
