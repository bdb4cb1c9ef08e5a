"""The engine contract: everything the code above `kerasish/engine/` may ask for.

An engine is one object with the members of `Engine` below. Its op namespaces
(`numpy`, `nn`, `linalg`, `math`, `core`, `image`, `random`) hold the functions
named in `OPS`, each with the parameters of its `kerasish.ops` namesake, in the
same order (the ops pass them positionally). An op an engine cannot run raises
`NotImplementedError` naming the op and the engine; nothing else may be missing.
`tests/engine/test_contract.py` checks that the code above the engine uses only
these members and ops, and `tests/engine/test_conformance.py` runs the same tests
on every engine.
"""

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

PyTree = Any


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# The op catalogue: per namespace, the functions the ops layer calls.
OPS: dict[str, tuple[str, ...]] = {
    "numpy": _names(
        """
        abs absolute add all allclose amax amin angle any append arange arccos
        arccosh arcsin arcsinh arctan arctan2 arctanh argmax argmin argpartition
        argsort array array_split average bartlett bincount bitwise_and
        bitwise_invert bitwise_left_shift bitwise_not bitwise_or
        bitwise_right_shift bitwise_xor blackman broadcast_to cast cbrt ceil
        clip concatenate conj conjugate copy corrcoef correlate cos cosh
        count_nonzero cross cumprod cumsum deg2rad diag diagflat diagonal diff
        digitize divide divide_no_nan dot dsplit dstack einsum empty empty_like
        equal exp exp2 expand_dims expm1 eye fabs flip fliplr flipud floor
        floor_divide fmax fmin fmod full full_like gcd geomspace get_item
        greater greater_equal hamming hanning heaviside histogram hsplit hstack
        hypot i0 identity imag inner isclose isfinite isin isinf isnan isneginf
        isposinf isreal kaiser kron lcm ldexp left_shift less less_equal
        linspace log log10 log1p log2 logaddexp logaddexp2 logical_and
        logical_not logical_or logical_xor logspace matmul max maximum mean
        median meshgrid min minimum mod moveaxis multiply nan_to_num nanargmax
        nanargmin nancumprod nancumsum nanmax nanmean nanmedian nanmin
        nanpercentile nanprod nanquantile nanstd nansum nanvar ndim negative
        nextafter nonzero not_equal ones ones_like outer pad percentile power
        prod ptp quantile rad2deg ravel real reciprocal repeat reshape
        right_shift roll rot90 round searchsorted select sign signbit sin sinc
        sinh size slogdet sort split sqrt square squeeze stack std subtract sum
        swapaxes take take_along_axis tan tanh tensordot tile trace transpose
        trapezoid tri tril triu true_divide trunc unique unravel_index vander
        var vdot vectorize view vsplit vstack where zeros zeros_like
        """
    ),
    "nn": _names(
        """
        adaptive_average_pool adaptive_max_pool average_pool batch_normalization
        binary_crossentropy categorical_crossentropy celu conv conv_transpose
        ctc_decode ctc_loss depth_to_space depthwise_conv dot_product_attention
        elu fold gelu glu hard_shrink hard_sigmoid hard_silu hard_swish
        hard_tanh layer_normalization leaky_relu log_sigmoid log_softmax
        max_pool mish moments multi_hot normalize one_hot polar psnr relu relu6
        rms_normalization selu separable_conv sigmoid silu soft_shrink softmax
        softplus softsign space_to_depth sparse_categorical_crossentropy
        sparse_plus sparse_sigmoid sparsemax squareplus swish tanh_shrink
        threshold unfold
        """
    ),
    "linalg": _names(
        """
        cholesky cholesky_inverse det eig eigh inv jvp lstsq lu_factor
        matrix_rank norm pinv qr solve solve_triangular svd
        """
    ),
    "math": _names(
        """
        cdist erf erfc erfinv extract_sequences fft fft2 ifft2 in_top_k irfft
        istft logdet logsumexp rfft rsqrt segment_max segment_min segment_prod
        segment_sum stft top_k view_as_complex view_as_real
        """
    ),
    "core": _names(
        """
        associative_scan custom_gradient saturate_cast scatter scatter_update
        slice slice_update unstack
        """
    ),
    "image": _names(
        """
        affine_transform crop_images elastic_transform extract_patches
        extract_patches_3d gaussian_blur hsv_to_rgb map_coordinates pad_images
        perspective_transform resize rgb_to_grayscale rgb_to_hsv
        scale_and_translate sobel_edges ssim
        """
    ),
    "random": _names(
        """
        bernoulli beta binomial categorical gamma key normal permutation randint
        truncated_normal uniform
        """
    ),
}


class OptimizerRules(Protocol):
    """Keras's optimizer update rules as gradient transformations (`optimizers`).

    What exists today, on the JAX engine: `jax_optimizers` (optax transforms).
    """

    RULES: dict[str, Callable[..., Any]]

    def keras_pipeline(self, *args: Any, **kwargs: Any) -> Any: ...
    def optax_pipeline(self, transformation: Any) -> Any: ...
    def loss_scale_pipeline(
        self, inner: Any, initial_scale: float, dynamic_growth_steps: int
    ) -> Any: ...
    def multi_pipeline(
        self, pipelines: Sequence[Any], groups: Sequence[Sequence[int]]
    ) -> Any: ...
    def is_gradient_transformation(self, obj: Any) -> bool: ...
    def find_hyperparam(self, state: PyTree, name: str) -> Any: ...
    def set_hyperparam(self, state: PyTree, name: str, value: Any) -> PyTree: ...
    def with_learning_rate(self, state: PyTree, value: Any) -> PyTree: ...


class ExportFunctions(Protocol):
    """Serialized compiled functions for serving (`export`)."""

    def serialize_function(
        self, fn: Callable, arg_specs: PyTree, platforms: Sequence[str] | None = None
    ) -> bytes: ...
    def deserialize_function(self, data: bytes) -> Callable: ...
    def default_platforms(self) -> tuple[str, ...]: ...
    def to_onnx(
        self,
        fn: Callable,
        arg_specs: Sequence[tuple[Sequence[int | None], str]],
        input_names: Sequence[str] | None = None,
        output_names: Sequence[str] | None = None,
        opset: int | None = None,
    ) -> bytes:
        """`fn(*inputs)` as a serialized ONNX model. An operation the converter
        cannot handle raises an error whose `callers` lists the
        `(qualified_name, self_or_None)` methods it was traced from."""
        ...


class CompileCounter(Protocol):
    """A context manager whose `count` is the number of compilations inside it."""

    count: int

    def __enter__(self) -> "CompileCounter": ...
    def __exit__(self, *exc: Any) -> bool: ...


class Engine(Protocol):
    """An engine: array math, random keys, differentiation, compilation, placement.

    `JaxEngine` implements all of it and trains; `NumpyEngine` runs inference
    (`__call__`, `predict`, `evaluate`): `supports_training` is false,
    `value_and_grad` raises, `jit` and `compile` return the function itself, and
    `optimizers` and `export` are `None`.
    """

    name: str
    supports_training: bool

    # -- op namespaces (see `OPS`) -----------------------------------------------
    numpy: Any
    nn: Any
    linalg: Any
    math: Any
    core: Any
    image: Any
    random: Any

    # -- optimizer update rules and export; None where the engine has none -------
    optimizers: OptimizerRules | None
    export: ExportFunctions | None

    # -- tensors and dtypes ------------------------------------------------------
    def convert_to_tensor(self, x: Any, dtype: str | None = None) -> Any: ...
    def convert_to_numpy(self, x: Any) -> Any: ...
    def is_tensor(self, x: Any) -> bool: ...
    def is_tracer(self, x: Any) -> bool:
        """Whether `x` is an abstract value of a function being traced."""
        ...

    def host_callback(self, fn: Callable, like: Any, *args: Any) -> Any:
        """`fn(*args)` run in Python on concrete numpy values, also inside a
        traced function: its result has the shape and dtype of `like` (an
        array or a spec; 64-bit dtypes as the engine holds them): host-only
        work, a vocabulary lookup, in a compiled step."""
        ...

    def standardize_dtype(self, dtype: Any) -> str: ...
    def result_type(self, *dtypes: Any) -> str:
        """The dtype of combining `dtypes` (Keras's promotion; `int`/`float`
        weak)."""
        ...

    def unknown_size(self) -> Any:
        """A symbolic size for an unknown dimension, or None if the engine has
        none (shape inference then only probes with concrete sizes)."""
        ...

    def shape_dtype_struct(self, shape: Sequence[int | None], dtype: str) -> Any:
        """An abstract array (`.shape`, `.dtype`) for `eval_shape` and
        `compile`."""
        ...

    # -- transformations ---------------------------------------------------------
    def jit(self, fn: Callable, one_shot: bool = False, **kwargs: Any) -> Callable:
        """`fn` compiled on first call per input signature. `one_shot`: a
        program that runs once or rarely, compiled for compile speed."""
        ...

    def compile(
        self,
        fn: Callable,
        *example_args: Any,
        donate_argnums: tuple = (),
        without_convolutions: bool = False,
    ) -> Callable | None:
        """`fn` compiled ahead of time for arguments shaped like
        `example_args`; the arguments at `donate_argnums` may be consumed (their
        buffers reused for the outputs). With `without_convolutions`, None
        (nothing compiled) where the traced program runs a convolution."""
        ...

    def compile_async(
        self, fn: Callable, *example_args: Any, donate_argnums: tuple = ()
    ) -> Any:
        """`compile` in the background: a `concurrent.futures.Future` of the
        compiled function (an engine may compile now and return a done one)."""
        ...

    def value_and_grad(
        self, fn: Callable, has_aux: bool = False, argnums: int = 0
    ) -> Callable: ...
    def vjp(self, fn: Callable, *primals: Any) -> tuple[Any, Callable]:
        """`(fn(*primals), vjp_fn)`: `vjp_fn(cotangent)` returns the cotangents
        of `primals` (a tuple)."""
        ...

    def eval_shape(self, fn: Callable, *args: Any) -> PyTree: ...
    def peak_bytes(self, fn: Callable, *args: Any, dim: int) -> int | None:
        """The most bytes that values with a dimension of size `dim` take at
        once while `fn`'s program runs on arguments shaped like `args` (each
        value alive from its operation to its last use; none fused), or None
        for an engine that builds no program."""
        ...

    def vmap(self, fn: Callable, in_axes: Any = 0, out_axes: Any = 0) -> Callable: ...
    def checkpoint(self, fn: Callable) -> Callable:
        """`fn`, with activations recomputed in the backward pass."""
        ...

    def stop_gradient(self, x: Any) -> Any: ...
    def eager_scope(self) -> AbstractContextManager:
        """Within it, math on concrete values runs now, even inside a trace."""
        ...

    # -- control flow ------------------------------------------------------------
    def scan(
        self,
        fn: Callable,
        init: PyTree,
        xs: PyTree = None,
        length: int | None = None,
        reverse: bool = False,
        unroll: int = 1,
    ) -> tuple[PyTree, PyTree]: ...
    def cond(
        self, pred: Any, true_fn: Callable, false_fn: Callable, *operands: Any
    ) -> PyTree: ...
    def switch(
        self, index: Any, branches: Sequence[Callable], *operands: Any
    ) -> PyTree: ...
    def while_loop(
        self, cond_fn: Callable, body_fn: Callable, init: PyTree
    ) -> PyTree: ...
    def fori_loop(
        self, lower: int, upper: int, body_fn: Callable, init: PyTree
    ) -> PyTree: ...

    # -- pytrees (lists, tuples, namedtuples, dicts; None is an empty node) -------
    def tree_map(
        self, fn: Callable, *trees: PyTree, is_leaf: Callable | None = None
    ) -> PyTree: ...
    def tree_leaves(self, tree: PyTree, is_leaf: Callable | None = None) -> list: ...
    def tree_flatten(
        self, tree: PyTree, is_leaf: Callable | None = None
    ) -> tuple[list, Any]: ...
    def tree_unflatten(self, treedef: Any, leaves: Sequence[Any]) -> PyTree: ...
    def tree_structure(self, tree: PyTree) -> Any: ...
    def register_pytree_container(self, cls: type, base: type) -> None:
        """Makes `cls`, a subclass of `list` or `dict` (`base`), flatten as
        `base` and unflatten to a plain `base`."""
        ...

    # -- devices and placement ---------------------------------------------------
    def devices(self, kind: str | None = None) -> Sequence[Any]: ...
    def device_scope(self, device_name: str) -> AbstractContextManager: ...
    def place(self, tree: PyTree, sharding: Any = None) -> PyTree:
        """Puts every array of `tree` on the device, or laid out by `sharding` (one
        sharding for every leaf, or a tree of them that is a prefix of `tree`).
        With many processes each passes the same global value."""
        ...

    def block_until_ready(self, tree: PyTree) -> PyTree: ...
    def copy_tree(self, tree: PyTree) -> PyTree:
        """Fresh buffers with the same values and layout as every array of `tree`,
        copied without compiling anything (for a step that donates its input)."""
        ...

    # -- distribution (`kerasish.distribution`); one device: no-ops --------------
    def mesh(
        self, devices: Sequence[Any], shape: Sequence[int], axis_names: Sequence[str]
    ) -> Any:
        """The engine's device mesh: `devices` (names such as `"cpu:3"`, or the
        engine's device objects) laid out in `shape` with named axes."""
        ...

    def sharding(self, mesh: Any, axes: Sequence[str | None]) -> Any:
        """A layout on `mesh`: axis `i` of an array is split over the mesh axis
        `axes[i]` (None: not split; missing trailing axes are not split)."""
        ...

    def place_local(self, tree: PyTree, sharding: Any) -> PyTree:
        """The global arrays whose rows are this process's leaves of `tree`, laid
        out by `sharding` (each process passes its own part; with one process,
        `place`)."""
        ...

    def constrain(self, tree: PyTree, sharding: Any) -> PyTree:
        """Inside a compiled function, asks for `tree` laid out by `sharding`
        (one, or a tree prefix of them); outside, `place`."""
        ...

    def sharding_of(self, tree: PyTree) -> PyTree:
        """The layout of each array of `tree` (None where it has none)."""
        ...

    def process_count(self) -> int: ...
    def process_index(self) -> int: ...
    def initialize_distributed(
        self,
        coordinator_address: str | None,
        num_processes: int | None,
        process_id: int | None,
    ) -> None:
        """Joins this process to a many-process computation (before any math)."""
        ...

    def broadcast_from_first_process(self, value: Any) -> Any:
        """Process 0's `value` (a small numpy array), in every process."""
        ...

    # -- diagnostics -------------------------------------------------------------
    def count_compilations(self) -> CompileCounter: ...
    def start_trace(self, log_dir: str) -> None: ...
    def stop_trace(self) -> None: ...


def members(protocol: type = Engine) -> frozenset[str]:
    """The names a `protocol` declares (attributes and methods)."""
    names = set(getattr(protocol, "__annotations__", {}))
    names |= {n for n in vars(protocol) if not n.startswith("_")}
    return frozenset(names)


def unsupported(what: str, engine: str) -> NotImplementedError:
    """The error an engine raises for an op (`what`, e.g. "`kerasish.ops.nn.fold`")
    or a feature it does not implement."""
    return NotImplementedError(
        f"{what} is not supported by the {engine} engine; use the 'jax' engine "
        "(`kerasish.config.set_engine('jax')`)."
    )


__all__ = [
    "OPS",
    "CompileCounter",
    "Engine",
    "ExportFunctions",
    "OptimizerRules",
    "PyTree",
    "members",
    "unsupported",
]
