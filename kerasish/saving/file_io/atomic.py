"""`atomic_write`: write a file next to its target, then rename it into place.

A crash or a kill while writing leaves the previous file untouched: readers see
either the old file or the complete new one, never a half-written one
(`os.replace` is atomic on POSIX and on Windows within one volume).
"""

import contextlib
import os
import tempfile


@contextlib.contextmanager
def atomic_write(filepath, overwrite=True):
    """Yields a binary file object; on success it replaces `filepath` atomically.

    Args:
        filepath: The destination path.
        overwrite: If False and `filepath` exists, raises `FileExistsError`.

    Example:
    >>> with atomic_write("model.keras") as f:  # doctest: +SKIP
    ...     f.write(b"...")
    """
    filepath = os.fspath(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(
            f"{filepath!r} already exists and `overwrite=False`. Pass "
            "`overwrite=True` to replace it, or choose another path."
        )
    directory = os.path.dirname(os.path.abspath(filepath))
    if not os.path.isdir(directory):
        raise FileNotFoundError(
            f"Cannot save to {filepath!r}: the directory {directory!r} does not "
            "exist. Create it first (e.g. `os.makedirs(path, exist_ok=True)`)."
        )
    fd, tmp_path = tempfile.mkstemp(
        dir=directory, prefix=f".{os.path.basename(filepath)}.", suffix=".tmp"
    )
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        if os.path.exists(filepath):
            # Keep the permissions a previous version of the file had.
            with contextlib.suppress(OSError):
                os.chmod(tmp_path, os.stat(filepath).st_mode & 0o777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, filepath)
        _fsync_directory(directory)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp_path)
        raise


def _fsync_directory(directory):
    # Makes the rename itself durable; not possible (nor needed) on Windows.
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
