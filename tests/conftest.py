"""Shared fixtures: highest matmul precision, fresh names and seeds per test.

The suite compiles thousands of small XLA programs, and on the CPU most of a
compile is LLVM optimising the generated code. Tests check values, not speed, so
they compile at LLVM's lowest level (fast-math stays off, so every number is the
same) with XLA:CPU's older elemental emitters instead of its MLIR fusion
emitters (a third of the compile time; the whole suite ran 918 -> 673 s on 2
cores), and share one XLA cache per run between the xdist workers. XLA aborts
on a flag it does not know, so the controlling process tries the flags once in a
subprocess and keeps the set this jaxlib accepts; the workers and the
subprocesses tests start inherit it. The benches in `bench/` use XLA's defaults.
"""

import gc
import os
import shutil
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("KERASISH_COMPILATION_CACHE", "0")
_LLVM_FAST = (
    "--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true"
)
_FAST_COMPILE = (f"{_LLVM_FAST} --xla_cpu_use_fusion_emitters=false", _LLVM_FAST)


def _accepted_flags(user_flags):
    """The first of `_FAST_COMPILE` that this jaxlib starts with ("" if none)."""
    for flags in _FAST_COMPILE:
        env = {**os.environ, "XLA_FLAGS": f"{user_flags} {flags}".strip()}
        probe = subprocess.run(
            [sys.executable, "-c", "import jax; jax.jit(lambda x: x + 1)(1)"],
            env=env,
            capture_output=True,
        )
        if probe.returncode == 0:
            return flags
    return ""


if "xla_backend_optimization_level" not in os.environ.get("XLA_FLAGS", ""):
    _user_flags = os.environ.get("XLA_FLAGS", "")
    os.environ["XLA_FLAGS"] = f"{_user_flags} {_accepted_flags(_user_flags)}".strip()

import jax  # noqa: E402
import pytest  # noqa: E402

jax.config.update("jax_default_matmul_precision", "highest")

# One cache directory per test run: made by the controlling process, which xdist's
# workers inherit the variable from; set through jax.config, not JAX's own
# variable, so subprocesses a test starts keep kerasish's cache defaults.
_OWNS_CACHE = "KERASISH_TEST_XLA_CACHE" not in os.environ
if _OWNS_CACHE:
    os.environ["KERASISH_TEST_XLA_CACHE"] = tempfile.mkdtemp(prefix="kerasish-xla-")
_XLA_CACHE = os.environ["KERASISH_TEST_XLA_CACHE"]
jax.config.update("jax_compilation_cache_dir", _XLA_CACHE)
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


# Whole programs (8-15 s each) and the few other tests of that size: run first,
# so that the thousands of sub-second tests after them even out the workers' ends.
_LONG_FIRST = (
    "tests/programs/",
    "tests/docs/test_docs.py::test_site_builds",
    "tests/test_config.py::test_persistent_compilation_cache",
)


def _freeze_survivors():
    gc.collect()
    gc.freeze()


def pytest_collection_finish(session):
    _freeze_survivors()  # the imports of every test module


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After each test file, what survives it moves out of the collector's sight.

    A worker's heap grows over the run (jax, Keras, TensorFlow and torch imported,
    caches of compiled programs) and every full collection walks all of it: on 2
    cores the workers spent 226 s of a 1168 s run in the collector, 47 s now. Objects
    frozen here are still freed by reference counting; only cycles among them
    that die later are kept.
    """
    yield
    if nextitem is None or nextitem.path != item.path:
        _freeze_survivors()


def pytest_collection_modifyitems(items):
    # A stable sort: the order is kept otherwise.
    items.sort(key=lambda item: not item.nodeid.startswith(_LONG_FIRST))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`-n` hands tests out with work stealing: a worker that runs out takes half
    of another's queue (xdist's default `load` leaves a finished worker idle
    while the other works through its queue: minutes, on 2 cores)."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import WorkStealingScheduling

    return WorkStealingScheduling(config, log)


def pytest_sessionfinish(session):
    if _OWNS_CACHE:
        shutil.rmtree(_XLA_CACHE, ignore_errors=True)


@pytest.fixture(autouse=True)
def _fresh_names_and_seed():
    from kerasish.common import naming
    from kerasish.utils import set_random_seed

    naming.reset_uids()
    set_random_seed(1234)  # unseeded initializers repeat: no flaky statistics
    yield


@pytest.fixture
def collector_paused():
    """Python's cyclic garbage collector paused for the test, as kerasish pauses
    it while compiling (`engine/gc_pause.py`): for tests that build large models
    or compile hundreds of small eager programs, whose objects the collector's
    full passes would walk again and again. It runs again at teardown."""
    from kerasish.engine.gc_pause import gc_paused

    with gc_paused():
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


@pytest.fixture
def tick(monkeypatch):
    """A fake clock: `tick(seconds)` moves it on (Progbar reads `time.time`)."""
    now = [1000.0]
    monkeypatch.setattr(time, "time", lambda: now[0])

    def move(seconds):
        now[0] += seconds

    return move
