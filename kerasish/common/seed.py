"""`set_random_seed`: one call makes a run repeat exactly."""

import random as _py_random
import sys

import numpy as np


def set_random_seed(seed: int) -> None:
    """Seeds Python's `random`, numpy and kerasish's own seed stream, and
    TensorFlow's global seed when the program has imported it, as Keras does
    (so a `tf.data` shuffle repeats too).

    Layers and initializers created afterwards without an explicit seed draw
    their seeds from this one, so a script repeats exactly.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(
            f"set_random_seed: `seed` must be a non-negative int, got {seed!r}."
        )
    from kerasish.random.random import set_global_seed

    _py_random.seed(seed)
    np.random.seed(seed)
    set_global_seed(seed)
    tf = sys.modules.get("tensorflow")  # never imported here: seconds to load
    if tf is not None and hasattr(tf, "random"):
        tf.random.set_seed(seed)
