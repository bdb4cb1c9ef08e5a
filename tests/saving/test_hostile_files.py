"""Model files never reach outside themselves: HDF5 external storage, external
links, soft links and virtual datasets are refused; no config value is opened
as a path in safe mode; archive members are bounded while they inflate."""

import io
import json
import tracemalloc
import zipfile

import numpy as np
import pytest

import kerasish as keras
from kerasish import layers
from kerasish.saving import keras_archive, load_model

h5py = pytest.importorskip("h5py")


def _model():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    model.set_weights([np.arange(6.0).reshape(3, 2), np.ones(2)])
    return model


def _weights_file(tmp_path, name="m.weights.h5"):
    path = tmp_path / name
    _model().save_weights(path)
    return path


def _outside(tmp_path):
    """A file outside the model file that a hostile file points at."""
    path = tmp_path / "outside.bin"
    np.arange(6, dtype="float32").tofile(path)
    with h5py.File(tmp_path / "outside.h5", "w") as f:
        f["data"] = np.full((3, 2), 99.0)
    return path


def _replace_kernel(path, make):
    with h5py.File(path, "a") as f:
        group = f["layers/dense/vars"]
        del group["0"]
        make(group)


def _external_storage(tmp_path):
    raw = _outside(tmp_path)
    return lambda g: g.create_dataset(
        "0", shape=(3, 2), dtype="float32", external=[(str(raw), 0, 24)]
    )


def _external_link(tmp_path):
    _outside(tmp_path)
    return lambda g: g.__setitem__(
        "0", h5py.ExternalLink(str(tmp_path / "outside.h5"), "/data")
    )


def _soft_link(tmp_path):
    def make(group):
        group.file["elsewhere"] = np.zeros((3, 2))
        group["0"] = h5py.SoftLink("/elsewhere")

    return make


def _virtual(tmp_path):
    _outside(tmp_path)

    def make(group):
        layout = h5py.VirtualLayout(shape=(3, 2), dtype="float64")
        layout[:] = h5py.VirtualSource(str(tmp_path / "outside.h5"), "data", (3, 2))
        group.create_virtual_dataset("0", layout)

    return make


HOSTILE = {
    "external storage": (_external_storage, "external files.*outside.bin"),
    "external link": (_external_link, "external link to .*outside.h5"),
    "soft link": (_soft_link, "soft link to '/elsewhere'"),
    "virtual dataset": (_virtual, "virtual dataset"),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_weights_h5_is_refused(tmp_path, kind):
    make, reason = HOSTILE[kind]
    path = _weights_file(tmp_path, "hostile.weights.h5")
    _replace_kernel(path, make(tmp_path))
    model = _model()
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(
        ValueError, match=f"hostile.weights.h5.*'/layers/dense/vars/0'.*{reason}"
    ):
        model.load_weights(path)
    for got, want in zip(model.get_weights(), before):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_weights_inside_keras_archive_is_refused(tmp_path, kind):
    make, reason = HOSTILE[kind]
    path = tmp_path / "hostile.keras"
    _model().save(path)
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    weights = tmp_path / "w.h5"
    weights.write_bytes(members["model.weights.h5"])
    _replace_kernel(weights, make(tmp_path))
    members["model.weights.h5"] = weights.read_bytes()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(ValueError, match=f"hostile.keras.*vars/0'.*{reason}"):
        load_model(path)


# -- paths in configs ------------------------------------------------------------


def _lookup_archive(tmp_path, vocabulary):
    layer = layers.StringLookup(vocabulary=["a", "b"])
    model = keras.Sequential([keras.Input((2,), dtype="string"), layer])
    path = tmp_path / "lookup.keras"
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    config = json.loads(members["config.json"])
    config["config"]["layers"][1]["config"]["vocabulary"] = vocabulary
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


@pytest.mark.parametrize("vocabulary", ["/etc/passwd", "vocab.txt"])
def test_vocabulary_path_in_config_is_refused_in_safe_mode(tmp_path, vocabulary):
    path = _lookup_archive(tmp_path, vocabulary)
    with pytest.raises(
        ValueError,
        match="vocabulary file outside of the model archive.*safe_mode=False.*"
        "enable_unsafe_deserialization",
    ):
        load_model(path)


def test_vocabulary_path_loads_when_trusted(tmp_path):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("x\ny\nz\n")
    path = _lookup_archive(tmp_path, str(vocab))
    model = load_model(path, safe_mode=False)
    out = np.asarray(model(np.array([["y", "q"]], dtype=object)))
    np.testing.assert_array_equal(out, [[2, 0]])


def test_vocabulary_path_outside_a_load_is_still_allowed(tmp_path):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("x\ny\n")
    layer = layers.StringLookup(vocabulary=str(vocab))
    np.testing.assert_array_equal(np.asarray(layer(np.array(["y", "x"]))), [2, 1])


# -- decompression bombs -------------------------------------------------------


def _bomb(tmp_path, size, declared=None):
    """A `.keras` whose weights member is `size` zero bytes, deflated."""
    path = tmp_path / "bomb.keras"
    _model().save(path)
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    with zipfile.ZipFile(path, "w") as zf:
        for name in ("metadata.json", "config.json"):
            zf.writestr(name, members[name])
        info = zipfile.ZipInfo("model.weights.h5")
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as f:
            chunk = b"\0" * (1 << 20)
            for _ in range(size >> 20):
                f.write(chunk)
    if declared is not None:
        _forge_declared_size(path, "model.weights.h5", declared)
    return path


def _forge_declared_size(path, member, declared):
    """Rewrites the member's declared size in the central directory."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    central = data.rfind(b"PK\x01\x02")
    assert data[central + 46 : central + 46 + len(member)] == member.encode()
    usize = central + 24  # "uncompressed size", 4 bytes
    assert int.from_bytes(data[usize : usize + 4], "little") == info.file_size
    data[usize : usize + 4] = declared.to_bytes(4, "little")
    path.write_bytes(bytes(data))


def _peak_while(fn):
    tracemalloc.start()
    try:
        fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_deflated_bomb_is_refused_before_inflating(tmp_path):
    path = _bomb(tmp_path, 128 << 20)  # 128 MiB of zeros, ~125 KiB on disk
    assert path.stat().st_size < 1 << 20

    def load():
        with pytest.raises(ValueError, match="bomb.keras.*decompression bomb"):
            load_model(path)

    peak = _peak_while(load)
    assert peak < 16 << 20, peak


def test_member_lying_about_its_size_stops_at_the_declared_size(tmp_path):
    path = _bomb(tmp_path, 64 << 20, declared=1 << 20)

    def load():
        with pytest.raises(ValueError, match="bomb.keras.*(corrupt|truncated)"):
            load_model(path)

    peak = _peak_while(load)
    assert peak < 16 << 20, peak


def test_absolute_cap_is_checked_while_streaming(tmp_path, monkeypatch):
    path = tmp_path / "m.keras"
    _model().save(path)
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("model.weights.h5")
        monkeypatch.setattr(keras_archive, "MAX_MEMBER_BYTES", info.file_size - 1)
        with pytest.raises(ValueError, match="model.weights.h5.*declares"):
            keras_archive.read_member(zf, info, "m.keras")
    # A stream that inflates past the cap is cut while reading, even if the
    # declared size was accepted.
    monkeypatch.setattr(keras_archive, "MAX_MEMBER_BYTES", 1 << 40)
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as zf:
        zf.writestr("x", b"\1" * 5000, zipfile.ZIP_DEFLATED)
    with zipfile.ZipFile(data) as zf:
        info = zf.getinfo("x")
        info.file_size = 10  # what a forged header would declare
        with pytest.raises(ValueError, match="x.*(inflates past|corrupt)"):
            keras_archive.read_member(zf, info, "forged.keras")
