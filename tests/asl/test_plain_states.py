"""Pass and Succeed states that only hand on their input (State.plain) take a short path through
the interpreter: the same history, output and redrive checkpoints as the whole state lifecycle."""
from __future__ import annotations

import pytest

from executor.asl import parse_definition
from executor.asl.states import State

from .engine import run

SHAPES = {
    "bare Pass": {"Type": "Pass"},
    "static Result": {"Type": "Pass", "Result": {"r": [1, "two"]}},
    "Result at $": {"Type": "Pass", "Result": 7, "ResultPath": "$"},
    "Result discarded": {"Type": "Pass", "Result": 7, "ResultPath": None},
    "input discarded": {"Type": "Pass", "InputPath": None},
    "input discarded, Result": {"Type": "Pass", "InputPath": None, "Result": "x"},
    "output discarded": {"Type": "Pass", "OutputPath": None},
    "all paths $": {"Type": "Pass", "InputPath": "$", "OutputPath": "$", "ResultPath": "$"},
}


def chain(shape: dict, last: dict | None = None) -> dict:
    last = last or {"Type": "Succeed"}
    return {"StartAt": "A", "States": {"A": {**shape, "Next": "B"}, "B": {**shape, "Next": "C"}, "C": last}}


def clock() -> float:
    return 1_700_000_000.5  # the same timestamps on both paths (the whole lifecycle reads the clock more often)


def full_lifecycle(monkeypatch) -> None:
    monkeypatch.setattr(State, "plain", property(lambda self: False))


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_a_plain_state_writes_what_the_whole_lifecycle_writes(name, monkeypatch):
    definition = chain(SHAPES[name], {"Type": "Succeed", "InputPath": None if "discarded" in name else "$"})
    assert parse_definition(definition).states["A"].plain
    short = run(definition, {"x": [1, {"y": "é"}]}, now=clock)
    full_lifecycle(monkeypatch)
    whole = run(definition, {"x": [1, {"y": "é"}]}, now=clock)
    assert short.outcome == whole.outcome
    assert short.events == whole.events


@pytest.mark.parametrize("shape", [
    {"Type": "Pass", "Parameters": {"u.$": "States.UUID()"}},
    {"Type": "Pass", "InputPath": "$.x"},
    {"Type": "Pass", "ResultPath": "$.r", "Result": 1},
    {"Type": "Pass", "OutputPath": "$$.Execution.Id"},
    {"Type": "Pass", "Assign": {"v": 1}},
    {"Type": "Pass", "Result": 1, "ResultPath": "$.missing.deeper"},
])
def test_a_state_that_evaluates_anything_takes_the_whole_lifecycle(shape):
    assert not parse_definition(chain(shape)).states["A"].plain


def test_a_plain_state_over_the_payload_limit_fails_the_execution_as_any_state_does():
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": "x" * (256 * 1024), "End": True}}}
    result = run(definition, {})
    assert result.outcome.status == "FAILED"
    assert result.outcome.error == "States.DataLimitExceeded"
    assert "'A'" in result.outcome.cause


def test_a_jsonata_pass_without_output_is_plain_and_hands_on_its_input():
    definition = {"QueryLanguage": "JSONata", "StartAt": "A",
                  "States": {"A": {"Type": "Pass", "Next": "B"},
                             "B": {"Type": "Pass", "Output": "{% $states.input.x + 1 %}", "End": True}}}
    machine = parse_definition(definition)
    assert machine.states["A"].plain and not machine.states["B"].plain
    assert run(definition, {"x": 1}).outcome.output == 2


def test_an_input_path_ending_in_length_gives_the_length_not_the_whole_input():
    """``$.items.length()`` has no steps of its own: it is still not the whole document."""
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "InputPath": "$.items.length()", "End": True}}}
    assert not parse_definition(definition).states["A"].plain
    assert run(definition, {"items": [1, 2, 3]}).outcome.output == 3
