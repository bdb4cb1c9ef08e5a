"""`kerasish.backend` against `keras.backend`: same names, same answers."""

import itertools

import numpy as np
import pytest

import kerasish
from kerasish import backend, config
from tests.helpers import keras3, signature_parts

NAMES = [
    "backend",
    "clear_session",
    "epsilon",
    "floatx",
    "get_uid",
    "image_data_format",
    "is_float_dtype",
    "is_int_dtype",
    "is_keras_tensor",
    "result_type",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
    "standardize_dtype",
]

DTYPES = [
    "bool",
    "uint8",
    "uint16",
    "uint32",
    "int8",
    "int16",
    "int32",
    "int64",
    "bfloat16",
    "float16",
    "float32",
    "float64",
    "complex64",
    int,
    float,
    bool,
    None,
]


@pytest.mark.compat
def test_names_and_signatures_match_keras():
    keras = keras3()
    assert sorted(n for n in dir(keras.backend) if not n.startswith("_")) == NAMES
    assert sorted(backend.__all__) == NAMES
    for name in NAMES:
        ours, theirs = getattr(backend, name), getattr(keras.backend, name)
        assert signature_parts(ours) == signature_parts(theirs), name


@pytest.mark.compat
def test_result_type_matches_keras_on_every_pair():
    keras = keras3()
    for a, b in itertools.product(DTYPES, repeat=2):
        try:
            theirs = keras.backend.result_type(a, b)
        except ValueError:
            with pytest.raises(ValueError, match="promotion"):
                backend.result_type(a, b)
            continue
        assert backend.result_type(a, b) == theirs, (a, b)
    for triple in [("int8", "uint8", float), (int, float, "bool"), ("bfloat16",)]:
        assert backend.result_type(*triple) == keras.backend.result_type(*triple)
    assert backend.result_type() == keras.backend.result_type() == "float32"
    with pytest.raises(ValueError, match="no implicit conversions from float8"):
        backend.result_type("float8_e4m3fn", "float32")


@pytest.mark.compat
def test_dtype_predicates_match_keras():
    keras = keras3()
    for dtype in DTYPES + ["string", np.float16, np.dtype("uint8")]:
        assert backend.standardize_dtype(dtype) == keras.backend.standardize_dtype(
            dtype
        )
        assert backend.is_float_dtype(dtype) == keras.backend.is_float_dtype(dtype)
        assert backend.is_int_dtype(dtype) == keras.backend.is_int_dtype(dtype)


def test_settings_are_the_config_settings():
    assert backend.backend() == config.backend() == "jax"
    try:
        backend.set_epsilon(1e-4)
        assert config.epsilon() == 1e-4
        backend.set_image_data_format("channels_first")
        assert config.image_data_format() == "channels_first"
        backend.set_floatx("float16")
        assert config.floatx() == "float16" and backend.result_type(float) == "float16"
    finally:
        config.set_epsilon(1e-7)
        config.set_image_data_format("channels_last")
        config.set_floatx("float32")
    assert backend.floatx() == "float32" and backend.epsilon() == 1e-7


def test_get_uid_counts_per_prefix_and_clear_session_resets():
    backend.clear_session()
    assert [backend.get_uid("x"), backend.get_uid("x"), backend.get_uid("y")] == [
        1,
        2,
        1,
    ]
    assert backend.is_keras_tensor(kerasish.Input((2,)))
    assert not backend.is_keras_tensor(np.zeros(2))


@pytest.mark.compat
def test_clear_session_resets_what_keras_resets():
    keras = keras3()
    for lib in (keras, kerasish):
        lib.config.set_dtype_policy("mixed_float16")
        lib.config.disable_interactive_logging()
        lib.config.disable_flash_attention()
        lib.config.disable_traceback_filtering()
        lib.config.set_max_epochs(3)
        lib.backend.clear_session()
        state = (
            lib.config.dtype_policy().name,
            lib.config.is_interactive_logging_enabled(),
            lib.config.is_flash_attention_enabled(),
            lib.config.is_traceback_filtering_enabled(),
            lib.config.max_epochs(),
        )
        lib.config.set_max_epochs(None)
        assert state == ("float32", True, None, True, 3)
