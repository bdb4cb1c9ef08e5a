"""`kerasish.tree`: Keras's nested-structure utilities, in plain Python.

Nodes are lists, tuples, namedtuples, deques and dicts (`dict`, `defaultdict` and
`OrderedDict`); everything else is a leaf, `None` included. Dict values are visited
in sorted key order (an `OrderedDict` in its own order) and rebuilt dicts keep the
key order of the structure they came from, as `keras.tree` (optree) does.
"""

import collections
import warnings


class MAP_TO_NONE:
    """Special value for use with `traverse()`: replaces a sub-tree with `None`."""


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _is_node(x, none_is_leaf=True) -> bool:
    if x is None:
        return not none_is_leaf
    return isinstance(x, list | tuple | dict | collections.deque)


def _keys(x) -> list:
    """The child keys of node `x`, in visiting order."""
    if isinstance(x, dict):
        if isinstance(x, collections.OrderedDict):
            return list(x)
        try:
            return sorted(x)
        except TypeError:
            return list(x)
    if x is None:
        return []
    return list(range(len(x)))


def _children(x) -> list:
    if isinstance(x, dict):
        return [x[k] for k in _keys(x)]
    return [] if x is None else list(x)


def _rebuild(node, children):
    """A node like `node` holding `children` (in `_keys(node)` order)."""
    if node is None:
        return None
    if isinstance(node, dict):
        by_key = dict(zip(_keys(node), children))
        items = [(k, by_key[k]) for k in node]
        if isinstance(node, collections.defaultdict):
            return collections.defaultdict(node.default_factory, items)
        return type(node)(items)
    if _is_namedtuple(node):
        return type(node)(*children)
    if isinstance(node, collections.deque):
        return collections.deque(children, maxlen=node.maxlen)
    return type(node)(children)


def _kind(x):
    # dict, OrderedDict and defaultdict are the same kind of node; list, tuple,
    # deque and each namedtuple class are distinct.
    return dict if isinstance(x, dict) else type(x)


def _mismatch(a, b) -> str | None:
    """Why nodes `a` and `b` do not match, or None when they do."""
    if _kind(a) is not _kind(b):
        return f"Expected an instance of {type(a).__name__}, got {b!r}."
    if isinstance(a, dict):
        if set(a) != set(b):
            return (
                f"dictionary key mismatch; expected key(s): {_keys(a)}, got "
                f"key(s): {_keys(b)}."
            )
    elif len(a) != len(b):
        return f"{type(a).__name__} arity mismatch; expected: {len(a)}, got: {len(b)}."
    return None


def _aligned_children(first, other):
    if isinstance(first, dict):
        return [other[k] for k in _keys(first)]
    return list(other)


def is_nested(structure):
    """Whether `structure` is a list, tuple, namedtuple, deque or dict.

    Example:
    >>> kerasish.tree.is_nested({"foo": 42}), kerasish.tree.is_nested(None)
    (True, False)
    """
    return _is_node(structure)


def traverse(func, structure, top_down=True):
    """Applies `func` to every sub-structure, depth first.

    Top-down, a non-`None` result replaces the sub-tree and stops the descent;
    bottom-up, a non-`None` result replaces the already traversed sub-tree. Return
    `MAP_TO_NONE` to replace a sub-tree with `None`.

    Example:
    >>> kerasish.tree.traverse(lambda x: x if x == 2 else None, [1, [2]])
    [1, [2]]
    """
    if not callable(func):
        raise TypeError(f"traverse: `func` must be callable, got {func!r}.")

    def children_done(node):
        if not _is_node(node):
            return node
        return _rebuild(
            node, [traverse(func, c, top_down=top_down) for c in _children(node)]
        )

    if top_down:
        result = func(structure)
        if result is None:
            return children_done(structure)
    else:
        traversed = children_done(structure)
        result = func(traversed)
        if result is None:
            return traversed
    return None if result is MAP_TO_NONE else result


def flatten(structure):
    """Flattens a nested structure into a list of leaves (dicts by sorted key).

    Example:
    >>> kerasish.tree.flatten({"b": [1, None], "a": 2})
    [2, 1, None]
    """
    if not _is_node(structure):
        return [structure]
    return [leaf for child in _children(structure) for leaf in flatten(child)]


def flatten_with_path(structure):
    """Flattens into `(path, leaf)` pairs; a path is a tuple of indices and keys.

    Example:
    >>> kerasish.tree.flatten_with_path([{"foo": 42}])
    [((0, 'foo'), 42)]
    """
    if not _is_node(structure):
        return [((), structure)]
    return [
        ((key, *path), leaf)
        for key, child in zip(_keys(structure), _children(structure))
        for path, leaf in flatten_with_path(child)
    ]


def map_structure(func, *structures, none_is_leaf=True):
    """Applies `func` to the leaves of `structures`, which share one layout.

    Args:
        func: A callable taking one argument per structure.
        *structures: Nested structures of the same layout.
        none_is_leaf: Whether `func` is called on `None` leaves (when `False`,
            they stay `None`).

    Example:
    >>> kerasish.tree.map_structure(lambda a, b: a * b, [[1], 2], [[3], 4])
    [[3], 8]
    """
    if not structures:
        raise ValueError("Must provide at least one structure")

    def walk(first, others):
        if not _is_node(first, none_is_leaf):
            if any(_is_node(o, none_is_leaf) for o in others):
                raise ValueError("Structures don't have the same nested structure.")
            return func(first, *others)
        for other in others:
            if not _is_node(other, none_is_leaf):
                raise ValueError(
                    f"Expected an instance of {type(first).__name__}, got {other!r}."
                )
            reason = _mismatch(first, other)
            if reason:
                raise ValueError(reason)
        columns = [_aligned_children(first, o) for o in others]
        children = [
            walk(child, [column[i] for column in columns])
            for i, child in enumerate(_children(first))
        ]
        return _rebuild(first, children)

    return walk(structures[0], structures[1:])


def map_structure_up_to(shallow_structure, func, *structures):
    """Like `map_structure`, but only down to the leaves of `shallow_structure`.

    Deeper parts of `structures` are passed to `func` whole.

    Example:
    >>> kerasish.tree.map_structure_up_to([0, [0, 0]], str, [[1, 1], [2, 2]])
    ['[1, 1]', ['2', '2']]
    """
    if not structures:
        raise ValueError("Must provide at least one structure")

    def walk(shallow, items):
        if not _is_node(shallow):
            return func(*items)
        for item in items:
            if not _is_node(item):
                raise ValueError(
                    f"Expected an instance of {type(shallow).__name__}, got {item!r}."
                )
            reason = _mismatch(shallow, item)
            if reason:
                raise ValueError(reason)
        columns = [_aligned_children(shallow, item) for item in items]
        children = [
            walk(child, [column[i] for column in columns])
            for i, child in enumerate(_children(shallow))
        ]
        return _rebuild(shallow, children)

    return walk(shallow_structure, structures)


def assert_same_structure(a, b, check_types=None):
    """Raises `ValueError` unless `a` and `b` nest the same way.

    Lists, tuples, deques and namedtuples are different structures; dict kinds
    with the same keys are the same. `check_types` is deprecated and ignored.
    """
    if check_types is not None:
        warnings.warn(
            "The `check_types` argument is deprecated and no longer has any effect; "
            "use `kerasish.tree.assert_same_paths()` for a looser check.",
            DeprecationWarning,
            stacklevel=2,
        )
    map_structure(lambda *_: None, a, b)


def assert_same_paths(a, b):
    """Raises `ValueError` unless `a` and `b` have the same leaf paths.

    Only paths count: `[0, 1]` and `(2, 3)` match.
    """
    a_paths = {path for path, _ in flatten_with_path(a)}
    b_paths = {path for path, _ in flatten_with_path(b)}
    if a_paths != b_paths:
        msg = "`a` and `b` don't have the same paths."
        if a_paths - b_paths:
            msg += f"\nPaths in `a` missing in `b`:\n{a_paths - b_paths}"
        if b_paths - a_paths:
            msg += f"\nPaths in `b` missing in `a`:\n{b_paths - a_paths}"
        raise ValueError(msg)


def pack_sequence_as(structure, flat_sequence):
    """Fills `structure`'s leaves, in `flatten` order, from `flat_sequence`.

    Example:
    >>> kerasish.tree.pack_sequence_as({"b": 0, "a": 0}, [1, 2])
    {'b': 2, 'a': 1}
    """
    try:
        flat = list(flat_sequence)
    except TypeError as error:
        raise TypeError(
            f"pack_sequence_as: `flat_sequence` must be iterable, got "
            f"{type(flat_sequence).__name__}."
        ) from error
    expected = len(flatten(structure))
    if len(flat) != expected:
        raise ValueError(
            f"pack_sequence_as: the structure has {expected} leaves but "
            f"`flat_sequence` has {len(flat)} items."
        )
    leaves = iter(flat)

    def fill(node):
        if not _is_node(node):
            return next(leaves)
        return _rebuild(node, [fill(child) for child in _children(node)])

    return fill(structure)


def lists_to_tuples(structure):
    """Returns `structure` with every list turned into a tuple."""
    return traverse(
        lambda x: tuple(x) if isinstance(x, list) else None, structure, top_down=False
    )


def map_shape_structure(func, structure):
    """`map_structure` that treats tuples/lists of ints and `None`s as leaves.

    Example:
    >>> kerasish.tree.map_shape_structure(len, [(1, None), {"a": (4,)}])
    [2, {'a': 1}]
    """

    def walk(node):
        if isinstance(node, list | tuple) and all(
            isinstance(d, int | type(None)) for d in node
        ):
            return func(node)
        if not _is_node(node):
            return func(node)
        return _rebuild(node, [walk(child) for child in _children(node)])

    return walk(structure)
