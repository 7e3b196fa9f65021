"""Local testing from the designer in a real Chromium: a fault added to a Task state, its badge,
the definition left as it was, and the run failing with the injected error; the virtual clock
skipping a long Wait; a mock test case chosen when starting a run."""
from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path

import pytest

from tests.e2e import harness

GREET = "arn:aws:lambda:us-east-1:123456789012:function:greet"
ONE_TASK = {"Comment": "greets, unless a fault is injected",
            "StartAt": "Greet", "States": {"Greet": {"Type": "Task", "Resource": GREET, "End": True}}}
LONG_WAIT = {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 3600, "Next": "Done"},
                                         "Done": {"Type": "Succeed"}}}
MOCKS = {"StateMachines": {"e2e-mocked": {"TestCases": {"Declined": {"Greet": "Declined"}}}},
         "MockedResponses": {"Declined": {"0": {"Throw": {"Error": "Payment.Declined", "Cause": "card declined"}}}}}


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    def env(workdir: Path) -> dict[str, str]:
        (workdir / "MockConfigFile.json").write_text(json.dumps(MOCKS))
        return {"SWITCHYARD_HANDLERS": "examples.handlers", "SFN_MOCK_CONFIG": str(workdir / "MockConfigFile.json"),
                "SWITCHYARD_CHANNEL_LAYER": "memory"}

    with harness.module_server(tmp_path_factory, "e2e-local-testing", env) as url:
        yield url


def shot(page, name: str) -> Path:
    return harness.shot(page, f"local-testing-{name}")


def create(api, name: str, definition: dict) -> str:
    text = json.dumps(definition, indent=2)
    status, body = api.call("POST", "/api/state-machines/", {"name": name, "definition": text})
    assert status == 201, body
    return text


def run_from_the_designer(page, choose=None) -> None:
    page.get_by_role("button", name="▶ Run").click()
    page.get_by_label("Execution input").fill('{"name": "Ada"}')
    if choose:
        choose(page.get_by_role("dialog", name="Start an execution"))
    page.get_by_role("button", name="Start execution").click()
    page.wait_for_url("**/executions/**")


def test_a_fault_added_in_the_inspector_is_badged_kept_out_of_the_definition_and_fails_the_run(page, api):
    definition = create(api, "e2e-faulty", ONE_TASK)
    status, started = api.call("POST", "/api/state-machines/e2e-faulty/executions/", {"input": "{}"})
    assert status == 201, started  # without the fault, the Task answers
    page.goto("/machines/e2e-faulty")
    page.locator('[data-state="Greet"]').click()
    faults = page.get_by_role("region", name="Faults (local testing)")
    faults.get_by_role("button", name="Add error").click()
    faults.get_by_label("Fault 1 error").fill("Boom.Injected")
    faults.get_by_label("Fault 1 cause").fill("the greeter is down")
    faults.get_by_label("Fault 1 probability").fill("1.5")
    assert faults.get_by_text("a number from 0 to 1").is_visible()
    faults.get_by_label("Fault 1 probability").fill("1")
    faults.get_by_label("Fault seed").fill("2034")
    faults.get_by_role("button", name="Save faults").click()
    faults.get_by_text("Faults saved").wait_for()

    badge = page.locator('[data-state="Greet"] .fault-badge')
    assert badge.inner_text() == "⚡ 1 fault"
    assert page.locator('[data-state="Greet"]').get_attribute("data-faults") == "error Boom.Injected"
    shot(page, "badge")
    _, settings = api.call("GET", "/api/state-machines/e2e-faulty/local-settings/")
    assert settings == {"faults": {"seed": 2034, "states": {"Greet": [
        {"type": "error", "error": "Boom.Injected", "cause": "the greeter is down", "probability": 1}]}}, "clock": None}
    # The definition is untouched: as stored, as exported, and the designer has nothing to save.
    _, machine = api.call("GET", "/api/state-machines/e2e-faulty/")
    assert machine["definition"] == definition
    assert page.locator(".save-state").inner_text() == "Saved"
    page.get_by_label("Export").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="ASL JSON (as saved)").click()
    assert Path(download.value.path()).read_text(encoding="utf-8") == definition

    run_from_the_designer(page)
    page.wait_for_selector(".badge.status-failed", timeout=20000)
    error = page.get_by_label("Execution error")
    assert error.inner_text().startswith("Boom.Injected: Injected fault: the greeter is down")
    assert error.locator(".injected-tag").inner_text() == "injected fault"
    page.locator('[data-state="Greet"]').first.click()
    state_error = page.get_by_role("complementary", name="State Greet").get_by_label("State error")
    assert state_error.inner_text().startswith("Boom.Injected") and "injected fault" in state_error.inner_text()
    page.get_by_label("Failures only").check()
    failed = page.get_by_role("table", name="Event history").locator(".row-failed").first
    assert failed.get_by_role("cell").nth(1).inner_text() == "LambdaFunctionFailed"
    assert failed.locator(".injected-tag").is_visible()
    shot(page, "failed-run")

    # Opened again, the designer shows the fault it keeps.
    page.goto("/machines/e2e-faulty")
    assert page.locator('[data-state="Greet"] .fault-badge').inner_text() == "⚡ 1 fault"
    page.locator('[data-state="Greet"]').click()
    assert page.get_by_label("Fault 1 error").input_value() == "Boom.Injected"


def test_the_skip_clock_chosen_when_starting_makes_an_hour_long_wait_finish_at_once(page, api):
    create(api, "e2e-long-wait", LONG_WAIT)
    page.goto("/machines/e2e-long-wait")
    page.wait_for_selector('[data-state="Nap"]')
    began = time.monotonic()
    run_from_the_designer(page, lambda dialog: dialog.get_by_label("Virtual clock").select_option("skip"))
    page.wait_for_selector(".badge.status-succeeded", timeout=25000)
    took = time.monotonic() - began
    # Seconds at most for an hour's Wait, the page loads and a loaded CI machine included.
    print(f"an hour's Wait on the skip clock, from Run to SUCCEEDED on the page: {took:.2f} s")
    assert took < 20, f"an hour's Wait took {took:.1f} s on the skip clock"
    page.wait_for_selector('[data-state="Nap"][data-status="SUCCEEDED"]')
    _, settings = api.call("GET", "/api/state-machines/e2e-long-wait/local-settings/")
    assert settings["clock"] == "skip"  # kept for the next run
    arn = page.url.split("/executions/", 1)[1]
    _, execution = api.call("GET", f"/api/executions/by-arn/?arn={arn}")
    times = {e["type"]: e["timestamp"] for e in execution["events"]}
    waited = datetime.fromisoformat(times["WaitStateExited"]) - datetime.fromisoformat(times["WaitStateEntered"])
    assert waited.total_seconds() >= 3600  # the execution's own clock moved on by the full hour
    shot(page, "skipped-wait")

    page.goto("/machines/e2e-long-wait")
    page.get_by_role("button", name="▶ Run").click()
    assert page.get_by_label("Virtual clock").input_value() == "skip"


def test_a_mock_test_case_chosen_when_starting_answers_the_task(page, api):
    create(api, "e2e-mocked", {**ONE_TASK, "Comment": "mocked"})
    page.goto("/machines/e2e-mocked")
    page.wait_for_selector('[data-state="Greet"]')
    def choose(dialog):
        dialog.get_by_label("Mock test case").select_option("Declined")
        shot(page, "run-dialog")

    run_from_the_designer(page, choose)
    page.wait_for_selector(".badge.status-failed", timeout=20000)
    error = page.get_by_label("Execution error")
    assert error.inner_text() == "Payment.Declined: card declined"
    assert error.locator(".injected-tag").count() == 0
