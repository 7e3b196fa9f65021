"""Activities and callbacks through boto3, on the Celery runtime with real workers and Redis."""
from __future__ import annotations

import json
import os
import time
import uuid

import pytest
import redis

from tests.runtime.celery_support import Workers, make_app, redis_answers

from .conftest import ROLE_ARN, wait_for_end

URL = os.environ.get("SWITCHYARD_TEST_API_REDIS_URL", "redis://127.0.0.1:6379/7")

pytestmark = pytest.mark.skipif(not redis_answers(URL), reason=f"no Redis answers at {URL}")


@pytest.fixture(scope="module")
def celery_backed(tmp_path_factory):
    """The designer on the Celery runtime: one real worker, history mirrored into the database."""
    from django.conf import settings

    from designer.runtime import set_runtime
    from executor.runtime.celery_runtime import CeleryRuntime

    redis.Redis.from_url(URL).flushdb()
    previous_store = os.environ.get("SWITCHYARD_STORE_URL")
    os.environ["SWITCHYARD_STORE_URL"] = URL  # where activities and tokens live, for this process too
    previous_poll = settings.SWITCHYARD_ACTIVITY_POLL_S
    settings.SWITCHYARD_ACTIVITY_POLL_S = 10
    workers = Workers(URL, log_dir=tmp_path_factory.mktemp("api-celery"))
    workers.start(count=1, concurrency=2)
    runtime = CeleryRuntime(app=make_app(URL), redis_url=URL, mirror_history=True)
    previous_runtime = set_runtime(runtime)
    try:
        yield redis.Redis.from_url(URL)
    finally:
        set_runtime(previous_runtime)
        runtime.close()
        workers.stop()
        settings.SWITCHYARD_ACTIVITY_POLL_S = previous_poll
        if previous_store is None:
            os.environ.pop("SWITCHYARD_STORE_URL", None)
        else:
            os.environ["SWITCHYARD_STORE_URL"] = previous_store


def test_an_external_activity_worker_polls_heartbeats_and_answers(sfn, celery_backed):
    name = f"resize-{uuid.uuid4().hex[:6]}"
    arn = sfn.create_activity(name=name)["activityArn"]
    assert sfn.describe_activity(activityArn=arn)["name"] == name
    assert arn in [a["activityArn"] for a in sfn.list_activities()["activities"]]

    definition = {"StartAt": "Resize", "States": {"Resize": {
        "Type": "Task", "Resource": arn, "HeartbeatSeconds": 5, "TimeoutSeconds": 60, "End": True}}}
    machine = sfn.create_state_machine(name=f"sm-{name}", definition=json.dumps(definition), roleArn=ROLE_ARN)
    run = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input='{"width": 640}')

    task = sfn.get_activity_task(activityArn=arn, workerName="resizer-1")
    assert json.loads(task["input"]) == {"width": 640}
    sfn.send_task_heartbeat(taskToken=task["taskToken"])
    sfn.send_task_success(taskToken=task["taskToken"], output='{"width": 320}')

    described = wait_for_end(sfn, run["executionArn"], timeout=30)
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(described["output"]) == {"width": 320}
    types = [e["type"] for e in sfn.get_execution_history(executionArn=run["executionArn"])["events"]]
    assert "ActivityScheduled" in types and "ActivitySucceeded" in types

    sfn.delete_activity(activityArn=arn)
    with pytest.raises(sfn.exceptions.ActivityDoesNotExist):
        sfn.describe_activity(activityArn=arn)


def test_a_callback_task_fails_with_the_error_sent_by_send_task_failure(sfn, celery_backed):
    tag = uuid.uuid4().hex
    definition = {"StartAt": "Approve", "States": {"Approve": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": "hand-out-token", "Payload": {"token.$": "$$.Task.Token", "tag": tag}},
        "End": True}}}
    machine = sfn.create_state_machine(name=f"approve-{tag[:8]}", definition=json.dumps(definition),
                                       roleArn=ROLE_ARN)
    run = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input="{}")
    deadline = time.monotonic() + 20
    while (token := celery_backed.lindex(f"test:token:{tag}", 0)) is None:
        assert time.monotonic() < deadline, "the handler never received the task token"
        time.sleep(0.05)
    sfn.send_task_failure(taskToken=token.decode(), error="Rejected", cause="the reviewer said no")

    described = wait_for_end(sfn, run["executionArn"], timeout=30)
    assert (described["status"], described["error"], described["cause"]) == (
        "FAILED", "Rejected", "the reviewer said no")
    with pytest.raises(sfn.exceptions.TaskTimedOut):
        sfn.send_task_success(taskToken=token.decode(), output="{}")


def test_an_unknown_task_token_is_refused_with_invalid_token(sfn, celery_backed):
    with pytest.raises(sfn.exceptions.InvalidToken):
        sfn.send_task_success(taskToken="not-a-token", output="{}")
