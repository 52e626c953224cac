"""The gate in front of the accelerators: versions inside the table of tested versions turn
them on under ``auto``, one outside turns them all off with one warning line; ``on`` and
``off`` decide by themselves (``accelerators/gate.py``). Fake version maps: no dbt needed."""

from __future__ import annotations

import logging

import pytest

from planalign.dbt_bridge.accelerators import Accelerators, gate

INSIDE = {"dbt-core": "1.11.16", "dbt-common": "1.39.0", "dbt-adapters": "1.24.5", "mashumaro": "3.14",
          "jinja2": "3.1.6"}
# constraints/oldest.txt, where benchmarks/oldest_dbt.sh runs these tests
OLDEST = {"dbt-core": "1.10.23", "dbt-common": "1.34.2", "dbt-adapters": "1.18.0", "mashumaro": "3.9",
          "jinja2": "3.1.6"}


@pytest.mark.parametrize(("version", "bounds", "expected"), [
    ("1.11.16", ("1.10", "1.11"), True),     # a minor bound admits every patch of it
    ("1.10.0", ("1.10", "1.11"), True),
    ("1.12.0", ("1.10", "1.11"), False),
    ("1.9.9", ("1.10", "1.11"), False),
    ("1.39.0", ("1.34.2", "1.39.0"), True),
    ("1.39.1", ("1.34.2", "1.39.0"), False),  # a patch bound admits nothing newer
    ("1.34.1", ("1.34.2", "1.39.0"), False),
    ("1.4", ("1.34.2", "1.39.0"), False),     # numbers, not strings
    ("3.14", ("3.9", "3.14"), True),
    ("3.10", ("3.9", "3.14"), True),
    ("3.15", ("3.9", "3.14"), False),
    ("1.11.0rc1", ("1.10", "1.11"), False),   # pre-releases, local builds: never tested as such
    ("1.11.0+local", ("1.10", "1.11"), False),
    ("not installed", ("1.10", "1.11"), False),
])
def test_a_version_is_inside_its_bounds_at_their_precision(version, bounds, expected):
    assert gate.inside(version, *bounds) is expected


def test_the_newest_and_oldest_tested_sets_are_inside():
    for versions in (INSIDE, OLDEST):
        decision = gate.decide("auto", versions)
        assert decision.active and decision.outside == {} and decision.warning() is None


def test_one_version_outside_turns_every_accelerator_off_with_one_warning_line():
    decision = gate.decide("auto", {**INSIDE, "dbt-common": "1.40.0"})
    assert not decision.active and decision.outside == {"dbt-common": "1.40.0"}
    assert decision.why == "outside the tested versions: dbt-common 1.40.0"
    line = decision.warning()
    assert "\n" not in line and "dbt-common 1.40.0" in line and "1.34.2 to 1.39.0" in line
    assert "runtime.dbt_accelerators=on" in line
    missing = gate.decide("auto", {k: v for k, v in INSIDE.items() if k != "jinja2"})
    assert not missing.active and missing.outside == {"jinja2": "not installed"}


def test_on_and_off_decide_by_themselves():
    newer = {**INSIDE, "dbt-core": "1.12.0"}
    on = gate.decide("on", newer)
    assert on.active and on.outside == {"dbt-core": "1.12.0"} and "not tested" in on.warning()
    assert gate.decide("on", INSIDE).warning() is None
    for versions in (INSIDE, newer):
        off = gate.decide("off", versions)
        assert not off.active and off.warning() is None and "dbt's own code" in off.why
    with pytest.raises(ValueError, match="auto, on, off"):
        gate.decide("sometimes", INSIDE)


def test_the_installed_versions_are_read_for_every_package_of_the_table():
    seen = gate.installed_versions()
    assert set(seen) == set(gate.TESTED) and all(seen.values())
    assert gate.decide("auto").versions == seen


def test_outside_the_table_a_run_gets_no_accelerator(caplog):
    """What a DbtRunner asks of its accelerators, with a version outside the table: no stand-in,
    no manifest cache, no frozen heap, one warning line, and run.json saying so."""
    versions = {**INSIDE, "mashumaro": "3.99"}
    run = Accelerators("auto", versions=versions)
    with caplog.at_level(logging.WARNING):
        run.announce()
        run.announce()   # a second run of the process: no second line
    warned = [r.getMessage() for r in caplog.records if r.name == gate.__name__]
    assert len(warned) == 1 and "mashumaro 3.99" in warned[0]
    assert run.stand_ins() == [] and not run.manifest_cache and run.hold_heap() is False
    record = run.provenance()
    assert {k: record[k] for k in ("setting", "active", "outside")} == {
        "setting": "auto", "active": False, "outside": {"mashumaro": "3.99"}}
    assert record["versions"] == versions and record["self_checks"]["cte_injection"] == "not run"
    assert Accelerators("auto", versions=INSIDE).manifest_cache
    assert not Accelerators("auto", persist=False, versions=INSIDE).manifest_cache   # runtime.manifest_cache=false
