"""Plain-Python nested structures (lists, tuples, dicts) for graph plumbing.

Dicts flatten in sorted key order, as Keras's `tree` does. Anything else is a leaf,
including `None`.
"""


def flatten(structure) -> list:
    if isinstance(structure, dict):
        return [leaf for k in sorted(structure) for leaf in flatten(structure[k])]
    if isinstance(structure, list | tuple):
        return [leaf for item in structure for leaf in flatten(item)]
    return [structure]


def map_structure(fn, structure):
    if isinstance(structure, dict):
        return {k: map_structure(fn, v) for k, v in structure.items()}
    if isinstance(structure, list | tuple):
        items = [map_structure(fn, v) for v in structure]
        return (
            type(structure)(items)
            if not hasattr(structure, "_fields")
            else type(structure)(*items)
        )
    return fn(structure)


def pack_sequence_as(structure, flat):
    """Inverse of `flatten`: fills `structure`'s leaves from `flat`, in order."""
    leaves = iter(flat)

    def fill(node):
        if isinstance(node, dict):
            filled = {k: fill(node[k]) for k in sorted(node)}
            return {k: filled[k] for k in node}
        if isinstance(node, list | tuple):
            items = [fill(v) for v in node]
            if hasattr(node, "_fields"):
                return type(node)(*items)
            return type(node)(items)
        return next(leaves)

    return fill(structure)


def is_nested(x) -> bool:
    return isinstance(x, list | tuple | dict)
