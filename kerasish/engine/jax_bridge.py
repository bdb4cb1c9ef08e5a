"""The JAX side of `JaxLayer` and `FlaxLayer`: user JAX code called from a layer.

A `JaxLayer` runs a user's JAX function (`call_fn(params, state, rng, inputs,
training)`) on the layer's variables. The layer lives above the engine and never
imports `jax`; what it needs from JAX is here: tree traversal of the user's
parameter pytrees, JAX arrays for initialization, raw `uint32[2]` keys, and the
conversion of results back to the active engine's arrays (under the numpy engine
a JAX function still returns JAX arrays).
"""

import jax
import jax.numpy as jnp
import numpy as np


def _is_none(x):
    return x is None


def tree_map(fn, tree):
    """`fn` on every leaf of a JAX pytree (`None` leaves included)."""
    return jax.tree_util.tree_map(fn, tree, is_leaf=_is_none)


def tree_leaves(tree):
    """The leaves of a JAX pytree, in JAX's order (`None` dropped)."""
    return jax.tree_util.tree_leaves(tree)


def is_array(value):
    """Whether `value` is an array a variable can be made from."""
    return isinstance(value, jax.Array | np.ndarray | np.generic)


def is_tracer(value):
    return isinstance(value, jax.core.Tracer)


def ones(shape):
    """A float32 JAX array of ones (the inputs `init_fn` is called with)."""
    return jnp.ones(shape)


def to_jax_key(key):
    """A kerasish random key as the raw `uint32[2]` JAX key user code expects."""
    if key is None:
        return None
    return jnp.asarray(np.asarray(key) if not isinstance(key, jax.Array) else key)


def to_jax(tree):
    """Every array leaf of `tree` as a JAX array (numpy arrays are converted)."""
    return tree_map(
        lambda x: jnp.asarray(x) if isinstance(x, np.ndarray | np.generic) else x,
        tree,
    )


def to_numpy(tree):
    """Every JAX array leaf of `tree` as a numpy array (for the numpy engine)."""
    return tree_map(
        lambda x: np.asarray(x) if isinstance(x, jax.Array) and not is_tracer(x) else x,
        tree,
    )
