"""Lists and dicts a layer holds as attributes, tracked as they change.

`self.blocks = []` then `self.blocks.append(Dense(4))` (keras.io's
MDEmbedding, many guides): Keras wraps such a list in a tracked list, so the
layers and weights added later are the layer's own. A plain list or dict
assigned to a layer attribute becomes a `TrackedList` / `TrackedDict` here:
each item added later is tracked as an assigned one is. They are a `list` and
a `dict` for everything else, copy and pickle as plain ones, and flatten as
plain ones in pytrees.
"""

from kerasish.engine import get_engine


class _Owned:
    """What both containers share: telling the owner what comes and goes."""

    def _add(self, values):
        if self._owner is not None:
            for value in values:
                self._owner._track(value)
        return values

    def _drop(self, values):
        # As Keras's: an item taken out is no longer the owner's state.
        if self._owner is not None:
            for value in values:
                self._owner._untrack(value)


class TrackedList(_Owned, list):
    """A `list` that tracks the items added to it on its owner layer."""

    def __init__(self, values=(), owner=None):
        super().__init__(values)
        self._owner = owner

    def append(self, value):
        super().append(*self._add([value]))

    def extend(self, values):
        super().extend(self._add(list(values)))

    def insert(self, index, value):
        super().insert(index, *self._add([value]))

    def __setitem__(self, index, value):
        if isinstance(index, slice):
            value = self._add(list(value))
        else:
            self._add([value])
        super().__setitem__(index, value)

    def __iadd__(self, values):
        self.extend(values)
        return self

    def remove(self, value):
        super().remove(value)
        self._drop([value])

    def pop(self, index=-1):
        value = super().pop(index)
        self._drop([value])
        return value

    def clear(self):
        values = list(self)
        super().clear()
        self._drop(values)

    def __delitem__(self, index):
        values = self[index] if isinstance(index, slice) else [self[index]]
        super().__delitem__(index)
        self._drop(values)

    def __reduce_ex__(self, protocol):
        return list, (list(self),)


class TrackedDict(_Owned, dict):
    """A `dict` that tracks the values added to it on its owner layer."""

    def __init__(self, values=(), owner=None):
        super().__init__(values)
        self._owner = owner

    def __setitem__(self, key, value):
        self._add([value])
        super().__setitem__(key, value)

    def update(self, *args, **kwargs):
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def __delitem__(self, key):
        value = self[key]
        super().__delitem__(key)
        self._drop([value])

    def pop(self, key, *default):
        if key not in self:
            return super().pop(key, *default)
        value = super().pop(key)
        self._drop([value])
        return value

    def popitem(self):
        item = super().popitem()
        self._drop([item[1]])
        return item

    def clear(self):
        values = list(self.values())
        super().clear()
        self._drop(values)

    def __reduce_ex__(self, protocol):
        return dict, (dict(self),)


def tracked(owner, value, trackable):
    """`value` as the layer `owner` keeps it: a plain list or dict, empty or
    holding something `trackable` (a layer, a weight), wrapped to track what
    is added later; anything else as is (a model's structure of tensors stays
    a plain list: it is a pytree's shape)."""
    if type(value) is list:
        if not value or any(trackable(v) for v in value):
            return TrackedList(value, owner)
    elif type(value) is dict:
        if not value or any(trackable(v) for v in value.values()):
            return TrackedDict(value, owner)
    return value


get_engine().register_pytree_container(TrackedList, list)
get_engine().register_pytree_container(TrackedDict, dict)
