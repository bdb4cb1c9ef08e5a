from contextlib import nullcontext

import numpy as np
import pytest

from kerasish import config, ops
from kerasish.engine import get_engine, set_engine
from tests.helpers import run_python


def test_default_engine_is_jax():
    assert config.engine() == "jax"
    assert get_engine().supports_training


def test_unknown_engine_lists_valid():
    with pytest.raises(ValueError, match="Unknown engine 'torch'.*jax, numpy"):
        set_engine("torch")


def test_env_variable_selects_engine():
    out = run_python(
        "import kerasish; print(kerasish.config.engine())",
        env={"KERASISH_ENGINE": "numpy"},
    )
    assert out.stdout.strip() == "numpy", out.stderr


def test_value_and_grad_matches_analytic():
    engine = get_engine()
    x = np.array([1.0, -2.0, 3.0], dtype="float32")
    value, grad = engine.value_and_grad(lambda v: ops.sum(v**3))(x)
    np.testing.assert_allclose(value, np.sum(x**3), rtol=1e-6)
    np.testing.assert_allclose(grad, 3 * x**2, rtol=1e-6)


def test_scan_matches_cumulative_sum():
    engine = get_engine()
    xs = np.arange(5, dtype="float32")
    carry, ys = engine.scan(lambda c, x: (c + x, c + x), np.float32(0), xs)
    np.testing.assert_allclose(ys, np.cumsum(xs))
    assert float(carry) == 10.0


@pytest.mark.parametrize("reverse", [False, True])
def test_fully_unrolled_scan_on_concrete_values_runs_step_by_step(reverse, monkeypatch):
    """An eager `unroll=True` scan (an RNN layer called on arrays) loops in
    Python, each op's program cached, instead of compiling the unrolled loop
    at every call: the same values as `lax.scan`, which still runs traced."""
    import jax

    engine = get_engine()

    def body(carry, x):
        total, count = carry
        return (total * 0.5 + x["a"], count + 1), {"y": total * x["b"], "none": None}

    xs = {
        "a": np.arange(6, dtype="float32").reshape(3, 2),
        "b": np.linspace(1, 2, 6, dtype="float32").reshape(3, 2),
    }
    init = (np.ones(2, "float32"), np.int32(0))
    expected = jax.lax.scan(body, init, xs, reverse=reverse)
    traced = jax.jit(lambda i, x: engine.scan(body, i, x, reverse=reverse, unroll=3))
    np.testing.assert_allclose(traced(init, xs)[1]["y"], expected[1]["y"], rtol=1e-6)

    def no_lax_scan(*args, **kwargs):
        raise AssertionError("lax.scan ran")

    monkeypatch.setattr(jax.lax, "scan", no_lax_scan)
    got = engine.scan(body, init, xs, reverse=reverse, unroll=True)
    for ours, theirs in zip(jax.tree.leaves(got), jax.tree.leaves(expected)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)
        assert ours.dtype == theirs.dtype
    # A body that changes the carry's shape gets `lax.scan`'s own error.
    with pytest.raises(AssertionError, match="lax.scan ran"):
        engine.scan(lambda c, x: (c + np.ones(2), c), 0.0, xs["a"][:, 0], unroll=True)


def test_jit_counts_one_compilation_per_signature():
    engine = get_engine()
    fn = engine.jit(lambda a: a * 2 + 1)
    with engine.count_compilations() as counter:
        fn(np.ones(3, "float32"))
        fn(np.zeros(3, "float32"))
        fn(np.ones(4, "float32"))
    assert counter.count == 2


@pytest.mark.parametrize("name", ["jax", "numpy"])
def test_copy_tree_gives_fresh_buffers_without_compiling(name):
    set_engine(name)
    try:
        engine = get_engine()
        tree = {"w": engine.place(np.arange(6.0).reshape(2, 3)), "n": [np.int32(3)]}
        tree["n"] = [engine.place(tree["n"][0])]
        counting = engine.count_compilations() if name == "jax" else nullcontext()
        with counting as count:
            copied = engine.copy_tree(tree)
        np.testing.assert_array_equal(np.asarray(copied["w"]), np.asarray(tree["w"]))
        assert int(np.asarray(copied["n"][0])) == 3
        assert copied["w"] is not tree["w"]
        if name == "jax":
            assert count.count == 0
            ptr = tree["w"].unsafe_buffer_pointer()
            assert copied["w"].unsafe_buffer_pointer() != ptr
    finally:
        set_engine("jax")


@pytest.mark.parametrize("name", ["jax", "numpy"])
def test_one_shot_jit_computes_the_same_values(name):
    """`one_shot` changes how long XLA spends compiling, never a number."""
    set_engine(name)
    try:
        engine = get_engine()
        x = np.random.default_rng(0).normal(size=(7, 5)).astype("float32")
        idx = np.array([3, 0, 6, 6, 1], "int32")

        def fn(a, i):
            return ops.take(ops.tanh(a) * 2.0 + 1.0, i, axis=0)

        default, one_shot = (
            np.asarray(engine.jit(fn, one_shot=flag)(x, idx)) for flag in (False, True)
        )
        np.testing.assert_array_equal(one_shot, default)
        np.testing.assert_allclose(one_shot, (np.tanh(x) * 2 + 1)[idx], atol=1e-6)
    finally:
        set_engine("jax")


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "nadam", "adafactor", "ftrl"])
def test_a_one_shot_program_of_fills_is_made_on_the_host(optimizer):
    """An optimizer's initial state (zeros, a step count, the learning rate) is
    made with numpy and placed, as `jax.jit` would return it, with no compile
    (about 0.1 s of every first epoch on XLA:CPU)."""
    import jax

    from kerasish import optimizers

    engine = get_engine()
    init = optimizers.get(optimizer)._get_pipeline().init
    params = [jax.numpy.ones((3, 4)), jax.numpy.ones((4,), "bfloat16")]
    with engine.count_compilations() as counter:
        filled = engine.jit(init, one_shot=True)(params)
    assert counter.count == 0
    compiled = jax.jit(init)(params)
    assert jax.tree.structure(filled) == jax.tree.structure(compiled)
    for a, b in zip(jax.tree.leaves(filled), jax.tree.leaves(compiled)):
        assert isinstance(a, jax.Array)
        assert (a.dtype, a.shape, a.aval.weak_type) == (b.dtype, b.shape, False)
        assert a.committed == b.committed
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_a_one_shot_program_that_reads_its_inputs_is_compiled():
    engine = get_engine()
    x = np.arange(6.0, dtype="float32").reshape(2, 3)

    def fills_and_copy(a):
        return ops.zeros((2, 3)), a * 2.0, ops.ones_like(a) + a

    with engine.count_compilations() as counter:
        zeros, doubled, plus_one = engine.jit(fills_and_copy, one_shot=True)(x)
    assert counter.count == 1
    np.testing.assert_array_equal(np.asarray(zeros), np.zeros((2, 3)))
    np.testing.assert_array_equal(np.asarray(doubled), x * 2)
    np.testing.assert_array_equal(np.asarray(plus_one), x + 1)


@pytest.mark.parametrize(
    "shape, dtype", [((2, 3), None), ((), "int32"), (4, "bfloat16"), ((0, 3), "bool")]
)
def test_zeros_and_ones_made_eagerly_compile_nothing(shape, dtype):
    """Outside a trace, `ops.zeros`/`ops.ones` are numpy fills placed on the
    device (each new shape compiled a program, 20-70 ms on XLA:CPU); inside
    one they stay part of the traced program."""
    import jax

    engine = get_engine()
    with engine.count_compilations() as counter:
        made = [ops.zeros(shape, dtype=dtype), ops.ones(shape, dtype=dtype)]
    assert counter.count == 0
    expected = [
        jax.numpy.zeros(shape, dtype or "float32"),
        jax.numpy.ones(shape, dtype or "float32"),
    ]
    for a, b in zip(made, expected):
        assert isinstance(a, jax.Array)
        assert (a.dtype, a.shape, a.aval.weak_type) == (b.dtype, b.shape, False)
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    traced = engine.jit(lambda x: x + ops.ones((3,)) * 2 - ops.zeros((3,)))
    np.testing.assert_array_equal(np.asarray(traced(np.ones(3, "float32"))), [3, 3, 3])


def test_peak_bytes_counts_values_alive_at_once():
    engine = get_engine()
    rows = 23
    x = engine.shape_dtype_struct((rows, 100), "float32")
    one = rows * 100 * 4  # bytes of one (rows, 100) float32 value

    def chain(x):  # each value dies at its next use: two alive at once
        return ops.sum(ops.tanh(ops.exp(x) + 1.0), axis=1)

    assert engine.peak_bytes(chain, x, dim=rows) == 2 * one

    def kept(x):  # x, e and tanh(e) alive when their product is made: four
        e = ops.exp(x)
        return ops.sum(ops.tanh(e) * e * x, axis=1)

    assert engine.peak_bytes(kept, x, dim=rows) == 4 * one

    def loop(x):  # a scan body's (rows,) values count once, not per step
        def body(carry, row):
            return carry + ops.tanh(row), None

        return engine.scan(body, ops.zeros((100,)), x)[0]

    # The input, then in the body: the carry, tanh(row) and the sum (no rows
    # dimension: not counted).
    assert engine.peak_bytes(loop, x, dim=rows) == one
    w = engine.shape_dtype_struct((rows, rows), "float32")  # weights count too

    def matmul(w, x):
        return ops.matmul(w, x)

    assert engine.peak_bytes(matmul, w, x, dim=rows) == rows * rows * 4 + 2 * one
