"""Run again from a state, in a real Chromium: a failed run's state is picked, its input edited
(a JSON mistake is shown with its line and column), and the new run starts there, live, saying
which run it re-runs; the original stays as it was."""
from __future__ import annotations

import json
import time

from tests.e2e import harness

ADDER = {
    "StartAt": "Load",
    "States": {
        "Load": {"Type": "Pass", "Parameters": {"a.$": "$.a", "b.$": "$.b"}, "Next": "Add"},
        "Add": {"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($.a, $.b)"}, "Next": "Check"},
        "Check": {"Type": "Choice", "Choices": [{"Variable": "$.sum", "NumericGreaterThan": 100, "Next": "TooBig"}],
                  "Default": "Done"},
        "Done": {"Type": "Pass", "Parameters": {"total.$": "$.sum"}, "End": True},
        "TooBig": {"Type": "Fail", "Error": "TooBig", "Cause": "The sum is over 100"},
    },
}
FANNED = {"StartAt": "Each", "States": {"Each": {
    "Type": "Map", "ItemsPath": "$.items", "End": True,
    "ItemProcessor": {"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "End": True}}}}}}


def run_to_end(api, machine: str, body: dict) -> dict:
    status, execution = api.call("POST", f"/api/state-machines/{machine}/executions/", {"input": json.dumps(body)})
    assert status == 201, execution
    deadline = time.monotonic() + 20
    while True:
        _, detail = api.call("GET", f"/api/executions/by-arn/?arn={execution['arn']}")
        if detail["status"] != "RUNNING":
            return detail
        assert time.monotonic() < deadline, detail
        time.sleep(0.1)


def open_rerun(page, arn: str, state: str, start_at: str | None = None):
    """On the run page of ``arn``, select ``state`` and open its re-run dialog (it starts at
    ``start_at``, the state itself by default); return the dialog."""
    page.goto(f"/executions/{arn}")
    page.wait_for_selector(f'[data-state="{state}"][data-status="SUCCEEDED"]')
    page.locator(f'[data-state="{state}"]').first.click()
    button = "↻ Run again from here" if start_at is None else f"↻ Run again from {start_at}"
    page.get_by_role("complementary", name=f"State {state}").get_by_role("button", name=button).click()
    return page.get_by_role("dialog", name=f"Run again from {start_at or state}")


def test_a_failed_run_is_run_again_from_a_state_with_edited_input(page, api):
    api.create("rerun-adder", ADDER)
    original = run_to_end(api, "rerun-adder", {"a": 70, "b": 40})
    assert original["status"] == "FAILED"
    dialog = open_rerun(page, original["arn"], "Add")
    box = dialog.get_by_label("Re-run input")
    assert json.loads(box.input_value()) == {"a": 70, "b": 40}  # what Add received

    box.fill('{\n  "a": 2,\n  "b": \n}')
    assert dialog.get_by_role("alert").inner_text() == "Line 4, column 1: Unexpected character '}'"
    assert dialog.get_by_role("button", name="Start").is_disabled()
    harness.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(harness.ARTIFACTS / "rerun-dialog-bad-json.png"))

    box.fill('{"a": 2, "b": 3}')
    assert dialog.get_by_role("alert").count() == 0
    dialog.get_by_role("button", name="Start").click()

    page.wait_for_url(lambda url: "/executions/" in url and original["arn"] not in url)
    banner = page.get_by_test_id("rerun-of")
    assert banner.inner_text() == f"Re-run of {original['name']} from Add"
    page.wait_for_selector(".badge.status-succeeded", timeout=20000)
    page.wait_for_selector('[data-state="Done"][data-status="SUCCEEDED"]')  # the history has streamed in
    assert json.loads(page.get_by_label("Execution output").inner_text()) == {"total": 5}
    assert json.loads(page.get_by_label("Execution input").inner_text()) == {"a": 2, "b": 3}
    statuses = {n: page.locator(f'[data-state="{n}"]').first.get_attribute("data-status")
                for n in ("Load", "Add", "Check", "Done", "TooBig")}
    assert statuses == {"Load": "NOT_RUN", "Add": "SUCCEEDED", "Check": "SUCCEEDED", "Done": "SUCCEEDED",
                        "TooBig": "NOT_RUN"}
    page.screenshot(path=str(harness.ARTIFACTS / "rerun-new-run.png"), full_page=True)
    new_arn = page.url.split("/executions/", 1)[1]
    _, rerun = api.call("GET", f"/api/executions/by-arn/?arn={new_arn}")
    assert rerun["rerun_of"]["arn"] == original["arn"]
    started = rerun["events"][0]["details"]["executionStartedEventDetails"]
    assert json.loads(started["input"]) == {"a": 2, "b": 3}

    # Back to the run it came from: untouched.
    banner.get_by_role("link", name=original["name"]).click()
    page.wait_for_url(f"**/executions/{original['arn']}")
    page.wait_for_selector('.run[data-execution-status="FAILED"]')
    _, again = api.call("GET", f"/api/executions/by-arn/?arn={original['arn']}")
    assert (again["status"], again["events"]) == ("FAILED", original["events"])
    assert page.get_by_test_id("rerun-of").count() == 0
    assert page.get_by_test_id("reruns").inner_text() == f"Run again as {rerun['name']} from Add SUCCEEDED"


def test_a_state_inside_a_map_is_run_again_from_the_map(page, api):
    api.create("rerun-fanned", FANNED)
    original = run_to_end(api, "rerun-fanned", {"items": [1, 2]})
    dialog = open_rerun(page, original["arn"], "Inner", start_at="Each")
    assert "Inner runs inside Each, so the re-run starts there" in dialog.inner_text()
    assert json.loads(dialog.get_by_label("Re-run input").input_value()) == {"items": [1, 2]}
    dialog.get_by_label("Re-run input").fill('{"items": [7]}')
    dialog.get_by_role("button", name="Start").click()
    page.wait_for_selector('[data-testid="rerun-of"]')
    page.wait_for_selector(".badge.status-succeeded", timeout=20000)
    page.wait_for_selector('[data-state="Inner"][data-status="SUCCEEDED"]')
    assert json.loads(page.get_by_label("Execution output").inner_text()) == [7]
    assert page.get_by_test_id("rerun-of").inner_text() == f"Re-run of {original['name']} from Each"


def test_a_rerun_is_given_the_variables_the_states_before_it_assigned(page, api):
    api.create("rerun-assigning", {"StartAt": "Prepare", "States": {
        "Prepare": {"Type": "Pass", "Assign": {"batch.$": "$.batch"}, "Next": "Finish"},
        "Finish": {"Type": "Pass", "Parameters": {"batch.$": "$batch", "n.$": "$.n"}, "End": True}}})
    original = run_to_end(api, "rerun-assigning", {"batch": "b1", "n": 1})
    dialog = open_rerun(page, original["arn"], "Finish")
    variables = dialog.get_by_label("Re-run variables")
    variables.fill('["b9"]')
    assert dialog.get_by_role("alert").inner_text() == "The variables must be a JSON object of names and values"
    assert dialog.get_by_role("button", name="Start").is_disabled()
    variables.fill('{"batch": "b9"}')
    dialog.get_by_label("Re-run input").fill('{"n": 2}')
    dialog.get_by_role("button", name="Start").click()
    page.wait_for_selector('[data-testid="rerun-of"]')
    page.wait_for_selector('[data-state="Finish"][data-status="SUCCEEDED"]', timeout=20000)
    assert json.loads(page.get_by_label("Execution output").inner_text()) == {"batch": "b9", "n": 2}
    assert page.locator('[data-state="Prepare"]').first.get_attribute("data-status") == "NOT_RUN"
