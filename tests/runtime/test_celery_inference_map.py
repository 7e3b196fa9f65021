"""A Map of SageMaker Tasks through the product on the Celery runtime: the driver sends the
iterations to the inference worker in chunks, the worker runs each chunk's items together, so
they reach the model as shared batches, and each item's result or error comes back to its own
iteration."""
from __future__ import annotations

import json
import os
import uuid

import pytest
import requests

from tests.product import ROLE_ARN, Product, wait_all

from .celery_support import redis_answers

URL = os.environ.get("SWITCHYARD_TEST_PRODUCT_REDIS_URL", "redis://127.0.0.1:6379/1")

pytestmark = [pytest.mark.celery, pytest.mark.skipif(not redis_answers(URL), reason=f"no Redis answers at {URL}")]

ITEMS = 150


def _map(catch: bool) -> dict:
    task = {"Type": "Task", "Resource": "arn:aws:states:::sagemaker:invokeEndpoint",
            "Parameters": {"EndpointName": "lengths", "ContentType": "application/json", "Body.$": "$.body"},
            "ResultSelector": {"length.$": "States.StringToJson($.Body)"}, "End": True}
    if catch:
        task["Catch"] = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed"}]
    states = {"Infer": task}
    if catch:
        states["Failed"] = {"Type": "Pass", "Parameters": {"error.$": "$.error.Error"}, "End": True}
    return {"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "ItemsPath": "$.items", "End": True,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Infer", "States": states}}}}


@pytest.fixture(scope="module")
def product(tmp_path_factory):
    with Product(tmp_path_factory.mktemp("product"), redis_url=URL, state_workers=2, inference=True,
                 SWITCHYARD_MODELS="tests.runtime.inference_models", SWITCHYARD_PRELOAD_MODELS="text-length",
                 SWITCHYARD_ENDPOINTS="lengths=text-length") as running:
        yield running


def _run(product, definition: dict, items: list[dict]) -> dict:
    sfn = product.sfn()
    machine = sfn.create_state_machine(name=f"m-{uuid.uuid4().hex[:8]}", definition=json.dumps(definition),
                                       roleArn=ROLE_ARN)["stateMachineArn"]
    arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"items": items}))["executionArn"]
    wait_all(sfn, [arn], timeout=90)
    return sfn.describe_execution(executionArn=arn)


def test_each_iteration_gets_its_own_answer_and_the_model_sees_shared_batches(product):
    texts = [f"note {i} " + "x" * (i % 17) for i in range(ITEMS)]
    described = _run(product, _map(catch=False), [{"body": {"inputs": t}} for t in texts])
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(described["output"]) == [{"length": len(t)} for t in texts]

    body = requests.get(f"{product.url}/api/metrics/", timeout=10).json()
    model = body["inference"]["models"]["text-length"]
    assert model["items"] >= ITEMS
    # Chunks of up to 64 items reach the batcher together: far fewer batches than items.
    assert model["batches"] <= ITEMS // 8, model


def test_an_item_that_fails_fails_only_its_own_iteration(product):
    items = [{"body": {"inputs": f"t{i}"}} for i in range(40)]
    items[7] = {"body": {"input": "t7"}}  # misspelt: the endpoint refuses it
    described = _run(product, _map(catch=True), items)
    assert described["status"] == "SUCCEEDED", described
    output = json.loads(described["output"])
    assert output[7]["error"].startswith("SageMaker"), output[7]
    expected = [{"length": len(item["body"]["inputs"])} for i, item in enumerate(items) if i != 7]
    assert [o for i, o in enumerate(output) if i != 7] == expected


def test_batching_knobs_turned_over_the_api_reach_the_inference_worker_while_it_runs(product):
    """The knobs go through Redis to the inference worker, a process of its own: with the batch
    size at 1 every item is a batch of its own; reset, the items share batches again. The metrics
    show the knobs in force."""
    url = f"{product.url}/api/inference/models/text-length/batching/"
    session = requests.Session()
    session.get(f"{product.url}/", timeout=10)  # the CSRF cookie, as the browser gets it
    session.headers.update({"X-CSRFToken": session.cookies["csrftoken"], "Referer": product.url + "/"})
    items = [{"body": {"inputs": f"text {i}"}} for i in range(40)]

    answer = session.put(url, json={"max_batch_size": 1}, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json()["applied"] == "the inference workers"
    config = _model_metrics(product, lambda model: model["config"]["max_batch_size"] == 1)["config"]
    assert config["adaptive"] is False
    before = _model_metrics(product)
    assert _run(product, _map(catch=False), items)["status"] == "SUCCEEDED"
    after = _model_metrics(product)
    assert after["items"] - before["items"] == 40 and after["batches"] - before["batches"] == 40

    answer = session.delete(url, timeout=10)
    assert answer.status_code == 200 and answer.json()["batching"] == {}
    default = answer.json()["defaults"]["max_batch_size"]
    _model_metrics(product, lambda model: model["config"]["max_batch_size"] == default)
    before = _model_metrics(product)
    assert _run(product, _map(catch=False), items)["status"] == "SUCCEEDED"
    after = _model_metrics(product)
    assert after["items"] - before["items"] == 40 and after["batches"] - before["batches"] <= 10


def _model_metrics(product, condition=lambda model: True, timeout: float = 10.0) -> dict:
    import time

    deadline = time.monotonic() + timeout
    while True:
        model = requests.get(f"{product.url}/api/metrics/", timeout=10).json()["inference"]["models"]["text-length"]
        if condition(model):
            return model
        assert time.monotonic() < deadline, f"the metrics did not show it within {timeout} s: {model['config']}"
        time.sleep(0.1)
