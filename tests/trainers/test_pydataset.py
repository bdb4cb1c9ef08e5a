"""A PyDataset (and a generator) in `fit` as Keras 3 reads them: the epoch
hooks, `shuffle`, `steps_per_epoch` below the length, `class_weight`, and a
generator that runs out."""

import random

import numpy as np
import pytest

import kerasish as keras
from kerasish import layers

RNG = np.random.default_rng(0)
X = RNG.normal(size=(16, 3)).astype("float32")
LABELS = (X[:, 0] > 0).astype("float32")[:, None]


class Logged(keras.utils.PyDataset):
    """4 batches of 4 rows; logs the batches read and the hooks called."""

    def __init__(self, three=False, **kwargs):
        super().__init__(**kwargs)
        self.log = []
        self.three = three

    def __len__(self):
        return 4

    def __getitem__(self, i):
        self.log.append(i)
        rows = slice(4 * i, 4 * i + 4)
        if self.three:
            return X[rows], LABELS[rows], np.ones(4, "float32")
        return X[rows], LABELS[rows]

    def on_epoch_begin(self):
        self.log.append("begin")

    def on_epoch_end(self):
        self.log.append("end")


def _model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.1), "binary_crossentropy")
    return model


def test_the_epoch_hooks_run_around_every_pass_as_in_keras():
    data = Logged()
    _model().fit(data, epochs=2, shuffle=False, verbose=0)
    # The first batch, drawn to build the model, is read in a pass of its own.
    assert data.log == ["begin", 0, "end"] + ["begin", 0, 1, 2, 3, "end"] * 2


def test_shuffle_orders_each_pass_with_pythons_random_as_keras():
    data = Logged()
    keras.utils.set_random_seed(7)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.1), "binary_crossentropy")
    model.fit(data, epochs=2, verbose=0)  # shuffle=True, the default
    # The reference, as Keras 3.15 gives it: the same seed, one draw for the
    # Dense kernel's default seed (`make_default_seed`), then one
    # `random.shuffle` per pass.
    keras.utils.set_random_seed(7)
    random.randint(1, int(1e9))
    passes = []
    for _ in range(3):
        order = list(range(4))
        random.shuffle(order)
        passes.append(order)
    expected = ["begin", passes[0][0], "end"]
    for order in passes[1:]:
        expected += ["begin", *order, "end"]
    assert data.log == expected
    assert passes[1] != passes[2] or passes[1] != [0, 1, 2, 3]


def test_steps_per_epoch_below_the_length_goes_on_where_the_last_epoch_stopped():
    data = Logged()
    _model().fit(data, epochs=3, steps_per_epoch=3, shuffle=False, verbose=0)
    batches = [i for i in data.log if isinstance(i, int)][1:]  # after the first
    # As Keras's EpochIterator: the second epoch ends with the pass (one step),
    # and the third starts a new one.
    assert batches == [0, 1, 2, 3, 0, 1, 2]


def test_class_weight_weighs_a_pydatasets_batches_as_sample_weight_would():
    weights = {0: 1.0, 1: 10.0}
    history = _model().fit(
        Logged(), class_weight=weights, epochs=2, shuffle=False, verbose=0
    )
    rows = np.where(LABELS[:, 0] == 1, 10.0, 1.0)
    reference = _model().fit(
        X, LABELS, sample_weight=rows, batch_size=4, epochs=2, shuffle=False, verbose=0
    )
    np.testing.assert_allclose(
        history.history["loss"], reference.history["loss"], rtol=1e-6
    )
    with pytest.raises(ValueError, match="`class_weight` and `sample_weight`"):
        _model().fit(Logged(three=True), class_weight=weights, verbose=0)


def test_class_weight_with_a_generator_is_refused_as_in_keras():
    def batches():
        while True:
            yield X[:4], LABELS[:4]

    with pytest.raises(
        ValueError,
        match=r"`class_weight` is not supported for Python generator inputs\. "
        r"Received: class_weight=\{0: 1\.0, 1: 4\.0\}",
    ):
        _model().fit(
            batches(), steps_per_epoch=2, class_weight={0: 1.0, 1: 4.0}, verbose=0
        )


def test_a_generator_that_runs_out_stops_training_with_a_warning():
    def five_batches():
        for i in range(5):
            yield X[3 * i : 3 * i + 3], LABELS[3 * i : 3 * i + 3]

    with pytest.warns(UserWarning, match="ran out of data after 2 steps; expected 3"):
        history = _model().fit(five_batches(), steps_per_epoch=3, epochs=4, verbose=0)
    assert history.epoch == [0, 1]  # 3 batches, then the 2 left
