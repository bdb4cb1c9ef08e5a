"""Keras 3's public names and signatures exist in kerasish (issue 10, item 1).

The names are enumerated at test time from the installed Keras (the `compat` extra);
`tests/api/api_exclusions.txt` lists, with a reason each, the only ones allowed to be
absent or to differ. The coverage figure is printed at the end of the run.
"""

import pytest

from tests.api import surface as surface_lib
from tests.helpers import keras3

pytestmark = pytest.mark.compat


@pytest.fixture(scope="module")
def surface():
    keras3()
    return surface_lib.compute_surface()


def test_every_keras_name_exists(surface):
    assert not surface.missing, (
        f"{len(surface.missing)} Keras 3 public names are missing from kerasish "
        "(add them, or list them with a reason in tests/api/api_exclusions.txt):\n"
        + "\n".join(surface.missing)
    )


def test_every_signature_matches(surface):
    lines = [f"{path}: {diff}" for path, diff in surface.signature_diffs.items()]
    assert not lines, f"{len(lines)} signatures differ from Keras 3's:\n" + "\n".join(
        lines
    )


def test_no_stale_exclusions(surface):
    assert not surface.stale_exclusions, (
        "these names are excluded but now exist; remove their lines from "
        "api_exclusions.txt:\n" + "\n".join(surface.stale_exclusions)
    )


def test_exclusion_file_is_well_formed():
    table = surface_lib.load_exclusions()
    assert table["name"], "the exclusion file lost its entries"
    for kind in table.values():
        for path, reason in kind.items():
            assert path.startswith("keras.") and reason


def test_excluded_paths_are_real_keras_names(surface):
    """An exclusion must name something Keras has, so the list cannot rot."""
    import importlib

    keras3()
    table = surface_lib.load_exclusions()
    for path in table["name"]:
        if path.endswith(".*"):
            importlib.import_module(path[:-2])
            continue
        module, _, name = path.rpartition(".")
        assert hasattr(importlib.import_module(module), name), path
