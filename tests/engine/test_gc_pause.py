"""The garbage collector is paused while programs compile, and only then."""

import gc
import threading

import numpy as np

from kerasish.engine import get_engine
from kerasish.engine.gc_pause import gc_paused


def test_paused_inside_and_restored_after():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():  # nested: the inner exit leaves it paused
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_the_user_turned_off_stays_off():
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_overlapping_pauses_in_two_threads_end_with_the_last():
    entered, release = threading.Event(), threading.Event()

    def background():
        with gc_paused():
            entered.set()
            release.wait(10)

    thread = threading.Thread(target=background)
    thread.start()
    entered.wait(10)
    with gc_paused():
        pass
    assert not gc.isenabled()  # the background pause still holds
    release.set()
    thread.join(10)
    assert gc.isenabled()


def test_compiling_traces_with_the_collector_paused():
    seen = []

    def fn(x):
        seen.append(gc.isenabled())
        return x * 2

    engine = get_engine()
    compiled = engine.compile(fn, np.ones(3, "float32"))
    np.testing.assert_array_equal(np.asarray(compiled(np.ones(3, "float32"))), 2.0)
    future = engine.compile_async(lambda x: fn(x) + 1, np.ones(2, "float32"))
    np.testing.assert_array_equal(
        np.asarray(future.result()(np.ones(2, "float32"))), 3.0
    )
    once = engine.jit(fn, one_shot=True)
    np.testing.assert_array_equal(np.asarray(once(np.ones(4, "float32"))), 2.0)
    assert seen == [False, False, False]
    assert gc.isenabled()
