"""Live updates go only where someone watches: an execution nobody watches costs no live messages,
and a socket that joins while a writer still thinks nobody watches misses nothing."""
from __future__ import annotations

import asyncio
import time

import pytest
from channels.db import database_sync_to_async

from config.settings import channel_layers
from designer.live import publisher
from designer.live.groups import execution_group
from executor.runtime.base import ExecutionResult
from tests.runtime.celery_support import TEST_REDIS_URL, redis_answers

from .support import Client, event, execution, state_machine

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def run():
    return execution(state_machine("watched"))


@pytest.fixture
def submitted(monkeypatch):
    """The events handed to this process's publisher, per group."""
    seen: dict[str, list[int]] = {}
    real = publisher.get_publisher()
    submit = real.submit

    def spy(group, *, events=(), statuses=()):
        seen.setdefault(group, []).extend(e["id"] for e in events)
        submit(group, events=events, statuses=statuses)

    monkeypatch.setattr(real, "submit", spy)
    return seen


@pytest.fixture
def redis_layer(settings):
    if not redis_answers(TEST_REDIS_URL):
        pytest.skip(f"no Redis answers at {TEST_REDIS_URL}")
    settings.CHANNEL_LAYERS = channel_layers("redis", TEST_REDIS_URL)


@pytest.mark.usefixtures("memory_layer")
async def test_events_of_an_execution_nobody_watches_are_not_published(run, sink, submitted):
    group = execution_group(run.arn)
    sink.append_events(run.arn, [event(i) for i in range(1, 4)])
    await asyncio.to_thread(sink.flush)
    assert submitted.get(group, []) == []

    client = Client(f"/ws/executions/{run.arn}?metrics=0")
    assert (await client.connect())[0]
    await client.until(lambda c: len(c.events) >= 3)  # from the database
    sink.append_events(run.arn, [event(i) for i in range(4, 7)])
    await client.until(lambda c: len(c.events) >= 6)
    assert submitted[group] == [4, 5, 6]  # watched now: published
    assert client.ids() == [1, 2, 3, 4, 5, 6]
    await client.close()


@pytest.mark.usefixtures("redis_layer")
async def test_a_socket_the_writers_do_not_know_of_yet_gets_every_event_and_the_end(run, sink, submitted):
    """On the Redis layer a writer keeps what it learnt of a group's subscribers for a second.
    Events written in that second reach a new socket by its second read of the database; an end
    written in it comes after every event."""
    group = execution_group(run.arn)
    publisher.watched.forget()
    assert await asyncio.to_thread(publisher.watched, group) is False  # learnt: nobody, for a second
    client = Client(f"/ws/executions/{run.arn}?metrics=0")
    assert (await client.connect())[0]
    await client.until(lambda c: c.statuses)
    started = time.monotonic()
    sink.append_events(run.arn, [event(i) for i in range(1, 4)])
    await asyncio.to_thread(sink.flush)
    assert submitted.get(group, []) == [], "published to a group the writer thought nobody watched"
    await client.until(lambda c: len(c.events) >= 3, timeout=5)
    assert time.monotonic() - started >= publisher.WATCH_TTL_S * 0.5  # by the later read, not live

    sink.append_events(run.arn, [event(i) for i in range(4, 7)])  # the writer knows by now
    await client.until(lambda c: len(c.events) >= 6, timeout=5)
    assert submitted[group] == [4, 5, 6]

    other = await database_sync_to_async(lambda: execution(state_machine("watched-too"), "second"))()
    publisher.watched.forget()
    assert await asyncio.to_thread(publisher.watched, execution_group(other.arn)) is False
    late = Client(f"/ws/executions/{other.arn}?metrics=0")
    assert (await late.connect())[0]
    await late.until(lambda c: c.statuses)
    sink.append_events(other.arn, [event(1), event(2, "ExecutionSucceeded")])
    sink.execution_finished(other.arn, ExecutionResult("SUCCEEDED", output="{}", stop_time=time.time()))
    await late.until(lambda c: c.statuses[-1]["status"] == "SUCCEEDED", timeout=5)
    assert late.ids() == [1, 2]  # the end was preceded by a read of the database
    types = [m["type"] for m in late.messages]
    assert types.index("events") < len(types) - 1 - types[::-1].index("status")
    await client.close()
    await late.close()


@pytest.mark.usefixtures("redis_layer")
async def test_a_machine_socket_the_writers_do_not_know_of_yet_hears_of_the_end(sink):
    """The state machine's page joins while a writer still thinks nobody watches it: the end of an
    execution written then reaches it by its second read of the database."""
    from designer.live.groups import machine_group

    machine = await database_sync_to_async(state_machine)("watched-machine")
    publisher.watched.forget()
    assert await asyncio.to_thread(publisher.watched, machine_group(machine.name)) is False
    page = Client(f"/ws/machines/{machine.name}?metrics=0")
    assert (await page.connect())[0]
    assert (await page.receive())["executions"] == []
    run = await database_sync_to_async(execution)(machine)
    sink.append_events(run.arn, [event(1), event(2, "ExecutionSucceeded")])
    sink.execution_finished(run.arn, ExecutionResult("SUCCEEDED", output="{}", stop_time=time.time()))
    await asyncio.to_thread(sink.flush)
    await page.until(lambda c: c.statuses and c.statuses[-1]["status"] == "SUCCEEDED", timeout=5)
    assert page.statuses[-1]["executionArn"] == run.arn
    await page.close()
