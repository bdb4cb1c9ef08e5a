"""Every architecture's model name, layer names, weight shapes (in order) and
parameter count equal Keras's, built at test time."""

import pytest

import kerasish
from kerasish import applications

pytestmark = pytest.mark.compat


def assert_same_architecture(keras_model, model):
    assert model.name == keras_model.name
    # `x + 3.0` on symbolic tensors is an operation in both: listed in
    # `operations` (with its class), not in `layers`.
    assert [layer.name for layer in model.layers] == [
        layer.name for layer in keras_model.layers
    ]
    assert [(op.name, type(op).__name__) for op in model.operations] == [
        (op.name, type(op).__name__) for op in keras_model.operations
    ]
    assert [tuple(w.shape) for w in model.weights] == [
        tuple(w.shape) for w in keras_model.weights
    ]
    assert model.count_params() == keras_model.count_params()
    assert len(model.trainable_weights) == len(keras_model.trainable_weights)


# One architecture per family, with its classifier and as an avg-pooled feature
# extractor (at the smallest input the family accepts, to keep the build cheap).
FAMILIES = [
    ("ResNet50", {}),
    ("ResNet50V2", {"include_top": False, "pooling": "avg"}),
    ("ResNet101", {"include_top": False, "pooling": "avg", "input_shape": (32, 32, 3)}),
    ("VGG16", {"include_top": False, "pooling": "avg", "input_shape": (32, 32, 3)}),
    pytest.param(
        ("VGG19", {"include_top": True, "classes": 10}), marks=pytest.mark.slow
    ),  # its 120M-parameter dense top takes ~20 s to initialize
    ("VGG19", {"include_top": False, "pooling": "max", "input_shape": (32, 32, 3)}),
    ("MobileNet", {}),
    ("MobileNet", {"include_top": False, "pooling": "avg", "alpha": 0.5}),
    ("MobileNetV2", {}),
    ("MobileNetV2", {"include_top": False, "pooling": "avg", "alpha": 1.4}),
    ("MobileNetV3Small", {}),
    (
        "MobileNetV3Large",
        {"include_top": False, "pooling": "avg", "minimalistic": True},
    ),
    ("EfficientNetB0", {}),
    ("EfficientNetB0", {"include_top": False, "pooling": "avg"}),
    ("EfficientNetV2B0", {}),
    ("EfficientNetV2B0", {"include_top": False, "pooling": "avg"}),
    ("DenseNet121", {}),
    (
        "DenseNet121",
        {"include_top": False, "pooling": "avg", "input_shape": (32, 32, 3)},
    ),
    ("InceptionV3", {}),
    (
        "InceptionV3",
        {"include_top": False, "pooling": "avg", "input_shape": (75, 75, 3)},
    ),
    ("InceptionResNetV2", {}),
    ("InceptionResNetV2", {"include_top": False, "pooling": "avg"}),
    ("Xception", {}),
    ("Xception", {"include_top": False, "pooling": "avg", "input_shape": (71, 71, 3)}),
    ("NASNetMobile", {}),
    ("NASNetMobile", {"include_top": False, "pooling": "avg"}),
    ("ConvNeXtTiny", {}),
    ("ConvNeXtTiny", {"include_top": False, "pooling": "avg"}),
]


def _id(case):
    name, kwargs = case
    return "-".join([name] + [f"{k}={v}" for k, v in kwargs.items()])


@pytest.mark.parametrize("case", FAMILIES, ids=_id)
def test_family_matches_keras(case, keras_build):
    name, kwargs = case
    keras_model = keras_build(name, weights=None, **kwargs)
    kerasish.backend.clear_session()
    model = getattr(applications, name)(weights=None, **kwargs)
    assert_same_architecture(keras_model, model)


# The other sizes of each family: parameter counts (and names), built in both.
OTHERS = [
    "ResNet152",
    "ResNet101V2",
    "ResNet152V2",
    "EfficientNetB1",
    "EfficientNetB2",
    "EfficientNetB3",
    "EfficientNetB4",
    "EfficientNetB5",
    "EfficientNetB6",
    "EfficientNetB7",
    "EfficientNetV2B1",
    "EfficientNetV2B2",
    "EfficientNetV2B3",
    "EfficientNetV2S",
    "EfficientNetV2M",
    "EfficientNetV2L",
    "DenseNet169",
    "DenseNet201",
    "NASNetLarge",
    "ConvNeXtSmall",
    "ConvNeXtBase",
    "ConvNeXtLarge",
    "ConvNeXtXLarge",
]


@pytest.mark.slow
@pytest.mark.parametrize("name", OTHERS)
def test_other_sizes_match_keras(name, keras_build):
    # Without the classifier: its parameters are in the family test, and the
    # big dense tops only cost initialization time.
    keras_model = keras_build(name, weights=None, include_top=False)
    kerasish.backend.clear_session()
    model = getattr(applications, name)(weights=None, include_top=False)
    assert_same_architecture(keras_model, model)


def test_every_keras_architecture_is_covered():
    keras = pytest.importorskip("keras")
    cases = [getattr(c, "values", (c,))[0] for c in FAMILIES]
    covered = {name for name, _ in cases} | set(OTHERS)
    names = {n for n in dir(keras.applications) if n[0].isupper()}
    assert names == covered
    assert names <= set(applications.__all__)


def test_input_tensor_is_the_model_input():
    inputs = kerasish.Input((64, 64, 3))
    model = applications.MobileNet(
        weights=None, include_top=False, input_tensor=inputs, pooling="max"
    )
    assert model.inputs[0] is inputs
    assert model.output.shape == (None, 1024)
    assert model.layers[-1].name == "global_max_pooling2d"


def test_mobilenet_v3_without_preprocessing_has_no_rescaling(keras_build):
    keras_model = keras_build(
        "MobileNetV3Small", weights=None, include_preprocessing=False, alpha=0.75
    )
    kerasish.backend.clear_session()
    model = applications.MobileNetV3Small(
        weights=None, include_preprocessing=False, alpha=0.75
    )
    assert_same_architecture(keras_model, model)
    assert not any(layer.name.startswith("rescaling") for layer in model.layers)
