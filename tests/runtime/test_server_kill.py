"""A server killed with SIGKILL in the middle of 50 executions loses none of them.

The product is started as `make run` starts it (config/serve.py: daphne, and with the Celery
runtime its supervised state workers), SQLite, boto3 as the client. Every process is killed
at once while executions sit in a Task, a Wait or a Map; the product is started again on the
same database (and Redis), and all 50 must succeed with whole histories: ids contiguous, every
state entered once per execution (per item in the Map), the output an uninterrupted run gives.
"""
from __future__ import annotations

import json
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.product import ROLE_ARN, Product, wait_all

from .celery_support import redis_answers

URL = os.environ.get("SWITCHYARD_TEST_PRODUCT_REDIS_URL", "redis://127.0.0.1:6379/1")
PG_SERVER = os.environ.get("SWITCHYARD_TEST_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"
DEFINITION = {"StartAt": "Begin", "States": {
    "Begin": {"Type": "Pass", "Next": "Work"},
    "Work": {"Type": "Task", "Resource": LAMBDA + "sleep-ms", "Parameters": {"ms": 400, "i.$": "$.i"},
             "ResultPath": "$.work", "Next": "Pause"},
    "Pause": {"Type": "Wait", "Seconds": 2, "Next": "Each"},
    "Each": {"Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.each", "Next": "End",
             "ItemProcessor": {"StartAt": "Item", "States": {
                 "Item": {"Type": "Task", "Resource": LAMBDA + "sleep-ms", "End": True}}}},
    "End": {"Type": "Pass", "End": True}}}
COUNT = 50


def _entered(events: list[dict], name: str) -> int:
    return sum(1 for e in events
               if e["type"].endswith("StateEntered") and e["stateEnteredEventDetails"]["name"] == name)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """None (the product's own SQLite file), or a new PostgreSQL database dropped afterwards."""
    if request.param == "sqlite":
        yield None
        return
    psycopg = pytest.importorskip("psycopg")
    name = f"switchyard_kill_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=2)
    except psycopg.OperationalError:
        pytest.skip(f"PostgreSQL does not answer at {PG_SERVER}")
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.mark.parametrize("runtime", ["embedded", pytest.param("celery", marks=pytest.mark.celery)])
def test_fifty_executions_survive_a_sigkill_of_the_whole_server(runtime, database_url, tmp_path):
    if not redis_answers(URL):
        pytest.skip(f"no Redis answers at {URL}")
    product = Product(tmp_path, redis_url=URL, runtime=runtime, state_workers=2, database_url=database_url,
                      SWITCHYARD_HANDLERS="examples.handlers,tests.runtime.celery_handlers")
    product.start()
    try:
        arns = start_and_kill(product)
        product.start(fresh=False)
        assert_all_succeeded_whole(product.sfn(), arns, product)
    finally:
        product.stop()


def start_and_kill(product: Product) -> list[str]:
    """Start the executions, kill every process of the product while they run; their ARNs."""
    sfn = product.sfn()
    machine = sfn.create_state_machine(name="survivor", definition=json.dumps(DEFINITION),
                                       roleArn=ROLE_ARN)["stateMachineArn"]

    def start(i: int) -> str:
        items = [{"ms": 100, "i": i * 10 + k} for k in range(3)]
        return sfn.start_execution(stateMachineArn=machine, name=f"run-{i}",
                                   input=json.dumps({"i": i, "items": items}))["executionArn"]

    with ThreadPoolExecutor(8) as pool:
        arns = list(pool.map(start, range(COUNT)))
    time.sleep(1.0)  # some in the Task, some in the Wait
    running = sfn.list_executions(stateMachineArn=machine, statusFilter="RUNNING", maxResults=100)["executions"]
    assert running, "every execution ended before the kill: the test would prove nothing"
    product.kill()
    return arns


def assert_all_succeeded_whole(sfn, arns: list[str], product: Product) -> None:
    status = wait_all(sfn, arns, timeout=90)
    failed = [a for a, s in status.items() if s != "SUCCEEDED"]
    if failed:  # say why, whole: each one's error, cause and history, and what the product logged
        lines = []
        for arn in failed:
            described = sfn.describe_execution(executionArn=arn)
            lines.append(f"{arn}: {described['status']} {described.get('error')}: {described.get('cause')}")
            for event in sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]:
                details = {k: v for k, v in event.items() if k.endswith("Details")}
                lines.append(f"  {event['id']} {event['type']} {event['timestamp']:%H:%M:%S.%f} {details}")
        logged = product.log_path.read_text(errors="replace").splitlines()
        lines += ["the product's log, its last 200 lines:", *logged[-200:]]
        pytest.fail("\n".join(lines), pytrace=False)
    for i, arn in enumerate(arns):
        events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        assert [e["id"] for e in events] == list(range(1, len(events) + 1)), arn
        types = [e["type"] for e in events]
        assert types[0] == "ExecutionStarted" and types.count("ExecutionStarted") == 1
        assert types[-1] == "ExecutionSucceeded" and types.count("ExecutionSucceeded") == 1
        assert [_entered(events, n) for n in ("Begin", "Work", "Pause", "Each", "Item", "End")] == [
            1, 1, 1, 1, 3, 1], arn
        output = json.loads(sfn.describe_execution(executionArn=arn)["output"])
        assert output["work"] == {"slept": 400, "i": i}
        assert [r["i"] for r in output["each"]] == [i * 10 + k for k in range(3)]


@pytest.mark.celery
def test_executions_the_embedded_runtime_left_are_taken_over_when_the_server_comes_back_with_redis(tmp_path):
    """`make run` without Redis, killed; Redis is there on the next `make run`: the Celery runtime
    adopts the executions from their histories (the embedded runtime never saw Redis)."""
    if not redis_answers(URL):
        pytest.skip(f"no Redis answers at {URL}")
    handlers = "examples.handlers,tests.runtime.celery_handlers"
    embedded = Product(tmp_path, redis_url=URL, runtime="embedded", SWITCHYARD_HANDLERS=handlers)
    embedded.start()
    try:
        arns = start_and_kill(embedded)
    finally:
        embedded.stop()
    celery = Product(tmp_path, redis_url=URL, runtime="celery", state_workers=2, SWITCHYARD_HANDLERS=handlers)
    celery.start()  # a fresh Redis: it has never heard of these executions
    try:
        sfn = celery.sfn()
        assert_all_succeeded_whole(sfn, arns, celery)
        assert {e["executionArn"] for e in sfn.list_executions(
            stateMachineArn=sfn.describe_execution(executionArn=arns[0])["stateMachineArn"],
            maxResults=100)["executions"]} == set(arns)
    finally:
        celery.stop()
