"""Records Keras 3's LoRA / quantized layers for `test_lora_quantization.py`.

Keras's side of those cases takes most of a minute; this keeps what the test
compares, with a fingerprint of `tests/layers/lora_cases.py`, in
`tests/layers/keras_lora_quantization.json.gz`. The test
`test_lora_and_quantization_equal_keras_live` (marker `slow`) reruns Keras.
Run: python tools/record_keras_lora_quantization.py  (Keras must be importable).
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402

from tests import recorded  # noqa: E402
from tests.layers import lora_cases  # noqa: E402

RECORD = ROOT / "tests" / "layers" / "keras_lora_quantization.json.gz"


def main():
    cases = {case: lora_cases.run_case(keras, *case) for case in lora_cases.CASES}
    recorded.write(
        RECORD,
        {
            "keras_version": keras.__version__,
            "source": recorded.digest(lora_cases.__file__),
            "cases": cases,
        },
    )


if __name__ == "__main__":
    main()
