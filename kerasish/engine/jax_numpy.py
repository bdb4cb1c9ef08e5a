"""The JAX engine's `numpy` namespace: NumPy-style functions with `kerasish.ops` names.

Every function takes its arguments in the order of its `keras.ops` namesake, so
`kerasish.ops` can pass them positionally. Python lists and tuples are converted to
arrays first; Python scalars are left weakly typed, so `bfloat16_x + 1.0` stays
`bfloat16` as in Keras. The functions live in three modules by theme.
"""

from kerasish.engine.jax_arrays import *  # noqa: F403
from kerasish.engine.jax_elementwise import *  # noqa: F403
from kerasish.engine.jax_indexing import *  # noqa: F403
