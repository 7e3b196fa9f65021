"""The Django sink: runtimes write history from their own threads, even inside an event loop."""
from __future__ import annotations

import asyncio
import threading
import time

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from designer import sink as sink_module
from designer.history import all_events
from designer.models import Execution, ExecutionStatus, MapRun
from designer.sink import DjangoExecutionSink, _store_children
from executor.runtime.base import ExecutionResult

pytestmark = pytest.mark.django_db(transaction=True)


def _event(event_id: int, type: str = "PassStateEntered") -> dict:
    return {"id": event_id, "previousEventId": event_id - 1, "timestamp": time.time(), "type": type,
            "stateEnteredEventDetails": {"name": "Only", "input": "{}"}}


def test_events_sent_from_inside_a_running_event_loop_are_written(execution):
    sink = DjangoExecutionSink()

    async def runtime_like():
        # Django refuses synchronous DB access here; the sink must not touch the DB in this thread.
        sink.append_events(execution.arn, [_event(1, "ExecutionStarted"), _event(2)])
        sink.execution_finished(execution.arn, ExecutionResult("SUCCEEDED", output='"x"', stop_time=time.time()))

    thread = threading.Thread(target=lambda: asyncio.run(runtime_like()))
    thread.start()
    thread.join()
    assert sink.flush(timeout=10)
    execution.refresh_from_db()
    assert execution.status == ExecutionStatus.SUCCEEDED
    assert execution.output == '"x"'
    stored = [(e.event_id, e.type, e.details) for e in all_events(execution)]
    assert stored[0][:2] == (1, "ExecutionStarted")
    assert stored[1][2] == {"stateEnteredEventDetails": {"name": "Only", "input": "{}"}}


def test_a_resent_event_is_stored_once(execution):
    sink = DjangoExecutionSink()
    sink.append_events(execution.arn, [_event(1)])
    sink.append_events(execution.arn, [_event(1), _event(2)])
    assert sink.flush(timeout=10)
    assert [e.event_id for e in all_events(execution)] == [1, 2]


def _child(run: MapRun, n: int, status: str = "RUNNING") -> dict:
    return {"mapRunArn": run.arn, "executionArn": f"{run.arn}:child-{n}", "name": f"child-{n}",
            "stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:s/Map", "status": status,
            "input": '{"Items": [1, 2]}', "itemCount": 2, "startDate": time.time(), "stopDate": None,
            "events": [{"id": 1, "previousEventId": 0, "timestamp": time.time(), "type": "ExecutionStarted",
                        "executionStartedEventDetails": {"input": '{"Items": [1, 2]}'}}]}


def test_children_and_their_events_of_any_batch_length_are_written_with_one_statement_each(execution):
    """SQLite keeps a cached statement's last bound values: one INSERT per batch length would keep
    whole batches of children's inputs and events for the life of the writer's connection."""
    run = MapRun.objects.create(arn="arn:aws:states:us-east-1:123456789012:mapRun:s/Map:1", execution=execution,
                                state_name="Map", start_date=timezone.now())
    inserts: set[str] = set()

    def seen(execute, sql, params, many, context):
        if sql.startswith("INSERT"):
            inserts.add(sql)
        return execute(sql, params, many, context)

    first = 0
    with connection.execute_wrapper(seen):
        for length in (1, 7, 3, 40):
            _store_children([_child(run, n) for n in range(first, first + length)])
            first += length
    assert len(inserts) == 2  # one for the children, one for their events
    children = Execution.objects.filter(map_run=run)
    assert children.count() == first
    assert all(child.events.count() == 1 and child.input == '{"Items": [1, 2]}' for child in children)


def test_a_late_result_never_overwrites_an_aborted_execution(execution):
    Execution.objects.filter(pk=execution.pk).update(status=ExecutionStatus.ABORTED)
    sink = DjangoExecutionSink()
    sink.execution_finished(execution.arn, ExecutionResult("SUCCEEDED", output="1"))
    assert sink.flush(timeout=10)
    execution.refresh_from_db()
    assert execution.status == ExecutionStatus.ABORTED


def test_events_for_an_unknown_execution_are_dropped_and_the_writer_goes_on(execution):
    sink = DjangoExecutionSink()
    sink.append_events("arn:aws:states:us-east-1:123456789012:execution:s:ghost", [_event(1)])
    sink.append_events(execution.arn, [_event(1)])
    assert sink.flush(timeout=10)
    assert len(all_events(execution)) == 1


def _failing_once(real, exc: Exception):
    calls = []

    def call(*args):
        calls.append(args)
        if len(calls) == 1:
            raise exc
        return real(*args)

    return call


def test_the_writer_outlives_a_failing_database_and_a_connection_that_will_not_close(execution, monkeypatch):
    """A deadlock victim, a server that went away, a close that raised: the writer writes on, or
    every execution after it would keep its end and history in memory only."""
    monkeypatch.setattr(sink_module, "_running_ids", _failing_once(
        sink_module._running_ids, OperationalError("deadlock detected")))
    monkeypatch.setattr(sink_module, "close_old_connections", _failing_once(
        sink_module.close_old_connections, OperationalError("server closed the connection unexpectedly")))
    sink = DjangoExecutionSink()
    sink.append_events(execution.arn, [_event(1, "ExecutionStarted")])
    assert sink.flush(timeout=10)
    sink.append_events(execution.arn, [_event(2)])
    sink.execution_finished(execution.arn, ExecutionResult("SUCCEEDED", output="1", stop_time=time.time()))
    assert sink.flush(timeout=10)
    execution.refresh_from_db()
    assert execution.status == ExecutionStatus.SUCCEEDED
    assert [e.event_id for e in all_events(execution)] == [1, 2]


def _ended_within(execution, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if Execution.objects.filter(pk=execution.pk, status=ExecutionStatus.SUCCEEDED).exists():
            return True
        time.sleep(0.01)
    return False


def test_an_end_is_written_at_once_when_the_writer_is_idle_and_gathered_with_more_under_load(execution,
                                                                                          monkeypatch):
    """The history of an execution that ended goes in without waiting out the gathering window:
    its client sees the end and sends its next request in a few milliseconds, and that request's
    write must not find the lock held by this one. Under load the window still gathers."""
    monkeypatch.setattr(sink_module, "_GATHER_IDLE_S", 30.0)
    monkeypatch.setattr(sink_module, "_GATHER_S", 30.0)
    sink = DjangoExecutionSink()
    sink.append_events(execution.arn, [_event(1, "ExecutionStarted"), _event(2)])
    sink.execution_finished(execution.arn, ExecutionResult("SUCCEEDED", output="{}", stop_time=time.time()))
    assert _ended_within(execution, 5), "the end waited for the gathering window"
    assert [e.event_id for e in all_events(execution)] == [1, 2]

    sink._busy = True  # what the writer decides after a batch of _BUSY_BATCH items or more
    Execution.objects.filter(pk=execution.pk).update(status=ExecutionStatus.RUNNING)
    sink.append_events(execution.arn, [_event(3)])
    sink.execution_finished(execution.arn, ExecutionResult("SUCCEEDED", output="{}", stop_time=time.time()))
    assert not _ended_within(execution, 0.5), "under load the end did not wait to gather more"
    assert sink.flush(timeout=10), "a flush ends the gathering at once"
    assert [e.event_id for e in all_events(execution)] == [1, 2, 3]


def test_many_threads_writing_at_once_lose_nothing(execution):
    sink = DjangoExecutionSink()
    threads = [threading.Thread(target=sink.append_events, args=(execution.arn, [_event(n)]))
               for n in range(1, 201)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sink.flush(timeout=20)
    assert len(all_events(execution)) == 200


def test_describe_execution_shows_the_end_before_it_is_written_and_the_history_then_waits_for_it(
        execution, sfn, monkeypatch):
    """The sink writes in batches; a client polling DescribeExecution sees the end the moment the
    runtime reports it, and GetExecutionHistory right after still gets the whole history."""
    from designer.sink import get_sink

    sink = get_sink()
    gate = threading.Event()
    write = sink._write

    def held_write(batch):  # the database is slow today
        gate.wait(10)
        write(batch)

    monkeypatch.setattr(sink, "_write", held_write)
    sink.append_events(execution.arn, [_event(1, "ExecutionStarted"), _event(2), _event(3, "ExecutionSucceeded")])
    sink.execution_finished(execution.arn, ExecutionResult("SUCCEEDED", output='{"ok": 1}', stop_time=time.time()))

    described = sfn.describe_execution(executionArn=execution.arn)
    assert (described["status"], described["output"]) == ("SUCCEEDED", '{"ok": 1}')
    assert "stopDate" in described
    execution.refresh_from_db()
    assert execution.status == ExecutionStatus.RUNNING  # not written yet: it came from the sink's queue

    threading.Timer(0.3, gate.set).start()
    events = sfn.get_execution_history(executionArn=execution.arn)["events"]
    assert [e["type"] for e in events] == ["ExecutionStarted", "PassStateEntered", "ExecutionSucceeded"]
    assert sfn.describe_execution(executionArn=execution.arn)["status"] == "SUCCEEDED"
    assert sink.ended(execution.arn) is None


def test_event_times_are_stored_as_the_runtime_gave_them_to_the_microsecond(execution):
    """Whole seconds, halves of a microsecond (rounded to even, as a datetime rounds them), a
    datetime, a time the second after and whole seconds as an int: GetExecutionHistory gives each
    back as it was made."""
    from datetime import datetime, timezone

    given = [1764759600.0, 1764759600.1234565, 1764759600.1234575, 1764759600.9999996, 1764759601.000001,
             datetime(2026, 12, 3, 11, 0, 0, 7, tzinfo=timezone.utc), 1764759602]
    sink = DjangoExecutionSink()
    sink.append_events(execution.arn, [dict(_event(n), timestamp=when) for n, when in enumerate(given, start=1)])
    assert sink.flush(timeout=10)
    stored = [e.timestamp for e in all_events(execution)]
    expected = [when if isinstance(when, datetime) else datetime.fromtimestamp(when, tz=timezone.utc)
                for when in given]
    assert stored == expected


def test_details_of_every_kind_of_text_come_back_as_they_were_given(execution):
    """ASCII, non-ASCII, a line separator, NUL, a lone surrogate (both escaped, as stored), a big
    integer, a float's exponent: GetExecutionHistory gives back what was given, or its escape."""
    from designer.awsapi.executions import get_execution_history

    texts = ["plain", "é 😀 中文", "a\u2028b", "nul\x00here", "lone\ud800", "back\\ud800slash"]
    given = [dict(_event(n), stateEnteredEventDetails={"name": f"S{n}", "input": text, "n": 2 ** 70, "f": 1e-7})
             for n, text in enumerate(texts, start=1)]
    sink = DjangoExecutionSink()
    sink.append_events(execution.arn, given)
    assert sink.flush(timeout=10)
    events = get_execution_history({"executionArn": execution.arn})["events"]
    details = [e["stateEnteredEventDetails"] for e in events]
    assert [d["input"] for d in details] == ["plain", "é 😀 中文", "a\u2028b", "nul\\u0000here", "lone\\ud800",
                                             "back\\ud800slash"]
    assert {(d["n"], d["f"]) for d in details} == {(2 ** 70, 1e-7)}


def test_the_executions_held_for_describe_execution_are_bounded_by_count_and_by_size(monkeypatch):
    """The oldest go first, past the count or past the bytes of their inputs and definitions."""
    monkeypatch.setattr(sink_module, "_KEPT_MAX", 3)
    monkeypatch.setattr(sink_module, "_KEPT_BYTES", 1000)
    sink = DjangoExecutionSink()
    for i in range(4):
        sink.keep(Execution(arn=f"arn-{i}", input="x" * 5, definition="y" * 5))
    assert [sink.kept(f"arn-{i}") is not None for i in range(4)] == [False, True, True, True]
    sink.keep(Execution(arn="big", input="x" * 980, definition="y" * 10))
    assert [sink.kept(a) is not None for a in ("arn-1", "arn-2", "arn-3", "big")] == [False, False, True, True]
    sink.forget("big")
    sink.forget("arn-3")
    assert sink._kept_bytes == 0 and sink.kept("arn-3") is None
