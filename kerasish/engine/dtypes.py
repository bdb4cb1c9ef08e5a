"""Dtype names and Keras's type promotion, in plain Python, shared by the engines.

`standardize_dtype` turns any dtype spelling (`np.float32`, `"float"`, a jax dtype,
`int`) into Keras's name. `result_type` applies Keras's promotion lattice (adapted
by Keras from JAX's): Python `int`/`float` are weak types that defer to array types,
and 64-bit results become 32-bit, as on Keras's JAX backend.
"""

import functools

from kerasish import config

ALLOWED_DTYPES = (
    "float16",
    "float32",
    "float64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "int8",
    "int16",
    "int32",
    "int64",
    "bfloat16",
    "bool",
    "string",
    "float8_e4m3fn",
    "float8_e5m2",
    "complex64",
    "complex128",
)
_PYTHON_DTYPES = {
    bool: "bool",
    int: "int32",
    float: "float32",
    str: "string",
    "int": "int32",
    complex: "complex64",
}
_FLOAT8 = ("float8_e4m3fn", "float8_e5m2")
_WEAK = ("int", "float")
# Each type's immediate successors on the promotion lattice.
_LATTICE = {
    "bool": ["int"],
    "uint8": ["int16", "uint16"],
    "uint16": ["int32", "uint32"],
    "uint32": ["int64", "uint64"],
    "uint64": ["float"],
    "int": ["uint8", "int8", "complex64"],
    "int8": ["int16"],
    "int16": ["int32"],
    "int32": ["int64"],
    "int64": ["float"],
    "float": ["bfloat16", "float16"],
    "bfloat16": ["float32"],
    "float16": ["float32"],
    "float32": ["float64", "complex64"],
    "float64": ["complex128"],
    "complex64": ["complex128"],
    "complex128": [],
}
_TO_32_BIT = {
    "int64": "int32",
    "uint64": "uint32",
    "float64": "float32",
    "complex128": "complex64",
}


def standardize_dtype(dtype):
    """Returns Keras's name for `dtype`; `None` is `floatx()`.

    Example:
    >>> kerasish.backend.standardize_dtype(float)
    'float32'
    """
    if dtype is None:
        return config.floatx()
    try:
        dtype = _PYTHON_DTYPES.get(dtype, dtype)
    except TypeError:  # unhashable
        pass
    if hasattr(dtype, "name"):
        dtype = dtype.name
    elif hasattr(dtype, "__name__"):
        dtype = dtype.__name__
    elif "jax.numpy" in str(dtype) or "torch" in str(dtype):
        dtype = str(dtype).split(".")[-1]
    if dtype not in ALLOWED_DTYPES:
        raise ValueError(f"Invalid dtype: {dtype}")
    return dtype


def is_float_dtype(dtype):
    """Whether `dtype` is a floating type (`float*` or `bfloat16`)."""
    dtype = standardize_dtype(dtype)
    return dtype.startswith("float") or dtype.startswith("bfloat")


def is_int_dtype(dtype):
    """Whether `dtype` is a signed or unsigned integer type."""
    dtype = standardize_dtype(dtype)
    return dtype.startswith("int") or dtype.startswith("uint")


@functools.cache
def _upper_bounds():
    bounds = {}
    for node in _LATTICE:
        seen, todo = {node}, [node]
        while todo:
            for nxt in _LATTICE[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        bounds[node] = seen
    return bounds


def _least_upper_bound(nodes):
    bounds = _upper_bounds()
    for n in nodes:
        if n not in bounds:
            raise ValueError(f"dtype={n!r} is not a valid dtype for type promotion.")
    common = set.intersection(*(bounds[n] for n in nodes))
    least = (common & set(nodes)) or {c for c in common if common <= bounds[c]}
    if len(least) != 1:
        raise ValueError(
            f"Input dtypes {tuple(nodes)} have no available implicit dtype promotion "
            "path. Try explicitly casting inputs to the desired output type."
        )
    return least.pop()


def _weak(dtype):
    if dtype == "bool":
        return dtype
    for kind in ("float", "int", "complex"):
        if kind in dtype:
            return kind
    raise ValueError(f"Invalid dtype for a weak type: {dtype}")


def result_type(*dtypes):
    """The dtype of combining `dtypes`, by Keras's promotion rules.

    Python `int` and `float` are weak: `result_type("bfloat16", float)` is
    `"bfloat16"`. No arguments give `floatx()`.

    Example:
    >>> kerasish.backend.result_type("int32", "float32")
    'float32'
    """
    if not dtypes:
        return config.floatx()
    for dtype in dtypes:
        if dtype in _FLOAT8:
            raise ValueError(
                "There is no implicit conversions from float8 dtypes to others. "
                f"You must cast it internally. Received: {dtypes}"
            )
    dtypes = [config.floatx() if d is None else d for d in dtypes]
    weak = [d is int or d is float for d in dtypes]
    names = [standardize_dtype(d) for d in dtypes]
    if len(names) == 1:
        out, out_weak = names[0], weak[0]
    elif len(set(names)) == 1 and not all(weak):
        out, out_weak = names[0], False
    elif all(weak):
        out, out_weak = _least_upper_bound(sorted(set(names))), True
    else:
        nodes = {_weak(n) if w else n for n, w in zip(names, weak)}
        out = _least_upper_bound(sorted(nodes))
        out_weak = out in _WEAK
    if out != "bool" and out_weak:
        # A weak result takes floatx's precision ("float" -> "float32").
        bits = config.floatx()[-2:]
        kind = "f" if out == "bfloat16" else out[:1]
        out = {"b": "bool", "i": f"int{bits}", "u": f"uint{bits}"}.get(
            kind, f"float{bits}"
        )
    return _TO_32_BIT.get(out, out)
