"""`to_categorical` and `normalize`: numpy in, numpy out (tensors stay tensors)."""

import numpy as np


def to_categorical(x, num_classes=None):
    """Converts integer class labels to one-hot rows (float64 for numpy input).

    A trailing axis of size 1 is dropped first: labels of shape `(n, 1)` give
    `(n, num_classes)`.

    Args:
        x: Integer labels from 0 to `num_classes - 1` (array-like or a tensor).
        num_classes: Number of classes; `None` means `max(x) + 1`.

    Returns:
        An array of shape `x.shape + (num_classes,)`.

    Example:
    >>> kerasish.utils.to_categorical([0, 2], num_classes=3)
    array([[1., 0., 0.],
           [0., 0., 1.]])
    """
    from kerasish import ops

    if ops.is_tensor(x):
        shape = tuple(x.shape)
        if len(shape) > 1 and shape[-1] == 1:
            x = ops.reshape(x, shape[:-1])
        if num_classes is None:
            raise ValueError(
                "to_categorical: pass `num_classes` for tensor inputs (it cannot be "
                "inferred from a compiled tensor's values)."
            )
        return ops.one_hot(x, num_classes)
    x = np.array(x, dtype="int64")
    shape = x.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    x = x.reshape(-1)
    if not num_classes:
        num_classes = int(np.max(x)) + 1
    if x.size and (x.min() < 0 or x.max() >= num_classes):
        raise ValueError(
            f"to_categorical: labels must lie in [0, {num_classes - 1}] for "
            f"num_classes={num_classes}; received values from {x.min()} to "
            f"{x.max()}."
        )
    out = np.zeros((x.shape[0], num_classes))
    out[np.arange(x.shape[0]), x] = 1
    return out.reshape(shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Divides `x` by its `order`-norm along `axis` (zero norms are left as 1).

    Example:
    >>> kerasish.utils.normalize(np.array([[3.0, 4.0]]))
    array([[0.6, 0.8]])
    """
    from kerasish import ops

    if isinstance(x, np.ndarray):
        norm = np.atleast_1d(np.linalg.norm(x, order, axis))
        norm[norm == 0] = 1
        # `axis=None` normalizes by the norm of the whole array. (Keras writes
        # `axis or -1`, which also turns `axis=0` into -1.)
        axis = -1 if axis is None else axis
        return x / np.expand_dims(norm, axis)
    return ops.normalize(x, axis=axis, order=order)
