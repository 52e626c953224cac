"""What every stand-in shares (``accelerators/stand_in.py``): in place for the block only, the raw
originals put back, nothing patched when the installed library lacks what it replaces."""

from __future__ import annotations

import pytest

from planalign.dbt_bridge.accelerators.stand_in import StandIn


def test_a_stand_in_puts_back_exactly_what_it_replaced():
    class Owner:
        @staticmethod
        def kept():
            return "dbt's"

    class Patching(StandIn):
        def replacements(self):
            return [(Owner, "kept", staticmethod(lambda: "ours")), (Owner, "added", 1)]

    class Lacking(StandIn):
        def replacements(self):
            raise ImportError("a dbt without the module")

    raw = vars(Owner)["kept"]
    with Patching().installed() as active:
        assert active and Owner.kept() == "ours" and Owner.added == 1
    assert vars(Owner)["kept"] is raw and not hasattr(Owner, "added")
    with pytest.raises(RuntimeError), Patching().installed():
        raise RuntimeError("an invocation that fails")
    assert vars(Owner)["kept"] is raw and not hasattr(Owner, "added")
    with Lacking().installed() as active:
        assert active is False
