"""The history as the writer stores it (a row per batch of events, ``HistoryBatch``) and as every
reader gets it back (``designer.history``): one list in event id order, whatever the batches."""
from __future__ import annotations

import time

import pytest
from django.utils import timezone

from designer.awsapi.executions import get_execution_history
from designer.history import all_events, events_page, last_event_id
from designer.models import Execution, HistoryBatch, HistoryEvent
from designer.sink import DjangoExecutionSink

pytestmark = pytest.mark.django_db(transaction=True)


def _events(first: int, last: int, tag: str = "") -> list[dict]:
    return [{"id": n, "previousEventId": n - 1, "timestamp": 1764759600.0 + n / 1000, "type": "PassStateEntered",
             "stateEnteredEventDetails": {"name": f"S{n}{tag}", "input": "{}"}} for n in range(first, last + 1)]


def _write(execution, *batches: list[dict]) -> None:
    sink = DjangoExecutionSink()
    for batch in batches:
        sink.append_events(execution.arn, batch)
        assert sink.flush(timeout=10)


def test_a_batch_of_events_is_one_row_and_reads_back_as_the_events_given(execution):
    _write(execution, _events(1, 402))
    assert HistoryBatch.objects.filter(execution=execution).count() == 1
    assert not HistoryEvent.objects.filter(execution=execution).exists()
    events = all_events(execution)
    assert [e.event_id for e in events] == list(range(1, 403))
    assert events[9].details == {"stateEnteredEventDetails": {"name": "S10", "input": "{}"}}
    assert events[9].timestamp.timestamp() == pytest.approx(1764759600.010, abs=1e-6)
    assert last_event_id(execution) == 402


def test_events_reported_again_by_a_replay_are_read_once_the_first_as_stored(execution):
    """A driver that takes an execution over reports what the sink may have lost: the whole history
    again, in batches shaped otherwise. A row written one at a time (the API's own) joins in."""
    _write(execution, _events(1, 10), _events(5, 15, tag="-again"), _events(16, 20))
    HistoryEvent.objects.create(execution=execution, event_id=21, previous_event_id=20, type="ExecutionAborted",
                                timestamp=timezone.now(), details={})
    events = all_events(execution)
    assert [e.event_id for e in events] == list(range(1, 22))
    assert [e.details["stateEnteredEventDetails"]["name"] for e in events[3:6]] == ["S4", "S5", "S6"]
    assert events[12].details["stateEnteredEventDetails"]["name"] == "S13-again"
    assert events[-1].type == "ExecutionAborted"
    assert last_event_id(execution) == 21


@pytest.mark.parametrize("reverse", [False, True])
def test_pages_of_any_size_cover_the_history_once_in_order(execution, reverse):
    _write(execution, _events(1, 10), _events(5, 15), _events(16, 40))
    HistoryEvent.objects.create(execution=execution, event_id=41, previous_event_id=40, type="ExecutionSucceeded",
                                timestamp=timezone.now(), details={})
    expected = list(range(41, 0, -1)) if reverse else list(range(1, 42))
    for size in (1, 3, 4, 7, 41, 100):
        seen, token = [], None
        while True:
            params = {"executionArn": execution.arn, "maxResults": size, "reverseOrder": reverse}
            page = get_execution_history({**params, **({"nextToken": token} if token else {})})
            assert len(page["events"]) <= size
            seen += [e["id"] for e in page["events"]]
            token = page.get("nextToken")
            if not token:
                break
        assert seen == expected, size


def test_a_page_reads_only_the_batches_that_hold_its_events(execution, monkeypatch):
    import designer.history as history

    _write(execution, *[_events(n, n + 9) for n in range(1, 1000, 10)])
    assert HistoryBatch.objects.filter(execution=execution).count() == 100
    parsed = []
    loads = history._loads
    monkeypatch.setattr(history, "_loads", lambda text: parsed.append(text) or loads(text))
    assert [e.event_id for e in events_page(execution, after=500, limit=5)] == [501, 502, 503, 504, 505]
    assert len(parsed) == 1  # the batch of 501-510, of a hundred
    parsed.clear()
    assert [e.event_id for e in events_page(execution, after=500, reverse=True, limit=3)] == [499, 498, 497]
    assert len(parsed) == 1


def test_an_execution_of_the_product_keeps_its_history_in_a_few_rows(client):
    from tests.api.aws_inprocess import call, wait_for_end
    from tests.api.conftest import ROLE_ARN

    definition = ('{"StartAt": "S0", "States": {'
                  + ", ".join(f'"S{n}": {{"Type": "Pass", "Next": "S{n + 1}"}}' for n in range(199))
                  + ', "S199": {"Type": "Pass", "End": true}}}')
    _, machine = call(client, "CreateStateMachine", name="chain", definition=definition, roleArn=ROLE_ARN)
    _, started = call(client, "StartExecution", stateMachineArn=machine["stateMachineArn"], input='{"x": 1}')
    assert wait_for_end(client, started["executionArn"])["status"] == "SUCCEEDED"
    deadline = time.monotonic() + 10
    while Execution.objects.get(arn=started["executionArn"]).status == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.05)
    execution = Execution.objects.get(arn=started["executionArn"])
    assert HistoryBatch.objects.filter(execution=execution).count() <= 5
    _, history = call(client, "GetExecutionHistory", executionArn=started["executionArn"], maxResults=1000)
    types = [e["type"] for e in history["events"]]
    assert len(types) == 402 and types[0] == "ExecutionStarted" and types[-1] == "ExecutionSucceeded"
    assert [e["id"] for e in history["events"]] == list(range(1, 403))
