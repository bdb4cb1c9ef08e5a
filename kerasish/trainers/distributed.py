"""Placement of the training state and the batches under a distribution.

Without a current `kerasish.distribution` every function here is the plain
`engine.place` (or nothing). With one, variables keep the layouts they were
created with (`Distribution.get_variable_layout`), optimizer slots take the
layout of the variable they mirror, metric states are replicated, and batches
are split along the batch axis (`Distribution.get_data_layout`). The compiled
step then runs on sharded arrays and XLA inserts the collectives: losses,
metrics and BatchNormalization statistics are those of the global batch.

With many processes each passes its own rows; the global batch is theirs put
together (`engine.place_local`), as in Keras's JAX trainer.
"""

import numpy as np

from kerasish.distribution import distribution
from kerasish.distribution.distribution_lib import TensorLayout
from kerasish.engine import get_engine


def active():
    """The current distribution, or None."""
    return distribution()


def many_processes():
    """Whether a distribution spans several processes (each feeds its rows)."""
    dist = active()
    return dist is not None and dist.num_processes > 1


def _replicated(dist):
    # An empty spec replicates an array of any rank.
    return TensorLayout((), dist.device_mesh).backend_layout


def _is_array(engine, a):
    return engine.is_tensor(a) or isinstance(a, np.ndarray | np.generic)


def place_state(model, state):
    """`state` (a `TrainState`) laid out for the current distribution."""
    dist = active()
    if dist is None:
        return state
    engine = get_engine()
    replicated = _replicated(dist)

    def layouts(variables):
        return [dist.get_variable_layout(v).backend_layout for v in variables]

    trainable_shardings = layouts(model.trainable_variables)
    trainable = engine.place(list(state.trainable), trainable_shardings)
    non_trainable = engine.place(
        list(state.non_trainable), layouts(model.non_trainable_variables)
    )
    shapes = [tuple(np.shape(a)) for a in trainable]

    def mirrors_params(node):
        # An optimizer slot tree (Adam's `mu`, ...): one array per weight.
        return (
            isinstance(node, list | tuple)
            and not hasattr(node, "_fields")
            and shapes
            and len(node) == len(shapes)
            and all(
                _is_array(engine, a) and tuple(np.shape(a)) == s
                for a, s in zip(node, shapes)
            )
        )

    def place_leaf(node):
        if mirrors_params(node):
            return type(node)(engine.place(list(node), trainable_shardings))
        if _is_array(engine, node):
            return engine.place(node, replicated)
        return node

    def place_tree(tree):
        if tree is None:
            return None
        return engine.tree_map(place_leaf, tree, is_leaf=mirrors_params)

    return state._replace(
        trainable=trainable,
        non_trainable=non_trainable,
        optimizer=place_tree(state.optimizer),
        metrics=place_tree(state.metrics),
    )


def _data_sharding(dist, shape, batch_axis):
    layout = dist.get_data_layout(tuple(shape[batch_axis:]))
    axes = (None,) * batch_axis + tuple(layout.axes)
    return TensorLayout(axes, dist.device_mesh).backend_layout


def place_batches(tree, batch_axis=0):
    """Host batches for one compiled call, split along `batch_axis` under a
    distribution (1 for batches stacked on a leading axis). With many processes,
    `tree` is this process's rows of the global batches.

    Without a distribution they stay host arrays: the compiled call copies them
    to the device itself, for a few microseconds an array, where a
    `device_put` first costs about 100 us of Python (jax 0.10, XLA:CPU).
    """
    engine = get_engine()
    dist = active()
    if dist is None:
        return tree
    place = engine.place_local if dist.num_processes > 1 else engine.place

    def one(a):
        a = np.asarray(a)
        layout = _data_sharding(dist, np.shape(a), batch_axis)
        if dist.num_processes == 1 and not _splits_evenly(layout, np.shape(a)):
            # A batch of rows the devices do not divide (predict on 3 rows
            # over 8): placed whole, and split inside the step, as GSPMD can.
            layout = _replicated(dist)
        return place(a, layout)

    return engine.tree_map(one, tree)


def _splits_evenly(layout, shape):
    try:
        layout.shard_shape(tuple(shape))
    except Exception:  # jax's IndivisibleError (a ValueError)
        return False
    return True


def place_resident(tree):
    """Data kept on the device for a whole `fit` (arrays, index vectors):
    replicated on the mesh, so each step slices its batch locally."""
    engine = get_engine()
    dist = active()
    if dist is None:
        return engine.place(tree)
    return engine.place(tree, _replicated(dist))


def constrain_batch(batch):
    """Inside a step: the batch split along its first axis (identity without a
    distribution). Batches sliced on the device get their layout here."""
    dist = active()
    if dist is None:
        return batch
    engine = get_engine()
    return engine.tree_map(
        lambda a: (
            engine.constrain(a, _data_sharding(dist, a.shape, 0))
            if getattr(a, "ndim", 0)
            else a
        ),
        batch,
    )


def keep_state_layout(fn, example_state):
    """`fn` (`(state, ...) -> (state, *rest)`) whose returned state has the
    layout of `example_state`: a compiled step is called again with what it
    returned."""
    if active() is None:
        return fn
    engine = get_engine()
    shardings = engine.sharding_of(example_state)

    def run(state, *args):
        new_state, *rest = fn(state, *args)
        # Field by field: a field passed through is None (`kept_state`).
        new_state = type(new_state)(
            *(
                None if field is None else engine.constrain(field, layout)
                for field, layout in zip(new_state, shardings)
            )
        )
        return (new_state, *rest)

    return run


def cache_key(example_args):
    """What separates compiled steps beyond shapes: the arguments' layouts."""
    if active() is None:
        return None
    engine = get_engine()
    shardings = engine.tree_leaves(
        engine.sharding_of(example_args), is_leaf=lambda s: s is None
    )
    # The text names the mesh's shape and the split; the hash, its devices.
    return tuple((str(s), hash(s)) for s in shardings)
