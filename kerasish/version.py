"""kerasish's version: one string, at the bottom (imports nothing)."""

__version__ = "0.1.0"


def version():
    """Returns kerasish's version string (`kerasish.__version__`)."""
    return __version__
