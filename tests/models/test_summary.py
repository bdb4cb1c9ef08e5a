"""model.summary() prints what Keras 3 prints, character for character."""

import io
import re

import pytest

import kerasish
from tests.helpers import keras3
from tests.models import keras_summaries

SCRIPT = """
import numpy as np
from {pkg} import layers
import {pkg} as keras
m = keras.Sequential([keras.Input((64,)), layers.Dense(64, activation="relu"),
                      layers.Dropout(0.5), layers.Dense(10)])
m.summary()
inp = keras.Input((10,))
h = layers.Dense(4)(inp)
g = keras.Model(inp, layers.Dense(2)(h))
g.summary()
a = keras.Input((32,), name="a"); b = keras.Input((16,), name="b")
o1 = layers.Dense(1, name="o1")(layers.Dense(8)(a))
o2 = layers.Dense(3, name="o2")(b)
keras.Model([a, b], [o1, o2]).summary()
s = keras.Sequential([layers.Dense(3)])
s.summary()
s2 = keras.Sequential([layers.Dense(3, name="d")])
s2(np.ones((1, 4), "float32"))
s2.summary()
# Names wider than their column: on a line of their own, cut with an ellipsis.
a = keras.Input((4,), name="a_rather_long_input_name")
b = keras.Input((4,), name="b")
c = layers.concatenate([a, b])
o = layers.Dense(1, name="dense_with_a_long_name")(layers.BatchNormalization()(c))
got = []
keras.Model([a, b], o).summary(print_fn=got.append)
print(len(got), repr(got[0][-30:]))  # one text, newline-ended
print(got[0])
# A layer of several outputs: their shapes in a list.
seq = keras.Input((None, 3))
_, h, c = layers.LSTM(4, return_state=True)(seq)
keras.Model(seq, [h, c]).summary()
# A narrow table: header cells wrap, aligned to the bottom.
keras.Sequential([keras.Input((4,)), layers.BatchNormalization()]).summary(
    line_length=40
)
"""


KEY = "sequential_and_functional"  # its entry in keras_summaries.json.gz
RECORDER = keras_summaries.RECORDER


def _without_model_names(text):
    # Model names differ by creation order between the libraries' internals.
    return re.sub(r'Model: "[a-z_0-9]+"', "Model", text)


@pytest.mark.compat
def test_summary_matches_keras_3():
    # Keras's side as tools/record_keras.py summaries recorded it; the slow twin
    # below reruns Keras live.
    theirs = keras_summaries.recorded_keras_output(KEY, SCRIPT)
    ours = keras_summaries.run_kerasish_in_process(SCRIPT)
    assert _without_model_names(ours) == _without_model_names(theirs)


@pytest.mark.slow
@pytest.mark.compat
def test_summary_record_matches_keras_3_live():
    keras3()
    live = keras_summaries.run_in_subprocess(SCRIPT, "keras")
    recorded = keras_summaries.recorded_keras_output(KEY, SCRIPT)
    assert live == recorded, f"Keras's summaries changed: run {RECORDER}"
    ours = keras_summaries.run_in_subprocess(SCRIPT, "kerasish")
    assert _without_model_names(ours) == _without_model_names(live)


def test_summary_totals_and_layout():
    import kerasish as keras

    model = keras.Sequential(
        [keras.Input((64,)), keras.layers.Dense(64), keras.layers.Dense(10)]
    )
    buffer = io.StringIO()
    model.summary(print_fn=lambda s: buffer.write(s), line_length=76)
    text = buffer.getvalue()
    assert (
        "│ dense (Dense)                   │ (None, 64)             │         4,160 │"
        in text
    )
    assert " Total params: 4,810 (18.79 KB)" in text
    assert " Non-trainable params: 0 (0.00 B)" in text


def test_nested_indent_and_centred_trainable_column_match_keras_live():
    """`expand_nested` rows keep their indent and the Trainable column is
    centred (rich's odd space on the right), as Keras prints them."""
    keras = keras3()
    texts = []
    for lib in (keras, kerasish):
        lib.utils.clear_session()
        block = lib.Sequential(
            [lib.Input((4,)), lib.layers.Dense(3, name="block_dense")], name="block"
        )
        inp = lib.Input((4,))
        model = lib.Model(inp, lib.layers.Dense(1, name="head")(block(inp)), name="m")
        block.layers[0].trainable = False
        lines = []
        model.summary(
            expand_nested=True,
            show_trainable=True,
            print_fn=lambda s, line_break=None, out=lines: out.append(s),
        )
        texts.append("\n".join(lines))
    assert texts[1] == texts[0]
    assert "│    └ block_dense (Dense)" in texts[1] and "│   N   │" in texts[1]


def test_functional_called_inside_a_subclass_shows_its_output_shapes():
    """A Functional sub-model a subclass calls eagerly shows its own output
    shapes (one, or several in parentheses), as Keras prints them."""
    import numpy as np

    keras = keras3()
    texts = []
    for lib in (keras, kerasish):
        lib.utils.clear_session()
        inp = lib.Input((2,))
        one = lib.Model(inp, lib.layers.Dense(3)(inp), name="one")
        inp2 = lib.Input((2,))
        two = lib.Model(
            inp2, [lib.layers.Dense(2)(inp2), lib.layers.Dense(4)(inp2)], name="two"
        )

        class Outer(lib.Model):
            def __init__(self, one, two):
                super().__init__(name="outer")
                self.one, self.two = one, two

            def call(self, x):
                return self.one(x), self.two(x)

        model = Outer(one, two)
        model(np.zeros((1, 2), "float32"))
        lines = []
        model.summary(print_fn=lambda s, line_break=None, out=lines: out.append(s))
        texts.append("\n".join(lines))
    assert texts[1] == texts[0]
    assert "│ (None, 3) " in texts[1] and "│ ((None, 2), (None, 4)) " in texts[1]
