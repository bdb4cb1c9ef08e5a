import os

import numpy as np
import pytest

import kerasish as keras
from kerasish import config
from tests.helpers import keras3, run_python, signature_parts


def test_defaults_and_setters():
    assert config.floatx() == "float32"
    assert config.epsilon() == 1e-7
    assert config.image_data_format() == "channels_last"
    # No global policy set by an earlier test: new layers then follow floatx.
    keras.mixed_precision.set_global_policy(None)
    try:
        config.set_floatx("float64")
        # New layers' default policy follows floatx (x64 arrays need JAX_ENABLE_X64).
        assert config.floatx() == keras.backend.floatx() == "float64"
        assert keras.layers.Dense(2).dtype_policy.name == "float64"
        assert keras.config.dtype_policy().variable_dtype == "float64"
        config.set_epsilon(1e-5)
        assert config.epsilon() == 1e-5
        config.set_image_data_format("channels_first")
        assert config.image_data_format() == "channels_first"
    finally:
        config.set_floatx("float32")
        config.set_epsilon(1e-7)
        config.set_image_data_format("channels_last")


def test_invalid_values_are_rejected():
    with pytest.raises(ValueError, match="Unknown floatx 'float8'"):
        config.set_floatx("float8")
    with pytest.raises(ValueError, match="channels_last"):
        config.set_image_data_format("nhwc")


def test_persistent_compilation_cache_is_on_by_default(tmp_path):
    code = """
        import numpy as np, kerasish as keras
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        model.compile("sgd", "mse")
        model.fit(np.ones((8, 3)), np.ones((8, 2)), verbose=0)
        import jax
        print(jax.config.jax_compilation_cache_dir)
    """
    env = {"KERASISH_CACHE_DIR": str(tmp_path), "KERASISH_COMPILATION_CACHE": "1"}
    first = run_python(code, env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().endswith(str(tmp_path))
    entries = os.listdir(tmp_path)
    assert entries, "the first run should have written compiled executables"
    second = run_python(code, env=env)
    assert second.returncode == 0 and sorted(os.listdir(tmp_path)) == sorted(entries)
    # Capped once per process (not by jax's eviction, which reads every entry
    # at every write): least recently used first.
    code_size = code.replace(
        "print(jax.config.jax_compilation_cache_dir)",
        "print(jax.config.jax_compilation_cache_max_size)",
    )
    wider = code_size.replace("(3,)", "(5,)").replace("(8, 3)", "(8, 5)")
    grown = run_python(wider, env=env)
    assert grown.returncode == 0, grown.stderr
    assert grown.stdout.strip() == "-1"  # jax's own eviction stays off
    names = os.listdir(tmp_path)
    assert len(names) > len(entries)
    newest = max(os.path.getmtime(tmp_path / n) for n in names)
    for name in names:  # the first run's entries become the least recent
        if name in entries:
            os.utime(tmp_path / name, (newest - 100, newest - 100))
    new_size = sum(os.path.getsize(tmp_path / n) for n in names if n not in entries)
    capped = run_python(
        code.replace("(3,)", "(7,)").replace("(8, 3)", "(8, 7)"),
        env={**env, "KERASISH_COMPILATION_CACHE_MAX_SIZE": str(new_size)},
    )
    assert capped.returncode == 0, capped.stderr
    kept = set(os.listdir(tmp_path))
    assert not kept & set(entries) and set(names) - set(entries) <= kept
    off = run_python(code, env={**env, "KERASISH_COMPILATION_CACHE": "0"})
    assert off.returncode == 0, off.stderr
    assert off.stdout.strip() == "None"


KERAS_CONFIG_NAMES = [
    "backend",
    "disable_flash_attention",
    "disable_interactive_logging",
    "disable_traceback_filtering",
    "dtype_policy",
    "enable_flash_attention",
    "enable_interactive_logging",
    "enable_traceback_filtering",
    "enable_unsafe_deserialization",
    "epsilon",
    "floatx",
    "image_data_format",
    "is_flash_attention_enabled",
    "is_interactive_logging_enabled",
    "is_nnx_enabled",
    "is_traceback_filtering_enabled",
    "max_epochs",
    "max_steps_per_epoch",
    "set_backend",
    "set_dtype_policy",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
    "set_max_epochs",
    "set_max_steps_per_epoch",
]


@pytest.mark.compat
def test_every_keras_config_name_with_its_signature():
    k3 = keras3()
    assert sorted(n for n in dir(k3.config) if not n.startswith("_")) == (
        KERAS_CONFIG_NAMES
    )
    for name in KERAS_CONFIG_NAMES:
        ours, theirs = getattr(config, name), getattr(k3.config, name)
        assert signature_parts(ours) == signature_parts(theirs), name


@pytest.mark.compat
def test_switches_behave_like_keras():
    k3 = keras3()
    for lib in (k3, keras):
        c = lib.config
        seen = [c.is_flash_attention_enabled()]
        c.disable_flash_attention()
        seen.append(c.is_flash_attention_enabled())
        c.enable_flash_attention()
        seen.append(c.is_flash_attention_enabled())
        c.disable_traceback_filtering()
        seen.append(c.is_traceback_filtering_enabled())
        c.enable_traceback_filtering()
        seen.append(c.is_traceback_filtering_enabled())
        c.disable_interactive_logging()
        seen.append(c.is_interactive_logging_enabled())
        c.enable_interactive_logging()
        seen.append(c.is_interactive_logging_enabled())
        c.set_dtype_policy("mixed_bfloat16")
        policy = c.dtype_policy()
        seen += [policy.name, policy.compute_dtype, policy.variable_dtype]
        c.set_dtype_policy("float32")
        seen.append(c.is_nnx_enabled())
        assert seen == [
            None, False, None, False, True, False, True,
            "mixed_bfloat16", "bfloat16", "float32", False,
        ]  # fmt: skip
    with pytest.raises(ValueError, match="Invalid `policy` argument"):
        config.set_dtype_policy(3)


def test_set_backend_accepts_kerasish_engines_only():
    try:
        config.set_backend("numpy")
        assert config.backend() == "numpy"
        x = keras.ops.add(np.ones(2, "float32"), 1.0)
        assert isinstance(x, np.ndarray) and x.tolist() == [2.0, 2.0]
    finally:
        config.set_backend("jax")
    assert config.backend() == "jax"
    with pytest.raises(ValueError, match="'jax' and 'numpy' engines only.*torch"):
        config.set_backend("torch")


def test_set_engine_validates_the_name_and_the_engine_follows():
    from kerasish.engine import get_engine

    with pytest.raises(
        ValueError, match=r"Unknown engine 'tf'\. Valid engines: jax, numpy"
    ):
        config.set_engine("tf")
    assert config.engine() == "jax" and get_engine().name == "jax"
    try:
        config.set_engine(" NumPy ")
        assert config.engine() == "numpy" and get_engine().name == "numpy"
    finally:
        config.set_engine("jax")
    assert get_engine().name == "jax"


def test_config_is_settings_only():
    """config imports nothing of kerasish; the dtype policy functions it
    forwards to are mixed_precision's."""
    import ast

    with open(config.__file__) as f:
        tree = ast.parse(f.read())
    imported = [
        n.module if isinstance(n, ast.ImportFrom) else a.name
        for n in ast.walk(tree)
        if isinstance(n, ast.Import | ast.ImportFrom)
        for a in n.names
    ]
    assert not [m for m in imported if m and m.startswith("kerasish")]
    assert config._DTYPE_POLICY_FUNCTIONS["get"] is keras.mixed_precision.global_policy


def test_max_epochs_and_steps_cap_fit():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.ones((40, 2), "float32"), np.zeros((40, 1), "float32")
    assert config.max_epochs() is None and config.max_steps_per_epoch() is None
    try:
        config.set_max_epochs(2)
        config.set_max_steps_per_epoch(3)
        assert (config.max_epochs(), config.max_steps_per_epoch()) == (2, 3)
        history = model.fit(x, y, batch_size=4, epochs=5, verbose=0)
        assert history.epoch == [0, 1]
        assert int(model.optimizer.iterations.numpy()) == 2 * 3
    finally:
        config.set_max_epochs(None)
        config.set_max_steps_per_epoch(None)
    history = model.fit(x, y, batch_size=4, epochs=2, verbose=0)
    assert history.epoch == [0, 1]
    assert int(model.optimizer.iterations.numpy()) == 6 + 2 * 10


def test_fit_caps_read_keras_environment_variables():
    code = """
        from kerasish import config
        print(config.max_epochs(), config.max_steps_per_epoch())
    """
    env = {"KERAS_MAX_EPOCHS": "4", "KERAS_MAX_STEPS_PER_EPOCH": "7"}
    result = run_python(code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["4", "7"]


def test_enable_unsafe_deserialization_lets_lambda_code_load():
    layer = keras.layers.Lambda(lambda t: t * 3.0)
    lambda_config = layer.get_config()
    with pytest.raises(ValueError, match="Refusing to load a Lambda"):
        keras.layers.Lambda.from_config(lambda_config)
    config.enable_unsafe_deserialization()
    try:
        rebuilt = keras.layers.Lambda.from_config(lambda_config)
        np.testing.assert_allclose(rebuilt(np.ones(2, "float32")), [3.0, 3.0])
    finally:
        keras.backend.clear_session()  # restores safe mode, as in Keras
    with pytest.raises(ValueError, match="Refusing to load a Lambda"):
        keras.layers.Lambda.from_config(lambda_config)
