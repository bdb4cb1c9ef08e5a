"""`kerasish.dtype_policies` and `mixed_precision` names against Keras."""

import numpy as np
import pytest

import kerasish
from kerasish import dtype_policies, mixed_precision
from tests.helpers import keras3, signature_parts

NAMES = [
    "AWQDTypePolicy",
    "DTypePolicy",
    "DTypePolicyMap",
    "FloatDTypePolicy",
    "GPTQDTypePolicy",
    "Int4DTypePolicy",
    "QuantizedDTypePolicy",
    "QuantizedFloat8DTypePolicy",
    "deserialize",
    "get",
    "serialize",
]


@pytest.fixture(autouse=True)
def _restore_policy():
    yield
    mixed_precision.set_dtype_policy(None)


@pytest.mark.compat
def test_names_and_signatures_match_keras():
    keras = keras3()
    theirs = {n for n in dir(keras.dtype_policies) if not n.startswith("_")}
    assert sorted(theirs) == NAMES == sorted(dtype_policies.__all__)
    for name in NAMES:
        assert signature_parts(getattr(dtype_policies, name)) == signature_parts(
            getattr(keras.dtype_policies, name)
        ), name
    mp = {n for n in dir(keras.mixed_precision) if not n.startswith("_")}
    assert sorted(mp) == sorted(mixed_precision.__all__)
    for name in mp:
        assert signature_parts(getattr(mixed_precision, name)) == signature_parts(
            getattr(keras.mixed_precision, name)
        ), name


def test_one_policy_class_everywhere():
    assert dtype_policies.DTypePolicy is mixed_precision.DTypePolicy
    assert kerasish.DTypePolicy is mixed_precision.Policy
    assert kerasish.FloatDTypePolicy is dtype_policies.FloatDTypePolicy
    assert issubclass(dtype_policies.FloatDTypePolicy, dtype_policies.DTypePolicy)
    assert dtype_policies.FloatDTypePolicy("float16") == dtype_policies.DTypePolicy(
        "float16"
    )
    assert dtype_policies.DTypePolicy("float16") != "float16"
    assert dtype_policies.DTypePolicy("float16") != dtype_policies.DTypePolicy()
    layer = kerasish.layers.Dense(2, dtype=dtype_policies.FloatDTypePolicy("float16"))
    assert layer.compute_dtype == "float16"


@pytest.mark.compat
@pytest.mark.parametrize(
    "name",
    ["float32", "float16", "bfloat16", "mixed_float16", "mixed_bfloat16", "int32"],
)
def test_policy_matches_keras(name):
    keras = keras3()
    ours, theirs = dtype_policies.DTypePolicy(name), keras.DTypePolicy(name)
    assert (ours.name, ours.compute_dtype, ours.variable_dtype) == (
        theirs.name,
        theirs.compute_dtype,
        theirs.variable_dtype,
    )
    assert ours.quantization_mode is theirs.quantization_mode is None
    assert repr(ours) == repr(theirs)
    assert dtype_policies.serialize(ours) == keras.dtype_policies.serialize(theirs)
    back = dtype_policies.deserialize(keras.dtype_policies.serialize(theirs))
    assert back == ours
    assert dtype_policies.get(name) == ours


@pytest.mark.compat
def test_get_forms_match_keras():
    keras = keras3()
    for identifier in [None, "mixed_float16", np.float16, "float64"]:
        assert (
            dtype_policies.get(identifier).name
            == keras.dtype_policies.get(identifier).name
        )
    config = {"class_name": "FloatDTypePolicy", "config": {"name": "bfloat16"}}
    assert dtype_policies.get(config).name == keras.dtype_policies.get(config).name
    with pytest.raises(ValueError, match="Cannot interpret `dtype` argument"):
        dtype_policies.get(3)
    with pytest.raises(TypeError, match="'name' must be a string"):
        dtype_policies.DTypePolicy(3)
    with pytest.raises(ValueError, match="Unknown dtype policy 'mixed_int8'"):
        dtype_policies.DTypePolicy("mixed_int8")
    with pytest.raises(ValueError, match="Unknown dtype policy class 'Nope'"):
        dtype_policies.deserialize({"class_name": "Nope", "config": {}})
    with pytest.raises(TypeError, match="expected a DTypePolicy"):
        dtype_policies.serialize("float32")


@pytest.mark.compat
def test_policy_map_matches_keras():
    keras = keras3()
    maps = []
    for lib in (dtype_policies, keras.dtype_policies):
        m = lib.DTypePolicyMap(default_policy="float32")
        m["encoder/layer_0/dense"] = "bfloat16"
        m["encoder/.*"] = "float16"
        m["decoder"] = lib.DTypePolicy("mixed_bfloat16")
        maps.append(m)
        with pytest.raises(ValueError, match="already exist"):
            m["decoder"] = "float16"
    ours, theirs = maps
    for path in ["encoder/layer_0/dense", "encoder/attention/q", "decoder", "other"]:
        assert ours[path].name == theirs[path].name, path
    assert list(ours) == list(theirs) and len(ours) == len(theirs) == 3
    assert ours.name == theirs.name and ours.compute_dtype == theirs.compute_dtype
    assert dtype_policies.serialize(ours) == keras.dtype_policies.serialize(theirs)
    rebuilt = dtype_policies.deserialize(keras.dtype_policies.serialize(theirs))
    assert rebuilt == ours and rebuilt["decoder"].compute_dtype == "bfloat16"
    ours["encoder/attention/.*"] = "float32"
    with pytest.raises(ValueError, match="matches multiple dtype policy"):
        ours["encoder/attention/q"]
    del ours["decoder"]
    assert "decoder" not in ours and ours["decoder"].name == "float32"
    with pytest.raises(ValueError, match="cannot be a `DTypePolicyMap`"):
        dtype_policies.DTypePolicyMap(ours)
    with pytest.raises(TypeError, match="`policy_map` must be a dict"):
        dtype_policies.DTypePolicyMap(policy_map=[1])


def test_global_policy_functions_and_loss_scale_optimizer():
    mixed_precision.set_dtype_policy("mixed_float16")
    assert kerasish.config.dtype_policy().name == "mixed_float16"
    assert mixed_precision.global_policy() is mixed_precision.dtype_policy()
    assert kerasish.layers.Dense(2).compute_dtype == "float16"
    mixed_precision.set_global_policy("float32")
    assert kerasish.layers.Dense(2).compute_dtype == "float32"
    assert mixed_precision.LossScaleOptimizer is (
        kerasish.optimizers.LossScaleOptimizer
    )


def test_convert_input_casts_floats_only():
    policy = dtype_policies.DTypePolicy("mixed_float16")
    x = policy.convert_input(np.ones(2, "float32"), True, policy.compute_dtype)
    assert str(x.dtype) == "float16"
    i = policy.convert_input(np.ones(2, "int32"), True, "float16")
    assert str(i.dtype) == "int32"
    kept = policy.convert_input(np.ones(2, "float32"), False, "float16")
    assert str(kept.dtype) == "float32"
    assert policy.convert_input("text", True, "float16") == "text"
