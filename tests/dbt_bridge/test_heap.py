"""dbt's import and the manifest's load run without cyclic garbage collection, and leave the
collector as they found it; with the accelerators off the collector is left alone
(``accelerators/heap.py``)."""

from __future__ import annotations

import gc

import pytest

from planalign.dbt_bridge.accelerators import Accelerators, heap
from planalign.dbt_bridge.accelerators.heap import collector_paused


def test_the_collector_pauses_for_the_block_and_comes_back():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()   # the inner block leaves it as the outer one found it
    assert gc.isenabled()


def test_a_failing_block_puts_it_back_and_a_paused_one_stays_paused():
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("boom")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_heap_is_frozen_for_a_run_only_with_the_accelerators_on():
    frozen = gc.get_freeze_count()
    off = Accelerators("off")
    with off.loading():
        assert gc.isenabled()
    assert off.hold_heap() is False and gc.get_freeze_count() == frozen
    on = Accelerators("on")
    with on.loading():
        assert not gc.isenabled()
    assert on.hold_heap() is True
    try:
        assert gc.get_freeze_count() > frozen
    finally:
        heap.thaw_heap()
    assert gc.get_freeze_count() == frozen
