"""AWS service integrations on the Celery runtime: an SQS message carries the task token."""
from __future__ import annotations

import json
import uuid

import pytest

from executor.runtime import activities
from executor.runtime.embedded import MemorySink

from .celery_support import request, wait_for

pytestmark = pytest.mark.celery


def test_send_message_wait_for_task_token_ends_when_the_consumer_answers(celery_runtime, celery_redis, moto_server):
    """The workers send the token in an SQS message (moto); whoever reads it answers SendTaskSuccess."""
    sqs = moto_server.client("sqs")
    queue = sqs.create_queue(QueueName=f"review-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    definition = {"StartAt": "Review", "States": {"Review": {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": queue, "MessageBody": {"token.$": "$$.Task.Token", "doc.$": "$.doc"}},
        "TimeoutSeconds": 60, "End": True}}}
    sink = MemorySink()
    req = request(definition, {"doc": "a.pdf"})
    future = celery_runtime.start_execution(req, sink)
    messages = wait_for(lambda: sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages"), 30,
                        what="the SQS message")
    body = json.loads(messages[0]["Body"])
    assert body["doc"] == "a.pdf"
    activities.send_task_success(task_token=body["token"], output='{"approved": true}', client=celery_redis)
    result = future.result(30)
    assert result.status == "SUCCEEDED", result
    assert json.loads(result.output) == {"approved": True}
    types = [e["type"] for e in sink.events[req.execution_arn]]
    assert types.index("TaskSubmitted") < types.index("TaskSucceeded")
