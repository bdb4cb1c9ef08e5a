"""The code above the engine asks it only what `engine/base.py` declares."""

import ast
import inspect
import pathlib
import textwrap

import pytest

import kerasish
from kerasish.engine import base
from kerasish.engine.jax_engine import JaxEngine
from kerasish.engine.numpy_engine import NumpyEngine
from tests.engine.engine_uses import NAMESPACES, engine_uses

_ROOT = pathlib.Path(kerasish.__file__).parent
_SUB_PROTOCOLS = {
    "optimizers": base.OptimizerRules,
    "export": base.ExportFunctions,
}


@pytest.fixture(scope="module")
def uses():
    return engine_uses(_ROOT)


def _declared(use):
    space, _, op = use.partition(".")
    if not op:
        return space in base.members()
    if space in _SUB_PROTOCOLS:
        return op in base.members(_SUB_PROTOCOLS[space])
    return op in base.OPS.get(space, ())


def test_code_above_the_engine_uses_only_declared_members(uses):
    undeclared = {use: places for use, places in uses.items() if not _declared(use)}
    assert not undeclared, (
        "Code above kerasish/engine/ uses engine members or ops that "
        "kerasish/engine/base.py does not declare (add them to `Engine`, `OPS` or "
        f"the sub-protocol, or go through a declared member): {undeclared}"
    )


def test_every_declared_op_is_used():
    """The catalogue lists what the layers above call, nothing stale."""
    uses = engine_uses(_ROOT)
    stale = [
        f"{space}.{op}"
        for space, ops in base.OPS.items()
        for op in ops
        if f"{space}.{op}" not in uses
    ]
    assert not stale, f"OPS names ops nothing above the engine calls: {stale}"


def test_scanner_sees_every_kind_of_use(tmp_path):
    """The scan finds calls on `get_engine()`, on names bound to it, on namespaces,
    through `getattr`/`hasattr` and `engine_namespace` (else the test above could
    pass by seeing nothing)."""
    package = tmp_path / "pkg"
    (package / "engine").mkdir(parents=True)
    (package / "engine" / "inner.py").write_text("get_engine().ignored_inside\n")
    (package / "user.py").write_text(
        textwrap.dedent(
            """
            def f():
                e = get_engine()
                e.alpha
                get_engine().beta(1)
                get_engine().nn.gamma(1)
                ns = get_engine().numpy
                ns.delta
                getattr(get_engine(), "epsilon", None)
                hasattr(e, "zeta")
                engine_namespace("math").eta
                self._engine.theta
                other.iota
            """
        )
    )
    found = set(engine_uses(package))
    assert found == {
        "alpha",
        "beta",
        "nn",
        "nn.gamma",
        "numpy",
        "numpy.delta",
        "epsilon",
        "zeta",
        "math.eta",
        "theta",
    }


def test_undeclared_use_fails_the_contract(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "user.py").write_text("get_engine().jax_internals\n")
    uses = engine_uses(package)
    assert [u for u in uses if not _declared(u)] == ["jax_internals"]


@pytest.mark.parametrize("engine_class", [JaxEngine, NumpyEngine])
def test_engines_have_every_declared_member(engine_class):
    engine = engine_class()
    missing = [m for m in base.members() if not hasattr(engine, m)]
    assert not missing, f"{engine_class.__name__} lacks {missing}"


def test_namespaces_scanned_are_the_declared_ones():
    assert set(base.OPS) | set(_SUB_PROTOCOLS) == set(NAMESPACES)


def test_jax_engine_implements_the_whole_catalogue():
    engine = JaxEngine()
    missing = [
        f"{space}.{op}"
        for space, ops in base.OPS.items()
        for op in ops
        if not callable(getattr(getattr(engine, space), op, None))
    ]
    assert not missing
    for space, protocol in _SUB_PROTOCOLS.items():
        rules = getattr(engine, space)
        assert all(hasattr(rules, m) for m in base.members(protocol)), space


def test_numpy_engine_has_the_whole_catalogue():
    """Every catalogued op is either implemented or raises NotImplementedError;
    no op is simply missing (an AttributeError deep inside a layer)."""
    engine = NumpyEngine()
    for space, ops in base.OPS.items():
        for op in ops:
            assert callable(getattr(getattr(engine, space), op)), f"{space}.{op}"


def test_numpy_engine_rejects_names_outside_the_catalogue():
    with pytest.raises(AttributeError, match="no op 'not_an_op'.*OPS"):
        NumpyEngine().nn.not_an_op  # noqa: B018


def test_protocol_signatures_match_the_jax_engine():
    """Each declared method's parameters are a prefix of the JAX engine's."""
    for name in base.members():
        declared = getattr(base.Engine, name, None)
        if not inspect.isfunction(declared):
            continue
        ours = list(inspect.signature(declared).parameters)[1:]
        theirs = list(inspect.signature(getattr(JaxEngine(), name)).parameters)
        assert theirs[: len(ours)] == ours, (name, ours, theirs)


def _imports_above_the_engine():
    for path in sorted(_ROOT.rglob("*.py")):
        relative = path.relative_to(_ROOT.parent)
        if relative.parts[1] == "engine":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                yield from ((a.name, f"{relative}:{node.lineno}") for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                yield node.module, f"{relative}:{node.lineno}"


def test_nothing_above_the_engine_imports_jax_or_engine_modules():
    """Only the engine package, its contract and its dtype names are importable
    from above; jax and optax only inside the engine."""
    allowed = {"kerasish.engine", "kerasish.engine.base", "kerasish.engine.dtypes"}
    bad = [
        (module, where)
        for module, where in _imports_above_the_engine()
        if module.split(".")[0] in ("jax", "optax")
        or (module.startswith("kerasish.engine") and module not in allowed)
    ]
    assert not bad, f"Imports past the engine contract: {bad}"
