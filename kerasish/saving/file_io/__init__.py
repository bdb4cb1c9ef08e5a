"""File helpers for saving: atomic writes."""

from kerasish.saving.file_io.atomic import atomic_write

__all__ = ["atomic_write"]
