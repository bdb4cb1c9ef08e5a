"""`get_file`: download once into Keras's cache (`~/.keras`), verify, extract."""

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zipfile


def keras_home():
    """The cache root: `$KERAS_HOME` when set, else `~/.keras` (read per call)."""
    if "KERAS_HOME" in os.environ:
        return os.environ["KERAS_HOME"]
    return os.path.join(os.path.expanduser("~"), ".keras")


def _resolve_hasher(algorithm, file_hash=None):
    if algorithm == "sha256":
        return hashlib.sha256()
    if algorithm == "auto" and file_hash is not None and len(file_hash) == 64:
        return hashlib.sha256()
    if algorithm not in ("auto", "md5"):
        raise ValueError(
            "get_file: `hash_algorithm` must be one of 'auto', 'sha256', 'md5'; "
            f"received {algorithm!r}."
        )
    return hashlib.md5()


def hash_file(fpath, algorithm="sha256", chunk_size=65535):
    """Returns the hex sha256 (or md5) digest of the file at `fpath`."""
    hasher = _resolve_hasher(algorithm) if isinstance(algorithm, str) else algorithm
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535):
    """Whether the file at `fpath` has hash `file_hash` (sha256 or md5)."""
    hasher = _resolve_hasher(algorithm, file_hash)
    return str(hash_file(fpath, hasher, chunk_size)) == str(file_hash)


def _inside(base, relative):
    """The resolved path of `relative` under `base`, or None if it escapes."""
    path = os.path.realpath(os.path.join(base, relative))
    try:
        return path if os.path.commonpath([path, base]) == base else None
    except ValueError:
        return None


def _safe_members(archive, base):
    """Members that stay inside `base`; others are skipped with a warning.

    Absolute names, `..` components and links (symbolic or hard) pointing
    outside the target are refused; device files and fifos too.
    """
    base = os.path.realpath(base)
    if isinstance(archive, zipfile.ZipFile):
        for info in archive.infolist():
            if _inside(base, info.filename) is not None:
                yield info
            else:
                warnings.warn(
                    f"Skipping unsafe path during archive extraction: "
                    f"{info.filename!r} (outside {base!r}).",
                    stacklevel=3,
                )
        return
    for info in archive.getmembers():
        ok = _inside(base, info.name) is not None
        if ok and info.issym():
            dest = os.path.join(base, os.path.dirname(info.name), info.linkname)
            ok = _inside(base, dest) is not None
        elif ok and info.islnk():
            ok = _inside(base, info.linkname) is not None
        elif ok and not (info.isfile() or info.isdir()):
            ok = False
        if ok:
            yield info
        else:
            warnings.warn(
                f"Skipping unsafe path during archive extraction: {info.name!r}.",
                stacklevel=3,
            )


def extract_archive(file_path, path=".", archive_format="auto"):
    """Extracts a tar (.tar, .tar.gz, .tar.bz2) or zip archive into `path`.

    Returns:
        `True` if `file_path` matched a format and was extracted, else `False`.
    """
    if archive_format is None:
        return False
    if archive_format == "auto":
        archive_format = ["tar", "zip"]
    if isinstance(archive_format, str):
        archive_format = [archive_format]
    file_path, path = os.fspath(file_path), os.fspath(path)
    for kind in archive_format:
        if kind == "tar":
            is_match, opener = tarfile.is_tarfile, tarfile.open
        elif kind == "zip":
            is_match, opener = zipfile.is_zipfile, zipfile.ZipFile
        else:
            raise ValueError(
                f"Unknown archive_format {kind!r}; valid values: 'auto', 'tar', "
                "'zip', None."
            )
        if not is_match(file_path):
            continue
        os.makedirs(path, exist_ok=True)
        with opener(file_path) as archive:
            try:
                members = list(_safe_members(archive, path))
                if kind == "tar":
                    archive.extractall(path, members=members, filter="data")
                else:
                    archive.extractall(path, members=members)
            except (tarfile.TarError, RuntimeError, KeyboardInterrupt):
                shutil.rmtree(path, ignore_errors=True)
                raise
        return True
    return False


def _download(origin, target):
    partial = target + ".part"
    try:
        with urllib.request.urlopen(origin, timeout=60) as response:
            with open(partial, "wb") as out:
                shutil.copyfileobj(response, out)
        os.replace(partial, target)
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise


def get_file(
    fname=None,
    origin=None,
    untar=False,
    md5_hash=None,
    file_hash=None,
    cache_subdir="datasets",
    hash_algorithm="auto",
    extract=False,
    archive_format="auto",
    cache_dir=None,
    force_download=False,
):
    """Downloads a file from a URL unless it is already in the cache.

    The file lands in `cache_dir/cache_subdir/fname` (by default
    `~/.keras/datasets/`, or `$KERAS_HOME/datasets/`), the same place Keras 3
    uses, so files either library downloaded are shared. Offline, place the
    file at that path yourself; a failed download raises an error naming it.

    Args:
        fname: File name in the cache; defaults to the last part of `origin`.
        origin: URL of the file.
        untar: Deprecated; same as `extract=True, archive_format="tar"`.
        md5_hash: Deprecated; same as `file_hash=..., hash_algorithm="md5"`.
        file_hash: Expected sha256 or md5 hex digest of the file.
        cache_subdir: Sub-directory of the cache dir.
        hash_algorithm: `"auto"` (sha256 for 64-digit hashes, else md5),
            `"sha256"` or `"md5"`.
        extract: Whether to extract the file as an archive (tar or zip).
        archive_format: `"auto"`, `"tar"`, `"zip"` or `None`.
        cache_dir: Cache root; defaults to `$KERAS_HOME` or `~/.keras`.
        force_download: Download even if the file is cached.

    Returns:
        Path to the downloaded file, or to the extraction directory when
        `extract` (or `untar`) is set.
    """
    if origin is None:
        raise ValueError(
            'Please specify the "origin" argument (URL of the file to download).'
        )
    if cache_dir is None:
        cache_dir = keras_home()
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    base = os.path.expanduser(os.fspath(cache_dir))
    if not os.access(base, os.W_OK) and os.path.exists(base):
        base = os.path.join(tempfile.gettempdir(), ".keras")
    datadir = os.path.join(base, cache_subdir)
    os.makedirs(datadir, exist_ok=True)

    provided = fname is not None and os.fspath(fname) != ""
    fname = os.fspath(fname) if provided else ""
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(
                f"Can't parse the file name from the origin provided: '{origin}'. "
                "Please specify the `fname` argument."
            )
    elif os.sep in fname or (os.altsep and os.altsep in fname):
        raise ValueError(
            "Paths are no longer accepted as the `fname` argument. To specify the "
            f"file's parent directory, use the `cache_dir` argument. Received: "
            f"fname={fname}"
        )

    # Same cache layout as Keras 3.
    if extract or untar:
        if provided and "." in fname:
            target = os.path.join(datadir, fname)
            stem = fname[: fname.find(".")]
            extraction_dir = os.path.join(datadir, f"{stem}_extracted")
        else:
            extraction_dir = os.path.join(datadir, fname)
            target = os.path.join(datadir, f"{fname}_archive")
    else:
        target = os.path.join(datadir, fname)

    stale = False
    if force_download:
        download = True
    elif os.path.exists(target):
        download = False
        if file_hash is not None and not validate_file(
            target, file_hash, algorithm=hash_algorithm
        ):
            print(
                "A local file was found, but its hash does not match the expected "
                f"{file_hash}; downloading it again from {origin}."
            )
            download = stale = True
    else:
        download = True

    if download:
        print(f"Downloading data from {origin}")
        try:
            _download(origin, target)
        except (urllib.error.URLError, OSError, ValueError) as e:
            note = (
                f" The cached file there has the wrong hash (expected {file_hash})."
                if stale
                else ""
            )
            raise OSError(
                f"get_file: could not download {origin} ({e}). If this machine is "
                f"offline, download the file elsewhere and place it at {target}"
                f".{note}"
            ) from e
        if file_hash is not None and not validate_file(
            target, file_hash, algorithm=hash_algorithm
        ):
            raise ValueError(
                f"Incomplete or corrupted file detected at {target}: its "
                f"{hash_algorithm} hash does not match the expected {file_hash}."
            )

    if extract or untar:
        if untar:
            archive_format = "tar"
        if not extract_archive(target, extraction_dir, archive_format):
            warnings.warn(f"Could not extract archive {target}.", stacklevel=2)
        return extraction_dir
    return target
