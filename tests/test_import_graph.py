"""No import cycles between kerasish's packages.

A package is a first-level name under `kerasish`: `kerasish.layers`, and a
first-level module such as `kerasish.config` counts as its own package. Every
import in kerasish's source is read from its syntax tree: at module level and
inside functions alike (an import inside a function is still a dependency; it
only moves a circular import from load time to run time).

The allowed direction, bottom first; a package may import only packages below
it (`ORDER` below spells it out):

    version, config          settings and the version string: import nothing
    engine                   the only package that imports jax
    serialization            the registry of serializable names, safe mode
    scopes, variables, random, ops, tree
    common                   helpers every package shares: naming, tree,
                             identifiers, progbar, seeding, packing, ...
    distribution             device meshes and layouts (`keras.distribution`);
                             variables read the current one through scopes
    optimizers, mixed_precision, dtype_policies
    quantizers               Keras's quantizers and quantization configs
    activations, initializers, constraints, regularizers, losses, metrics
    layers
    backend                  `keras.backend`: dtypes, clear_session,
                             is_keras_tensor (needs the layers' KerasTensor)
    saving                   walks layers and optimizers; never models/trainers
    callbacks, trainers, export, models
    utils                    `keras.utils`: dataset builders, FeatureSpace,
                             plot_model, ...; re-exports common's public names
    distillation, operation, wrappers, datasets, preprocessing, visualization,
    applications
    kerasish                 the top-level namespace: nothing imports it

`KNOWN_UPWARD` lists imports that are allowed to point up anyway (none: keep it
empty); the first test fails on any other one, naming the files and lines. The
second test checks that the package graph has no cycle at all.
"""

import ast
import os

import kerasish

ROOT = os.path.dirname(kerasish.__file__)

ORDER = [
    "kerasish.version",
    "kerasish.config",
    "kerasish.engine",
    "kerasish.serialization",
    "kerasish.scopes",
    "kerasish.variables",
    "kerasish.random",
    "kerasish.ops",
    "kerasish.tree",
    "kerasish.common",
    "kerasish.distribution",
    "kerasish.activations",
    "kerasish.initializers",
    "kerasish.optimizers",
    "kerasish.mixed_precision",
    "kerasish.dtype_policies",
    "kerasish.quantizers",
    "kerasish.constraints",
    "kerasish.regularizers",
    "kerasish.losses",
    "kerasish.metrics",
    "kerasish.layers",
    "kerasish.backend",
    "kerasish.saving",
    "kerasish.callbacks",
    "kerasish.trainers",
    "kerasish.export",
    "kerasish.models",
    "kerasish.utils",
    "kerasish.distillation",
    "kerasish.operation",
    "kerasish.wrappers",
    "kerasish.datasets",
    "kerasish.preprocessing",
    "kerasish.visualization",
    "kerasish.applications",
    "kerasish",
]

# Imports allowed to point up the order, as (package, imported package). Each
# would close a cycle; the list is empty and should stay so.
KNOWN_UPWARD = set()


def _package(module):
    parts = module.split(".")
    if parts[0] != "kerasish":
        return None
    return ".".join(parts[:2])


def _module_name(path):
    relative = os.path.relpath(path, os.path.dirname(ROOT))[: -len(".py")]
    name = relative.replace(os.sep, ".")
    return name[: -len(".__init__")] if name.endswith(".__init__") else name


def _imported(node, package):
    """The modules an import statement (or `import_module("...")`) names;
    `package` is the dotted package the file is in (for relative imports)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level:  # relative: `.` is `package`, `..` its parent, ...
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
        else:
            target = node.module
        if target == "kerasish":
            return [f"kerasish.{a.name}" for a in node.names]
        return [target]
    if (
        isinstance(node, ast.Call)
        and getattr(node.func, "attr", getattr(node.func, "id", None))
        in ("import_module", "__import__")
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return [node.args[0].value]
    return []


def import_edges():
    """`{(package, imported package): ["file:line", ...]}` over kerasish's source."""
    edges = {}
    for dirpath, _, files in os.walk(ROOT):
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            path = os.path.join(dirpath, name)
            module = _module_name(path)
            source = _package(module)
            containing = _module_name(os.path.join(dirpath, "__init__.py"))
            with open(path, encoding="utf-8") as f:
                tree = ast.parse(f.read(), path)
            for node in ast.walk(tree):
                for target in _imported(node, containing):
                    package = _package(target)
                    if package is not None and package != source:
                        where = f"{os.path.relpath(path, ROOT)}:{node.lineno}"
                        edges.setdefault((source, package), []).append(where)
    return edges


def cycles(edges):
    """The strongly connected components with more than one package."""
    graph = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_every_package_is_placed():
    on_disk = {
        "kerasish." + (n[: -len(".py")] if n.endswith(".py") else n)
        for n in os.listdir(ROOT)
        if (n.endswith(".py") and n != "__init__.py")
        or os.path.isfile(os.path.join(ROOT, n, "__init__.py"))
    }
    missing = sorted(on_disk - set(ORDER))
    assert not missing, f"Place {missing} in ORDER, where their imports allow."
    assert not sorted(set(ORDER) - on_disk - {"kerasish"})


def test_imports_point_down_the_order():
    edges = import_edges()
    rank = {p: i for i, p in enumerate(ORDER)}
    upward = {(a, b) for a, b in edges if rank[a] < rank[b]}
    new = sorted(upward - KNOWN_UPWARD)
    gone = sorted(KNOWN_UPWARD - upward)
    assert not new, "Imports point up the package order (a new cycle):\n" + "\n".join(
        f"  {a} -> {b}: {', '.join(edges[(a, b)][:4])}" for a, b in new
    )
    assert not gone, f"Remove {gone} from KNOWN_UPWARD: those imports are gone."


def test_no_cycles_between_packages():
    edges = import_edges()
    found = cycles(edges)
    assert not found, "Import cycles between packages:\n" + "\n".join(
        "  " + " <-> ".join(c) for c in found
    )


def test_cycle_finder_finds_a_cycle_and_accepts_a_chain():
    chain = {("a", "b"): [], ("b", "c"): []}
    assert cycles(chain) == []
    assert cycles({**chain, ("c", "a"): []}) == [["a", "b", "c"]]


def test_imports_inside_functions_and_relative_ones_are_counted():
    source = "def f():\n    from kerasish.saving import weights_io\n"
    node = ast.parse(source).body[0].body[0]
    assert _imported(node, "kerasish.layers") == ["kerasish.saving"]
    call = ast.parse("importlib.import_module('kerasish.models')").body[0].value
    assert _imported(call, "kerasish.utils") == ["kerasish.models"]
    relative = ast.parse("from ..saving import registry").body[0]
    assert _imported(relative, "kerasish.layers") == ["kerasish.saving"]
    sibling = ast.parse("from . import dense").body[0]
    assert _imported(sibling, "kerasish.layers.core") == ["kerasish.layers.core"]
    edges = import_edges()
    assert ("kerasish.models", "kerasish.saving") in edges  # model.save(...)
