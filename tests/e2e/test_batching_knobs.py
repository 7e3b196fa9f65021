"""The batching knobs on the run page, in a real Chromium: select a SageMaker Task state, see its
model's knobs and figures as the live metrics stream them, turn the batch size, and see the
batcher take it and the next run's batches keep to it; reset gives the defaults back."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e import harness

ITEMS = 24
INFER_MAP = {"StartAt": "Each", "States": {"Each": {
    "Type": "Map", "ItemsPath": "$.texts", "End": True,
    "ItemProcessor": {"StartAt": "Infer", "States": {"Infer": {
        "Type": "Task", "Resource": "arn:aws:states:::sagemaker:invokeEndpoint",
        "Parameters": {"EndpointName": "lengths", "Body": {"inputs.$": "$"}}, "End": True}}}}}}


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    def env(workdir: Path) -> dict[str, str]:
        # The embedded runtime: the model runs in the server, whose batcher the knobs reach at once.
        return {"SWITCHYARD_MODELS": "tests.runtime.inference_models", "SWITCHYARD_ENDPOINTS": "lengths=text-length",
                "SWITCHYARD_CHANNEL_LAYER": "memory"}

    with harness.module_server(tmp_path_factory, "e2e-knobs", env) as url:
        yield url


def _run(api) -> str:
    status, execution = api.call("POST", "/api/state-machines/knobs-map/executions/",
                                 {"input": json.dumps({"texts": [f"text {i}" for i in range(ITEMS)]})})
    assert status == 201, execution
    return execution["arn"]


def _figure(panel, name: str) -> str:
    return panel.locator(f'[data-figure="{name}"] dd').inner_text()


def test_turning_the_batch_size_on_the_run_page_reaches_the_batcher(page, api):
    api.create("knobs-map", INFER_MAP)
    arn = _run(api)
    page.goto(f"/executions/{arn}")
    page.wait_for_selector(".badge.status-succeeded", timeout=30000)
    page.locator('[data-state="Infer"]').first.click()

    panel = page.get_by_role("region", name="Batching of text-length")
    _, defaults = api.call("GET", "/api/inference/models/text-length/batching/")
    default_size = str(defaults["defaults"]["max_batch_size"])
    panel.locator('[data-figure="max_batch_size"]').wait_for()  # the first metrics message
    assert _figure(panel, "max_batch_size") == default_size
    assert panel.get_by_label("Max batch size").input_value() == default_size

    panel.get_by_label("Max batch size").fill("0")
    assert panel.get_by_role("button", name="Apply").is_disabled(), "a batch size of 0 is refused before sending"
    panel.get_by_label("Max batch size").fill("2")
    panel.get_by_label("Max wait (ms)").fill("50")
    panel.get_by_role("button", name="Apply").click()
    assert "this process" in panel.get_by_role("status").inner_text()
    page.wait_for_function(  # the next metrics message carries the knobs in force
        "() => document.querySelector('[data-figure=\"max_batch_size\"] dd')?.textContent === '2'")
    _, set_now = api.call("GET", "/api/inference/models/text-length/batching/")
    assert set_now["batching"] == {"max_batch_size": 2, "max_wait_ms": 50, "latency_target_ms": None}

    # The next run's batches keep to it: its 24 items make 12 batches (a batch leaves when 2 wait).
    _, before = api.call("GET", "/api/metrics/")
    _run_and_wait(api)
    _, after = api.call("GET", "/api/metrics/")
    batches = after["inference"]["models"]["text-length"]["batches"] - before["inference"]["models"]["text-length"][
        "batches"]
    assert batches >= ITEMS // 2, batches
    # The figures started afresh with the change: they show the new knobs' batches alone.
    page.wait_for_function(
        "() => document.querySelector('[data-figure=\"batch_size_mean\"] dd')?.textContent === '2'")
    assert _figure(panel, "fill_ratio") == "100%"
    harness.shot(page, "batching-knobs")

    panel.get_by_role("button", name="Reset to defaults").click()
    assert "Defaults restored" in panel.get_by_role("status").inner_text()
    page.wait_for_function(
        f"() => document.querySelector('[data-figure=\"max_batch_size\"] dd')?.textContent === '{default_size}'")
    _, reset = api.call("GET", "/api/inference/models/text-length/batching/")
    assert reset["batching"] == {}


def _run_and_wait(api) -> None:
    import time

    arn = _run(api)
    deadline = time.monotonic() + 30
    while True:
        _, execution = api.call("GET", f"/api/executions/by-arn/?arn={arn}")
        if execution["status"] != "RUNNING":
            assert execution["status"] == "SUCCEEDED", execution
            return
        assert time.monotonic() < deadline, "the run did not end within 30 s"
        time.sleep(0.1)
