"""Records what the guide programs give under Keras 3, for the tests (offline).

Each `tests/programs/prog_*.py` runs under Keras and kerasish; running all of them
under Keras takes minutes on a 2-core machine. This keeps the values the test
compares (`same_*`, `close_*`) with a fingerprint of each program's source in
`tests/programs/keras_results.json.gz`; the test `test_program_runs_the_same_under_both`
(marker `slow`) runs Keras live and checks the record.
Run: python tools/record_keras_programs.py [NAME ...]  (Keras must be importable).
"""

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402

from tests import recorded  # noqa: E402
from tests.programs.test_programs import (  # noqa: E402
    HERE,
    PROGRAMS,
    RECORD,
    _run,
    compared,
)


def main(names):
    record = (
        recorded.read(RECORD)
        if RECORD.exists() and names
        else {"keras_version": keras.__version__, "programs": {}}
    )
    for name in names or PROGRAMS:
        with tempfile.TemporaryDirectory() as tmp:
            result = _run("keras", name, Path(tmp))
        record["programs"][name] = {
            "source": recorded.digest(HERE / f"{name}.py"),
            "result": compared(result),
        }
        print(name, flush=True)
    recorded.write(RECORD, record)


if __name__ == "__main__":
    main(sys.argv[1:])
