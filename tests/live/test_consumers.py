"""The live websockets, driven with WebsocketCommunicator through config.asgi's routes.

History goes in the way runtimes write it, through the Django sink, which publishes what
it commits; the in-memory channel layer carries it to the consumer.
"""
from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.utils import timezone

from designer.awsapi.executions import describe_execution, get_execution_history
from designer.awsapi.protocol import json_response
from designer.live.groups import execution_group
from designer.models import HistoryEvent
from executor.runtime.base import ExecutionResult

from .support import Client, event, execution, state_machine

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("memory_layer")]


@pytest.fixture
def machine():
    return state_machine("live")


@pytest.fixture
def run(machine):
    return execution(machine)


def path(run, query: str = "metrics=0") -> str:
    return f"/ws/executions/{run.arn}?{query}"


def wire(action, params: dict) -> dict:
    """What the AWS JSON 1.0 endpoint would answer, decoded."""
    return json.loads(json_response(action(params)).content)


async def test_a_late_client_gets_the_history_so_far_then_the_live_events(run, sink):
    """A client that connects after events were written receives them all, then the new ones."""
    sink.append_events(run.arn, [event(i) for i in range(1, 6)])
    await asyncio.to_thread(sink.flush)
    client = Client(path(run))
    assert (await client.connect())[0]
    await client.until(lambda c: len(c.events) >= 5)
    sink.append_events(run.arn, [event(i) for i in range(6, 9)])
    await client.until(lambda c: len(c.events) >= 8)
    await client.quiet()
    assert client.ids() == list(range(1, 9))
    await client.close()


async def test_reconnecting_with_after_sends_only_the_events_past_that_id(run, sink):
    """?after=6 on a history of 10 events gives events 7 to 10, then the live ones."""
    sink.append_events(run.arn, [event(i) for i in range(1, 11)])
    await asyncio.to_thread(sink.flush)
    client = Client(path(run, "after=6&metrics=0"))
    assert (await client.connect())[0]
    await client.until(lambda c: len(c.events) >= 4)
    sink.append_events(run.arn, [event(11)])
    await client.until(lambda c: len(c.events) >= 5)
    await client.quiet()
    assert client.ids() == [7, 8, 9, 10, 11]
    await client.close()


async def test_events_written_while_a_client_catches_up_arrive_once_each_in_id_order(run, sink):
    """A writer that never pauses, a client that joins mid-stream: every id once, ascending."""
    total = 600

    def write() -> None:
        for first in range(1, total + 1, 3):
            sink.append_events(run.arn, [event(i) for i in range(first, min(first + 3, total + 1))])
            time.sleep(0.002)

    writer = threading.Thread(target=write)
    writer.start()
    await asyncio.sleep(0.1)  # part of the history is written, part still to come
    client = Client(path(run))
    assert (await client.connect())[0]
    await client.until(lambda c: len(c.events) >= total, timeout=30)
    await asyncio.to_thread(writer.join)
    await client.quiet()
    assert client.ids() == list(range(1, total + 1))
    await client.close()


async def test_each_event_is_exactly_what_get_execution_history_returns(run, sink):
    """Live and caught-up events equal GetExecutionHistory's on the AWS JSON 1.0 wire."""
    sink.append_events(run.arn, [event(1, "ExecutionStarted"), event(2)])
    await asyncio.to_thread(sink.flush)
    client = Client(path(run))
    assert (await client.connect())[0]
    await client.until(lambda c: len(c.events) >= 2)
    sink.append_events(run.arn, [event(3), event(4, "PassStateExited")])
    await client.until(lambda c: len(c.events) >= 4)
    history = await database_sync_to_async(wire)(get_execution_history, {"executionArn": run.arn})
    assert client.events == history["events"]
    assert isinstance(client.events[0]["timestamp"], float)
    await client.close()


async def test_status_messages_are_describe_execution_at_connect_and_at_the_end(run, sink):
    """The client hears RUNNING on connect and SUCCEEDED with the output once it ends, after every event."""
    client = Client(path(run))
    assert (await client.connect())[0]
    await client.until(lambda c: c.statuses)
    running = await database_sync_to_async(wire)(describe_execution, {"executionArn": run.arn})
    assert client.statuses == [{"type": "status", **running}]
    sink.append_events(run.arn, [event(1), event(2, "ExecutionSucceeded")])
    sink.execution_finished(run.arn, ExecutionResult("SUCCEEDED", output='{"done": true}', stop_time=time.time()))
    await client.until(lambda c: len(c.statuses) == 2)
    done = await database_sync_to_async(wire)(describe_execution, {"executionArn": run.arn})
    assert client.statuses[-1] == {"type": "status", **done}
    assert done["status"] == "SUCCEEDED" and done["output"] == '{"done": true}'
    types = [m["type"] for m in client.messages]
    assert types.index("events") < len(types) - 1 - types[::-1].index("status")  # events before the end
    await client.close()


async def test_a_live_message_that_skips_ids_is_filled_in_from_the_database(run, sink):
    """Events another process wrote but has not yet announced arrive before the later ones, in order."""
    sink.append_events(run.arn, [event(1), event(2)])
    await asyncio.to_thread(sink.flush)
    client = Client(path(run))
    assert (await client.connect())[0]
    await client.until(lambda c: len(c.events) >= 2)

    def write_quietly() -> None:  # as a second writer would: committed, not yet published
        HistoryEvent.objects.bulk_create([
            HistoryEvent(execution=run, event_id=i, previous_event_id=i - 1, type="PassStateEntered",
                         timestamp=timezone.now(), details={}) for i in (3, 4)])

    await database_sync_to_async(write_quietly)()
    sink.append_events(run.arn, [event(5)])
    await client.until(lambda c: len(c.events) >= 5)
    await client.quiet()
    assert client.ids() == [1, 2, 3, 4, 5]
    await client.close()


async def test_a_repeated_live_message_is_not_sent_twice(run, sink):
    """A runtime replaying after a crash resends events: the client hears each id once."""
    sink.append_events(run.arn, [event(1), event(2), event(3)])
    client = Client(path(run))
    assert (await client.connect())[0]
    await client.until(lambda c: len(c.events) >= 3)
    sink.append_events(run.arn, [event(2), event(3), event(4)])
    await client.until(lambda c: len(c.events) >= 4)
    await get_channel_layer().group_send(execution_group(run.arn), {
        "type": "live.batch", "events": client.events[:2], "statuses": []})
    await client.quiet()
    assert client.ids() == [1, 2, 3, 4]
    await client.close()


async def test_the_machine_stream_lists_executions_then_reports_starts_and_ends(machine, run, sink):
    """/ws/machines/<name>: the recent executions, then a new one's RUNNING and its SUCCEEDED."""
    client = Client(f"/ws/machines/{machine.name}?metrics=0")
    assert (await client.connect())[0]
    first = await client.receive()
    assert first["type"] == "executions" and [e["executionArn"] for e in first["executions"]] == [run.arn]
    second = await database_sync_to_async(execution)(machine, "second")
    await client.until(lambda c: c.statuses)
    assert client.statuses[0]["executionArn"] == second.arn and client.statuses[0]["status"] == "RUNNING"
    sink.execution_finished(second.arn, ExecutionResult("FAILED", error="Boom", cause="why", stop_time=time.time()))
    await client.until(lambda c: len(c.statuses) >= 2)
    ended = client.statuses[-1]
    assert (ended["status"], ended["error"], ended["cause"]) == ("FAILED", "Boom", "why")
    assert "input" not in ended and "stopDate" in ended  # metadata only, as includedData=METADATA_ONLY
    await client.close()


async def test_a_client_beyond_the_loopback_needs_the_token(run, settings):
    """Without SWITCHYARD_API_TOKEN a remote client is refused at the handshake; with it, it connects."""
    settings.SWITCHYARD_API_TOKEN = "s3cret"
    refused = Client(path(run), client=("192.0.2.7", 40000))
    assert await refused.connect() == (False, 4403)
    wrong = Client(path(run, "token=guess&metrics=0"), client=("192.0.2.7", 40000))
    assert (await wrong.connect())[0] is False
    allowed = Client(path(run, "token=s3cret&metrics=0"), client=("192.0.2.7", 40000))
    assert (await allowed.connect())[0]
    await allowed.close()
    bearer = Client(path(run), client=("192.0.2.7", 40000), headers=[(b"authorization", b"Bearer s3cret")])
    assert (await bearer.connect())[0]
    await bearer.close()


async def test_a_page_from_another_site_is_refused_even_on_the_loopback(run):
    """A browser's Origin outside ALLOWED_HOSTS is refused; the app's own origin is let in."""
    evil = Client(path(run), headers=[(b"origin", b"https://evil.example")])
    assert await evil.connect() == (False, 4403)
    own = Client(path(run), headers=[(b"origin", b"http://127.0.0.1:8000")])
    assert (await own.connect())[0]
    await own.close()


NOPE = "arn:aws:states:us-east-1:123456789012:execution:live:nope"


@pytest.mark.parametrize("where, code, says", [
    (f"/ws/executions/{NOPE}", 4404, f"Execution Does Not Exist: '{NOPE}'"),
    ("/ws/machines/nope", 4404, "State Machine Does Not Exist: 'nope'"),
    ("/ws/executions/arn:aws:states:us-east-1:123456789012:execution:live:run?after=ten", 4400,
     "after must be an event id, not 'ten'"),
])
async def test_a_socket_it_cannot_serve_says_why_then_closes_with_a_code(run, where, code, says):
    """An unknown execution or machine (4404, worded as the AWS API words it) or a bad ?after (4400)."""
    client = Client(where)
    assert (await client.connect())[0]
    assert await client.receive() == {"type": "error", "message": says}
    assert (await client.comm.receive_output(timeout=2)) == {"type": "websocket.close", "code": code}


async def test_metrics_arrive_every_second_while_connected(run):
    """Queue depths, workers and per-model figures come about once a second."""
    client = Client(path(run, "after=0"))
    assert (await client.connect())[0]
    started = time.monotonic()
    await client.until(lambda c: sum(m["type"] == "metrics" for m in c.messages) >= 2, timeout=5)
    assert 0.7 < time.monotonic() - started < 3
    metrics = [m for m in client.messages if m["type"] == "metrics"][-1]
    assert {"time", "runtime", "queues", "workers", "executions_running", "models", "errors"} <= set(metrics)
    await client.close()


async def test_events_with_large_inputs_are_split_into_frames_under_a_mebibyte(run, sink):
    """Twenty events of 200 KB each arrive whole, in order, in frames a default client accepts."""
    big = [{**event(i), "stateEnteredEventDetails": {"name": "Big", "input": "x" * 200_000}} for i in range(1, 21)]
    sink.append_events(run.arn, big)
    await asyncio.to_thread(sink.flush)
    client = Client(path(run))
    assert (await client.connect())[0]
    await client.until(lambda c: len(c.events) >= 20)
    assert client.ids() == list(range(1, 21))
    frames = [m for m in client.messages if m["type"] in ("event", "events")]
    assert len(frames) > 1 and all(len(json.dumps(m)) < 2**20 for m in frames)
    await client.close()


async def test_a_late_running_status_never_follows_the_end(run, sink):
    """A start announced after the end (another process was slow) does not turn the run back to RUNNING."""
    sink.execution_finished(run.arn, ExecutionResult("SUCCEEDED", output="1", stop_time=time.time()))
    await asyncio.to_thread(sink.flush)
    client = Client(path(run))
    assert (await client.connect())[0]
    await client.until(lambda c: c.statuses and c.statuses[-1]["status"] == "SUCCEEDED")
    stale = {**client.statuses[-1], "status": "RUNNING"}
    await get_channel_layer().group_send(execution_group(run.arn), {
        "type": "live.batch", "events": [], "statuses": [stale]})
    await client.quiet()
    assert [s["status"] for s in client.statuses] == ["SUCCEEDED"]
    await client.close()


async def test_a_fast_writer_reaches_the_client_in_few_messages(run, sink):
    """A second of 1,000 events/s arrives whole in about 20 messages (one per 50 ms; never more than
    one per 10 ms, even when the database is slow and events are late), not 1,000."""
    def write() -> None:
        start = time.monotonic()
        for i in range(1, 1001):
            time.sleep(max(start + i / 1000 - time.monotonic(), 0))
            sink.append_events(run.arn, [event(i)])

    client = Client(path(run))
    assert (await client.connect())[0]
    await client.until(lambda c: c.statuses)
    writer = asyncio.create_task(asyncio.to_thread(write))
    await client.until(lambda c: len(c.events) >= 1000, timeout=30)
    await writer
    assert client.ids() == list(range(1, 1001))
    frames = sum(m["type"] in ("event", "events") for m in client.messages)
    assert frames <= 100, f"{frames} messages for 1,000 events in a second"
    await client.close()
