"""The metrics API: what a pipeline's inference calls did, per model."""
from __future__ import annotations

import json

import pytest
import requests

from executor.inference import metrics, registry
from executor.inference.models import TorchModel

from .conftest import ROLE_ARN, wait_for_end


class CharCount(TorchModel):
    """A tiny real torch model: the number of characters of each text (no weights to load)."""

    name = "char-count"
    tasks = ("count",)

    def count(self, inputs, parameters):
        import torch

        return torch.tensor([len(text) for text in inputs], dtype=torch.float32).tolist()


@pytest.fixture
def char_count_endpoint():
    registry.register_model("char-count", CharCount)
    registry.bind_endpoint("char-lengths", "char-count", task="count")
    metrics.reset()
    yield "char-lengths"
    registry.unbind_endpoint("char-lengths")


def test_metrics_api_reports_the_batches_a_workflow_sent_to_a_model(sfn, endpoint, char_count_endpoint):
    definition = {
        "StartAt": "Each",
        "States": {"Each": {
            "Type": "Map", "ItemsPath": "$.texts", "End": True,
            "ItemProcessor": {"StartAt": "Count", "States": {"Count": {
                "Type": "Task", "Resource": "arn:aws:states:::sagemaker:invokeEndpoint",
                "Parameters": {"EndpointName": char_count_endpoint, "ContentType": "application/json",
                               "Body": {"inputs.$": "$"}},
                "ResultSelector": {"n.$": "States.StringToJson($.Body)"}, "End": True}}}}}}
    arn = sfn.create_state_machine(name="counts", definition=json.dumps(definition), roleArn=ROLE_ARN)[
        "stateMachineArn"]
    texts = [f"text number {i}" for i in range(24)]
    run = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"texts": texts}))
    described = wait_for_end(sfn, run["executionArn"], timeout=60)
    assert described["status"] == "SUCCEEDED", described

    body = requests.get(f"{endpoint}/api/metrics/", timeout=10).json()
    model = body["inference"]["models"]["char-count"]
    assert model["requests"] == len(texts)
    assert model["items"] == len(texts)
    assert 1 <= model["batches"] <= len(texts)
    assert model["batch_size_mean"] == pytest.approx(len(texts) / model["batches"])
    assert body["runtime"] in ("embedded", "celery")
