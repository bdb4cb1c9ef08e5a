"""`NumpyEngine`: inference on plain numpy, a reference for the JAX engine.

It implements the array math of `kerasish.ops` (what layers call), random numbers
and tree utilities, so a built model runs `__call__`, `predict` and `evaluate` with
numpy alone. It has no differentiation or compilation: `value_and_grad` raises,
`jit` and `compile` return the function (silencing numpy's floating-point warnings,
as compiled code has none). An op of the catalogue (`base.OPS`) it does not
implement raises `NotImplementedError` naming the op.
"""

import contextlib
import functools

import numpy as np

from kerasish.engine import (
    dtypes,
    numpy_arrays,
    numpy_core,
    numpy_linalg,
    numpy_math,
    numpy_nn,
    numpy_random,
)
from kerasish.engine.base import OPS, unsupported


class Namespace:
    """One op namespace of an engine: the functions it implements, and for every
    other op of the catalogue a function raising `NotImplementedError`."""

    def __init__(self, engine_name, space, functions):
        self._engine_name, self._space = engine_name, space
        self.__dict__.update(functions)

    def __getattr__(self, op):
        if op.startswith("_") or op not in OPS.get(self._space, ()):
            raise AttributeError(
                f"The {self._engine_name} engine's `{self._space}` namespace has no "
                f"op {op!r} (it is not in `kerasish.engine.base.OPS`)."
            )
        name = {"numpy": f"kerasish.ops.{op}", "random": f"kerasish.random.{op}"}.get(
            self._space, f"kerasish.ops.{self._space}.{op}"
        )

        def not_supported(*args, **kwargs):
            raise unsupported(f"`{name}`", self._engine_name)

        not_supported.__name__ = op
        not_supported.unsupported = True
        return not_supported


class NumpyEngine:
    """numpy for the math: models run inference without jax."""

    name = "numpy"
    supports_training = False

    optimizers = None  # no training
    export = None  # exported models are jax programs

    def __init__(self):
        spaces = {
            "numpy": numpy_arrays.make_namespace(),
            "nn": numpy_nn.make_namespace(),
            "linalg": numpy_linalg.make_namespace(),
            "math": numpy_math.FUNCTIONS,
            "core": numpy_core.FUNCTIONS,
            "image": {},
            "random": numpy_random.make_namespace(),
        }
        for space, functions in spaces.items():
            setattr(self, space, Namespace(self.name, space, functions))

    def convert_to_tensor(self, x, dtype=None):
        return self.numpy.convert_to_tensor(x, dtype)

    def convert_to_numpy(self, x):
        return np.asarray(x)

    def is_tensor(self, x):
        return isinstance(x, np.ndarray)

    def is_tracer(self, x):
        return False

    def host_callback(self, fn, like, *args):
        return np.asarray(fn(*args)).astype(like.dtype)

    def standardize_dtype(self, dtype):
        return self.numpy.standardize_dtype(dtype)

    def result_type(self, *dtypes_):
        return dtypes.result_type(*dtypes_)

    def shape_dtype_struct(self, shape, dtype):
        return _ShapeDtype(tuple(shape), dtype)

    def unknown_size(self):
        return None  # no symbolic shapes: concrete probe sizes only

    def jit(self, fn, one_shot=False, **kwargs):
        return _quiet(fn)

    def compile(self, fn, *example_args, donate_argnums=(), without_convolutions=False):
        return _quiet(fn)  # nothing to donate: numpy arrays are not consumed

    def compile_async(self, fn, *example_args, donate_argnums=()):
        from concurrent.futures import Future

        future = Future()
        future.set_result(self.compile(fn, *example_args))
        return future

    def value_and_grad(self, fn, has_aux=False, argnums=0):
        raise NotImplementedError(
            "The numpy engine runs inference only; train with the JAX engine "
            "(`kerasish.config.set_engine('jax')`)."
        )

    grad = value_and_grad
    vjp = value_and_grad

    def peak_bytes(self, fn, *args, dim):
        return None  # numpy runs operations one by one: no program to read

    def eval_shape(self, fn, *args, **kwargs):
        concrete = self.tree_map(
            lambda s: np.zeros(s.shape, s.dtype) if isinstance(s, _ShapeDtype) else s,
            args,
        )
        with np.errstate(all="ignore"):  # zeros stand in for values: 1/0 is fine
            out = fn(*concrete, **kwargs)
        return self.tree_map(
            lambda a: _ShapeDtype(np.shape(a), str(np.asarray(a).dtype)), out
        )

    def eager_scope(self):
        return contextlib.nullcontext()

    def checkpoint(self, fn):
        return fn  # nothing is kept for a backward pass

    def device_scope(self, device_name):
        return contextlib.nullcontext()  # everything runs on the host

    def scan(self, fn, init, xs=None, length=None, reverse=False, unroll=1):
        leaves = self.tree_leaves(xs)
        n = length if length is not None else len(leaves[0])
        carry, ys = init, []
        order = range(n - 1, -1, -1) if reverse else range(n)
        for i in order:
            x = self.tree_map(lambda a, i=i: a[i], xs) if xs is not None else None
            carry, y = fn(carry, x)
            ys.append(y)
        if reverse:
            ys.reverse()
        stacked = (
            self.tree_map(lambda *a: np.stack(a), *ys)
            if ys and ys[0] is not None
            else None
        )
        return carry, stacked

    def cond(self, pred, true_fn, false_fn, *operands):
        return true_fn(*operands) if bool(pred) else false_fn(*operands)

    def switch(self, index, branches, *operands):
        return branches[int(index)](*operands)

    def while_loop(self, cond_fn, body_fn, init):
        value = init
        while cond_fn(value):
            value = body_fn(value)
        return value

    def fori_loop(self, lower, upper, body_fn, init):
        value = init
        for i in range(lower, upper):
            value = body_fn(i, value)
        return value

    def stop_gradient(self, x):
        return x

    def vmap(self, fn, in_axes=0, out_axes=0):
        """`fn` applied to each slice along `in_axes`, results stacked on
        `out_axes` (a Python loop)."""

        def mapped(*args):
            axes = (
                in_axes if isinstance(in_axes, list | tuple) else [in_axes] * len(args)
            )
            size = next(np.shape(a)[ax] for a, ax in zip(args, axes) if ax is not None)
            outs = [
                fn(
                    *[
                        a if ax is None else np.take(a, i, ax)
                        for a, ax in zip(args, axes)
                    ]
                )
                for i in range(size)
            ]
            return self.tree_map(lambda *o: np.stack(o, axis=out_axes), *outs)

        return mapped

    # -- pytrees (lists, tuples, dicts, None as an empty node, like jax) -------
    def tree_flatten(self, tree, is_leaf=None):
        leaves = []

        def walk(node):
            if is_leaf is not None and is_leaf(node):
                leaves.append(node)
                return ("leaf",)
            if node is None:
                return ("none",)
            if isinstance(node, dict):
                keys = sorted(node)
                return ("dict", keys, [walk(node[k]) for k in keys])
            if isinstance(node, tuple) and hasattr(node, "_fields"):
                return ("namedtuple", type(node), [walk(v) for v in node])
            if isinstance(node, list | tuple):
                return (type(node), [walk(v) for v in node])
            leaves.append(node)
            return ("leaf",)

        return leaves, walk(tree)

    def tree_unflatten(self, treedef, leaves):
        it = iter(leaves)

        def build(d):
            kind = d[0]
            if kind == "leaf":
                return next(it)
            if kind == "none":
                return None
            if kind == "dict":
                return {k: build(sub) for k, sub in zip(d[1], d[2])}
            if kind == "namedtuple":
                return d[1](*[build(sub) for sub in d[2]])
            return kind(build(sub) for sub in d[1])

        return build(treedef)

    def tree_leaves(self, tree, is_leaf=None):
        return self.tree_flatten(tree, is_leaf)[0]

    def register_pytree_container(self, cls, base):
        pass  # list and dict subclasses flatten as lists and dicts here

    def tree_structure(self, tree):
        return self.tree_flatten(tree)[1]

    def tree_map(self, fn, *trees, is_leaf=None):
        leaves, treedef = self.tree_flatten(trees[0], is_leaf)
        others = [self.tree_flatten(t, is_leaf)[0] for t in trees[1:]]
        return self.tree_unflatten(treedef, [fn(*xs) for xs in zip(leaves, *others)])

    def devices(self, kind=None):
        return ["cpu"]

    def place(self, tree, sharding=None):
        return tree

    def copy_tree(self, tree):
        return self.tree_map(np.copy, tree)

    def block_until_ready(self, tree):
        return tree

    # -- distribution: one host device, so layouts place nothing -----------------
    def mesh(self, devices, shape, axis_names):
        return (tuple(shape), tuple(axis_names))

    def sharding(self, mesh, axes):
        return None

    def place_local(self, tree, sharding):
        return tree

    def constrain(self, tree, sharding):
        return tree

    def sharding_of(self, tree):
        return self.tree_map(lambda a: None, tree)

    def process_count(self):
        return 1

    def process_index(self):
        return 0

    def initialize_distributed(self, coordinator_address, num_processes, process_id):
        what = "Many processes (`kerasish.distribution.initialize`)"
        raise unsupported(what, self.name)

    def broadcast_from_first_process(self, value):
        return np.asarray(value)

    def count_compilations(self):
        return _NoCompilations()

    def start_trace(self, log_dir):
        raise unsupported("Profiling (`start_trace`)", self.name)

    def stop_trace(self):
        raise unsupported("Profiling (`stop_trace`)", self.name)


def _quiet(fn):
    """`fn` with IEEE results (inf, nan) and no warnings, as compiled code gives
    them: a padded batch of zeros may divide by zero in rows nobody reads."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)

    return run


class _NoCompilations(contextlib.AbstractContextManager):
    """The numpy engine compiles nothing: the count stays 0."""

    count = 0

    def __exit__(self, *exc):
        return False


class _ShapeDtype:
    def __init__(self, shape, dtype):
        self.shape = tuple(shape)
        self.dtype = dtype
