"""An engine bug ends an execution the same way on both runtimes: ExecutionFailed, States.Runtime,
and a cause that names the bug, after every event written before it."""
from __future__ import annotations

import pytest

from executor.runtime.embedded import EmbeddedRuntime, MemorySink

from . import celery_handlers
from .celery_support import request

CRASHING = {"StartAt": "Before", "States": {
    "Before": {"Type": "Pass", "Next": "EngineCrash"},
    "EngineCrash": {"Type": "Pass", "End": True}}}


def _ending(result, events) -> tuple:
    last = events[-1]
    return (result.status, result.error, result.cause, last["type"], last["executionFailedEventDetails"],
            [e["type"] for e in events])


def _embedded_run():
    celery_handlers.install_engine_crash()
    runtime, sink = EmbeddedRuntime(), MemorySink()
    try:
        req = request(CRASHING)
        result = runtime.start_execution(req, sink).result(20)
        runtime.flush()
        return result, sink.events[req.execution_arn]
    finally:
        runtime.close()


def test_an_engine_crash_fails_the_execution_with_states_runtime_on_the_embedded_runtime():
    """The history ends with ExecutionFailed (not ExecutionAborted) and the status is FAILED."""
    result, events = _embedded_run()
    status, error, cause, last_type, details, types = _ending(result, events)
    assert (status, error, last_type) == ("FAILED", "States.Runtime", "ExecutionFailed")
    assert cause == "Internal error: ZeroDivisionError: an engine bug, on purpose" == details["cause"]
    assert types[:3] == ["ExecutionStarted", "PassStateEntered", "PassStateExited"]


@pytest.mark.celery
def test_the_same_engine_crash_ends_the_same_way_on_the_celery_runtime(celery_runtime):
    """Real workers (which load the same crash hook) record the very same end as the embedded runtime."""
    sink = MemorySink()
    req = request(CRASHING)
    result = celery_runtime.run_sync(req, sink, timeout=30)
    events = sink.events[req.execution_arn]
    embedded_result, embedded_events = _embedded_run()
    assert _ending(result, events) == _ending(embedded_result, embedded_events)
