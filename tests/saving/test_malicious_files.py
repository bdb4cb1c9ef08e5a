"""Broken, truncated and hostile files: a clear ValueError each, no code runs."""

import io
import json
import zipfile

import numpy as np
import pytest

import kerasish as keras
from kerasish import layers
from kerasish.saving import load_model, load_weights
from kerasish.saving.weights_io import write_npz


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A valid `.keras` file and its members, to forge broken variants from."""
    path = tmp_path_factory.mktemp("valid") / "m.keras"
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    return path, members


def _zip(path, members, stored=()):
    if "model.weights.npz" in members:
        # kerasish's earlier layout: the npz replaces Keras's h5 member.
        members = {k: v for k, v in members.items() if k != "model.weights.h5"}
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            compress = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            zf.writestr(name, data, compress)
    return path


def _npz_bytes(arrays):
    buffer = io.BytesIO()
    write_npz(buffer, arrays)
    return buffer.getvalue()


def test_missing_file(tmp_path):
    with pytest.raises(ValueError, match="File not found.*nope.keras"):
        load_model(tmp_path / "nope.keras")


def test_not_a_zip(tmp_path):
    path = tmp_path / "text.keras"
    path.write_text("hello, I am not a model")
    with pytest.raises(ValueError, match="text.keras.*not a valid zip archive"):
        load_model(path)


def test_truncated_file(tmp_path, saved):
    path = tmp_path / "cut.keras"
    data = saved[0].read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(
        ValueError, match="cut.keras.*(not a valid zip|truncated|corrupt)"
    ):
        load_model(path)


def test_corrupt_bytes_inside_a_member(tmp_path, saved):
    path = _zip(tmp_path / "flip.keras", saved[1])
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("config.json")
    start = info.header_offset + 30 + len(info.filename) + 5
    for i in range(start, start + 20):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="flip.keras.*(corrupt|config.json)"):
        load_model(path)


def test_zip_without_keras_members(tmp_path):
    path = _zip(tmp_path / "other.keras", {"readme.txt": b"hi"})
    with pytest.raises(ValueError, match="not a '.keras' model file.*config.json"):
        load_model(path)


def test_missing_weights_member(tmp_path, saved):
    members = {k: v for k, v in saved[1].items() if k != "model.weights.h5"}
    path = _zip(tmp_path / "noweights.keras", members)
    with pytest.raises(ValueError, match="no weights member"):
        load_model(path)


@pytest.mark.parametrize("name", ["/etc/passwd", "../../evil.txt", "a/../../b", "C:/x"])
def test_member_with_absolute_or_parent_path_is_refused(tmp_path, saved, name):
    path = _zip(tmp_path / "evil.keras", {**saved[1], name: b"x"})
    with pytest.raises(ValueError, match="refusing the archive member.*malicious"):
        load_model(path)


def test_config_is_not_json(tmp_path, saved):
    path = _zip(tmp_path / "badjson.keras", {**saved[1], "config.json": b"{not json"})
    with pytest.raises(ValueError, match="config.json is not valid JSON"):
        load_model(path)


def test_config_without_class_name(tmp_path, saved):
    path = _zip(tmp_path / "nocls.keras", {**saved[1], "config.json": b"[1, 2]"})
    with pytest.raises(
        ValueError, match="config.json must be an object with a 'class_name'"
    ):
        load_model(path)


def test_config_with_unknown_class(tmp_path, saved):
    config = json.loads(saved[1]["config.json"])
    config["config"]["layers"][1]["class_name"] = "Densse"
    config["config"]["layers"][1]["registered_name"] = "Densse"
    path = _zip(
        tmp_path / "unknown.keras", {**saved[1], "config.json": json.dumps(config)}
    )
    with pytest.raises(
        ValueError, match="Unknown object 'Densse'.*Did you mean 'Dense'"
    ):
        load_model(path)


def test_malformed_functional_config(tmp_path, saved):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, layers.Dense(2)(inputs))
    model.save(tmp_path / "f.keras")
    with zipfile.ZipFile(tmp_path / "f.keras") as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    config = json.loads(members["config.json"])
    del config["config"]["output_layers"]
    path = _zip(tmp_path / "badf.keras", {**members, "config.json": json.dumps(config)})
    with pytest.raises(ValueError, match="badf.keras.*model config is malformed"):
        load_model(path)


def test_pickled_array_is_refused(tmp_path, saved):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        with zf.open("layers/dense/vars/0.npy", "w") as f:
            np.lib.format.write_array(
                f, np.array([{"a": 1}], dtype=object), allow_pickle=True
            )
    path = _zip(
        tmp_path / "pickle.keras",
        {**saved[1], "model.weights.npz": buffer.getvalue()},
        stored={"model.weights.npz"},
    )
    with pytest.raises(ValueError, match="holds Python objects.*pickle"):
        load_model(path)


def test_declared_shape_larger_than_stored_bytes_is_refused(tmp_path, saved):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": (100000, 100000)}
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("layers/dense/vars/0.npy", header.getvalue() + b"\0" * 16)
    path = _zip(
        tmp_path / "bomb.keras",
        {**saved[1], "model.weights.npz": buffer.getvalue()},
        stored={"model.weights.npz"},
    )
    with pytest.raises(
        ValueError, match=r"declares shape \(100000, 100000\).*truncated or forged"
    ):
        load_model(path)


def test_decompression_bomb_member_is_refused(tmp_path, saved):
    buffer = io.BytesIO()
    # bzip2 shrinks 8 MiB of zeros to a few dozen bytes.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_BZIP2) as zf:
        zf.writestr("layers/dense/vars/0.npy", b"\0" * (8 << 20))
    path = _zip(
        tmp_path / "zipbomb.keras",
        {**saved[1], "model.weights.npz": buffer.getvalue()},
        stored={"model.weights.npz"},
    )
    with pytest.raises(ValueError, match="decompression bomb"):
        load_model(path)


def test_npz_member_that_is_not_an_array(tmp_path, saved):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("payload.py", b"import os")
    path = _zip(
        tmp_path / "notnpy.keras",
        {**saved[1], "model.weights.npz": buffer.getvalue()},
        stored={"model.weights.npz"},
    )
    with pytest.raises(ValueError, match="unexpected member 'payload.py'"):
        load_model(path)


def test_weights_with_wrong_shapes_in_archive(tmp_path, saved):
    npz = _npz_bytes(
        {
            "layers/dense/vars/0": np.zeros((4, 2), "float32"),
            "layers/dense/vars/1": np.zeros((2,), "float32"),
        }
    )
    path = _zip(tmp_path / "shapes.keras", {**saved[1], "model.weights.npz": npz})
    with pytest.raises(ValueError, match=r"expects shape \(3, 2\).*has shape \(4, 2\)"):
        load_model(path)


def test_string_array_is_refused(tmp_path, saved):
    npz = _npz_bytes(
        {
            "layers/dense/vars/0": np.array([["a", "b"]] * 3),
            "layers/dense/vars/1": np.zeros(2),
        }
    )
    path = _zip(tmp_path / "strings.keras", {**saved[1], "model.weights.npz": npz})
    with pytest.raises(ValueError, match="non-numeric array"):
        load_model(path)


def test_broken_standalone_weights_files(tmp_path):
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    bad = tmp_path / "junk.weights.npz"
    bad.write_bytes(b"PK\x03\x04 definitely not a zip")
    with pytest.raises(ValueError, match="junk.weights.npz.*not a valid npz"):
        load_weights(model, bad)
    model.save_weights(tmp_path / "ok.weights.npz")
    data = (tmp_path / "ok.weights.npz").read_bytes()
    cut = tmp_path / "cut.weights.npz"
    cut.write_bytes(data[:-40])
    with pytest.raises(ValueError, match="cut.weights.npz"):
        load_weights(model, cut)


def test_corrupt_h5_weights(tmp_path, saved):
    pytest.importorskip("h5py")
    members = dict(saved[1])
    members["model.weights.h5"] = b"\x89HDF\r\n\x1a\n" + b"\0" * 64
    path = _zip(tmp_path / "badh5.keras", members)
    with pytest.raises(ValueError, match="badh5.keras.*not a valid HDF5 weights file"):
        load_model(path)


def test_lambda_bytecode_from_keras_is_refused(tmp_path, saved):
    config = json.loads(saved[1]["config.json"])
    config["config"]["layers"].append(
        {
            "module": "keras.layers",
            "class_name": "Lambda",
            "config": {
                "name": "lam",
                "function": {
                    "class_name": "__lambda__",
                    "config": {
                        "code": "4wEAAAAAAAAAAAAAAAEAAAACAAAAQwAAAHMIAAAAfABk",
                        "defaults": None,
                        "closure": None,
                    },
                },
                "arguments": {},
            },
            "registered_name": None,
        }
    )
    path = _zip(tmp_path / "lam.keras", {**saved[1], "config.json": json.dumps(config)})
    with pytest.raises(ValueError, match="Refusing to load a Lambda layer"):
        load_model(path)
