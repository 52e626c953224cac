"""dbt's log events that nobody would see are skipped unbuilt; everything else is as dbt does it."""

from __future__ import annotations

import contextlib
import io
import re

import pytest

from planalign.dbt_bridge.accelerators.unheard_events import UnheardEvents
from planalign.dbt_bridge.runner import import_dbt_runner


@pytest.fixture(scope="module")
def dbt_events():
    import_dbt_runner()   # dbt's modules come in the way a run imports them
    from dbt.adapters.events.types import SQLQuery
    from dbt.tracking import track_behavior_change_warn
    from dbt_common.events.base_types import EventLevel
    from dbt_common.events.event_manager import EventManager
    from dbt_common.events.logger import LineFormat, LoggerConfig
    from dbt_common.events.types import Note, PrintEvent

    class Kit:
        level = EventLevel

        @staticmethod
        def manager(*levels: EventLevel, callbacks=(track_behavior_change_warn,)):
            """An event manager like an invocation's: dbt's tracker, and a text logger per level."""
            manager = EventManager()
            manager.callbacks = list(callbacks)
            streams = []
            for n, level in enumerate(levels):
                streams.append(io.StringIO())
                manager.add_logger(LoggerConfig(name=f"planalign_test_{n}", level=level, output_stream=streams[-1],
                                                line_format=LineFormat.PlainText))
            return manager, streams

        @staticmethod
        def query(sql="select 1 as x"):
            return SQLQuery(conn_name="model.p.m", sql=sql, node_info={})

        note, print_event = Note, PrintEvent

    return Kit


def lines(stream: io.StringIO) -> list[str]:
    """What a logger wrote, without its timestamps."""
    return [re.sub(r"^\d\d:\d\d:\d\d\s+", "", line) for line in stream.getvalue().splitlines()]


def test_an_event_no_logger_writes_is_skipped_and_never_built(dbt_events):
    events = UnheardEvents()
    manager, _ = dbt_events.manager()                      # --log-level none: no logger at all
    quiet, (console,) = dbt_events.manager(dbt_events.level.ERROR)   # --quiet: console at ERROR
    with events.installed() as active:
        assert active
        for each in (manager, quiet):
            event = dbt_events.query()
            each.fire_event(event)
            assert "pb_msg" not in vars(event)
        # reading the event builds it then, with dbt's code: the same message as outside the block
        late = dbt_events.query("select 2 as y")
        assert late.message() == "On model.p.m: select 2 as y" and "pb_msg" in vars(late)
    assert (events.skipped, events.delivered) == (2, 0)
    assert console.getvalue() == ""
    assert dbt_events.query("select 2 as y").message() == late.message()


def test_a_logger_that_writes_the_level_gets_the_same_lines(dbt_events):
    written = []
    for stand_in in (False, True):
        events = UnheardEvents()
        manager, (debug_log, quiet_log) = dbt_events.manager(dbt_events.level.DEBUG, dbt_events.level.ERROR)
        with events.installed() if stand_in else contextlib.nullcontext():
            manager.fire_event(dbt_events.query())
            manager.fire_event(dbt_events.note(msg="a note"), level=dbt_events.level.INFO)
            manager.fire_event(dbt_events.note(msg="went wrong"), level=dbt_events.level.ERROR)
        written.append((lines(debug_log), lines(quiet_log)))
        if stand_in:
            assert (events.skipped, events.delivered) == (0, 3)
    assert written[0] == written[1]
    assert written[1][1] == ["went wrong"]


def test_errors_prints_and_other_callbacks_take_dbts_path(dbt_events):
    events = UnheardEvents()
    heard = []
    with events.installed():
        manager, (console,) = dbt_events.manager(dbt_events.level.ERROR)
        manager.fire_event(dbt_events.note(msg="an error"), level=dbt_events.level.ERROR)
        manager.fire_event(dbt_events.print_event(msg="printed by a macro"))   # {{ print() }} shows under --quiet
        listening, _ = dbt_events.manager(callbacks=[heard.append])
        listening.fire_event(dbt_events.query("select 3"))
    assert events.delivered == 3 and events.skipped == 0
    assert lines(console) == ["an error", "printed by a macro"]
    assert [msg.info.msg for msg in heard] == ["On model.p.m: select 3"]


def test_warnings_still_become_errors_under_warn_error(dbt_events):
    from dbt_common.exceptions.events import EventCompilationError

    events = UnheardEvents()
    manager, _ = dbt_events.manager()
    manager.warn_error = True
    manager.require_warn_or_error_handling = True
    with events.installed(), pytest.raises(EventCompilationError, match="a warning"):
        manager.fire_event(dbt_events.note(msg="a warning"), level=dbt_events.level.WARN)


def test_installed_only_for_the_block(dbt_events):
    from dbt_common.events.base_types import BaseEvent
    from dbt_common.events.event_manager import EventManager

    before = (EventManager.fire_event, BaseEvent.__init__, BaseEvent.__getattr__, BaseEvent.__setattr__)
    with pytest.raises(RuntimeError), UnheardEvents().installed():
        assert EventManager.fire_event is not before[0]
        raise RuntimeError("an invocation that fails")
    assert (EventManager.fire_event, BaseEvent.__init__, BaseEvent.__getattr__, BaseEvent.__setattr__) == before

