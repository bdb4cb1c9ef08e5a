"""`JaxEngine`: the default engine, over jax, jax.numpy and XLA."""

import functools
import os

import jax
import numpy as np

from kerasish import config
from kerasish.engine import (
    dtypes as engine_dtypes,
)
from kerasish.engine import (
    jax_core,
    jax_image,
    jax_linalg,
    jax_math,
    jax_nn,
    jax_numpy,
    jax_random,
)
from kerasish.engine.gc_pause import gc_paused

# Programs that run once: compile time is all that counts.
_ONE_SHOT_OPTIONS = {"xla_backend_optimization_level": 0}


class JaxEngine:
    """Array math through `jax.numpy`, compilation through `jax.jit` and XLA."""

    name = "jax"
    numpy = jax_numpy
    linalg = jax_linalg
    nn = jax_nn
    image = jax_image
    math = jax_math
    core = jax_core
    random = jax_random
    supports_training = True

    def __init__(self):
        self._cache_ready = False

    # -- tensors ---------------------------------------------------------------
    def convert_to_tensor(self, x, dtype=None):
        return jax_numpy.convert_to_tensor(x, dtype)

    def convert_to_numpy(self, x):
        return np.asarray(x)

    def is_tensor(self, x):
        return isinstance(x, jax.Array)

    def is_tracer(self, x):
        return isinstance(x, jax.core.Tracer)

    def standardize_dtype(self, dtype):
        return jax_numpy.standardize_dtype(dtype)

    def host_callback(self, fn, like, *args):
        dtype = jax.dtypes.canonicalize_dtype(np.dtype(like.dtype))
        spec = jax.ShapeDtypeStruct(tuple(like.shape), dtype)

        def run(*values):
            return np.asarray(fn(*values)).astype(spec.dtype)

        return jax.pure_callback(run, spec, *args, vmap_method="sequential")

    def result_type(self, *dtypes):
        """Keras's promotion lattice, which is JAX's with 64-bit results narrowed."""
        return engine_dtypes.result_type(*dtypes)

    def shape_dtype_struct(self, shape, dtype):
        return jax.ShapeDtypeStruct(tuple(shape), dtype)

    def unknown_size(self):
        # As Keras's `compute_output_spec`: at least 2, so it is not taken
        # for a broadcastable or squeezable dimension.
        from jax import export

        return export.symbolic_shape("(batch)", constraints=["batch>=2"])[0]

    # -- transformations -------------------------------------------------------
    def jit(self, fn, one_shot=False, **kwargs):
        """`jax.jit`. With `one_shot`, for a program that runs once or rarely
        (creating state, reordering data), XLA compiles for compile speed:
        LLVM's lowest optimization level, a third of the compile time or less,
        and each call (mostly its compile) runs with the garbage collector
        paused (`gc_pause`)."""
        self.setup_compilation_cache()
        if not one_shot:
            return jax.jit(fn, **kwargs)
        jitted = jax.jit(fn, compiler_options=_ONE_SHOT_OPTIONS, **kwargs)

        @functools.wraps(fn)
        def call(*args, **kw):
            with gc_paused():
                filled = None if kwargs else _host_fills(fn, args, kw)
                return jitted(*args, **kw) if filled is None else filled

        return call

    def compile(
        self,
        fn,
        *example_args,
        donate_argnums=(),
        without_convolutions=False,
        one_shot=False,
    ):
        """Compiles `fn` ahead of time for arguments shaped like `example_args`.

        Arguments at `donate_argnums` are donated: their buffers may be reused
        for the outputs (updated in place) and must not be used after the call.
        `one_shot` compiles for compile speed, as in `jit`. With
        `without_convolutions`, returns None (compiles nothing) where the traced
        program runs a convolution.
        """
        jitted = jax.jit(fn, donate_argnums=donate_argnums)
        self.setup_compilation_cache()
        with gc_paused():
            traced = jitted.trace(*example_args)
            if without_convolutions and _runs(traced.jaxpr.jaxpr, _CONVOLUTIONS):
                return None
            return traced.lower().compile(_options(one_shot))

    def compile_async(self, fn, *example_args, donate_argnums=(), one_shot=False):
        """Like `compile`, but XLA compiles in a background thread: returns a
        `concurrent.futures.Future` of the compiled function. Tracing (which
        runs the model's Python) happens now, in the calling thread; lowering
        and compiling in the background."""
        self.setup_compilation_cache()
        with gc_paused():
            traced = jax.jit(fn, donate_argnums=donate_argnums).trace(*example_args)

        def lower_and_compile():
            with gc_paused():
                return traced.lower().compile(_options(one_shot))

        return _compile_executor().submit(lower_and_compile)

    def value_and_grad(self, fn, has_aux=False, argnums=0):
        return jax.value_and_grad(fn, argnums=argnums, has_aux=has_aux)

    def vjp(self, fn, *primals):
        return jax.vjp(fn, *primals)

    def grad(self, fn, has_aux=False, argnums=0):
        return jax.grad(fn, argnums=argnums, has_aux=has_aux)

    def eval_shape(self, fn, *args, **kwargs):
        return jax.eval_shape(fn, *args, **kwargs)

    def peak_bytes(self, fn, *args, dim):
        return _peak_bytes(jax.make_jaxpr(fn)(*args).jaxpr, dim, inputs=True)

    def scan(self, fn, init, xs=None, length=None, reverse=False, unroll=1):
        leaves = jax.tree_util.tree_leaves((init, xs))
        xs_leaves = jax.tree_util.tree_leaves(xs)
        n = xs_leaves[0].shape[0] if xs_leaves else length  # xs may hold no arrays
        full = unroll is True or (unroll is not False and unroll >= (n or 1))
        if full and n and not any(isinstance(x, jax.core.Tracer) for x in leaves):
            # Fully unrolled on concrete values (an eager RNN call with
            # `unroll=True`): the steps run op by op, each op's program
            # cached, where `lax.scan` compiled the whole unrolled loop
            # again at every call (0.8 s vs 0.02 s for 6 steps).
            result = _python_scan(fn, init, xs, n, reverse)
            if result is not None:
                return result
        return jax.lax.scan(fn, init, xs, length=length, reverse=reverse, unroll=unroll)

    def cond(self, pred, true_fn, false_fn, *operands):
        return jax.lax.cond(pred, true_fn, false_fn, *operands)

    def switch(self, index, branches, *operands):
        return jax.lax.switch(index, branches, *operands)

    def while_loop(self, cond_fn, body_fn, init):
        return jax.lax.while_loop(cond_fn, body_fn, init)

    def fori_loop(self, lower, upper, body_fn, init):
        return jax.lax.fori_loop(lower, upper, body_fn, init)

    def eager_scope(self):
        """Within it, math on concrete values runs now even inside a trace."""
        return jax.ensure_compile_time_eval()

    def stop_gradient(self, x):
        return jax.lax.stop_gradient(x)

    def vmap(self, fn, in_axes=0, out_axes=0):
        return jax.vmap(fn, in_axes=in_axes, out_axes=out_axes)

    def checkpoint(self, fn):
        return jax.checkpoint(fn)

    # -- pytrees ---------------------------------------------------------------
    def tree_map(self, fn, *trees, is_leaf=None):
        return jax.tree_util.tree_map(fn, *trees, is_leaf=is_leaf)

    def tree_leaves(self, tree, is_leaf=None):
        return jax.tree_util.tree_leaves(tree, is_leaf=is_leaf)

    def tree_flatten(self, tree, is_leaf=None):
        return jax.tree_util.tree_flatten(tree, is_leaf=is_leaf)

    def tree_unflatten(self, treedef, leaves):
        return jax.tree_util.tree_unflatten(treedef, leaves)

    def tree_structure(self, tree):
        return jax.tree_util.tree_structure(tree)

    def register_pytree_container(self, cls, base):
        if base is dict:
            flatten = lambda d: (list(d.values()), list(d))  # noqa: E731
            unflatten = lambda keys, values: dict(zip(keys, values))  # noqa: E731
        else:
            flatten = lambda items: (list(items), None)  # noqa: E731
            unflatten = lambda _, items: list(items)  # noqa: E731
        try:
            jax.tree_util.register_pytree_node(cls, flatten, unflatten)
        except ValueError:
            pass  # registered already (jax's registry is per process)

    def register_pytree_dataclass(self, cls, data_fields, meta_fields=()):
        return jax.tree_util.register_dataclass(
            cls, data_fields=list(data_fields), meta_fields=list(meta_fields)
        )

    # -- devices and placement -------------------------------------------------
    def devices(self, kind=None):
        return jax.devices(kind) if kind else jax.devices()

    def device_scope(self, device_name):
        """`jax.default_device` for `"cpu"`, `"gpu:1"`, ... (`keras.device`)."""
        kind, _, index = device_name.lower().partition(":")
        try:
            found = jax.devices(kind)
        except RuntimeError as error:
            raise ValueError(
                f"Unknown device {device_name!r}: no {kind!r} devices are available "
                f"(available: {[str(d) for d in jax.devices()]})."
            ) from error
        index = int(index or 0)
        if index >= len(found):
            raise ValueError(
                f"Unknown device {device_name!r}: there are {len(found)} {kind} "
                "device(s)."
            )
        return jax.default_device(found[index])

    def copy_tree(self, tree):
        """Fresh buffers for every array of `tree`, each keeping its layout (an
        array spanning several processes is copied shard by shard where it
        lives; without an explicit layout `device_put` refuses it)."""
        leaves, structure = jax.tree_util.tree_flatten(tree)
        layouts = [getattr(a, "sharding", None) for a in leaves]
        copies = jax.device_put(leaves, layouts, may_alias=False)
        return jax.tree_util.tree_unflatten(structure, copies)

    def place(self, tree, sharding=None):
        """Puts every array of `tree` on the device (or laid out by `sharding`)."""
        if sharding is None:
            return jax.device_put(tree)
        if isinstance(sharding, jax.sharding.Sharding):
            return jax.device_put(tree, sharding)
        # A tree of shardings (None: default placement) that is a prefix of `tree`.
        return jax.tree_util.tree_map(
            lambda s, sub: jax.device_put(sub, s),
            sharding,
            tree,
            is_leaf=_is_sharding_or_none,
        )

    def block_until_ready(self, tree):
        return jax.block_until_ready(tree)

    # -- distribution ----------------------------------------------------------
    def mesh(self, devices, shape, axis_names):
        """A `jax.sharding.Mesh` of `devices` (names like `"gpu:3"` or devices)."""
        found = np.array([_find_device(d) for d in np.ravel(devices)], dtype=object)
        return jax.sharding.Mesh(found.reshape(tuple(shape)), tuple(axis_names))

    def sharding(self, mesh, axes):
        """A `NamedSharding` on `mesh` with `PartitionSpec(*axes)`."""
        spec = jax.sharding.PartitionSpec(*axes)
        return jax.sharding.NamedSharding(mesh, spec)

    def place_local(self, tree, sharding):
        """Global arrays assembled from each process's rows (`sharding`'s split)."""
        if jax.process_count() == 1:
            return self.place(tree, sharding)

        def one(s, sub):
            return jax.tree_util.tree_map(
                lambda a: jax.make_array_from_process_local_data(s, np.asarray(a)),
                sub,
            )

        if isinstance(sharding, jax.sharding.Sharding):
            return one(sharding, tree)
        return jax.tree_util.tree_map(one, sharding, tree, is_leaf=_is_sharding_or_none)

    def constrain(self, tree, sharding):
        """`with_sharding_constraint` in a trace; `place` on concrete arrays."""

        def one(s, sub):
            if s is None:
                return sub
            return jax.tree_util.tree_map(
                lambda a: (
                    jax.lax.with_sharding_constraint(a, s)
                    if isinstance(a, jax.core.Tracer)
                    else jax.device_put(a, s)
                ),
                sub,
            )

        if sharding is None or isinstance(sharding, jax.sharding.Sharding):
            return one(sharding, tree)
        return jax.tree_util.tree_map(one, sharding, tree, is_leaf=_is_sharding_or_none)

    def sharding_of(self, tree):
        return jax.tree_util.tree_map(
            lambda a: a.sharding if isinstance(a, jax.Array) else None, tree
        )

    def process_count(self):
        return jax.process_count()

    def process_index(self):
        return jax.process_index()

    def initialize_distributed(self, coordinator_address, num_processes, process_id):
        """`jax.distributed.initialize` (a cluster's own environment fills in
        arguments left None, as on Cloud TPU or under SLURM)."""
        jax.distributed.initialize(
            coordinator_address=coordinator_address,
            num_processes=num_processes,
            process_id=process_id,
        )

    def broadcast_from_first_process(self, value):
        from jax.experimental import multihost_utils

        if jax.process_count() == 1:
            return np.asarray(value)
        return np.asarray(multihost_utils.broadcast_one_to_all(np.asarray(value)))

    # -- compilation -----------------------------------------------------------
    def setup_compilation_cache(self):
        """Turns on JAX's persistent compilation cache once, if the user allows it."""
        if self._cache_ready:
            return
        self._cache_ready = True
        if not config.compilation_cache_enabled():
            return
        if jax.config.jax_compilation_cache_dir:
            return  # The user configured their own.
        path = os.environ.get("KERASISH_CACHE_DIR") or os.path.join(
            os.path.expanduser("~"), ".cache", "kerasish", "jax"
        )
        try:
            os.makedirs(path, exist_ok=True)
            jax.config.update("jax_compilation_cache_dir", path)
            # Every step is worth keeping: the point is a second run that compiles
            # nothing, and small models compile fast but often.
            jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
            jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
            _cap_cache(path, config.compilation_cache_max_size())
        except (OSError, AttributeError):
            pass  # A read-only home only costs the cache, not correctness.

    def count_compilations(self):
        """A context manager counting XLA compilations (used by tests)."""
        return _CompileCounter()

    # -- profiling (TensorBoard's profile_batch) --------------------------------
    def start_trace(self, log_dir):
        """Starts the JAX profiler; the trace goes under `log_dir/plugins/profile`."""
        jax.profiler.start_trace(str(log_dir))

    def stop_trace(self):
        """Stops the JAX profiler and writes the trace started by `start_trace`."""
        jax.profiler.stop_trace()

    # -- optimizers ------------------------------------------------------------
    @property
    def optax(self):
        import optax

        return optax

    @property
    def export(self):
        """Serialized compiled functions (`jax.export`): `jax_export`."""
        from kerasish.engine import jax_export

        return jax_export

    @property
    def optimizers(self):
        """Keras optimizer rules as optax transformations (`jax_optimizers`)."""
        from kerasish.engine import jax_optimizers

        return jax_optimizers


def _is_sharding_or_none(node):
    return node is None or isinstance(node, jax.sharding.Sharding)


def _find_device(device):
    """The jax device named `"cpu:3"` (platform and global id), or `device`."""
    if isinstance(device, jax.Device):
        return device
    kind, _, index = str(device).lower().partition(":")
    try:
        candidates = jax.devices(kind)
    except RuntimeError as error:  # a RuntimeError, as JAX's (and Keras's)
        raise RuntimeError(
            f"Unknown device '{device}': no {kind!r} devices are available "
            f"(available: {[f'{d.platform}:{d.id}' for d in jax.devices()]})."
        ) from error
    wanted = int(index or 0)
    for candidate in candidates:
        if candidate.id == wanted:
            return candidate
    raise ValueError(
        f"Unknown device '{device}': the {kind} devices are "
        f"{[f'{d.platform}:{d.id}' for d in candidates]}."
    )


_EXECUTOR = None


# Fills made on the host rather than compiled (`_host_fills`) up to this size:
# above it, the host copy would cost more than the compile saves.
_HOST_FILL_BYTES = 256 << 20


def _host_fills(fn, args, kwargs):
    """`fn(*args, **kwargs)` made with numpy when every output is a constant
    fill (an optimizer's zero slots and step counter), placed as `jit` would
    (on the committed inputs' device, else uncommitted); None otherwise (an
    output that reads an input's values, an operation other than a broadcast,
    inputs on several devices, or a large output).

    Compiling even a program of a few fills costs about 0.1 s on XLA:CPU, in
    the first epoch of every `fit`; tracing it costs milliseconds.
    """
    from jax.extend.core import Literal

    devices = set()
    for leaf in jax.tree.leaves((args, kwargs)):
        if isinstance(leaf, jax.Array) and leaf.committed:
            devices |= leaf.sharding.device_set
    if len(devices) > 1:
        return None
    closed, shapes = jax.make_jaxpr(fn, return_shape=True)(*args, **kwargs)
    specs = jax.tree.leaves(shapes)
    if sum(np.prod(a.shape) * np.dtype(a.dtype).itemsize for a in specs) > (
        _HOST_FILL_BYTES
    ):
        return None
    jaxpr = closed.jaxpr
    values = dict(zip(jaxpr.constvars, closed.consts))

    def value(var):
        if isinstance(var, Literal):
            return np.asarray(var.val)
        return np.asarray(values[var])  # KeyError: an input's value

    try:
        for eqn in jaxpr.eqns:
            if eqn.primitive.name != "broadcast_in_dim" or len(eqn.invars) != 1:
                return None
            operand, out = value(eqn.invars[0]), eqn.outvars[0].aval
            shape = [1] * len(out.shape)
            for axis, size in zip(eqn.params["broadcast_dimensions"], operand.shape):
                shape[axis] = size
            values[eqn.outvars[0]] = np.broadcast_to(operand.reshape(shape), out.shape)
        outputs = [
            value(var).astype(var.aval.dtype, copy=True) for var in jaxpr.outvars
        ]
    except KeyError:
        return None
    if any(getattr(var.aval, "weak_type", False) for var in jaxpr.outvars):
        return None  # a weakly typed output: numpy cannot make one
    placed = jax.device_put(outputs, next(iter(devices)) if devices else None)
    return jax.tree.unflatten(jax.tree.structure(shapes), placed)


def _options(one_shot):
    return dict(_ONE_SHOT_OPTIONS) if one_shot else None


def _compile_executor():
    """One background thread for compilations (XLA uses its own threads too)."""
    global _EXECUTOR
    if _EXECUTOR is None:
        from concurrent.futures import ThreadPoolExecutor

        _EXECUTOR = ThreadPoolExecutor(1, thread_name_prefix="kerasish-compile")
    return _EXECUTOR


def _cap_cache(path, max_size):
    """Bounds the persistent cache once per process: the least recently used
    files are deleted until it fits (a long run may pass the cap until the
    next start).

    Not jax's own LRU eviction (`jax_compilation_cache_max_size`): that lists,
    stats and reads every entry at every write, 0.4 s per compiled program
    with 2,000 entries here, growing with the cache.
    """
    if max_size >= 0:
        prune_cache(path, max_size)


def prune_cache(path, max_size):
    """Deletes the least recently used files of `path` until it holds `max_size`."""
    entries = []
    for entry in os.scandir(path):
        if entry.is_file(follow_symlinks=False):
            info = entry.stat(follow_symlinks=False)
            entries.append((max(info.st_atime, info.st_mtime), info.st_size, entry))
    total = sum(size for _, size, _ in entries)
    for _, size, entry in sorted(entries, key=lambda e: e[0]):
        if total <= max_size:
            break
        try:
            os.remove(entry.path)
            total -= size
        except OSError:
            pass


class _CompileCounter:
    """Counts backend compilations through jax's monitoring events."""

    def __enter__(self):
        from jax import monitoring

        self.count = 0

        def listener(event, duration, **kwargs):
            if event == "/jax/core/compile/backend_compile_duration":
                self.count += 1

        self._listener = listener
        monitoring.register_event_duration_secs_listener(listener)
        return self

    def __exit__(self, *exc):
        from jax._src import monitoring as _m

        try:
            _m._unregister_event_duration_listener_by_callback(self._listener)
        except (AttributeError, ValueError):
            pass
        return False


# The primitives a convolution layer traces to.
_CONVOLUTIONS = frozenset({"conv_general_dilated"})


def _called(eqn):
    """The programs an equation calls (a jit's, a scan's or a loop's body)."""
    for value in eqn.params.values():
        for sub in value if isinstance(value, tuple | list) else (value,):
            sub = getattr(sub, "jaxpr", sub)  # a ClosedJaxpr's own
            if hasattr(sub, "eqns"):
                yield sub


def _runs(jaxpr, primitives):
    """Whether `jaxpr`, or a program it calls, has an equation of `primitives`."""
    return any(
        eqn.primitive.name in primitives
        or any(_runs(sub, primitives) for sub in _called(eqn))
        for eqn in jaxpr.eqns
    )


def _peak_bytes(jaxpr, dim, inputs):
    """Peak bytes of values with a dimension `dim` alive at once in `jaxpr`:
    each from its equation to its last use; a called program's (a scan's body,
    once) while its equation runs. `inputs`: count the jaxpr's own inputs
    (a called program's are its caller's values, counted there)."""

    def size(var):
        aval = var.aval
        shape = tuple(getattr(aval, "shape", ()))
        itemsize = getattr(getattr(aval, "dtype", None), "itemsize", None)
        if itemsize is None or dim not in shape:
            return 0
        return int(np.prod(shape)) * int(itemsize)

    def variables(values):
        return [v for v in values if not hasattr(v, "val")]  # not literals

    end = len(jaxpr.eqns)
    last = {}
    for i, eqn in enumerate(jaxpr.eqns):
        for var in variables(eqn.invars):
            last[var] = i
    for var in variables(jaxpr.outvars):
        last[var] = end
    live = sum(size(v) for v in jaxpr.invars if v in last) if inputs else 0
    peak = live
    for i, eqn in enumerate(jaxpr.eqns):
        inner = max(
            (_peak_bytes(sub, dim, inputs=False) for sub in _called(eqn)), default=0
        )
        made = sum(size(v) for v in eqn.outvars if v in last)
        # A called program's peak holds its outputs, the equation's own.
        peak = max(peak, live + max(inner, made))
        live += made
        for var in set(variables(eqn.invars)):
            if last.get(var) == i:
                live -= size(var)
    return peak


def _python_scan(fn, init, xs, n, reverse):
    """`jax.lax.scan`'s result, computed by a Python loop over the steps; None
    where a step changes the carry's structure, shapes or dtypes (`lax.scan`
    then raises its own error)."""
    init, xs = jax.tree_util.tree_map(jax.numpy.asarray, (init, xs))
    carry, ys = init, [None] * n
    for i in reversed(range(n)) if reverse else range(n):
        x = None if xs is None else jax.tree_util.tree_map(lambda a, i=i: a[i], xs)
        carry, ys[i] = fn(carry, x)

    def signature(tree):
        leaves, structure = jax.tree_util.tree_flatten(tree)
        return structure, [(x.shape, x.dtype) for x in map(jax.numpy.asarray, leaves)]

    if signature(carry) != signature(init):
        return None
    return carry, jax.tree_util.tree_map(lambda *y: jax.numpy.stack(y), *ys)
