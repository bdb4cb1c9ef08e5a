"""Records what `model.summary()` prints under Keras 3, for the summary tests.

Each script runs in a fresh interpreter at 80 columns, as a user's would. This
keeps Keras's stdout with a fingerprint of each script in
`tests/models/keras_summaries.json.gz`; the `slow` twins of the summary tests run
Keras live and check the record.
Run: python tools/record_keras_summaries.py  (Keras must be importable).
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402

from tests import recorded  # noqa: E402
from tests.models import keras_summaries  # noqa: E402
from tests.models.test_summary import SCRIPT  # noqa: E402
from tests.models.test_symbolic_ops import SUMMARY  # noqa: E402

SCRIPTS = {"sequential_and_functional": SCRIPT, "residual_with_ops": SUMMARY}


def main():
    record = {"keras_version": keras.__version__, "scripts": {}}
    for key, script in SCRIPTS.items():
        record["scripts"][key] = {
            "source": keras_summaries.fingerprint(script),
            "stdout": keras_summaries.run_in_subprocess(script, "keras"),
        }
        print(key, flush=True)
    recorded.write(keras_summaries.RECORD, record)


if __name__ == "__main__":
    main()
