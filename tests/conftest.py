"""Shared fixtures: highest matmul precision, fresh names and seeds per test."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("KERASISH_COMPILATION_CACHE", "0")

import jax  # noqa: E402
import pytest  # noqa: E402

jax.config.update("jax_default_matmul_precision", "highest")


@pytest.fixture(autouse=True)
def _fresh_names_and_seed():
    from kerasish.common import naming
    from kerasish.utils import set_random_seed

    naming.reset_uids()
    set_random_seed(1234)  # unseeded initializers repeat: no flaky statistics
    yield


def pytest_terminal_summary(terminalreporter):
    """Prints the Keras 3 public-API coverage figure when the API tests ran."""
    ran = terminalreporter.stats.get("passed", []) + terminalreporter.stats.get(
        "failed", []
    )
    if not any("tests/api/test_public_api.py" in r.nodeid for r in ran):
        return
    try:
        from tests.api.surface import compute_surface, coverage_lines

        lines = coverage_lines(compute_surface())
    except ImportError:
        return
    terminalreporter.section("Keras 3 public API coverage")
    for line in lines:
        terminalreporter.write_line(line)
