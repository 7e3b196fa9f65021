"""Without Redis: an SQS message carries the task token, and SendTaskSuccess through boto3 answers it."""
from __future__ import annotations

import json
import uuid

import pytest

from tests.api.conftest import wait_for_end
from tests.resources.servers import MotoServer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def moto(monkeypatch):
    with MotoServer() as server:
        monkeypatch.setenv("SWITCHYARD_AWS_ENDPOINT_URL", server.url)
        yield server


def test_an_sqs_callback_is_answered_by_send_task_success_on_the_embedded_runtime(sfn, make_state_machine, moto):
    sqs = moto.client("sqs")
    queue = sqs.create_queue(QueueName=f"review-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = make_state_machine("review", definition=json.dumps({"StartAt": "Review", "States": {"Review": {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": queue, "MessageBody": {"token.$": "$$.Task.Token", "doc.$": "$.doc"}},
        "TimeoutSeconds": 30, "End": True}}}))
    run = sfn.start_execution(stateMachineArn=arn, input='{"doc": "a.pdf"}')
    message = None
    for _ in range(20):
        message = (sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages") or [None])[0]
        if message:
            break
    assert message is not None, "the token went out in an SQS message"
    body = json.loads(message["Body"])
    assert body["doc"] == "a.pdf"
    sfn.send_task_heartbeat(taskToken=body["token"])
    sfn.send_task_success(taskToken=body["token"], output='{"approved": true}')
    done = wait_for_end(sfn, run["executionArn"])
    assert done["status"] == "SUCCEEDED" and json.loads(done["output"]) == {"approved": True}
    with pytest.raises(sfn.exceptions.TaskTimedOut):
        sfn.send_task_success(taskToken=body["token"], output="{}")
    with pytest.raises(sfn.exceptions.InvalidToken):
        sfn.send_task_failure(taskToken="made-up", error="x")
