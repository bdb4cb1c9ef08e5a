"""Finds what the code above `kerasish/engine/` asks of the engine (an AST scan).

An "engine expression" is a call `get_engine(...)`, a name or `self.<attr>` bound
to one in the same module, or a name `engine`. On an engine expression, `.member`
is a use of `member`; `getattr(engine, "member", ...)` and `hasattr(...)` too.
On a namespace (`get_engine().nn`, a name bound to one, `engine_namespace("nn")`),
`.op` is a use of the op `nn.op`. The result maps each use to where it happens.
"""

import ast
import pathlib

NAMESPACES = (
    "numpy",
    "nn",
    "linalg",
    "math",
    "core",
    "image",
    "random",
    "optimizers",
    "export",
)


def _is_get_engine_call(node):
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    return name == "get_engine"


def _key(node):
    """A hashable spelling of a name or `self.attr` target, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return None


class _Scanner(ast.NodeVisitor):
    def __init__(self, where):
        self.where = where
        self.engine_names = {"engine", "_engine", "self._engine"}
        self.namespace_names = {}  # bound name -> namespace
        self.uses = {}

    # -- classification ----------------------------------------------------------
    def _is_engine(self, node):
        return _is_get_engine_call(node) or _key(node) in self.engine_names

    def _namespace_of(self, node):
        if isinstance(node, ast.Attribute) and self._is_engine(node.value):
            return node.attr if node.attr in NAMESPACES else None
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", None) == "engine_namespace"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            return node.args[0].value
        return self.namespace_names.get(_key(node))

    def _add(self, use, node):
        self.uses.setdefault(use, []).append(f"{self.where}:{node.lineno}")

    # -- bindings ----------------------------------------------------------------
    def bind(self, tree):
        """First pass: names bound to the engine or to one of its namespaces."""
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                targets = [_key(t) for t in node.targets]
                if self._is_engine(node.value):
                    self.engine_names.update(t for t in targets if t)
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                space = self._namespace_of(node.value)
                if space:
                    for t in node.targets:
                        if _key(t):
                            self.namespace_names[_key(t)] = space

    # -- uses --------------------------------------------------------------------
    def visit_Attribute(self, node):
        space = self._namespace_of(node.value)
        if space:
            self._add(f"{space}.{node.attr}", node)
        elif self._is_engine(node.value):
            self._add(node.attr, node)
        self.generic_visit(node)

    def visit_Call(self, node):
        name = getattr(node.func, "id", None)
        if name in ("getattr", "hasattr") and len(node.args) >= 2:
            target, attr = node.args[0], node.args[1]
            if isinstance(attr, ast.Constant) and isinstance(attr.value, str):
                space = self._namespace_of(target)
                if space:
                    self._add(f"{space}.{attr.value}", node)
                elif self._is_engine(target):
                    self._add(attr.value, node)
        self.generic_visit(node)


def engine_uses(package_root):
    """`{use: [file:line, ...]}` for every module of `package_root` outside
    its `engine/` package."""
    root = pathlib.Path(package_root)
    uses = {}
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root.parent)
        if relative.parts[1] == "engine":
            continue
        tree = ast.parse(path.read_text(), str(path))
        scanner = _Scanner(str(relative))
        scanner.bind(tree)
        scanner.visit(tree)
        for use, places in scanner.uses.items():
            uses.setdefault(use, []).extend(places)
    return uses
