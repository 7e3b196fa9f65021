"""Local-test settings on the embedded runtime, without Django: mocks (JSONata states included),
seeded faults and the virtual clock."""
from __future__ import annotations

import dataclasses
import json
import time

import pytest

from executor.resources.faults import faults_for
from executor.resources.mocks import MockConfigError, parse_mock_config, test_case_from
from executor.runtime.embedded import EmbeddedRuntime, MemorySink
from tests.runtime.test_embedded import request


@pytest.fixture(scope="module")
def runtime():
    runtime = EmbeddedRuntime()
    yield runtime
    runtime.close()


def execute(runtime, definition: dict, value=None, local: dict | None = None, timeout: float = 20):
    sink = MemorySink()
    req = dataclasses.replace(request(definition, value), local=local)
    result = runtime.start_execution(req, sink).result(timeout)
    runtime.flush()
    return result, sink.events.get(req.execution_arn, [])


def case(states: dict) -> dict:
    config = {"StateMachines": {"m": {"TestCases": {"T": {s: s for s in states}}}}, "MockedResponses": states}
    return test_case_from(config, "m", "T").to_json()


JSONATA_MAP = {
    "QueryLanguage": "JSONata",
    "StartAt": "Each",
    "States": {"Each": {
        "Type": "Map", "Items": "{% $states.input.items %}", "MaxConcurrency": 1, "End": True,
        "ItemProcessor": {"StartAt": "Label", "States": {"Label": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Arguments": {"FunctionName": "labeller", "Payload": "{% $states.input %}"},
            "Output": "{% $states.result.Payload %}",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Output": "{% 'failed: ' & $states.errorOutput.Error %}",
                       "Next": "Done"}],
            "End": True}, "Done": {"Type": "Succeed"}}},
    }},
}


def test_jsonata_task_states_inside_a_map_are_answered_from_their_mocks(runtime):
    local = {"testCase": case({"Label": {"0-1": {"Return": {"Payload": "cat"}},
                                         "2": {"Throw": {"Error": "Model.Down", "Cause": "x"}}}})}
    result, events = execute(runtime, JSONATA_MAP, {"items": [1, 2, 3]}, local)
    assert result.status == "SUCCEEDED"
    assert json.loads(result.output) == ["cat", "cat", "failed: Model.Down"]
    assert [e["type"] for e in events].count("TaskScheduled") == 3


def test_a_mock_configuration_must_name_only_responses_it_defines():
    with pytest.raises(MockConfigError, match="does not define"):
        parse_mock_config({"StateMachines": {"m": {"TestCases": {"T": {"A": "Missing"}}}}, "MockedResponses": {}})
    with pytest.raises(MockConfigError, match="exactly one of Return or Throw"):
        parse_mock_config({"MockedResponses": {"R": {"0": {"Return": 1, "Throw": {"Error": "E"}}}}})


DAY_WAIT = {"StartAt": "Sleep", "States": {
    "Sleep": {"Type": "Wait", "Seconds": 86400, "Next": "When"},
    "When": {"Type": "Pass", "Parameters": {"entered.$": "$$.State.EnteredTime"}, "End": True}}}


def test_a_virtual_clock_that_skips_waits_runs_a_day_long_wait_in_under_a_second(runtime):
    began = time.monotonic()
    result, events = execute(runtime, DAY_WAIT, {}, {"clock": "skip"})
    assert result.status == "SUCCEEDED"
    assert time.monotonic() - began < 1.0
    # The execution's own clock moved on by the day: the history and $$ show it.
    assert events[-1]["timestamp"] - events[0]["timestamp"] >= 86400


def test_a_scaled_clock_keeps_the_proportions_of_waits(runtime):
    began = time.monotonic()
    result, _ = execute(runtime, {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 300, "End": True}}},
                        {}, {"clock": {"factor": 0.001}})
    elapsed = time.monotonic() - began
    assert result.status == "SUCCEEDED"
    assert 0.25 <= elapsed < 2.0


def test_fault_draws_depend_on_the_seed_and_the_position_only():
    plan = {"seed": 3, "states": {"A": [{"type": "error", "error": "E", "probability": 0.5}]}}
    draws = [bool(faults_for(plan, "A", f"/A@1:{attempt}")) for attempt in range(40)]
    assert draws == [bool(faults_for(plan, "A", f"/A@1:{attempt}")) for attempt in range(40)]
    assert 5 < sum(draws) < 35
    other = {**plan, "seed": 4}
    assert draws != [bool(faults_for(other, "A", f"/A@1:{attempt}")) for attempt in range(40)]


def test_a_mocked_callback_task_answers_at_once_on_the_embedded_runtime(runtime):
    definition = {"StartAt": "Approve", "States": {"Approve": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": "ask-a-human", "Payload": {"token.$": "$$.Task.Token"}}, "End": True}}}
    local = {"testCase": case({"Approve": {"0": {"Return": {"approved": True}}}})}
    result, events = execute(runtime, definition, {}, local)
    assert result.status == "SUCCEEDED", result
    assert json.loads(result.output) == {"approved": True}
    scheduled = next(e for e in events if e["type"] == "TaskScheduled")
    assert len(json.loads(scheduled["taskScheduledEventDetails"]["parameters"])["Payload"]["token"]) == 64
