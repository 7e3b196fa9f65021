"""The web process hears the ends of the executions it started (executor/runtime/ends.py), on a real
Redis: while it listens, a poll of a running execution needs no round trip; whatever it may have
missed (started before it listened, or while Redis dropped it) is left to Redis to answer."""
from __future__ import annotations

import json
import logging
import time
import uuid

import pytest
import redis

from executor.runtime.ends import Ends
from executor.runtime.store import keys

URL = "redis://127.0.0.1:6379/11"


@pytest.fixture
def client():
    try:
        client = redis.Redis.from_url(URL)
        client.ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    yield client
    client.close()


def until(check, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError("not within the time")


def heard(ends: Ends, execution_arn: str):
    """The first answer other than "running" (an answer of an end is given once)."""
    answers = []
    until(lambda: answers.append(ends.state(execution_arn)) or answers[-1] != (True, None))
    return answers[-1]


def arn() -> str:
    return f"arn:aws:states:us-east-1:123456789012:execution:ends:{uuid.uuid4().hex}"


def announce(client, execution_arn: str, status: str = "SUCCEEDED") -> None:
    """As a driver announces an end (Driver._write_result)."""
    client.publish(keys.ENDED, f"{execution_arn}\n{json.dumps({'status': status, 'output': '{}'})}")


def test_a_running_execution_is_known_from_memory_and_its_end_is_given_once(client):
    ends = Ends(URL)
    early = arn()
    ends.watch(early)  # starts the listener: this one may end before it has subscribed
    until(lambda: ends._since is not None)
    assert ends.state(early) is None  # only Redis can say

    running = arn()
    ends.watch(running)
    assert ends.state(running) == (True, None)
    announce(client, running)
    running_state, record = heard(ends, running)
    assert running_state is False and json.loads(record)["status"] == "SUCCEEDED"
    assert ends.state(running) is None  # given once: from then on the database answers

    stranger = arn()
    announce(client, stranger)  # started elsewhere: not kept
    time.sleep(0.2)
    assert stranger not in ends._ended
    ends.close()


def test_while_redis_has_dropped_the_listener_polls_ask_redis(client):
    ends = Ends(URL)
    before = arn()
    ends.watch(before)
    until(lambda: ends._since is not None)
    watched = arn()
    ends.watch(watched)
    assert ends.state(watched) == (True, None)

    first = ends._since
    client.client_kill_filter(_type="pubsub")
    until(lambda: ends._since is None or ends._since != first)
    # its end may have been announced while nobody listened: never taken as running from memory again
    until(lambda: ends._since is not None and ends._since != first)
    assert ends.state(watched) is None
    later = arn()
    ends.watch(later)  # after the new subscription: heard again
    assert ends.state(later) == (True, None)
    announce(client, later, "FAILED")
    assert json.loads(heard(ends, later)[1])["status"] == "FAILED"
    ends.close()


def test_a_redriven_execution_does_not_answer_with_the_end_of_its_last_run(client):
    ends = Ends(URL)
    ends.watch(arn())
    until(lambda: ends._since is not None)
    execution = arn()
    ends.watch(execution)
    announce(client, execution)
    until(lambda: execution in ends._ended)
    ends.watch(execution)  # RedriveExecution starts it again before anyone asked
    assert ends.state(execution) == (True, None)
    ends.close()


def test_closing_stops_the_listener(client):
    ends = Ends(URL)
    ends.watch(arn())
    until(lambda: ends._since is not None)
    ends.close()
    until(lambda: not ends._thread.is_alive())
    assert ends._since is None


def test_a_redis_that_does_not_answer_is_reported_once_not_at_each_attempt(caplog):
    from tests.product import free_port

    caplog.set_level(logging.INFO, logger="executor.runtime.ends")
    ends = Ends(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    execution = arn()
    ends.watch(execution)
    time.sleep(1.8)  # three or four attempts to connect
    assert ends.state(execution) is None  # only Redis could say, and it does not answer
    stopped = [r for r in caplog.records if "stopped" in r.getMessage()]
    assert len(stopped) == 1, [r.getMessage() for r in caplog.records]
    ends.close()
