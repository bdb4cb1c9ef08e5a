"""The augmentation sub-layers shared by `AugMix` and `RandAugment`."""

from kerasish.layers.preprocessing.image_preprocessing._augment_ops import (
    ContrastOp,
    RotationOp,
    TranslationOp,
)
from kerasish.layers.preprocessing.image_preprocessing.auto_contrast import (
    AutoContrast,
)
from kerasish.layers.preprocessing.image_preprocessing.equalization import (
    Equalization,
)
from kerasish.layers.preprocessing.image_preprocessing.random_brightness import (
    RandomBrightness,
)
from kerasish.layers.preprocessing.image_preprocessing.random_color_degeneration import (  # noqa: E501
    RandomColorDegeneration,
)
from kerasish.layers.preprocessing.image_preprocessing.random_posterization import (
    RandomPosterization,
)
from kerasish.layers.preprocessing.image_preprocessing.random_sharpness import (
    RandomSharpness,
)
from kerasish.layers.preprocessing.image_preprocessing.random_shear import (
    RandomShear,
)
from kerasish.layers.preprocessing.image_preprocessing.solarization import (
    Solarization,
)


def make_augment_layers(layer, names, factor, value_range, interpolation, seed):
    """Sets each of `names` on `layer` as an attribute holding the sub-layer
    Keras's `AugMix`/`RandAugment` build with the same arguments."""
    data_format = layer.data_format
    common = {"seed": seed, "data_format": data_format}
    color = {"factor": factor, "value_range": value_range, **common}
    builders = {
        "random_shear": lambda: RandomShear(
            x_factor=factor, y_factor=factor, interpolation=interpolation, **common
        ),
        "random_translation": lambda: TranslationOp(
            height_factor=factor,
            width_factor=factor,
            interpolation=interpolation,
            **common,
        ),
        "random_rotation": lambda: RotationOp(
            factor=factor, interpolation=interpolation, **common
        ),
        "random_posterization": lambda: RandomPosterization(
            factor=max(1, int(8 * factor[1])), value_range=value_range, **common
        ),
        "solarization": lambda: Solarization(
            addition_factor=factor,
            threshold_factor=factor,
            value_range=value_range,
            **common,
        ),
        "auto_contrast": lambda: AutoContrast(
            value_range=value_range, data_format=data_format
        ),
        "equalization": lambda: Equalization(
            value_range=value_range, data_format=data_format
        ),
        "random_brightness": lambda: RandomBrightness(**color),
        "random_color_degeneration": lambda: RandomColorDegeneration(**color),
        "random_contrast": lambda: ContrastOp(**color),
        "random_sharpness": lambda: RandomSharpness(**color),
    }
    for name in names:
        setattr(layer, name, builders[name]())
