"""Object detection pieces: box utilities, box-aware augmentation, a tiny RetinaNet.

In the style of keras.io's "Object Detection with RetinaNet" and "Image keypoint
detection" examples, on small synthetic images:

- `keras.utils.bounding_boxes`: `convert_format` between every box format (relative
  ones with `height`/`width`), `clip_to_image_size` (degenerate boxes get label -1),
  `compute_iou` (pairwise, batched, masked, relative with `image_shape`),
  `compute_ciou`, `encode_box_to_deltas` / `decode_deltas_to_boxes` with a variance,
  `crop`, `pad` and `affine_transform`, and the errors a user hits;
- preprocessing layers called on `{"images", "bounding_boxes": {"boxes", "labels"}}`
  with `bounding_box_format`: Resizing (plain, pad/crop to aspect ratio), seeded
  RandomFlip / RandomCrop / RandomTranslation / RandomZoom / RandomRotation, and the
  error when the format is missing;
- `ops.image.crop_images`, `pad_images`, `resize(pad_to_aspect_ratio=...)`;
- RetinaNet's AnchorBox written with `ops.meshgrid` / `stack` / `reshape`, a label
  encoder built on `compute_iou` + `encode_box_to_deltas`, a small FPN with shared
  class and box subnets (prior-probability bias), a `RetinaNetLoss` made of
  BinaryFocalCrossentropy + Huber, trained a few steps, predictions decoded with
  `decode_deltas_to_boxes` and `ops.top_k`, and `.keras` / `.weights.h5` round trips;
- the same heads as a two-output model with CategoricalFocalCrossentropy + Huber;
- a keypoint regressor (SeparableConv2D head with a sigmoid) trained with MSE;
- `keras.visualization.draw_segmentation_masks` (array output).

Every kernel is set from a numpy seed and fit runs with `shuffle=False`, so both
libraries compute the same numbers.
"""

import numpy as np

PKG = "detection_boxes"
FORMATS = (
    "xyxy",
    "yxyx",
    "xywh",
    "center_xywh",
    "center_yxhw",
    "rel_xyxy",
    "rel_yxyx",
    "rel_xywh",
    "rel_center_xywh",
)


def _np(x):
    return np.asarray(x)


def _flat(x):
    return np.asarray(x, dtype="float64").ravel().tolist()


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the error type is the result
        return type(e).__name__
    return None


def _summary(model):
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    return "\n".join(lines)


def _box_utils(keras):
    bb = keras.utils.bounding_boxes
    out = {}
    out["same_bbox_exports"] = sorted(n for n in dir(bb) if not n.startswith("_"))
    boxes = np.array(
        [[[10, 20, 50, 60], [0, 0, 30, 40], [35, 5, 95, 75]]], dtype="float32"
    )
    converted = {}
    for target in FORMATS:
        converted[target] = bb.convert_format(
            boxes, "xyxy", target, height=80, width=100
        )
        out[f"close_convert_{target}"] = _flat(converted[target])
    # Every format converts back to the boxes it came from.
    back = [
        _np(bb.convert_format(converted[f], f, "xyxy", height=80, width=100))
        for f in FORMATS
    ]
    assert all(np.allclose(b, boxes, atol=1e-4) for b in back)
    out["close_convert_rel_to_center_yxhw"] = _flat(
        bb.convert_format(
            converted["rel_xywh"], "rel_xywh", "center_yxhw", height=80, width=100
        )
    )
    out["same_convert_dtypes"] = [
        str(bb.convert_format(boxes.astype("int32"), "xyxy", "xywh").dtype),
        str(bb.convert_format(boxes, "xyxy", "xywh", dtype="float16").dtype),
    ]
    out["same_convert_errors"] = [
        _error(lambda: bb.convert_format(boxes, "xyxy", "rel_xyxy")),
        _error(lambda: bb.convert_format(boxes, "xyxy", "corners")),
    ]

    clipped = bb.clip_to_image_size(
        {
            "boxes": np.array(
                [[[-3, 2, 50, 9], [10, 40, 20, 45], [5, 5, 12, 30]]], "float32"
            ),
            "labels": np.array([[1, 2, 0]], "int32"),
        },
        height=32,
        width=40,
        bounding_box_format="xyxy",
    )
    out["same_clip_keys"] = sorted(clipped)
    out["close_clip_boxes"] = _flat(clipped["boxes"])
    out["same_clip_labels"] = _np(clipped["labels"]).tolist()
    rel_clipped = bb.clip_to_image_size(
        {
            "boxes": np.array([[[-0.1, 0.2, 1.3, 0.4]]], "float32"),
            "labels": np.array([[3]], "int32"),
        },
        bounding_box_format="rel_xyxy",
    )
    out["close_clip_rel_boxes"] = _flat(rel_clipped["boxes"])

    a = np.array([[0, 0, 10, 10], [5, 5, 20, 15], [-1, -1, -1, -1]], "float32")
    b = np.array([[5, 5, 15, 15], [0, 0, 10, 10], [12, 2, 30, 14]], "float32")
    iou = bb.compute_iou(a, b, "xyxy")
    out["same_iou_shape"] = tuple(iou.shape)
    out["close_iou"] = _flat(iou)
    out["close_iou_masked"] = _flat(
        bb.compute_iou(a, b, "xyxy", use_masking=True, mask_val=-1)
    )
    out["same_iou_batched_shape"] = tuple(
        bb.compute_iou(np.stack([a, b]), np.stack([b, a]), "xyxy").shape
    )
    out["close_iou_yxyx"] = _flat(
        bb.compute_iou(a[:, [1, 0, 3, 2]], b[:, [1, 0, 3, 2]], "yxyx")
    )
    out["close_iou_rel"] = _flat(
        bb.compute_iou(a[:2] / 40.0, b / 40.0, "rel_xyxy", image_shape=(40, 40, 3))
    )
    ciou = bb.compute_ciou(a[:2], b[:2], "xyxy")
    out["same_ciou_shape"] = tuple(ciou.shape)
    out["close_ciou"] = _flat(ciou)
    out["close_ciou_center"] = _flat(
        bb.compute_ciou(
            _np(bb.convert_format(a[:2], "xyxy", "center_xywh")),
            _np(bb.convert_format(b[:2], "xyxy", "center_xywh")),
            "center_xywh",
        )
    )

    batch = np.array([[[2, 1, 14, 18], [9, 10, 20, 26]]], "float32")
    out["close_crop"] = _flat(bb.crop(batch, 2, 3, 20, 20))
    out["close_pad"] = _flat(bb.pad(batch, 2, 3))
    out["close_affine"] = _flat(
        bb.affine_transform(
            batch,
            angle=np.array([0.1], "float32"),
            translate_x=np.array([0.1], "float32"),
            translate_y=np.array([-0.05], "float32"),
            scale=np.array([1.2], "float32"),
            shear_x=np.array([0.0], "float32"),
            shear_y=np.array([0.0], "float32"),
            height=32,
            width=32,
        )
    )
    affine_args = {
        "angle": np.array([30.0], "float32"),
        "translate_x": np.array([0.0], "float32"),
        "translate_y": np.array([0.0], "float32"),
        "scale": np.array([1.0], "float32"),
        "shear_x": np.array([10.0], "float32"),
        "shear_y": np.array([0.0], "float32"),
        "height": 32,
        "width": 32,
    }
    out["close_affine_rotate_shear"] = _flat(
        bb.affine_transform(batch, center_x=0.25, center_y=0.5, **affine_args)
    )
    out["same_affine_format_error"] = _error(
        lambda: bb.affine_transform(batch, bounding_box_format="yxyx", **affine_args)
    )
    return out


RESIZE_KEYS = [
    f"{'close' if what == 'boxes' else 'same'}_resize_{name}_{what}"
    for name in ("plain", "pad", "crop")
    for what in ("keys", "shape", "boxes", "labels")
] + [
    "close_resize_plain_image_mean",
    "same_resizing_config",
    "same_resize_single_shape",
    "close_resize_single_boxes",
    "close_center_crop_boxes",
]


def _box_resizing(keras, data, images, boxes, labels):
    """Resizing (plain, padded, cropped to the aspect ratio) and CenterCrop."""
    layers = keras.layers
    out = {}
    resizers = {
        "plain": layers.Resizing(16, 16, bounding_box_format="xyxy"),
        "pad": layers.Resizing(
            16, 16, pad_to_aspect_ratio=True, bounding_box_format="xyxy"
        ),
        "crop": layers.Resizing(
            16, 16, crop_to_aspect_ratio=True, bounding_box_format="xyxy"
        ),
    }
    for name, layer in resizers.items():
        result = layer(data())
        out[f"same_resize_{name}_keys"] = sorted(result)
        out[f"same_resize_{name}_shape"] = tuple(result["images"].shape)
        out[f"close_resize_{name}_boxes"] = _flat(result["bounding_boxes"]["boxes"])
        out[f"same_resize_{name}_labels"] = _np(
            result["bounding_boxes"]["labels"]
        ).tolist()
    out["close_resize_plain_image_mean"] = float(
        _np(resizers["plain"](data())["images"]).mean()
    )
    config = resizers["pad"].get_config()
    config.pop("name")
    out["same_resizing_config"] = repr(sorted(config.items()))
    # A single (unbatched) image with its boxes.
    single = layers.Resizing(16, 20, bounding_box_format="xyxy")(
        {
            "images": images[0],
            "bounding_boxes": {"boxes": boxes[0], "labels": labels[0]},
        }
    )
    out["same_resize_single_shape"] = tuple(single["images"].shape)
    out["close_resize_single_boxes"] = _flat(single["bounding_boxes"]["boxes"])

    center = layers.CenterCrop(24, 24, bounding_box_format="xyxy")(data())
    out["close_center_crop_boxes"] = _flat(center["bounding_boxes"]["boxes"])
    assert sorted(out) == sorted(RESIZE_KEYS)
    return out


def _augment(keras):
    layers = keras.layers
    out = {}
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 255, (2, 32, 40, 3)).astype("float32")
    boxes = np.array(
        [[[2, 1, 14, 18], [9, 10, 20, 26]], [[0, 0, 40, 32], [5, 5, 10, 10]]],
        "float32",
    )
    labels = np.array([[1, 2], [0, 1]], "int32")

    def data():
        # A fresh dict each call: some layers write their results into it.
        return {
            "images": images.copy(),
            "bounding_boxes": {"boxes": boxes.copy(), "labels": labels.copy()},
        }

    out.update(_box_resizing(keras, data, images, boxes, labels))

    randoms = {
        "flip_h": layers.RandomFlip("horizontal", seed=1, bounding_box_format="xyxy"),
        "crop": layers.RandomCrop(24, 24, seed=1, bounding_box_format="xyxy"),
        "rotation": layers.RandomRotation(0.1, seed=1, bounding_box_format="xyxy"),
    }
    for name, layer in randoms.items():
        result = layer(data(), training=True)
        out[f"same_{name}_shape"] = (
            tuple(result["images"].shape),
            tuple(result["bounding_boxes"]["boxes"].shape),
            tuple(result["bounding_boxes"]["labels"].shape),
        )
        out[f"{name}_boxes"] = np.round(
            _np(result["bounding_boxes"]["boxes"]), 3
        ).tolist()
        out[f"{name}_labels"] = _np(result["bounding_boxes"]["labels"]).tolist()
        if name == "crop":
            continue  # Keras 3.15 does not clip RandomCrop's boxes to the crop.
        # Boxes stay inside the output image.
        h, w = result["images"].shape[1:3]
        out_boxes = _np(result["bounding_boxes"]["boxes"])
        assert out_boxes.min() >= -1e-4
        assert (out_boxes[..., [0, 2]] <= w + 1e-3).all()
        assert (out_boxes[..., [1, 3]] <= h + 1e-3).all()
    # A factor range of one value pins the transformation: the same everywhere.
    pinned = {
        "translation": layers.RandomTranslation(
            (0.25, 0.25), (-0.1, -0.1), seed=1, bounding_box_format="xyxy"
        ),
        "zoom_in": layers.RandomZoom((-0.2, -0.2), seed=1, bounding_box_format="xyxy"),
        "zoom_out": layers.RandomZoom(
            (0.3, 0.3), (-0.1, -0.1), seed=1, bounding_box_format="xyxy"
        ),
        "rotation": layers.RandomRotation(
            (0.05, 0.05), seed=1, bounding_box_format="xyxy"
        ),
    }
    for name, layer in pinned.items():
        result = layer(data(), training=True)
        out[f"close_pinned_{name}_boxes"] = _flat(result["bounding_boxes"]["boxes"])
        out[f"same_pinned_{name}_labels"] = _np(
            result["bounding_boxes"]["labels"]
        ).tolist()
        out[f"close_pinned_{name}_image_mean"] = float(_np(result["images"]).mean())
    # A translation that pushes a box out of the image drops its label to -1.
    pushed = layers.RandomTranslation(
        (0.0, 0.0), (0.9, 0.9), seed=1, bounding_box_format="xyxy"
    )(data(), training=True)
    out["close_pushed_boxes"] = _flat(pushed["bounding_boxes"]["boxes"])
    out["same_pushed_labels"] = _np(pushed["bounding_boxes"]["labels"]).tolist()
    # A horizontal flip maps x to width - x, whichever images it picks.
    flipped = randoms["flip_h"](data(), training=True)
    fb = _np(flipped["bounding_boxes"]["boxes"])
    mirrored = np.stack(
        [40 - boxes[..., 2], boxes[..., 1], 40 - boxes[..., 0], boxes[..., 3]], -1
    )
    assert np.all(
        np.isclose(fb, boxes, atol=1e-4).all(-1)
        | np.isclose(fb, mirrored, atol=1e-4).all(-1)
    )
    # In inference a random layer passes the boxes through.
    passed = randoms["rotation"](data(), training=False)
    out["close_rotation_inference_boxes"] = _flat(passed["bounding_boxes"]["boxes"])
    out["same_flip_config"] = repr(
        sorted((k, v) for k, v in randoms["flip_h"].get_config().items() if k != "name")
    )
    out["same_missing_format_error"] = [
        _error(lambda: layers.RandomFlip(seed=1)(data(), training=True)),
        _error(lambda: layers.RandomRotation(0.1, seed=1)(data(), training=True)),
    ]
    out["same_missing_format_error_crop_resize"] = [
        _error(lambda: layers.CenterCrop(24, 24)(data())),
        _error(lambda: layers.Resizing(16, 16)(data())),
    ]
    out["same_rel_flip_boxes_shape"] = tuple(
        layers.RandomFlip("horizontal", seed=1, bounding_box_format="rel_xyxy")(
            {
                "images": images[:1],
                "bounding_boxes": {
                    "boxes": np.array([[[0.1, 0.2, 0.3, 0.5]]], "float32"),
                    "labels": np.array([[1]], "int32"),
                },
            }
        )["bounding_boxes"]["boxes"].shape
    )
    return out


def _image_ops(keras):
    ops = keras.ops
    out = {}
    x = np.arange(2 * 6 * 8 * 3, dtype="float32").reshape(2, 6, 8, 3)
    cropped = ops.image.crop_images(
        x, top_cropping=1, left_cropping=2, target_height=4, target_width=5
    )
    out["same_crop_images_shape"] = tuple(cropped.shape)
    out["close_crop_images"] = _flat(cropped)
    cropped2 = ops.image.crop_images(
        x, top_cropping=0, bottom_cropping=2, left_cropping=1, right_cropping=3
    )
    out["same_crop_images_br_shape"] = tuple(cropped2.shape)
    out["close_crop_images_br"] = _flat(cropped2[1, :, :, 1])
    # Only one of top/bottom/target given: Keras asks for exactly two.
    out["same_crop_images_error"] = _error(
        lambda: ops.image.crop_images(x, bottom_cropping=2, right_cropping=3)
    )
    padded = ops.image.pad_images(
        x, top_padding=1, left_padding=2, target_height=10, target_width=12
    )
    out["same_pad_images_shape"] = tuple(padded.shape)
    out["close_pad_images_sum"] = float(_np(padded).sum())
    assert np.allclose(_np(padded)[:, 1:7, 2:10], x)
    out["same_pad_images_error"] = _error(
        lambda: ops.image.pad_images(
            x, top_padding=1, bottom_padding=1, target_height=10
        )
    )
    letterbox = ops.image.resize(x, (8, 8), pad_to_aspect_ratio=True, fill_value=-1.0)
    out["same_letterbox_shape"] = tuple(letterbox.shape)
    out["close_letterbox"] = _flat(letterbox[0, :, :, 0])
    center = ops.image.resize(x, (4, 4), crop_to_aspect_ratio=True)
    out["close_resize_crop_aspect"] = _flat(center[1, :, :, 2])
    out["close_resize_nearest"] = _flat(
        ops.image.resize(x, (3, 4), interpolation="nearest")[0, :, :, 0]
    )
    return out


class AnchorBox:
    """Anchors for two pyramid levels, as RetinaNet's AnchorBox computes them."""

    def __init__(self, ops):
        self.ops = ops
        self.aspect_ratios = [0.5, 1.0, 2.0]
        self.scales = [2**x for x in [0, 1 / 2]]
        self._num_anchors = len(self.aspect_ratios) * len(self.scales)
        self._strides = [4, 8]
        self._areas = [x**2 for x in [8.0, 16.0]]
        self._anchor_dims = self._compute_dims()

    def _compute_dims(self):
        ops = self.ops
        anchor_dims_all = []
        for area in self._areas:
            anchor_dims = []
            for ratio in self.aspect_ratios:
                anchor_height = ops.sqrt(area / ratio)
                anchor_width = area / anchor_height
                dims = ops.reshape(
                    ops.stack([anchor_width, anchor_height], axis=-1), [1, 1, 2]
                )
                for scale in self.scales:
                    anchor_dims.append(scale * dims)
            anchor_dims_all.append(ops.stack(anchor_dims, axis=-2))
        return anchor_dims_all

    def _get_anchors(self, feature_height, feature_width, level):
        ops = self.ops
        rx = ops.arange(feature_width, dtype="float32") + 0.5
        ry = ops.arange(feature_height, dtype="float32") + 0.5
        centers = ops.stack(ops.meshgrid(rx, ry), axis=-1) * self._strides[level]
        centers = ops.expand_dims(centers, axis=-2)
        centers = ops.tile(centers, [1, 1, self._num_anchors, 1])
        dims = ops.tile(self._anchor_dims[level], [feature_height, feature_width, 1, 1])
        anchors = ops.concatenate([centers, dims], axis=-1)
        return ops.reshape(
            anchors, [feature_height * feature_width * self._num_anchors, 4]
        )

    def get_anchors(self, image_height, image_width):
        anchors = [
            self._get_anchors(
                image_height // self._strides[i], image_width // self._strides[i], i
            )
            for i in range(len(self._strides))
        ]
        return self.ops.concatenate(anchors, axis=0)


VARIANCE = [0.1, 0.1, 0.2, 0.2]


def _encode_labels(keras, anchors, gt_boxes, gt_classes):
    """RetinaNet's LabelEncoder for one image: (num_anchors, 5) targets."""
    bb, ops = keras.utils.bounding_boxes, keras.ops
    iou = _np(bb.compute_iou(anchors, gt_boxes, "center_xywh"))
    max_iou = iou.max(axis=1)
    matched = iou.argmax(axis=1)
    positive = max_iou >= 0.4
    negative = max_iou < 0.3
    deltas = bb.encode_box_to_deltas(
        anchors,
        gt_boxes[matched],
        anchor_format="center_xywh",
        box_format="center_xywh",
        encoding_format="center_xywh",
        variance=VARIANCE,
    )
    cls = np.where(positive, gt_classes[matched], -2.0)
    cls = np.where(negative, -1.0, cls)
    return np.concatenate([ops.convert_to_numpy(deltas), cls[:, None]], axis=-1)


def _synthetic_scenes(rng, n, size=32):
    """Noisy images with one or two coloured rectangles (colour = class)."""
    images = rng.normal(0.0, 0.1, (n, size, size, 3)).astype("float32")
    boxes, classes = [], []
    for i in range(n):
        img_boxes, img_classes = [], []
        for _ in range(1 + i % 2):
            w, h = rng.integers(6, 16, size=2)
            x0, y0 = rng.integers(0, size - w), rng.integers(0, size - h)
            c = int(rng.integers(0, 3))
            images[i, y0 : y0 + h, x0 : x0 + w, c] += 1.0
            img_boxes.append([x0 + w / 2, y0 + h / 2, w, h])
            img_classes.append(c)
        boxes.append(np.array(img_boxes, "float32"))
        classes.append(np.array(img_classes, "float32"))
    return images, boxes, classes


def _feature_pyramid(keras, inputs):
    layers = keras.layers
    x = layers.Conv2D(8, 3, strides=2, padding="same", activation="relu", name="c2")(
        inputs
    )
    c3 = layers.Conv2D(16, 3, strides=2, padding="same", activation="relu", name="c3")(
        x
    )
    c4 = layers.Conv2D(16, 3, strides=2, padding="same", activation="relu", name="c4")(
        c3
    )
    p4 = layers.Conv2D(16, 1, name="lateral4")(c4)
    p3 = layers.Add(name="p3_merge")(
        [layers.Conv2D(16, 1, name="lateral3")(c3), layers.UpSampling2D(2)(p4)]
    )
    p3 = layers.Conv2D(16, 3, padding="same", name="p3")(p3)
    p4 = layers.Conv2D(16, 3, padding="same", name="p4")(p4)
    return [p3, p4]


def _head(keras, output_filters, bias_init, name):
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input(shape=(None, None, 16)),
            layers.Conv2D(16, 3, padding="same", activation="relu"),
            layers.Conv2D(
                output_filters, 3, padding="same", bias_initializer=bias_init
            ),
        ],
        name=name,
    )


def _retinanet_outputs(keras, inputs, num_classes, num_anchors):
    layers, ops = keras.layers, keras.ops
    prior = keras.initializers.Constant(-np.log((1 - 0.01) / 0.01))
    cls_head = _head(keras, num_anchors * num_classes, prior, "classification_head")
    box_head = _head(keras, num_anchors * 4, "zeros", "box_head")
    cls_outputs, box_outputs = [], []
    for feature in _feature_pyramid(keras, inputs):
        box_outputs.append(layers.Reshape((-1, 4))(box_head(feature)))
        cls_outputs.append(layers.Reshape((-1, num_classes))(cls_head(feature)))
    cls_outputs = layers.Concatenate(axis=1, name="cls")(cls_outputs)
    box_outputs = layers.Concatenate(axis=1, name="box")(box_outputs)
    del ops
    return cls_outputs, box_outputs


def _set_weights(model, seed):
    rng = np.random.default_rng(seed)
    weights = []
    for var in model.weights:
        shape = tuple(var.shape)
        if len(shape) == 1:
            if "classification_head" in var.path and shape[0] > 16:
                weights.append(np.full(shape, -np.log(99.0), "float32"))
            else:
                weights.append((rng.normal(size=shape) * 0.01).astype("float32"))
        else:
            fan_in = int(np.prod(shape[:-1]))
            weights.append(
                (rng.normal(size=shape) * np.sqrt(1.0 / fan_in)).astype("float32")
            )
    model.set_weights(weights)


def _retinanet(keras, workdir):
    layers, ops, losses = keras.layers, keras.ops, keras.losses
    bb = keras.utils.bounding_boxes
    register = keras.saving.register_keras_serializable
    out = {}
    num_classes = 3
    anchor_box = AnchorBox(ops)
    anchors = anchor_box.get_anchors(32, 32)
    anchors_np = ops.convert_to_numpy(anchors)
    out["same_anchor_shape"] = tuple(anchors.shape)
    out["close_anchor_rows"] = _flat(anchors_np[[0, 1, 5, 6, 383, 384, 479]])
    out["close_anchor_mean"] = _flat(anchors_np.mean(axis=0))

    rng = np.random.default_rng(11)
    images, gt_boxes, gt_classes = _synthetic_scenes(rng, 40)
    targets = np.stack(
        [_encode_labels(keras, anchors_np, b, c) for b, c in zip(gt_boxes, gt_classes)]
    ).astype("float32")
    out["same_target_shape"] = targets.shape
    out["same_target_counts"] = [
        int((targets[..., 4] >= 0).sum()),
        int((targets[..., 4] == -1).sum()),
        int((targets[..., 4] == -2).sum()),
    ]
    assert (targets[..., 4] >= 0).sum() >= len(images)
    out["close_target_deltas"] = _flat(targets[0][targets[0][:, 4] >= 0][:, :4])
    # Decoding the targets gives back each positive anchor's ground-truth box.
    decoded = bb.decode_deltas_to_boxes(
        anchors_np,
        targets[0, :, :4],
        anchor_format="center_xywh",
        box_format="xyxy",
        encoded_format="center_xywh",
        variance=VARIANCE,
    )
    positive = targets[0, :, 4] >= 0
    gt_xyxy = _np(bb.convert_format(gt_boxes[0], "center_xywh", "xyxy"))
    assert np.allclose(_np(decoded)[positive], gt_xyxy[0], atol=1e-3)
    out["same_decoded_shape"] = tuple(decoded.shape)

    @register(package=PKG)
    class RetinaNetLoss(keras.losses.Loss):
        def __init__(self, num_classes=3, alpha=0.25, gamma=2.0, delta=1.0, **kw):
            super().__init__(
                reduction="sum_over_batch_size", name="RetinaNetLoss", **kw
            )
            self.num_classes = num_classes
            self.alpha, self.gamma, self.delta = alpha, gamma, delta
            self._cls_loss = losses.BinaryFocalCrossentropy(
                apply_class_balancing=True,
                alpha=alpha,
                gamma=gamma,
                from_logits=True,
                reduction=None,
            )
            self._box_loss = losses.Huber(delta=delta, reduction=None)

        def call(self, y_true, y_pred):
            y_pred = ops.cast(y_pred, "float32")
            box_labels = y_true[:, :, :4]
            box_predictions = y_pred[:, :, :4]
            cls_labels = ops.one_hot(
                ops.cast(y_true[:, :, 4], "int32"), self.num_classes
            )
            cls_predictions = y_pred[:, :, 4:]
            positive_mask = ops.cast(ops.greater(y_true[:, :, 4], -1.0), "float32")
            ignore_mask = ops.cast(ops.equal(y_true[:, :, 4], -2.0), "float32")
            clf_loss = self._cls_loss(cls_labels, cls_predictions) * self.num_classes
            box_loss = self._box_loss(box_labels, box_predictions) * 4.0
            clf_loss = ops.where(ops.equal(ignore_mask, 1.0), 0.0, clf_loss)
            box_loss = ops.where(ops.equal(positive_mask, 1.0), box_loss, 0.0)
            normalizer = ops.sum(positive_mask, axis=-1)
            clf_loss = ops.divide_no_nan(ops.sum(clf_loss, axis=-1), normalizer)
            box_loss = ops.divide_no_nan(ops.sum(box_loss, axis=-1), normalizer)
            return clf_loss + box_loss

        def get_config(self):
            return {
                "num_classes": self.num_classes,
                "alpha": self.alpha,
                "gamma": self.gamma,
                "delta": self.delta,
            }

    inputs = keras.Input(shape=(32, 32, 3), name="image")
    cls_outputs, box_outputs = _retinanet_outputs(
        keras, inputs, num_classes, anchor_box._num_anchors
    )
    outputs = layers.Concatenate(axis=-1, name="predictions")(
        [box_outputs, cls_outputs]
    )
    model = keras.Model(inputs, outputs, name="RetinaNet")
    _set_weights(model, 5)
    out["same_summary"] = _summary(model)
    out["same_param_count"] = model.count_params()
    out["same_weight_paths"] = [w.path for w in model.weights]
    out["same_output_shape"] = tuple(model.output.shape)
    out["same_loss_config"] = repr(sorted(RetinaNetLoss().get_config().items()))

    loss_fn = RetinaNetLoss(num_classes)
    boundaries, values = [6], [0.02, 0.01]
    schedule = keras.optimizers.schedules.PiecewiseConstantDecay(boundaries, values)
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=schedule, momentum=0.9),
        loss=loss_fn,
    )
    # The loss on the encoded targets, before any training.
    out["close_initial_loss"] = float(
        model.evaluate(images[:32], targets[:32], batch_size=8, verbose=0)
    )
    history = model.fit(
        images[:32],
        targets[:32],
        batch_size=8,
        epochs=2,
        validation_data=(images[32:], targets[32:]),
        shuffle=False,
        verbose=0,
    )
    out["same_history_keys"] = sorted(history.history)
    out["close_history_loss"] = history.history["loss"]
    out["close_history_val_loss"] = history.history["val_loss"]
    assert history.history["loss"][-1] < out["close_initial_loss"]
    out["same_optimizer_iterations"] = int(model.optimizer.iterations)
    out["close_eval_loss"] = float(
        model.evaluate(images[32:], targets[32:], batch_size=8, verbose=0)
    )

    # Decoding: sigmoid class scores, boxes from the deltas, then the top scores.
    preds = model.predict(images[32:], batch_size=8, verbose=0)
    scores = ops.max(ops.sigmoid(preds[..., 4:]), axis=-1)
    boxes = bb.decode_deltas_to_boxes(
        anchors,
        preds[..., :4],
        anchor_format="center_xywh",
        box_format="xyxy",
        encoded_format="center_xywh",
        variance=VARIANCE,
    )
    boxes = bb.clip_to_image_size(
        {"boxes": boxes, "labels": ops.argmax(preds[..., 4:], axis=-1)},
        height=32,
        width=32,
        bounding_box_format="xyxy",
    )["boxes"]
    top_scores, top_idx = ops.top_k(scores, k=5)
    out["same_top_k_shapes"] = (tuple(top_scores.shape), tuple(top_idx.shape))
    out["close_top_scores"] = _flat(top_scores)
    out["close_decoded_boxes"] = _flat(_np(boxes)[:, [0, 77, 200, 401]])
    out["close_decoded_box_mean"] = float(_np(boxes).mean())

    # Round trips: weights file into a fresh model, then the whole model.
    weights_path = workdir / "retinanet.weights.h5"
    model.save_weights(weights_path)
    inputs2 = keras.Input(shape=(32, 32, 3), name="image")
    cls2, box2 = _retinanet_outputs(keras, inputs2, num_classes, 6)
    fresh = keras.Model(
        inputs2,
        layers.Concatenate(axis=-1, name="predictions")([box2, cls2]),
        name="RetinaNet",
    )
    fresh.load_weights(weights_path)
    assert all(
        np.array_equal(a, b) for a, b in zip(fresh.get_weights(), model.get_weights())
    )
    keras_path = workdir / "retinanet.keras"
    model.save(keras_path)
    reloaded = keras.saving.load_model(keras_path)
    out["same_reloaded_loss_class"] = type(reloaded.loss).__name__
    reloaded_preds = reloaded.predict(images[32:], batch_size=8, verbose=0)
    out["close_reloaded_predictions"] = _flat(reloaded_preds[:2, :6])
    out["close_reloaded_loss"] = float(loss_fn(targets[32:], reloaded_preds))
    assert np.allclose(reloaded_preds, preds, atol=1e-5)
    out["same_reloaded_summary"] = _summary(reloaded)
    return out


def _two_output_heads(keras):
    """One-level heads as a two-output model: CategoricalFocalCrossentropy + Huber."""
    layers, losses = keras.layers, keras.losses
    out = {}
    num_classes = 4  # 3 objects + background
    anchors = AnchorBox(keras.ops).get_anchors(32, 32)
    # The stride-4 level only: 8 x 8 positions, 6 anchors each.
    anchors_np = keras.ops.convert_to_numpy(anchors)[: 8 * 8 * 6]
    rng = np.random.default_rng(21)
    images, gt_boxes, gt_classes = _synthetic_scenes(rng, 24)
    encoded = np.stack(
        [_encode_labels(keras, anchors_np, b, c) for b, c in zip(gt_boxes, gt_classes)]
    ).astype("float32")
    cls_ids = np.where(encoded[..., 4] >= 0, encoded[..., 4] + 1, 0).astype("int32")
    cls_targets = np.eye(num_classes, dtype="float32")[cls_ids]
    box_targets = encoded[..., :4] * (encoded[..., 4:] >= 0)

    inputs = keras.Input(shape=(32, 32, 3))
    x = layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(inputs)
    x = layers.Conv2D(16, 3, strides=2, padding="same", activation="relu")(x)
    cls_outputs = layers.Reshape((-1, num_classes), name="cls")(
        layers.Conv2D(6 * num_classes, 3, padding="same")(x)
    )
    box_outputs = layers.Reshape((-1, 4), name="box")(
        layers.Conv2D(6 * 4, 3, padding="same")(x)
    )
    model = keras.Model(inputs, {"cls": cls_outputs, "box": box_outputs})
    _set_weights(model, 9)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss={
            "cls": losses.CategoricalFocalCrossentropy(from_logits=True, gamma=2.0),
            "box": losses.Huber(delta=0.5),
        },
        loss_weights={"cls": 1.0, "box": 2.0},
        metrics={"cls": [keras.metrics.CategoricalAccuracy(name="acc")]},
    )
    history = model.fit(
        images,
        {"cls": cls_targets, "box": box_targets},
        batch_size=8,
        epochs=2,
        shuffle=False,
        verbose=0,
    )
    out["same_two_output_history_keys"] = sorted(history.history)
    out["close_two_output_loss"] = history.history["loss"]
    out["close_two_output_cls_loss"] = history.history["cls_loss"]
    out["close_two_output_box_loss"] = history.history["box_loss"]
    # Accuracy counts argmax hits, so it is reported only.
    out["two_output_acc"] = history.history["cls_acc"]
    assert history.history["loss"][-1] < history.history["loss"][0]
    out["same_two_output_shapes"] = [tuple(t.shape) for t in model.outputs]

    # The focal losses on their own.
    y_true = np.eye(3, dtype="float32")[[0, 2, 1, 2]]
    logits = np.random.default_rng(2).normal(size=(4, 3)).astype("float32")
    out["close_binary_focal"] = [
        float(losses.BinaryFocalCrossentropy(from_logits=True)(y_true, logits)),
        float(
            losses.BinaryFocalCrossentropy(
                apply_class_balancing=True, alpha=0.25, gamma=1.5, from_logits=True
            )(y_true, logits)
        ),
        float(
            losses.BinaryFocalCrossentropy(label_smoothing=0.1)(
                y_true, keras.ops.sigmoid(logits)
            )
        ),
    ]
    out["close_categorical_focal"] = [
        float(losses.CategoricalFocalCrossentropy(from_logits=True)(y_true, logits)),
        float(
            losses.CategoricalFocalCrossentropy(alpha=0.5, gamma=3.0)(
                y_true, keras.ops.softmax(logits)
            )
        ),
    ]
    out["close_huber"] = _flat(losses.Huber(delta=0.3, reduction=None)(y_true, logits))
    out["same_focal_config"] = repr(
        sorted(
            losses.BinaryFocalCrossentropy(apply_class_balancing=True, gamma=1.5)
            .get_config()
            .items()
        )
    )
    return out


def _keypoints(keras):
    """A keypoint regressor as in the keypoint-detection example, on dots."""
    layers, ops = keras.layers, keras.ops
    out = {}
    num_keypoints = 3
    rng = np.random.default_rng(4)
    n, size = 48, 32
    images = rng.normal(0.0, 0.05, (n, size, size, 3)).astype("float32")
    coords = rng.uniform(4, size - 4, (n, num_keypoints, 2)).astype("float32")
    for i in range(n):
        for k in range(num_keypoints):
            x, y = coords[i, k].astype(int)
            images[i, y - 1 : y + 2, x - 1 : x + 2, k] = 1.0
    # Keypoint-aware horizontal flip of half the data.
    flipped = ops.convert_to_numpy(ops.flip(images[: n // 2], axis=2))
    flipped_coords = coords[: n // 2].copy()
    flipped_coords[..., 0] = size - 1 - flipped_coords[..., 0]
    images = np.concatenate([images, flipped])
    coords = np.concatenate([coords, flipped_coords])
    targets = (coords / size).reshape(-1, 1, 1, num_keypoints * 2)

    inputs = keras.Input((size, size, 3))
    x = layers.Rescaling(2.0, offset=-1.0)(inputs)
    x = layers.Conv2D(16, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Conv2D(16, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Conv2D(16, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.SeparableConv2D(
        num_keypoints * 2, kernel_size=3, strides=1, activation="relu"
    )(x)
    outputs = layers.SeparableConv2D(
        num_keypoints * 2, kernel_size=2, strides=1, activation="sigmoid"
    )(x)
    model = keras.Model(inputs, outputs, name="keypoint_detector")
    _set_weights(model, 17)
    out["same_keypoint_output_shape"] = tuple(model.output.shape)
    out["same_keypoint_params"] = model.count_params()
    model.compile(loss="mse", optimizer=keras.optimizers.Adam(1e-3), metrics=["mae"])
    history = model.fit(
        images, targets, batch_size=16, epochs=2, shuffle=False, verbose=0
    )
    out["same_keypoint_history_keys"] = sorted(history.history)
    out["close_keypoint_loss"] = history.history["loss"]
    out["close_keypoint_mae"] = history.history["mae"]
    assert history.history["loss"][-1] < history.history["loss"][0]
    pred = model.predict(images[:2], verbose=0).reshape(-1, num_keypoints, 2) * size
    out["close_keypoint_pred"] = _flat(pred)
    return out


def _visualization(keras):
    vis = keras.visualization
    out = {}
    out["same_visualization_exports"] = sorted(
        n for n in dir(vis) if not n.startswith("_")
    )
    images = np.full((2, 8, 8, 3), 100.0, "float32")
    masks = np.zeros((2, 8, 8, 1), "int32")
    masks[0, 2:5, 2:6] = 1
    masks[1, 4:, :] = 2
    drawn = vis.draw_segmentation_masks(
        images,
        masks,
        num_classes=3,
        color_mapping={0: (0, 0, 0), 1: (255, 0, 0), 2: (0, 255, 0)},
        alpha=0.5,
    )
    out["same_seg_drawn_shape"] = tuple(drawn.shape)
    out["close_seg_drawn"] = _flat(_np(drawn)[:, :, 3])
    # Needs OpenCV under Keras; reported only.
    out["draw_bounding_boxes_error"] = _error(
        lambda: vis.draw_bounding_boxes(
            images,
            {
                "boxes": np.array([[[1, 1, 6, 6]], [[0, 2, 7, 5]]], "float32"),
                "labels": np.array([[0], [1]], "int32"),
            },
            bounding_box_format="xyxy",
        )
    )
    return out


def run(keras, workdir):
    keras.utils.set_random_seed(0)
    out = {}
    out.update(_box_utils(keras))
    out.update(_augment(keras))
    out.update(_image_ops(keras))
    out.update(_retinanet(keras, workdir))
    out.update(_two_output_heads(keras))
    out.update(_keypoints(keras))
    out.update(_visualization(keras))
    return out
