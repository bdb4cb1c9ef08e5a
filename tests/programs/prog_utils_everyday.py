"""Everyday keras.utils: to_categorical, normalize, pad_sequences, packing."""

import numpy as np


def run(keras, workdir):
    utils = keras.utils
    labels = np.array([0, 2, 1, 3, 2])
    one_hot = utils.to_categorical(labels)
    one_hot4 = utils.to_categorical([1, 0], num_classes=4)
    x = np.array([[3.0, 4.0], [1.0, 0.0]], dtype="float32")
    normalized = utils.normalize(x, axis=-1, order=2)
    sequences = [[1, 2, 3], [4, 5], [6]]
    padded = utils.pad_sequences(sequences, maxlen=4, padding="pre", value=-1)
    padded_strings = utils.pad_sequences([["a", "b"], ["c"]], dtype=object, value="")
    packed = utils.pack_x_y_sample_weight(x, labels[:2])
    unpacked = utils.unpack_x_y_sample_weight(packed)
    cat_from_2d = utils.to_categorical(np.array([[1], [0]]), num_classes=2)
    return {
        "close_one_hot": one_hot,
        "close_one_hot4": one_hot4,
        "close_normalized": normalized,
        "same_padded": padded.tolist(),
        "same_padded_strings": padded_strings.tolist(),
        "same_unpacked_len": len(unpacked),
        "same_unpacked_none": unpacked[2] is None,
        "close_cat_2d": cat_from_2d,
        "same_dtype": str(one_hot.dtype),
    }
