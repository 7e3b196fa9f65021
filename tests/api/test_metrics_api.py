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


def test_batching_knobs_turned_through_the_api_change_the_batches_while_the_server_runs(
        sfn, endpoint, char_count_endpoint, client):
    """The embedded runtime runs the model in the web process: a knob turned over the REST API
    reaches its batcher at once, the metrics show the new knobs and the batches they make, and a
    reset gives the defaults back. Bad values are refused, naming the knob."""
    from executor.inference import knobs, service

    service.shutdown_workers()  # the model loads during the run, with the knobs turned before
    url = "/api/inference/models/char-count/batching/"  # the test client: a browser's CSRF token is not the point

    def put(path, body):
        return client.put(path, json.dumps(body), content_type="application/json")

    defaults = knobs.described(knobs.defaults_for("char-count"))
    assert client.get(url).json() == {"model": "char-count", "batching": {}, "defaults": defaults}
    try:
        answer = put(url, {"max_batch_size": 3})
        assert answer.status_code == 200, answer.content
        assert answer.json() == {"model": "char-count", "batching": {"max_batch_size": 3}, "defaults": defaults,
                                 "applied": "this process"}

        definition = {"StartAt": "Each", "States": {"Each": {
            "Type": "Map", "ItemsPath": "$.texts", "End": True, "ItemProcessor": {"StartAt": "Count", "States": {
                "Count": {"Type": "Task", "Resource": "arn:aws:states:::sagemaker:invokeEndpoint",
                          "Parameters": {"EndpointName": char_count_endpoint, "Body": {"inputs.$": "$"}},
                          "End": True}}}}}}
        arn = sfn.create_state_machine(name="counts", definition=json.dumps(definition), roleArn=ROLE_ARN)[
            "stateMachineArn"]
        run = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"texts": ["abc"] * 30}))
        assert wait_for_end(sfn, run["executionArn"], timeout=60)["status"] == "SUCCEEDED"
        model = requests.get(f"{endpoint}/api/metrics/", timeout=10).json()["inference"]["models"]["char-count"]
        assert model["config"]["max_batch_size"] == 3
        assert model["items"] == 30 and model["batches"] >= 10, "no batch over 3 items"

        answer = put(url, {"max_wait_ms": 20_000})
        assert answer.status_code == 400 and "max_wait_ms" in answer.json(), answer.content
        answer = put(url, {"max_wait_ms": 2})
        assert answer.json()["batching"] == {"max_batch_size": 3, "max_wait_ms": 2}, "the knobs set before stay"
        assert service.running_worker("char-count").config.max_wait_s == 0.002

        answer = client.delete(url)
        assert answer.status_code == 200 and answer.json()["batching"] == {}
        model = requests.get(f"{endpoint}/api/metrics/", timeout=10).json()["inference"]["models"]["char-count"]
        assert model["config"]["max_batch_size"] == defaults["max_batch_size"]
    finally:
        knobs.apply_here("char-count", None)

    missing = put("/api/inference/models/no-such-model/batching/", {"max_batch_size": 2})
    assert missing.status_code == 404 and "char-count" in missing.json()["message"], missing.content
