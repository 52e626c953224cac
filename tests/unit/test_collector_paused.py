"""dbt's import and the manifest's load run without cyclic garbage collection, and leave the
collector as they found it."""

from __future__ import annotations

import gc

import pytest

from planalign.dbt_bridge.runner import collector_paused


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
