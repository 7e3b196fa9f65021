"""Starting an execution at a top-level state other than StartAt (a re-run from a state)."""
from __future__ import annotations

from .engine import run

PIPELINE = {
    "StartAt": "Load",
    "States": {
        "Load": {"Type": "Pass", "Parameters": {"n.$": "$.raw"}, "Next": "Double"},
        "Double": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, $.n)"}, "Next": "Label"},
        "Label": {"Type": "Pass", "Parameters": {"text.$": "States.Format('n={}', $.n)",
                                                 "input.$": "$$.Execution.Input"}, "End": True},
    },
}


def test_a_run_started_at_a_state_never_enters_the_states_before_it():
    done = run(PIPELINE, {"n": 5}, start_at="Double")
    assert done.outcome.status == "SUCCEEDED"
    assert done.outcome.output == {"text": "n=10", "input": {"n": 5}}
    entered = [e["stateEnteredEventDetails"]["name"] for e in done.events if e["type"].endswith("StateEntered")]
    assert entered == ["Double", "Label"]
    assert done.types[0] == "ExecutionStarted"
    assert done.events[0]["executionStartedEventDetails"]["input"] == '{"n":5}'


def test_a_run_without_a_start_state_begins_at_start_at():
    done = run(PIPELINE, {"raw": 2})
    assert done.outcome.output["text"] == "n=4"


def test_a_start_state_that_is_not_a_top_level_state_fails_the_execution_naming_it():
    definition = {"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "End": True,
        "ItemProcessor": {"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "End": True}}}}}}
    done = run(definition, [], start_at="Inner")
    assert (done.outcome.status, done.outcome.error) == ("FAILED", "States.Runtime")
    assert "'Inner'" in done.outcome.cause and "top-level" in done.outcome.cause


def test_a_run_started_at_a_state_has_the_variables_it_is_given():
    definition = {"StartAt": "Prepare", "States": {
        "Prepare": {"Type": "Pass", "Assign": {"batch": "b1"}, "Next": "Finish"},
        "Finish": {"Type": "Pass", "Parameters": {"batch.$": "$batch"}, "End": True}}}
    done = run(definition, {}, start_at="Finish", variables={"batch": "b9"})
    assert done.outcome.output == {"batch": "b9"}
