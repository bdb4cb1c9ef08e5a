"""The application builds whose architecture is compared with Keras's.

One architecture per family with its classifier and as an avg-pooled feature
extractor (at the smallest input the family accepts, to keep the build cheap),
then the other sizes of each family without their classifier (its parameters are
in the family case, and the big dense tops only cost initialization time).
"""

FAMILIES = [
    ("ResNet50", {}),
    ("ResNet50V2", {"include_top": False, "pooling": "avg"}),
    ("ResNet101", {"include_top": False, "pooling": "avg", "input_shape": (32, 32, 3)}),
    ("VGG16", {"include_top": False, "pooling": "avg", "input_shape": (32, 32, 3)}),
    ("VGG19", {"include_top": True, "classes": 10}),
    ("VGG19", {"include_top": False, "pooling": "max", "input_shape": (32, 32, 3)}),
    ("MobileNet", {}),
    ("MobileNet", {"include_top": False, "pooling": "avg", "alpha": 0.5}),
    ("MobileNetV2", {}),
    ("MobileNetV2", {"include_top": False, "pooling": "avg", "alpha": 1.4}),
    ("MobileNetV3Small", {}),
    ("MobileNetV3Small", {"include_preprocessing": False, "alpha": 0.75}),
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

CASES = FAMILIES + [(name, {"include_top": False}) for name in OTHERS]


def case_id(case):
    name, kwargs = case
    return "-".join([name] + [f"{k}={v}" for k, v in kwargs.items()])


def architecture(model):
    """What must equal Keras's: names, operations, weight shapes, counts."""
    return {
        "name": model.name,
        "layers": [layer.name for layer in model.layers],
        "operations": [[op.name, type(op).__name__] for op in model.operations],
        "weights": [list(w.shape) for w in model.weights],
        "count_params": int(model.count_params()),
        "trainable_weights": len(model.trainable_weights),
    }
