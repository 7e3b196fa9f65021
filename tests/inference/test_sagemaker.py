"""InvokeEndpoint Tasks: the AWS shapes in and out, bindings, and the errors AWS would give."""
from __future__ import annotations

import json

import pytest

from executor.inference import registry, service
from executor.inference.batcher import Call
from executor.inference.models import TorchModel
from executor.resources import InvocationContext, ResourceFailure, invoke

ARN = "arn:aws:states:::sagemaker:invokeEndpoint"
SDK_ARN = "arn:aws:states:::aws-sdk:sagemakerruntime:invokeEndpoint"
CONTEXT = InvocationContext(execution_arn="arn:aws:states:us-east-1:123456789012:execution:sm:run", state_name="Embed")


class LengthModel(TorchModel):
    """Embeds a text as [its length]; classifies it by the label of the same length."""

    tasks = ("embed", "classify")

    def embed(self, inputs, parameters):
        return [[float(len(text))] for text in inputs]

    def classify(self, inputs, parameters):
        labels = parameters["candidate_labels"]
        return [{"sequence": text, "labels": sorted(labels, key=lambda label: abs(len(label) - len(text)))}
                for text in inputs]


@pytest.fixture(autouse=True)
def length_model(monkeypatch):
    monkeypatch.setenv("SWITCHYARD_DEVICE", "cpu")
    monkeypatch.setenv("SWITCHYARD_BATCH_MAX_WAIT_MS", "1")
    registry.register_model("length", LengthModel, aliases=("length-v1",))
    registry.bind_endpoint("docs-embedder", "length")
    yield
    registry.unbind_endpoint("docs-embedder")
    service.shutdown_workers()


async def call(body, *, endpoint="docs-embedder", resource=ARN, **extra):
    return await invoke(resource, {"EndpointName": endpoint, "Body": body, **extra}, CONTEXT)


@pytest.mark.asyncio
async def test_a_single_text_returns_one_output_in_a_json_string_body_as_aws_does():
    result = await call(json.dumps({"inputs": "four"}), ContentType="application/json")
    assert result == {"Body": "[4.0]", "ContentType": "application/json", "InvokedProductionVariant": "AllTraffic"}


@pytest.mark.asyncio
async def test_a_list_of_texts_returns_one_output_per_text():
    result = await call({"inputs": ["a", "bb", "ccc"]})
    assert json.loads(result["Body"]) == [[1.0], [2.0], [3.0]]


@pytest.mark.asyncio
async def test_an_item_batcher_batch_is_run_as_one_batch():
    result = await call({"Items": [{"text": "abc"}, "de"], "BatchInput": {"job": 1}})
    assert json.loads(result["Body"]) == [[3.0], [2.0]]
    assert service.running_worker("length").metrics.batches == 1


@pytest.mark.asyncio
async def test_candidate_labels_make_it_a_classification():
    result = await call({"inputs": "four", "parameters": {"candidate_labels": ["x", "abcd", "ab"]}})
    assert json.loads(result["Body"]) == {"sequence": "four", "labels": ["abcd", "ab", "x"]}


@pytest.mark.asyncio
async def test_plain_text_content_is_one_input():
    result = await call("hello", ContentType="text/plain")
    assert json.loads(result["Body"]) == [5.0]


@pytest.mark.asyncio
async def test_the_aws_sdk_spelling_of_the_resource_is_served_too():
    result = await call({"inputs": "ab"}, resource=SDK_ARN)
    assert json.loads(result["Body"]) == [2.0]


@pytest.mark.asyncio
async def test_an_endpoint_named_like_a_model_alias_needs_no_binding():
    result = await call({"inputs": "abc"}, endpoint="length-v1")
    assert json.loads(result["Body"]) == [3.0]


@pytest.mark.asyncio
async def test_the_endpoints_setting_binds_a_name_and_can_fix_the_task(monkeypatch):
    monkeypatch.setenv("SWITCHYARD_ENDPOINTS", "labeler=length:classify")
    result = await call({"inputs": "ab", "parameters": {"candidate_labels": ["xy", "z"]}}, endpoint="labeler")
    assert json.loads(result["Body"])["labels"] == ["xy", "z"]


@pytest.mark.asyncio
async def test_an_unbound_endpoint_without_a_default_model_fails_like_a_missing_aws_endpoint(monkeypatch):
    monkeypatch.setenv("SWITCHYARD_DEFAULT_ENDPOINT_MODEL", "")
    with pytest.raises(ResourceFailure) as raised:
        await call({"inputs": "x"}, endpoint="nowhere")
    assert raised.value.error == "SageMakerRuntime.ValidationErrorException"
    assert "SWITCHYARD_ENDPOINTS" in raised.value.cause


@pytest.mark.asyncio
async def test_a_body_without_inputs_is_a_validation_error_that_names_the_fields():
    with pytest.raises(ResourceFailure) as raised:
        await call({"prompt": "x"})
    assert raised.value.error == "SageMakerRuntime.ValidationErrorException"
    assert '"inputs"' in raised.value.cause


@pytest.mark.asyncio
async def test_an_unknown_task_is_a_validation_error():
    with pytest.raises(ResourceFailure, match="has no task 'translate'"):
        await call({"inputs": "x", "task": "translate"})


@pytest.mark.asyncio
async def test_a_full_queue_is_reported_as_service_unavailable(monkeypatch):
    monkeypatch.setenv("SWITCHYARD_BATCH_QUEUE_FULL", "reject")
    await call({"inputs": "warm"})
    worker = service.running_worker("length")
    worker.reconfigure(queue_capacity=1, max_wait_s=60.0)
    worker.submit(Call("embed", ["x"]))
    with pytest.raises(ResourceFailure) as raised:
        await call({"inputs": "y"})
    assert raised.value.error == "SageMakerRuntime.ServiceUnavailableException"
    assert "is full" in raised.value.cause
