"""The ai-document-pipeline example runs end to end on a moto server and the local MiniLM."""
from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest

from examples.ai_pipeline_setup import QUEUE, TABLE, set_up
from executor.inference import service
from executor.runtime.base import ExecutionRequest
from executor.runtime.embedded import EmbeddedRuntime, MemorySink

from .servers import MotoServer

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ai-document-pipeline.asl.json"


@pytest.mark.model
def test_the_example_reads_embeds_classifies_saves_and_notifies(monkeypatch):
    monkeypatch.setenv("SWITCHYARD_DEVICE", "cpu")
    monkeypatch.setenv("SWITCHYARD_BEDROCK_MODELS", str(EXAMPLE.parent / "no-such-file.json"))
    runtime = EmbeddedRuntime()
    with MotoServer() as moto:
        monkeypatch.setenv("SWITCHYARD_AWS_ENDPOINT_URL", moto.url)
        monkeypatch.setenv("SWITCHYARD_S3_ENDPOINT_URL", moto.url)  # its documents are in moto's S3
        set_up(moto.url)
        name = uuid.uuid4().hex
        request = ExecutionRequest(
            execution_arn=f"arn:aws:states:us-east-1:123456789012:execution:ai-document-pipeline:{name}",
            state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:ai-document-pipeline",
            state_machine_name="ai-document-pipeline", name=name, definition=EXAMPLE.read_text(),
            input=json.dumps({"documents": ["invoice-17.txt", "complaint-9.txt", "missing.txt"]}),
            role_arn="arn:aws:iam::123456789012:role/r", start_time=time.time())
        try:
            result = runtime.run_sync(request, MemorySink(), timeout=120)
        finally:
            runtime.close()
            service.shutdown_workers()
        assert result.status == "SUCCEEDED", (result.error, result.cause)
        assert json.loads(result.output) == [{"key": "invoice-17.txt", "label": "invoice"},
                                             {"key": "complaint-9.txt", "label": "customer complaint"},
                                             {"key": "missing.txt", "label": "missing"}]
        saved = moto.client("dynamodb").get_item(TableName=TABLE, Key={"key": {"S": "invoice-17.txt"}})["Item"]
        assert saved["label"] == {"S": "invoice"} and saved["dimensions"] == {"N": "384"}
        sqs = moto.client("sqs")
        message = sqs.receive_message(QueueUrl=sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"])["Messages"][0]
        assert json.loads(message["Body"]) == {"processed": json.loads(result.output)}
