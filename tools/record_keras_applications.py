"""Records Keras 3's application architectures for the tests (offline).

Building the 52 cases in Keras takes minutes on a 2-core machine, most of it in
Keras's symbolic build; the facts compared (layer and operation names, weight
shapes, parameter counts) do not depend on initial values. This writes them to
`tests/applications/keras_architectures.json.gz`; the test
`test_record_is_what_keras_builds` (marker `slow`) rebuilds them live.
Run: python tools/record_keras_applications.py  (Keras must be importable).
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402

from tests import recorded  # noqa: E402
from tests.applications.cases import CASES, architecture, case_id  # noqa: E402
from tests.applications.conftest import build_keras  # noqa: E402

RECORD = ROOT / "tests" / "applications" / "keras_architectures.json.gz"


def main():
    record = {"keras_version": keras.__version__, "cases": {}}
    for case in CASES:
        name, kwargs = case
        record["cases"][case_id(case)] = architecture(
            build_keras(name, weights=None, **kwargs)
        )
        print(case_id(case), flush=True)
    recorded.write(RECORD, record)


if __name__ == "__main__":
    main()
