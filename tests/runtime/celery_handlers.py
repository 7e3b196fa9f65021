"""Lambda handlers the Celery tests bind (workers load them through SWITCHYARD_HANDLERS)."""
from __future__ import annotations

import os
import time

import redis

from executor.resources.lambdas import handler


def _redis() -> redis.Redis:
    return redis.Redis.from_url(os.environ["REDIS_URL"])


@handler("echo")
def echo(event, context):
    return event


@handler("add")
def add(event, context):
    return {"sum": event["a"] + event["b"]}


@handler("sleep-ms")
def sleep_ms(event, context):
    time.sleep(event.get("ms", 10) / 1000)
    return {"slept": event.get("ms", 10), "i": event.get("i")}


@handler("slow-marked")
def slow_marked(event, context):
    """Say which process runs it (the test kills that one), then sleep."""
    client = _redis()
    client.rpush(f"test:running:{event['tag']}", os.getpid())
    time.sleep(event.get("seconds", 2))
    for _ in range(50):  # the Redis restart test takes Redis away meanwhile
        try:
            client.incr(f"test:done:{event['tag']}")
            break
        except redis.ConnectionError:
            time.sleep(0.2)
    return {"tag": event["tag"], "value": event["value"] * 2}


@handler("boom")
def boom(event, context):
    raise ValueError("boom")


@handler("hand-out-token")
def hand_out_token(event, context):
    """Publish the task token where the test (the 'external system') can find it."""
    _redis().rpush(f"test:token:{event['tag']}", event["token"])
    return {"accepted": True}


@handler("fail-once")
def fail_once(event, context):
    """Fail the first call for ``event["tag"]`` (ASL Retry then runs it again), succeed after."""
    if _redis().incr(f"test:calls:{event['tag']}") == 1:
        raise RuntimeError("the first call fails, on purpose")
    return {"ok": True}


def _crash_on_request(original):
    """A stand-in for an engine bug: entering a state named ``EngineCrash`` raises inside the
    interpreter. Installed in every process that loads these handlers (the test workers too), so
    a test can check how each runtime ends an execution whose engine crashed."""

    async def run_state(self, state, raw_input, frame):
        if state.name == "EngineCrash":
            raise ZeroDivisionError("an engine bug, on purpose")
        return await original(self, state, raw_input, frame)

    return run_state


def install_engine_crash() -> None:
    from executor.asl import Execution

    if not getattr(Execution.run_state, "crashes_on_request", False):
        Execution.run_state = _crash_on_request(Execution.run_state)
        Execution.run_state.crashes_on_request = True


install_engine_crash()


@handler("fail-until-fixed")
def fail_until_fixed(event, context):
    """Count each call per item; fail the item ``event["bad"]`` while ``test:broken:{tag}`` exists."""
    client = _redis()
    client.incr(f"test:calls:{event['tag']}:{event['item']}")
    if event["item"] == event["bad"] and client.exists(f"test:broken:{event['tag']}"):
        time.sleep(0.3)  # the other items finish first
        raise RuntimeError("still broken")
    return event["item"] * 10
