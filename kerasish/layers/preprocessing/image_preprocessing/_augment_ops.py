"""Transformation-style versions of `RandomContrast`, `RandomRotation` and
`RandomTranslation`, used inside `RandomColorJitter`, `AugMix` and
`RandAugment`.

kerasish's public `RandomContrast`, `RandomRotation` and `RandomTranslation`
are plain layers (one `call`); the composites need Keras's split into
`get_random_transformation` and `transform_images`, with Keras's
transformation dicts (`{"contrast_factor"}`, `{"rotation_matrix"}`,
`{"translations", "input_shape"}`), so these private classes provide it with
the same math and argument parsing.
"""

from kerasish import ops, random
from kerasish.layers.preprocessing.image_preprocessing import _color_utils
from kerasish.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (  # noqa: E501
    BaseImagePreprocessingLayer,
)

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


class ContrastOp(BaseImagePreprocessingLayer):
    """`(x - mean) * c + mean`, clipped to `value_range`; `c` uniform in
    `[1 - lower, 1 + upper]` per image, `mean` over height and width."""

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(**kwargs)
        self._set_factor(factor)
        self.value_range = value_range
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        images = _color_utils.images_of(data)
        _color_utils.batch_size_of("RandomContrast", images)
        shape = (1, 1, 1) if len(images.shape) == 3 else (images.shape[0], 1, 1, 1)
        if not training:
            return {"contrast_factor": ops.zeros(shape)}
        factor = random.uniform(
            shape,
            minval=1.0 - self.factor[0],
            maxval=1.0 + self.factor[1],
            dtype=self.compute_dtype,
            seed=self.generator if seed is None else seed,
        )
        return {"contrast_factor": factor}

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        h_axis, w_axis = (-3, -2) if self.data_format == "channels_last" else (-2, -1)
        mean = ops.mean(images, axis=h_axis, keepdims=True)
        mean = ops.mean(mean, axis=w_axis, keepdims=True)
        outputs = (images - mean) * transformation["contrast_factor"] + mean
        return ops.clip(outputs, self.value_range[0], self.value_range[1])

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes

    def transform_segmentation_masks(
        self, segmentation_masks, transformation, training=True
    ):
        return segmentation_masks


class _AffineOp(BaseImagePreprocessingLayer):
    def _check_modes(self, fill_mode, interpolation):
        name = type(self).__name__
        if fill_mode not in FILL_MODES:
            raise ValueError(
                f"{name}: unknown `fill_mode` {fill_mode!r}; expected "
                f"one of {FILL_MODES}."
            )
        if interpolation not in INTERPOLATIONS:
            raise ValueError(
                f"{name}: unknown `interpolation` {interpolation!r}; "
                f"expected one of {INTERPOLATIONS}."
            )

    def _hw(self, shape):
        if self.data_format == "channels_last":
            return shape[-3], shape[-2]
        return shape[-2], shape[-1]

    def _affine(self, images, matrix, interpolation):
        return ops.image.affine_transform(
            images,
            matrix,
            interpolation=interpolation,
            fill_mode=self.fill_mode,
            fill_value=self.fill_value,
            data_format=self.data_format,
        )

    def transform_labels(self, labels, transformation, training=True):
        return labels


class RotationOp(_AffineOp):
    """Rotation by an angle uniform in `[lower, upper] * 360` degrees about the
    image center (Keras's `RandomRotation` transformation)."""

    def __init__(
        self,
        factor,
        fill_mode="reflect",
        interpolation="bilinear",
        seed=None,
        fill_value=0.0,
        data_format=None,
        **kwargs,
    ):
        super().__init__(factor=factor, data_format=data_format, **kwargs)
        self._check_modes(fill_mode, interpolation)
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = _color_utils.images_of(data)
        batch_size = _color_utils.batch_size_of("RandomRotation", images)
        height, width = self._hw(tuple(images.shape))
        angle = random.uniform(
            (batch_size,),
            minval=self.factor[0] * 360.0,
            maxval=self.factor[1] * 360.0,
            seed=self.generator if seed is None else seed,
        )
        zeros, ones = ops.zeros((batch_size,)), ops.ones((batch_size,))
        matrix = self._compute_affine_matrix(
            center_x=0.5,
            center_y=0.5,
            angle=angle,
            translate_x=zeros,
            translate_y=zeros,
            scale=ones,
            shear_x=zeros,
            shear_y=zeros,
            height=height,
            width=width,
        )
        if len(images.shape) == 3:
            matrix = ops.squeeze(matrix, axis=0)
        return {"rotation_matrix": matrix}

    def _transform_images(self, images, transformation, interpolation):
        if transformation is None:
            return images
        return self._affine(images, transformation["rotation_matrix"], interpolation)


class TranslationOp(_AffineOp):
    """Shift by `(dx, dy)`, each uniform in its factor range times the width or
    height (Keras's `RandomTranslation` transformation)."""

    _USE_BASE_FACTOR = False

    def __init__(
        self,
        height_factor,
        width_factor,
        fill_mode="reflect",
        interpolation="bilinear",
        seed=None,
        fill_value=0.0,
        data_format=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        self.height_lower, self.height_upper = self._parse(height_factor)
        self.width_lower, self.width_upper = self._parse(width_factor)
        self._check_modes(fill_mode, interpolation)
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def _parse(self, factor):
        if isinstance(factor, tuple | list):
            lower, upper = sorted(factor)
            return lower, upper
        return -abs(factor), abs(factor)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = _color_utils.images_of(data)
        batch_size = _color_utils.batch_size_of("RandomTranslation", images)
        shape = tuple(images.shape)
        height, width = self._hw(shape)
        seed = self.generator if seed is None else seed
        dy = random.uniform(
            (batch_size, 1),
            minval=self.height_lower,
            maxval=self.height_upper,
            seed=seed,
        )
        dx = random.uniform(
            (batch_size, 1), minval=self.width_lower, maxval=self.width_upper, seed=seed
        )
        translations = ops.cast(
            ops.concatenate([dx * width, dy * height], axis=1), "float32"
        )
        return {"translations": translations, "input_shape": shape}

    def _transform_images(self, images, transformation, interpolation):
        if transformation is None:
            return images
        unbatched = len(images.shape) == 3
        if unbatched:
            images = ops.expand_dims(images, 0)
        shift = transformation["translations"]
        n = shift.shape[0]
        zeros, ones = ops.zeros((n, 1)), ops.ones((n, 1))
        matrix = ops.concatenate(
            [ones, zeros, -shift[:, 0:1], zeros, ones, -shift[:, 1:], zeros, zeros],
            axis=1,
        )
        outputs = self._affine(images, matrix, interpolation)
        return outputs[0] if unbatched else outputs
