"""Keras 3's public surface, enumerated from the installed Keras, vs kerasish's.

`tests/api/test_public_api.py` asserts on it and `tests/conftest.py` prints the
coverage figure at the end of a run. Exclusions live in one file,
`tests/api/api_exclusions.txt`, one line each: `name <path>  # reason` (the name may
be absent) or `signature <path>  # reason` (the name exists; its signature differs on
purpose). A path ending in `.*` covers a whole module.
"""

import importlib
import inspect
import os
from dataclasses import dataclass, field
from pathlib import Path

# Every public Keras 3 module the surface test covers (issue 10), plus the
# submodules whose names users import directly.
MODULES = (
    "",
    "activations",
    "applications",
    "backend",
    "callbacks",
    "config",
    "constraints",
    "datasets",
    "datasets.boston_housing",
    "datasets.california_housing",
    "datasets.cifar10",
    "datasets.cifar100",
    "datasets.fashion_mnist",
    "datasets.imdb",
    "datasets.mnist",
    "datasets.reuters",
    "distillation",
    "distribution",
    "dtype_policies",
    "export",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "mixed_precision",
    "models",
    "ops",
    "ops.image",
    "ops.linalg",
    "ops.nn",
    "ops.numpy",
    "optimizers",
    "optimizers.schedules",
    "preprocessing",
    "preprocessing.image",
    "preprocessing.sequence",
    "quantizers",
    "random",
    "regularizers",
    "saving",
    "tree",
    "utils",
    "utils.bounding_boxes",
    "visualization",
    "wrappers",
)

EXCLUSIONS_FILE = Path(__file__).with_name("api_exclusions.txt")


def _path(module, name=None):
    base = "keras" + ("." + module if module else "")
    return base if name is None else f"{base}.{name}"


def load_exclusions():
    """Returns `{"name": {path: reason}, "signature": {path: reason}}`."""
    out = {"name": {}, "signature": {}}
    for raw in EXCLUSIONS_FILE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        entry, _, reason = line.partition("#")
        kind, path = entry.split()
        if kind not in out or not reason.strip():
            raise ValueError(f"{EXCLUSIONS_FILE.name}: bad line {raw!r}")
        out[kind][path] = reason.strip()
    return out


def excluded(path, table):
    """The reason `path` is excluded in `table` (exact or by `module.*`), or None."""
    if path in table:
        return table[path]
    parts = path.split(".")
    for i in range(len(parts) - 1, 0, -1):
        reason = table.get(".".join(parts[:i]) + ".*")
        if reason is not None:
            return reason
    return None


def _import(prefix, module):
    try:
        return importlib.import_module(prefix + ("." + module if module else ""))
    except ImportError:
        return None


def keras_names(module):
    keras_module = _import("keras", module)
    return sorted(n for n in dir(keras_module) if not n.startswith("_"))


def _params(obj):
    """(name, kind, default) of a callable's parameters; `self` dropped."""
    target = obj.__init__ if inspect.isclass(obj) else obj
    try:
        sig = inspect.signature(target)
    except (TypeError, ValueError):
        return None
    out = []
    for p in sig.parameters.values():
        if p.name == "self" and not out:
            continue
        out.append((p.name, p.kind.name, _default(p.default)))
    return out


def _default(value):
    if value is inspect.Parameter.empty:
        return "<required>"
    if value is None or isinstance(value, bool | int | float | str):
        return repr(value)
    if isinstance(value, tuple | list) and all(
        v is None or isinstance(v, bool | int | float | str) for v in value
    ):
        return repr(tuple(value))
    return f"<{type(value).__name__}>"


def signature_difference(keras_obj, ours):
    """A one-line description of how the signatures differ, or None if equal."""
    if not (inspect.isclass(keras_obj) or inspect.isfunction(keras_obj)):
        return None
    if inspect.isclass(keras_obj) and keras_obj.__init__ is object.__init__:
        return None
    theirs, mine = _params(keras_obj), _params(ours)
    if theirs is None or mine is None or theirs == mine:
        return None
    return f"Keras {theirs} vs kerasish {mine}"


@dataclass
class Surface:
    total: int = 0
    present: int = 0
    missing: list = field(default_factory=list)  # paths not found, not excluded
    excluded_names: dict = field(default_factory=dict)  # path -> reason
    signatures_compared: int = 0
    signatures_equal: int = 0
    signature_diffs: dict = field(default_factory=dict)  # path -> difference
    stale_exclusions: list = field(default_factory=list)


def compute_surface():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    exclusions = load_exclusions()
    surface = Surface()
    for module in MODULES:
        ours_module = _import("kerasish", module)
        keras_module = _import("keras", module)
        for name in keras_names(module):
            path = _path(module, name)
            surface.total += 1
            ours = getattr(ours_module, name, None) if ours_module else None
            reason = excluded(path, exclusions["name"])
            if ours is None:
                if reason is None:
                    surface.missing.append(path)
                else:
                    surface.excluded_names[path] = reason
                continue
            surface.present += 1
            if reason is not None and path in exclusions["name"]:
                surface.stale_exclusions.append(path)
            theirs = getattr(keras_module, name)
            if not (inspect.isclass(theirs) or inspect.isfunction(theirs)):
                continue
            surface.signatures_compared += 1
            diff = signature_difference(theirs, ours)
            if diff is None:
                surface.signatures_equal += 1
            elif excluded(path, exclusions["signature"]) is None:
                surface.signature_diffs[path] = diff
    return surface


def coverage_lines(surface):
    s = surface
    share = 100 * s.present / max(s.total, 1)
    return [
        f"Keras 3 public names present in kerasish: {s.present}/{s.total} "
        f"({share:.1f}%); excluded {len(s.excluded_names)}, "
        f"missing {len(s.missing)}",
        f"signatures equal to Keras's: {s.signatures_equal}/{s.signatures_compared} "
        f"({100 * s.signatures_equal / max(s.signatures_compared, 1):.1f}%)",
    ]
