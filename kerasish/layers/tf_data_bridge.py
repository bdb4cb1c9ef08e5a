"""Layers called inside a `tf.data` pipeline (`dataset.map(augment)`).

Keras 3 runs its preprocessing layers inside `tf.data` on TensorFlow whatever the
backend. kerasish has no TensorFlow kernels: a layer called on the symbolic
tensors of a `tf.data` function runs through `tf.numpy_function`, eagerly, on
each element's values (its random layers draw from their own `SeedGenerator`,
so every element is augmented anew). The dataset's `element_spec` is set: for
inputs of fully known shape (unbatched elements) from two eager calls on
made-up values, so it is what the call returns; else from the layer's
`compute_output_spec`. Every layer works this way, not only the preprocessing
ones Keras allows there.
TensorFlow is never imported here: a tensor can only be TensorFlow's when
the user's program has imported it.
"""

import sys

import numpy as np

from kerasish.common import tree
from kerasish.layers.shape_inference import PROBE_TEXTS
from kerasish.ops._forward import is_host_strings


def _is_graph_tensor(x):
    tf = sys.modules.get("tensorflow")
    return (
        tf is not None
        and isinstance(x, tf.Tensor)
        and not isinstance(x, tf.__internal__.EagerTensor)
    )


def in_tf_function(flat):
    """Whether a call's flattened arguments hold symbolic `tf.Tensor`s
    (`tf.data.map`, `tf.function`)."""
    if "tensorflow" not in sys.modules:
        return False
    return any(_is_graph_tensor(x) for x in flat)


def _as_host(array, dtype):
    array = np.asarray(array)
    if dtype == "string" and is_host_strings(array):
        return np.vectorize(
            lambda b: b.decode("utf-8") if isinstance(b, bytes) else b, otypes=[object]
        )(array)
    return array


def _probed_spec(call, with_values, shapes, dtypes):
    """The output spec of `call` on inputs of fully known `shapes`, from two
    eager calls on made-up values: a size that differs between them (a text's
    token count) is unknown."""
    from kerasish.layers.keras_tensor import KerasTensor

    def probe(index):
        values = [
            np.full(shape, PROBE_TEXTS[index], dtype=object)
            if dtype == "string"
            else np.full(shape, index, dtype=dtype)
            for shape, dtype in zip(shapes, dtypes)
        ]
        a, k = with_values(values)
        return call(*a, **k)

    structure = probe(0)
    first = [np.asarray(o) for o in tree.flatten(structure)]
    second = [np.asarray(o) for o in tree.flatten(probe(1))]
    specs = []
    for p, q in zip(first, second):
        if p.ndim == q.ndim:
            shape = tuple(d if d == e else None for d, e in zip(p.shape, q.shape))
        else:
            shape = (None,) * p.ndim
        dtype = "string" if is_host_strings(p) else str(p.dtype)
        specs.append(KerasTensor(shape, dtype))
    return tree.pack_sequence_as(structure, specs)


def call_in_tf_function(layer, call, args, kwargs):
    """`call(*args, **kwargs)` (the layer's eager call) inside a TensorFlow
    graph, through `tf.numpy_function`.

    Args:
        layer: The layer called, for its output spec and error messages.
        call: The eager call to run on numpy values.
        args, kwargs: The call's arguments, some of them symbolic tf tensors.
    """
    import tensorflow as tf

    from kerasish.layers.keras_tensor import KerasTensor

    flat = tree.flatten((args, kwargs))
    positions = [i for i, x in enumerate(flat) if _is_graph_tensor(x)]
    dtypes = [
        "string" if flat[i].dtype == tf.string else flat[i].dtype.name
        for i in positions
    ]

    def with_values(values):
        filled = list(flat)
        for i, value in zip(positions, values):
            filled[i] = value
        return tree.pack_sequence_as((args, kwargs), filled)

    shapes = [tuple(flat[i].shape.as_list()) for i in positions]
    if all(None not in shape for shape in shapes):
        # Fully known shapes (an unbatched element, a fixed batch): the spec
        # is what the call returns on such values, so the two always agree.
        spec = _probed_spec(call, with_values, shapes, dtypes)
    else:
        spec_args, spec_kwargs = with_values(
            [KerasTensor(shape, dtype) for shape, dtype in zip(shapes, dtypes)]
        )
        spec = layer.compute_output_spec(*spec_args, **spec_kwargs)
    flat_spec = tree.flatten(spec)
    out_dtypes = [
        tf.string if s.dtype == "string" else tf.as_dtype(s.dtype) for s in flat_spec
    ]

    def run(*values):
        values = [_as_host(v, d) for v, d in zip(values, dtypes)]
        a, k = with_values(values)
        outputs = tree.flatten(call(*a, **k))
        return [
            np.asarray(o).astype(d.as_numpy_dtype)
            if d != tf.string
            else np.asarray(o).astype(object)
            for o, d in zip(outputs, out_dtypes)
        ]

    results = tf.numpy_function(
        run,
        [flat[i] for i in positions],
        out_dtypes,
        stateful=True,
        name=layer.name,
    )
    for tensor, s in zip(results, flat_spec):
        tensor.set_shape(s.shape)
    return tree.pack_sequence_as(spec, list(results))
