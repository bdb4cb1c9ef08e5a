"""`kerasish.tree` against `keras.tree` on the same nested structures."""

import collections
import inspect

import numpy as np
import pytest

from kerasish import tree
from tests.helpers import keras3, signature_parts

Point = collections.namedtuple("Point", ["x", "y"])

STRUCTURES = [
    1,
    None,
    [None],
    [1],
    (),
    [[1, 2, 3], [4, [5], [[6]]]],
    {"b": [1, None], "a": (2, {"d": 3, "c": 4})},
    {100: "world!", 6: "Hello"},
    collections.OrderedDict(b=1, a=2),
    collections.defaultdict(list, {"z": 1, "y": [2, 3]}),
    Point(x=1, y=[2, None]),
    collections.deque([1, (2, 3)]),
    [{"b": None, "a": []}, "text", b"bytes"],
]

NAMES = [
    "MAP_TO_NONE",
    "assert_same_paths",
    "assert_same_structure",
    "flatten",
    "flatten_with_path",
    "is_nested",
    "lists_to_tuples",
    "map_shape_structure",
    "map_structure",
    "map_structure_up_to",
    "pack_sequence_as",
    "traverse",
]


def _same(a, b):
    assert type(a) is type(b), (a, b)
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, list | tuple | collections.deque):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    else:
        assert a == b


@pytest.mark.compat
def test_names_and_signatures_match_keras():
    keras = keras3()
    assert sorted(n for n in dir(keras.tree) if not n.startswith("_")) == NAMES
    for name in NAMES:
        ours, theirs = getattr(tree, name), getattr(keras.tree, name)
        if inspect.isfunction(theirs):
            assert signature_parts(ours) == signature_parts(theirs), name


@pytest.mark.compat
@pytest.mark.parametrize("structure", STRUCTURES, ids=range(len(STRUCTURES)))
def test_functions_match_keras(structure):
    keras = keras3()
    assert tree.is_nested(structure) == keras.tree.is_nested(structure)
    assert tree.flatten(structure) == keras.tree.flatten(structure)
    assert tree.flatten_with_path(structure) == keras.tree.flatten_with_path(structure)
    n = len(keras.tree.flatten(structure))
    flat = [f"leaf{i}" for i in range(n)]
    _same(
        tree.pack_sequence_as(structure, flat),
        keras.tree.pack_sequence_as(structure, flat),
    )
    fn = lambda x: ("seen", x)  # noqa: E731
    _same(tree.map_structure(fn, structure), keras.tree.map_structure(fn, structure))
    _same(
        tree.map_structure(fn, structure, none_is_leaf=False),
        keras.tree.map_structure(fn, structure, none_is_leaf=False),
    )
    _same(tree.lists_to_tuples(structure), keras.tree.lists_to_tuples(structure))
    _same(
        tree.map_shape_structure(repr, structure),
        keras.tree.map_shape_structure(repr, structure),
    )
    for top_down in (True, False):
        ours, theirs = [], []
        _same(
            tree.traverse(ours.append, structure, top_down=top_down),
            keras.tree.traverse(theirs.append, structure, top_down=top_down),
        )
        assert [repr(x) for x in ours] == [repr(x) for x in theirs]


@pytest.mark.compat
def test_multi_structure_maps_and_traverse_replacements_match_keras():
    keras = keras3()
    a = {"w": [1, 2], "v": (3, None)}
    b = {"v": (30, None), "w": [10, 20]}
    add = lambda x, y: None if x is None else x + y  # noqa: E731
    _same(tree.map_structure(add, a, b), keras.tree.map_structure(add, a, b))
    shallow = [1, [1, 1]]
    deep = [[1, 1], [2, (2, 3)]]
    _same(
        tree.map_structure_up_to(shallow, str, deep),
        keras.tree.map_structure_up_to(shallow, str, deep),
    )
    cut = lambda x: tree.MAP_TO_NONE if x == [3] else None  # noqa: E731
    cut_k = lambda x: keras.tree.MAP_TO_NONE if x == [3] else None  # noqa: E731
    _same(tree.traverse(cut, [(1, 2), [3]]), keras.tree.traverse(cut_k, [(1, 2), [3]]))
    shape_fn = lambda s: None if s is None else len(s)  # noqa: E731
    s = [(1, None), [2, 3], {"a": (4,)}, (), None]
    _same(
        tree.map_shape_structure(shape_fn, s),
        keras.tree.map_shape_structure(shape_fn, s),
    )
    arrays = [np.ones(2), {"k": np.zeros(3)}]
    assert [x.shape for x in tree.flatten(arrays)] == [(2,), (3,)]


def test_map_structure_dict_order_and_namedtuple():
    out = tree.map_structure(lambda x: x * 10, {"b": 1, "a": Point(2, 3)})
    assert list(out) == ["b", "a"] and out["a"] == Point(20, 30)
    assert tree.flatten({"b": 1, "a": 2}) == [2, 1]


@pytest.mark.parametrize(
    "a, b, match",
    [
        ([1, 2], [1, [2]], "same nested structure"),
        ([1, [2]], [1, 2], "Expected an instance of list"),
        ([1, 2], (1, 2), "Expected an instance of list"),
        ([1], [1, 2], "arity mismatch"),
        ({"a": 1}, {"b": 1}, "key mismatch"),
    ],
)
def test_mismatched_structures_raise(a, b, match):
    with pytest.raises(ValueError, match=match):
        tree.map_structure(lambda x, y: x, a, b)
    with pytest.raises(ValueError, match=match):
        tree.assert_same_structure(a, b)


def test_other_errors():
    with pytest.raises(ValueError, match="at least one structure"):
        tree.map_structure(lambda: 1)
    with pytest.raises(ValueError, match="at least one structure"):
        tree.map_structure_up_to([1], len)
    with pytest.raises(ValueError, match="2 leaves but `flat_sequence` has 1"):
        tree.pack_sequence_as([1, 2], [1])
    with pytest.raises(TypeError, match="must be iterable"):
        tree.pack_sequence_as([1, 2], 5)
    with pytest.raises(ValueError, match=r"Paths in `a` missing in `b`"):
        tree.assert_same_paths([1, {"a": 2}], (1, {"b": 2}))
    with pytest.raises(TypeError, match="must be callable"):
        tree.traverse(3, [1])
    with pytest.raises(ValueError, match="Expected an instance of list"):
        tree.map_structure_up_to([[1], 1], len, [2, 1])
    with pytest.warns(DeprecationWarning, match="check_types"):
        tree.assert_same_structure([1], [2], check_types=True)
    tree.assert_same_paths([0, 1], (2, 3))
    tree.assert_same_structure({"a": 1}, collections.OrderedDict(a=2))
