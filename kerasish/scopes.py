"""Context managers of Keras's top level: `name_scope`, `device`, `SymbolicScope`,
`RematScope`, and the `remat` function wrapper.

`name_scope` prefixes the path of variables created inside it (`"block/kernel"`);
`device` places arrays created inside it on one device; `remat` recomputes a
function's intermediate values in the backward pass instead of storing them
(`jax.checkpoint` on the JAX engine).
"""

import threading
from collections import defaultdict

from kerasish.engine import get_engine

_LOCAL = threading.local()
_REMAT_MODES = ("full", "activations", "larger_than", "list_of_layers", None)

# Automatic unique names (`dense`, `dense_1`, `variable_1`, ...), one counter per
# base name as Keras's; here, below `variables`, so that variables use it too.
_COUNTS: defaultdict[str, int] = defaultdict(int)


def uniquify(base: str) -> str:
    count = _COUNTS[base]
    _COUNTS[base] += 1
    return base if count == 0 else f"{base}_{count}"


def name_counts() -> dict:
    """A snapshot of the auto-name counters (for `give_back_names`)."""
    return dict(_COUNTS)


def give_back_names(snapshot: dict, kept) -> None:
    """Resets the counters to `snapshot`, except that names taken since which
    are in `kept` (the names of objects that live on) stay taken."""
    restored = dict(snapshot)
    for base, after in _COUNTS.items():
        for i in range(snapshot.get(base, 0), after):
            if (base if i == 0 else f"{base}_{i}") in kept:
                restored[base] = i + 1
    _COUNTS.clear()
    _COUNTS.update(restored)


def reset_uids() -> None:
    _COUNTS.clear()


def get_uid(prefix: str = "") -> int:
    """Counts calls per `prefix` (1, 2, ...), sharing `uniquify`'s counters."""
    _COUNTS[prefix] += 1
    return _COUNTS[prefix]


def _stack(name):
    stack = getattr(_LOCAL, name, None)
    if stack is None:
        stack = []
        setattr(_LOCAL, name, stack)
    return stack


class name_scope:
    """`with kerasish.name_scope("block"):` prefixes new variables' paths.

    Args:
        name: The scope's name (a string without `/`).
        **kwargs: `caller` (the object opening the scope), `deduplicate`
            (default `True`: the same caller re-entering a scope of the same
            name does not repeat it) and `override_parent` (a path that
            replaces the enclosing scopes).

    Example:
    >>> with kerasish.name_scope("block"):
    ...     v = kerasish.Variable(1.0, name="v")
    >>> v.path
    'block/v'
    """

    def __init__(self, name, **kwargs):
        if not isinstance(name, str) or "/" in name:
            raise ValueError(
                "Argument `name` must be a string and cannot contain character "
                f"`/`. Received: name={name}"
            )
        self.name = name
        self.caller = kwargs.pop("caller", None)
        self.deduplicate = kwargs.pop("deduplicate", True)
        self.override_parent = kwargs.pop("override_parent", None)
        if kwargs:
            raise TypeError(
                f"name_scope: unexpected keyword arguments {sorted(kwargs)}."
            )
        if (
            self.override_parent is None
            and self.deduplicate
            and getattr(self.caller, "_parent_path", None) is not None
        ):
            # A layer's scope sits where the layer was first built or called,
            # wherever it is called later (Keras's variable paths).
            self.override_parent = self.caller._parent_path
        self._pop_on_exit = False

    def __enter__(self):
        stack = _stack("names")
        if self.deduplicate and stack:
            parent = stack[-1]
            if (
                self.caller is not None
                and self.caller is parent.caller
                and self.name == parent.name
            ):
                return self
        stack.append(self)
        self._pop_on_exit = True
        return self

    def __exit__(self, *exc):
        if self._pop_on_exit:
            _stack("names").pop()
            self._pop_on_exit = False
        return False


def current_path():
    """The `/`-joined path of the active name scopes (`""` outside any)."""
    parts = []
    for scope in _stack("names"):
        if scope.override_parent is not None:
            parts = [p for p in scope.override_parent.split("/") if p]
        parts.append(scope.name)
    return "/".join(parts)


def current_distribution():
    """The distribution `kerasish.distribution.set_distribution` made current in
    this thread, or None. Kept here, below the variables that read it."""
    return getattr(_LOCAL, "distribution", None)


def set_current_distribution(value):
    """Makes `value` (a `kerasish.distribution.Distribution` or None) current."""
    _LOCAL.distribution = value


def device(device_name):
    """`with kerasish.device("cpu:0"):` places arrays created inside on a device.

    Args:
        device_name: `"cpu"`, `"gpu"` or `"tpu"`, optionally with `:index`.
    """
    if not isinstance(device_name, str):
        raise ValueError(
            f"device: `device_name` must be a string such as 'cpu:0', received "
            f"{device_name!r}."
        )
    return get_engine().device_scope(device_name)


class SymbolicScope:
    """Marks code that runs on symbolic tensors (shape inference), not on data."""

    def __enter__(self):
        _stack("symbolic").append(self)
        return self

    def __exit__(self, *exc):
        _stack("symbolic").pop()
        return False


def in_symbolic_scope():
    return bool(_stack("symbolic"))


class RematScope:
    """Asks layers called inside it to rematerialize (recompute) activations.

    Args:
        mode: `"full"` (every layer), `"activations"` (activation functions),
            `"larger_than"` (layers whose output exceeds
            `output_size_threshold` elements), `"list_of_layers"` (the layers
            named in `layer_names`) or `None` (off).
        output_size_threshold: Element count for `"larger_than"`.
        layer_names: Names for `"list_of_layers"`.
    """

    def __init__(self, mode="full", output_size_threshold=1024, layer_names=None):
        if mode not in _REMAT_MODES:
            raise ValueError(
                f"RematScope: invalid mode {mode!r}. Valid modes: {_REMAT_MODES}."
            )
        if mode == "list_of_layers" and not layer_names:
            raise ValueError(
                "RematScope: mode='list_of_layers' needs `layer_names`, the names "
                "of the layers to rematerialize."
            )
        self.mode = mode
        self.output_size_threshold = output_size_threshold
        self.layer_names = list(layer_names or [])

    def __enter__(self):
        _stack("remat").append(self)
        return self

    def __exit__(self, *exc):
        _stack("remat").pop()
        return False


def get_current_remat_mode():
    """The innermost active `RematScope`, or `None` (also for mode `None`)."""
    stack = _stack("remat")
    return stack[-1] if stack and stack[-1].mode is not None else None


def remat(f):
    """Returns `f` wrapped so its intermediates are recomputed for gradients.

    Values and gradients are unchanged; memory during backpropagation drops at
    the cost of recomputation (`jax.checkpoint` on the JAX engine; the NumPy
    engine, which does not differentiate, returns `f` itself).

    Example:
    >>> g = kerasish.remat(kerasish.ops.sin)
    >>> float(g(0.0))
    0.0
    """
    if not callable(f):
        raise TypeError(f"remat: expected a callable, received {f!r}.")
    return get_engine().checkpoint(f)
