"""`weights="imagenet"` resolves Keras's published file through `get_file` (cache
first, no download here); `weights=<path>` loads Keras's `.weights.h5` and the
legacy `.h5` layout of Keras's published application weights."""

import hashlib
import json
import os

import h5py
import numpy as np
import pytest

import kerasish
from kerasish import applications
from kerasish.applications import efficientnet, vgg16
from tests.applications.conftest import random_weights

pytestmark = pytest.mark.compat

IMAGES = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")


def md5(path):
    with open(path, "rb") as f:
        return hashlib.md5(f.read()).hexdigest()


def write_legacy_h5(keras_model, path):
    """Keras's own writer of the Keras 2 layout (`layer_names`, `weight_names`)."""
    from keras.src.legacy.saving import legacy_h5_format

    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, keras_model)


@pytest.fixture
def keras_vgg16(keras_build):
    model = keras_build(
        "VGG16", weights=None, include_top=False, input_shape=(32, 32, 3)
    )
    model.set_weights(random_weights(model))
    return model


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "models").mkdir()
    return tmp_path / "models"


def test_imagenet_weights_come_from_the_cache(keras_vgg16, cache, monkeypatch):
    path = cache / "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
    write_legacy_h5(keras_vgg16, path)
    # The published file's md5 is Keras's; this stand-in file has its own.
    monkeypatch.setitem(vgg16.WEIGHTS_HASHES, "vgg16", ("unused", md5(path)))
    monkeypatch.setattr(
        kerasish.utils.file_utils,
        "_download",
        lambda *a: pytest.fail("get_file tried to download a cached file"),
    )
    model = applications.VGG16(
        weights="imagenet", include_top=False, input_shape=(32, 32, 3)
    )
    np.testing.assert_allclose(
        model.predict(IMAGES, verbose=0),
        keras_vgg16.predict(IMAGES, verbose=0),
        rtol=1e-5,
        atol=1e-4,
    )


def test_imagenet_weights_with_a_stale_cache_try_to_download(keras_vgg16, cache):
    path = cache / "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
    write_legacy_h5(keras_vgg16, path)

    # Keras's md5 does not match the stand-in file, so get_file downloads again;
    # offline, its error names the URL and where to put the file.
    def no_network(origin, target):
        raise OSError("no network in tests")

    original = kerasish.utils.file_utils._download
    kerasish.utils.file_utils._download = no_network
    try:
        with pytest.raises(OSError, match="vgg16_weights_tf_dim_ordering_tf_kernels"):
            applications.VGG16(
                weights="imagenet", include_top=False, input_shape=(32, 32, 3)
            )
    finally:
        kerasish.utils.file_utils._download = original


@pytest.mark.parametrize("suffix", [".weights.h5", ".h5"])
def test_weights_path_loads_keras_files(keras_vgg16, tmp_path, suffix):
    path = str(tmp_path / f"vgg{suffix}")
    if suffix == ".h5":
        write_legacy_h5(keras_vgg16, path)
    else:
        keras_vgg16.save_weights(path)
    model = applications.VGG16(weights=path, include_top=False, input_shape=(32, 32, 3))
    np.testing.assert_allclose(
        model.predict(IMAGES, verbose=0),
        keras_vgg16.predict(IMAGES, verbose=0),
        rtol=1e-5,
        atol=1e-4,
    )


@pytest.mark.slow
def test_efficientnet_imagenet_file_is_named_after_the_model(
    keras_build, cache, monkeypatch
):
    # EfficientNet's published files carry the model's name, and with ImageNet
    # weights the model gains a `Rescaling` after its `Normalization`. Both
    # libraries load the same cached file; their predictions agree.
    from keras.src.applications import efficientnet as keras_efficientnet

    source = keras_build("EfficientNetB0", weights=None, include_top=False)
    source.set_weights(random_weights(source))
    path = cache / "efficientnetb0_notop.h5"
    write_legacy_h5(source, path)
    hashes = ("unused", md5(path))
    monkeypatch.setitem(efficientnet.WEIGHTS_HASHES, "b0", hashes)
    monkeypatch.setitem(keras_efficientnet.WEIGHTS_HASHES, "b0", hashes)
    # Keras reads KERAS_HOME once, at import.
    monkeypatch.setattr("keras.src.backend.config._KERAS_DIR", str(cache.parent))
    keras_model = keras_build("EfficientNetB0", weights="imagenet", include_top=False)
    model = applications.EfficientNetB0(weights="imagenet", include_top=False)
    assert [layer.name for layer in model.layers[1:5]] == [
        "rescaling",
        "normalization",
        "rescaling_1",
        "stem_conv_pad",
    ]
    images = np.random.default_rng(1).uniform(0, 255, (1, 64, 64, 3))
    np.testing.assert_allclose(
        model.predict(images, verbose=0),
        keras_model.predict(images, verbose=0),
        rtol=1e-4,
        atol=1e-4,
    )


def test_legacy_file_with_other_layers_is_refused(keras_build, tmp_path):
    keras_model = keras_build(
        "VGG19", weights=None, include_top=False, input_shape=(32, 32, 3)
    )
    path = str(tmp_path / "vgg19.h5")
    write_legacy_h5(keras_model, path)
    with pytest.raises(ValueError, match="Layer count mismatch when loading weights"):
        applications.VGG16(weights=path, include_top=False, input_shape=(32, 32, 3))


def test_legacy_file_with_other_shapes_is_refused(keras_build, tmp_path):
    keras_model = keras_build(
        "VGG16", weights=None, include_top=False, input_shape=(32, 32, 1)
    )
    path = str(tmp_path / "vgg16_gray.h5")
    write_legacy_h5(keras_model, path)
    with pytest.raises(
        ValueError, match=r"Shape mismatch in layer #0 \(named block1_conv1\)"
    ):
        applications.VGG16(weights=path, include_top=False, input_shape=(32, 32, 3))


def test_decode_predictions_reads_the_cached_class_index(cache, monkeypatch):
    from kerasish.applications import imagenet_utils

    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    path = cache / "imagenet_class_index.json"
    path.write_text(json.dumps(index))
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", None)
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_HASH", md5(path))
    preds = np.zeros((2, 1000), "float32")
    preds[0, [7, 3, 500]] = [0.5, 0.3, 0.2]
    preds[1, 999] = 1.0
    result = applications.resnet.decode_predictions(preds, top=3)
    assert [entry[:2] for entry in result[0]] == [
        ("n00000007", "class_7"),
        ("n00000003", "class_3"),
        ("n00000500", "class_500"),
    ]
    np.testing.assert_allclose([entry[2] for entry in result[0]], [0.5, 0.3, 0.2])
    assert result[1][0][:2] == ("n00000999", "class_999")
    assert os.path.exists(path)


def test_decode_predictions_rejects_other_shapes():
    with pytest.raises(ValueError, match=r"a 2D array of shape \(samples, 1000\)"):
        applications.imagenet_utils.decode_predictions(np.zeros((2, 10)))


@pytest.mark.slow
def test_keras_file_round_trip_keeps_the_applications_own_layers(tmp_path):
    # MobileNetV3's arithmetic layers and ConvNeXt's LayerScale are registered,
    # so a saved model loads back with the same predictions.
    for build in (applications.MobileNetV3Small, applications.ConvNeXtTiny):
        model = build(weights=None, include_top=False, input_shape=(32, 32, 3))
        model.set_weights(random_weights(model, seed=5))
        path = str(tmp_path / f"{model.name}.keras")
        model.save(path)
        loaded = kerasish.models.load_model(path)
        np.testing.assert_allclose(
            loaded.predict(IMAGES[:1], verbose=0),
            model.predict(IMAGES[:1], verbose=0),
            rtol=1e-6,
            atol=1e-6,
        )
