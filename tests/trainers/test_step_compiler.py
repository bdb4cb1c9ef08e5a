"""The step compiler: fused-step layout read from the compiled program, the
compile cache, and the explicit step context."""

import numpy as np

import kerasish
from kerasish import layers, ops
from kerasish.trainers import steps
from kerasish.trainers.step_compiler import convolution_count, signature_change

RNG = np.random.default_rng(0)


def _fit(model, x, y, spe):
    model.compile(optimizer="sgd", loss="mse", steps_per_execution=spe)
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    return model


def test_convolution_step_is_unrolled():
    x = RNG.random((16, 6, 6, 1)).astype("float32")
    y = RNG.random((16, 1)).astype("float32")
    model = kerasish.Sequential(
        [
            kerasish.Input((6, 6, 1)),
            layers.Conv2D(2, 3),
            layers.Flatten(),
            layers.Dense(1),
        ]
    )
    _fit(model, x, y, 4)
    assert model._step_compiler.unroll["train"] is True


class ConvolutionFreeConvName(layers.Layer):
    """A layer whose class name says "Conv" but that runs no convolution."""

    def call(self, inputs):
        return ops.relu(inputs)


def test_layout_follows_the_program_not_class_names():
    x = RNG.random((16, 3)).astype("float32")
    y = RNG.random((16, 1)).astype("float32")
    model = kerasish.Sequential(
        [kerasish.Input((3,)), ConvolutionFreeConvName(), layers.Dense(1)]
    )
    _fit(model, x, y, 4)
    assert model._step_compiler.unroll["train"] == 1


def test_fused_layouts_give_the_same_weights():
    x = RNG.random((16, 6, 6, 1)).astype("float32")
    y = RNG.random((16, 1)).astype("float32")
    results = []
    for spe in (1, 4):
        kerasish.utils.set_random_seed(0)
        model = kerasish.Sequential(
            [kerasish.Input((6, 6, 1)), layers.Conv2D(2, 3), layers.Flatten()]
            + [layers.Dense(1)]
        )
        results.append(_fit(model, x, y, spe).get_weights())
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_convolution_count_reads_program_text():
    class Program:
        def as_text(self):
            return "%c = f32[1] convolution(%a, %b)\n%d = f32[1] convolution(%c, %b)"

    assert convolution_count(Program()) == 2
    assert convolution_count(lambda: None) is None


def test_signature_change_ignores_row_count_only():
    old = ("s", (((32, 3), "float32"),))
    assert signature_change(old, ("s", (((8, 3), "float32"),))) is None
    assert "float32" in signature_change(old, ("s", (((32, 4), "float32"),)))
    assert signature_change(old, ("t", (((32, 3), "float32"),))) == (
        "the structure of the data changed"
    )


def test_compute_loss_reads_the_step_context_only_inside_a_step():
    seen = []

    class Model(kerasish.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1)

        def call(self, x):
            self.add_loss(ops.sum(x) * 0.0 + 2.0)
            return self.dense(x)

        def compute_loss(
            self, x=None, y=None, y_pred=None, sample_weight=None, training=True
        ):
            context = steps.current_step_context()
            seen.append((context is not None, len(context.losses)))
            return super().compute_loss(x, y, y_pred, sample_weight, training)

    x = RNG.random((8, 3)).astype("float32")
    y = np.zeros((8, 1), "float32")
    model = Model()
    model.compile(optimizer="sgd", loss="mse")
    logs = model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
    assert seen and all(s == (True, 1) for s in seen)
    pred = model.predict(x, verbose=0)
    np.testing.assert_allclose(logs["loss"], np.mean((pred - y) ** 2) + 2.0, rtol=1e-5)
    assert steps.current_step_context() is None
    assert not any(k.startswith("_current") for k in vars(model))


def test_evaluation_chunks_return_the_metrics_not_the_weights():
    # XLA copies each weight a program returns into a new buffer on every call;
    # the built-in test step passes them through, so its chunks return none.
    x = RNG.random((32, 3)).astype("float32")
    y = RNG.random((32, 2)).astype("float32")
    for spe in (1, 4, "auto"):
        model = kerasish.Sequential([kerasish.Input((3,)), layers.Dense(2)])
        model.compile(optimizer="sgd", loss="mse", steps_per_execution=spe)
        before = model.get_weights()
        loss = model.evaluate(x, y, batch_size=4, verbose=0)
        kernel, bias = before
        np.testing.assert_allclose(loss, np.mean((x @ kernel + bias - y) ** 2), 1e-5)
        for a, b in zip(model.get_weights(), before):
            np.testing.assert_array_equal(a, b)
        programs = [f for k, f in model._step_compiler.cache.items() if k[0] == "test"]
        assert programs
        for program in programs:
            state = program.out_info[0]
            assert state.trainable is None and state.non_trainable is None
            assert state.metrics is not None


def test_float64_data_runs_the_float32_program_without_a_recompile():
    """float64 arrays are float32 on the device (as Keras converts them): the
    same compiled step serves both, with no "recompiling" warning."""
    import warnings

    model = kerasish.Sequential([kerasish.Input((3,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    want = x @ model.layers[0].kernel.numpy() + model.layers[0].bias.numpy()
    compiled = model._step_compiler.cache
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        first = model.predict(x, verbose=0)
        count = len(compiled)
        again = model.predict(x.astype("float64"), verbose=0)
        assert len(compiled) == count
        model.evaluate(x, want, verbose=0)
        count = len(compiled)
        loss = model.evaluate(x.astype("float64"), want.astype("float64"), verbose=0)
        assert len(compiled) == count
    assert again.dtype == np.float32
    np.testing.assert_allclose(first, want, rtol=1e-6)
    np.testing.assert_array_equal(again, first)
    assert loss < 1e-10
