"""On the Celery runtime an execution ends in a worker, whose own sink writes the end to the
database a little later. DescribeExecution shows the end as soon as the driver has recorded it in
Redis; GetExecutionHistory, which must show the whole history of an ended execution, waits for
the worker's write. The driver is played here by writing its Redis record, as it does when an
execution ends; the worker's sink by writing the end to the database."""
from __future__ import annotations

import json
import os
import threading
import time
import uuid

import pytest
import redis

from tests.runtime.celery_support import make_app, redis_answers

from .conftest import ROLE_ARN

URL = os.environ.get("SWITCHYARD_TEST_API_REDIS_URL", "redis://127.0.0.1:6379/7")

pytestmark = pytest.mark.skipif(not redis_answers(URL), reason=f"no Redis answers at {URL}")

DEFINITION = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}


@pytest.fixture
def celery_runtime():
    from designer.runtime import set_runtime
    from executor.runtime.celery_runtime import CeleryRuntime

    redis.Redis.from_url(URL).flushdb()
    # No worker runs here, and the tests play the driver: even this Pass state is left to one.
    runtime = CeleryRuntime(app=make_app(URL), redis_url=URL, decide_here_ms=0)
    previous = set_runtime(runtime)
    yield runtime
    set_runtime(previous)
    runtime.close()


def _running_execution(sfn) -> str:
    """An execution the Celery runtime runs, as StartExecution records it, with its first event."""
    from django.utils import timezone

    from designer.models import Execution, ExecutionStatus, HistoryEvent, StateMachine

    arn = sfn.create_state_machine(name=f"m-{uuid.uuid4().hex[:8]}", definition=json.dumps(DEFINITION),
                                   roleArn=ROLE_ARN)["stateMachineArn"]
    machine = StateMachine.objects.get(arn=arn)
    name = uuid.uuid4().hex
    execution = Execution.objects.create(
        arn=arn.replace(":stateMachine:", ":execution:") + f":{name}", name=name, state_machine=machine,
        definition=machine.definition, input="{}", start_date=timezone.now(), status=ExecutionStatus.RUNNING,
        runtime="celery")
    HistoryEvent.objects.create(execution=execution, event_id=1, type="ExecutionStarted", timestamp=timezone.now(),
                                details={"executionStartedEventDetails": {"input": "{}"}})
    return execution.arn


def _driver_records_the_end(arn: str, stop_time: float) -> None:
    from executor.runtime.base import ExecutionResult
    from executor.runtime.store import keys

    result = ExecutionResult(status="SUCCEEDED", output='{"done":true}', stop_time=stop_time)
    redis.Redis.from_url(URL).set(keys.x(arn, "result"), json.dumps(result.__dict__))


def _worker_sink_writes_the_end(arn: str, stop_time: float) -> None:
    from datetime import datetime, timezone

    from designer.models import Execution, HistoryEvent

    execution = Execution.objects.get(arn=arn)
    when = datetime.fromtimestamp(stop_time, tz=timezone.utc)
    HistoryEvent.objects.create(execution=execution, event_id=2, previous_event_id=1, type="ExecutionSucceeded",
                                timestamp=when, details={"executionSucceededEventDetails": {"output": '{"done":true}'}})
    Execution.objects.filter(id=execution.id).update(status="SUCCEEDED", output='{"done":true}', stop_date=when)


@pytest.mark.django_db(transaction=True)
def test_describe_shows_the_end_the_driver_recorded_before_the_worker_writes_it(sfn, celery_runtime):
    arn = _running_execution(sfn)
    assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"

    stop_time = time.time()
    _driver_records_the_end(arn, stop_time)
    described = sfn.describe_execution(executionArn=arn)
    assert described["status"] == "SUCCEEDED"
    assert described["output"] == '{"done":true}'
    assert abs(described["stopDate"].timestamp() - stop_time) < 0.001


@pytest.mark.django_db(transaction=True)
def test_the_history_of_an_ended_execution_waits_for_the_worker_to_write_its_end(sfn, celery_runtime):
    arn = _running_execution(sfn)
    stop_time = time.time()
    _driver_records_the_end(arn, stop_time)
    writer = threading.Timer(0.3, _worker_sink_writes_the_end, args=(arn, stop_time))
    writer.start()
    try:
        events = sfn.get_execution_history(executionArn=arn)["events"]
    finally:
        writer.join()
    assert [e["type"] for e in events] == ["ExecutionStarted", "ExecutionSucceeded"]


@pytest.mark.django_db(transaction=True)
def test_a_celery_execution_is_described_from_memory_while_it_runs_and_at_its_end(sfn, celery_runtime):
    """The web process that started an execution answers DescribeExecution from the execution as
    it saved it, asking Redis only whether it still runs (no thread, no query); the same answer as
    the database's. Once the driver records the end, the first poll gets it from Redis too, and
    the database answers from then on."""
    import asyncio

    from designer.awsapi.executions import describe_execution, describe_from_memory
    from designer.sink import get_sink
    from executor.runtime.store import keys

    def from_memory(params):
        return asyncio.run(describe_from_memory(params))

    machine = sfn.create_state_machine(name=f"m-{uuid.uuid4().hex[:8]}", definition=json.dumps(DEFINITION),
                                       roleArn=ROLE_ARN)["stateMachineArn"]
    arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"text": "é 😀"}))["executionArn"]
    answer = from_memory({"executionArn": arn})  # no worker runs here: it stays RUNNING
    assert answer is not None and answer["status"] == "RUNNING"
    assert answer == describe_execution({"executionArn": arn})
    assert json.loads(answer["input"]) == {"text": "é 😀"}
    assert "input" not in from_memory({"executionArn": arn, "includedData": "METADATA_ONLY"})

    stop_time = time.time()
    _driver_records_the_end(arn, stop_time)
    redis.Redis.from_url(URL).srem(keys.RUNNING, arn)  # as the driver does with the end, in one transaction
    ended = from_memory({"executionArn": arn})
    assert ended is not None and (ended["status"], ended["output"]) == ("SUCCEEDED", '{"done":true}')
    assert ended == describe_execution({"executionArn": arn})  # the database's row, and the end from Redis
    assert abs(ended["stopDate"].timestamp() - stop_time) < 0.001
    assert from_memory({"executionArn": arn}) is None and get_sink().kept(arn) is None  # let go
    described = sfn.describe_execution(executionArn=arn)
    assert (described["status"], described["output"]) == ("SUCCEEDED", '{"done":true}')


@pytest.fixture
def deciding_runtime():
    from designer.runtime import set_runtime
    from executor.runtime.celery_runtime import CeleryRuntime

    redis.Redis.from_url(URL).flushdb()
    runtime = CeleryRuntime(app=make_app(URL), redis_url=URL)  # still no worker: only this process runs it
    previous = set_runtime(runtime)
    yield runtime
    set_runtime(previous)
    runtime.close()


@pytest.mark.django_db(transaction=True)
def test_a_self_contained_execution_has_ended_when_start_execution_answers(sfn, deciding_runtime):
    """Pass and Choice states only: the web process runs it inside StartExecution (no worker runs
    here), so the first DescribeExecution sees the end, and its history and status reach the
    database through this process's sink."""
    from designer.models import Execution
    from designer.sink import get_sink

    states = {f"P{i}": {"Type": "Pass", "Result": i, "ResultPath": f"$.p{i}", "Next": f"P{i + 1}"} for i in range(20)}
    states["P20"] = {"Type": "Choice", "Choices": [{"Variable": "$.go", "BooleanEquals": True, "Next": "Yes"}],
                     "Default": "No"}
    states["Yes"] = {"Type": "Succeed"}
    states["No"] = {"Type": "Fail", "Error": "Declined", "Cause": "go was not true"}
    machine = sfn.create_state_machine(name=f"m-{uuid.uuid4().hex[:8]}", definition=json.dumps(
        {"StartAt": "P0", "States": states}), roleArn=ROLE_ARN)["stateMachineArn"]

    ok = sfn.start_execution(stateMachineArn=machine, input='{"go": true}')["executionArn"]
    described = sfn.describe_execution(executionArn=ok)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"go": True, **{f"p{i}": i for i in range(20)}}
    no = sfn.start_execution(stateMachineArn=machine, input='{"go": false}')["executionArn"]
    described = sfn.describe_execution(executionArn=no)
    assert (described["status"], described["error"], described["cause"]) == ("FAILED", "Declined", "go was not true")

    events = sfn.get_execution_history(executionArn=ok, maxResults=1000)["events"]
    assert [e["type"] for e in events][:3] == ["ExecutionStarted", "PassStateEntered", "PassStateExited"]
    assert [e["type"] for e in events][-3:] == ["SucceedStateEntered", "SucceedStateExited", "ExecutionSucceeded"]
    assert len(events) == 2 + 2 * 22
    assert get_sink().flush()
    assert dict(Execution.objects.filter(arn__in=[ok, no]).values_list("arn", "status")) == {
        ok: "SUCCEEDED", no: "FAILED"}
    assert deciding_runtime.result(ok).status == "SUCCEEDED", "Redis holds the end, as a driver leaves it"


# -- an end recorded in Redis whose writer died before the database had it ------------------------

def _stored_event_ids(arn: str) -> list[int]:
    """Every event id stored for the execution, copies included (readers would hide them)."""
    from designer.models import Execution, HistoryBatch, HistoryEvent

    execution = Execution.objects.get(arn=arn)
    ids = list(HistoryEvent.objects.filter(execution=execution).values_list("event_id", flat=True))
    for text in HistoryBatch.objects.filter(execution=execution).values_list("events", flat=True):
        ids += [event["id"] for event in json.loads(text)]
    return sorted(ids)


@pytest.mark.django_db(transaction=True)
def test_an_end_a_worker_recorded_before_dying_is_written_by_the_web_process(sfn, celery_runtime):
    """The driver recorded the last events and the end in Redis, and its worker died before its
    sink wrote them: nobody runs the execution any more, so the web process's sweep writes what the
    database lacks, once the worker has had its time to write it."""
    from designer.models import Execution
    from designer.services import executions_settle
    from executor.runtime.base import ExecutionResult
    from executor.runtime.store import dumps_events, keys

    arn = _running_execution(sfn)  # ExecutionStarted is in the database already
    waiting = _running_execution(sfn)  # still running: Redis has no end for it
    stop_time = time.time() - 60
    events = [
        {"id": 1, "previousEventId": 0, "timestamp": stop_time - 1, "type": "ExecutionStarted",
         "executionStartedEventDetails": {"input": "{}"}},
        {"id": 2, "previousEventId": 1, "timestamp": stop_time - 0.5, "type": "PassStateEntered",
         "stateEnteredEventDetails": {"name": "Done", "input": "{}"}},
        {"id": 3, "previousEventId": 2, "timestamp": stop_time - 0.2, "type": "PassStateExited",
         "stateExitedEventDetails": {"name": "Done", "output": '{"done":true}'}},
        {"id": 4, "previousEventId": 3, "timestamp": stop_time, "type": "ExecutionSucceeded",
         "executionSucceededEventDetails": {"output": '{"done":true}'}},
    ]
    client = redis.Redis.from_url(URL)
    client.rpush(keys.x(arn, "ev"), dumps_events(events[:2]), dumps_events(events[2:]))
    result = ExecutionResult(status="SUCCEEDED", output='{"done":true}', stop_time=stop_time)
    client.set(keys.x(arn, "result"), json.dumps(result.__dict__))

    assert executions_settle() == 1
    assert executions_settle() == 0, "settled once"
    assert dict(Execution.objects.filter(arn__in=[arn, waiting]).values_list("arn", "status")) == {
        arn: "SUCCEEDED", waiting: "RUNNING"}
    assert _stored_event_ids(arn) == [1, 2, 3, 4], "what the database had is not written again"
    history = sfn.get_execution_history(executionArn=arn)["events"]
    assert [e["type"] for e in history] == [e["type"] for e in events]
    described = sfn.describe_execution(executionArn=arn)
    assert (described["status"], described["output"]) == ("SUCCEEDED", '{"done":true}')
    assert abs(described["stopDate"].timestamp() - stop_time) < 0.001


@pytest.mark.django_db(transaction=True)
def test_a_decided_execution_whose_writes_died_with_the_web_process_is_settled(sfn, deciding_runtime,
                                                                              monkeypatch):
    """The web process decided an execution and recorded it in Redis, then died before its sink
    wrote the history: the next sweep writes the whole history and the end, but not while the
    writer may still be at it (an end recorded under SETTLE_AFTER_S ago)."""
    from designer.models import Execution
    from designer.services import executions_settle
    from designer.sink import DjangoExecutionSink

    machine = sfn.create_state_machine(name=f"m-{uuid.uuid4().hex[:8]}", definition=json.dumps(
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": 1, "ResultPath": "$.a", "Next": "B"},
                                    "B": {"Type": "Pass", "End": True}}}), roleArn=ROLE_ARN)["stateMachineArn"]
    with monkeypatch.context() as lost:  # the writes the process had queued when it died
        lost.setattr(DjangoExecutionSink, "append_events", lambda self, arn, events: None)
        lost.setattr(DjangoExecutionSink, "execution_finished", lambda self, arn, result: None)
        arn = sfn.start_execution(stateMachineArn=machine, input='{"x": "é"}')["executionArn"]
    assert deciding_runtime.result(arn).status == "SUCCEEDED"
    assert Execution.objects.get(arn=arn).status == "RUNNING" and _stored_event_ids(arn) == []

    assert executions_settle() == 0, "ended just now: its writer may still be writing"
    assert executions_settle(after_s=0) == 1
    execution = Execution.objects.get(arn=arn)
    assert (execution.status, json.loads(execution.output)) == ("SUCCEEDED", {"x": "é", "a": 1})
    assert _stored_event_ids(arn) == list(range(1, 7))
    history = sfn.get_execution_history(executionArn=arn)["events"]
    assert [e["type"] for e in history] == ["ExecutionStarted", *["PassStateEntered", "PassStateExited"] * 2,
                                            "ExecutionSucceeded"]

