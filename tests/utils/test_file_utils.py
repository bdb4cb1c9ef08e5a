"""get_file: cache layout, hashes, extraction (and hostile archives), offline."""

import hashlib
import inspect
import io
import os
import tarfile
import zipfile

import pytest

from kerasish.utils import file_utils
from kerasish.utils.file_utils import get_file
from tests.helpers import keras3


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    return tmp_path / "kh"


def _source(tmp_path, name="data.bin", content=b"hello kerasish"):
    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    path = src / name
    path.write_bytes(content)
    return path


@pytest.mark.compat
def test_signature_matches_keras():
    keras3()
    from keras.src.utils import file_utils as kf

    assert inspect.signature(get_file) == inspect.signature(kf.get_file)


def test_downloads_file_url_into_keras_home_and_caches(tmp_path, home):
    src = _source(tmp_path)
    path = get_file(origin=src.as_uri())
    assert path == os.path.join(home, "datasets", "data.bin")
    assert open(path, "rb").read() == b"hello kerasish"
    src.write_bytes(b"changed")  # cached: not downloaded again
    assert open(get_file(origin=src.as_uri()), "rb").read() == b"hello kerasish"
    # force_download fetches again
    path = get_file(origin=src.as_uri(), force_download=True)
    assert open(path, "rb").read() == b"changed"


def test_cache_dir_and_subdir_and_fname(tmp_path, home):
    src = _source(tmp_path)
    path = get_file("x.dat", src.as_uri(), cache_dir=tmp_path / "c", cache_subdir="s")
    assert path == os.path.join(tmp_path / "c", "s", "x.dat")


@pytest.mark.parametrize("algo", ["sha256", "md5"])
def test_hash_checked_and_stale_cache_redownloaded(tmp_path, home, algo):
    content = b"payload"
    src = _source(tmp_path, content=content)
    digest = hashlib.new(algo, content).hexdigest()
    target = home / "datasets" / "data.bin"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"stale")
    path = get_file(origin=src.as_uri(), file_hash=digest)
    assert open(path, "rb").read() == content
    assert file_utils.hash_file(path, algo) == digest


def test_wrong_hash_after_download_raises(tmp_path, home):
    src = _source(tmp_path)
    with pytest.raises(ValueError, match="hash does not match"):
        get_file(origin=src.as_uri(), file_hash="0" * 64)


def test_offline_error_names_url_and_path(tmp_path, home):
    url = (tmp_path / "missing.npz").as_uri()
    with pytest.raises(OSError, match="place it at") as info:
        get_file("mnist.npz", url)
    assert url in str(info.value)
    assert os.path.join(str(home), "datasets", "mnist.npz") in str(info.value)
    assert not (home / "datasets" / "mnist.npz").exists()


def test_preplaced_file_is_used_without_network(home):
    target = home / "datasets" / "mnist.npz"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"abc")
    digest = hashlib.sha256(b"abc").hexdigest()
    url = "https://unreachable.invalid/mnist.npz"
    assert get_file("mnist.npz", url, file_hash=digest) == str(target)


def test_errors(home):
    with pytest.raises(ValueError, match="origin"):
        get_file("a.txt")
    with pytest.raises(ValueError, match="Paths are no longer accepted"):
        get_file("a/b.txt", "file:///x")
    with pytest.raises(ValueError, match="Can't parse the file name"):
        get_file(origin="https://example.invalid/")
    with pytest.raises(ValueError, match="hash_algorithm"):
        file_utils.validate_file(__file__, "abc", algorithm="sha1")


def _make_tar(path, files, extra=()):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for info in extra:
            tar.addfile(info)


def test_extract_tar_and_zip_like_keras(tmp_path, home):
    tar_path = tmp_path / "arch.tar.gz"
    _make_tar(tar_path, {"d/a.txt": b"A", "d/b.txt": b"BB"})
    out = get_file("arch", tar_path.as_uri(), extract=True)
    assert out == os.path.join(home, "datasets", "arch")
    assert (home / "datasets" / "arch_archive").exists()
    assert open(os.path.join(out, "d", "b.txt"), "rb").read() == b"BB"
    # a name with a dot: archive kept under its name, extracted to <stem>_extracted
    zip_path = tmp_path / "z.zip"
    with zipfile.ZipFile(zip_path, "w") as z:
        z.writestr("inner/c.txt", "C")
    out = get_file("z.zip", zip_path.as_uri(), extract=True)
    assert out == os.path.join(home, "datasets", "z_extracted")
    assert open(os.path.join(out, "inner", "c.txt")).read() == "C"
    # untar=True forces tar
    out = get_file("u", tar_path.as_uri(), untar=True)
    assert open(os.path.join(out, "d", "a.txt")).read() == "A"


def test_hostile_tar_members_are_skipped(tmp_path, home):
    link = tarfile.TarInfo("d/evil_link")
    link.type = tarfile.SYMTYPE
    link.linkname = "../../../../../etc/passwd"
    hard = tarfile.TarInfo("d/evil_hard")
    hard.type = tarfile.LNKTYPE
    hard.linkname = "/etc/passwd"
    tar_path = tmp_path / "bad.tar.gz"
    _make_tar(
        tar_path,
        {"../escape.txt": b"x", "/abs/escape2.txt": b"y", "d/ok.txt": b"ok"},
        extra=[link, hard],
    )
    with pytest.warns(UserWarning, match="unsafe path"):
        out = get_file("bad", tar_path.as_uri(), extract=True)
    assert open(os.path.join(out, "d", "ok.txt")).read() == "ok"
    assert not (home / "datasets" / "escape.txt").exists()
    assert not (tmp_path / "escape.txt").exists()
    assert not os.path.lexists(os.path.join(out, "d", "evil_link"))
    assert not os.path.lexists(os.path.join(out, "d", "evil_hard"))


def test_hostile_zip_member_is_skipped(tmp_path, home):
    zip_path = tmp_path / "bad.zip"
    with zipfile.ZipFile(zip_path, "w") as z:
        z.writestr("../../zip_escape.txt", "x")
        z.writestr("fine.txt", "fine")
    with pytest.warns(UserWarning, match="unsafe path"):
        out = get_file("bad", zip_path.as_uri(), extract=True)
    assert open(os.path.join(out, "fine.txt")).read() == "fine"
    assert not (home / "zip_escape.txt").exists()
    assert not (tmp_path / "zip_escape.txt").exists()
