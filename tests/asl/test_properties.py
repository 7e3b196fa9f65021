"""Property-based: random definitions and inputs never crash the parser or the interpreter.

The parser may only answer with a StateMachine or a DefinitionError. A definition it accepts, run
on any input, must end with an Outcome: no other exception, no hang. Loops are bounded by a cap on
history events (see test_limits.py for the engine's own bound) and every run by asyncio.wait_for.
"""
from __future__ import annotations

import asyncio
import copy
import json
import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from executor.asl import (
    DefinitionError,
    Execution,
    Hooks,
    Outcome,
    Problem,
    StatesError,
    parse_definition,
    validate_definition,
)

from .engine import info_for
from .test_validation import VALID

MAX_EVENTS = 3_000
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=False, allow_infinity=False, width=32), st.text(max_size=12))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=20)

ASL_KEYS = ["Type", "Next", "End", "StartAt", "States", "Resource", "InputPath", "OutputPath", "ResultPath",
            "Parameters", "ResultSelector", "Retry", "Catch", "ErrorEquals", "Choices", "Default", "Variable",
            "Seconds", "SecondsPath", "Timestamp", "TimestampPath", "Branches", "ItemsPath", "ItemSelector",
            "ItemProcessor", "Iterator", "MaxConcurrency", "MaxConcurrencyPath", "ToleratedFailureCount",
            "ToleratedFailurePercentage", "Error", "Cause", "ErrorPath", "CausePath", "TimeoutSeconds",
            "TimeoutSecondsPath", "HeartbeatSeconds", "IntervalSeconds", "MaxAttempts", "BackoffRate",
            "JitterStrategy", "MaxDelaySeconds", "Result", "And", "Or", "Not", "StringEquals", "NumericLessThan",
            "IsPresent", "StringMatches", "Comment", "x.$", "QueryLanguage", "Assign", "Label"]
NASTY = ["", "$", "$.", "$.x", "$$", "$$.Execution.Input", "$.a[*]", "$..x", "$[?(@.a)]", "States.Format('{}')",
         "States.Array($)", "States.ArrayRange(1, 2000, 1)", "Nowhere", "States.ALL", "Pass", "Task", "Map", "Wait",
         "Parallel", "Choice", "Fail", "Succeed", "arn:aws:lambda:us-east-1:1:function:f", "FULL",
         "2024-01-01T00:00:00Z", -1, 0, 1, 1.5, 10**20, -(10**20), None, True, False, [], {}, [{}], {"a": 1}]

SEEDS = [VALID] + [json.loads(p.read_text())["definition"]
                   for p in sorted((Path(__file__).parent / "cases").glob("*.json"))]


def slots(node, out):
    """Every (container, key) in the document, for mutation."""
    if isinstance(node, dict):
        for key, value in node.items():
            out.append((node, key))
            slots(value, out)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out.append((node, index))
            slots(value, out)
    return out


@st.composite
def mutated_definitions(draw):
    doc = copy.deepcopy(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        places = slots(doc, [])
        if not places:
            break
        container, key = draw(st.sampled_from(places))
        op = draw(st.sampled_from(["delete", "nasty", "random", "add", "retarget"]))
        if op == "delete":
            del container[key]
        elif op == "nasty":
            container[key] = copy.deepcopy(draw(st.sampled_from(NASTY)))
        elif op == "random":
            container[key] = draw(json_values)
        elif op == "add" and isinstance(container, dict):
            value = draw(st.sampled_from(NASTY + [draw(json_values)]))
            container[draw(st.sampled_from(ASL_KEYS))] = copy.deepcopy(value)
        elif op == "retarget" and isinstance(container, dict) and isinstance(container.get("States"), dict):
            names = list(container["States"])
            for body in container["States"].values():
                if isinstance(body, dict) and "Next" in body:
                    body["Next"] = draw(st.sampled_from(names))  # may make a loop
    return doc


def run_bounded(machine, value, seed: int) -> Outcome | None:
    """Run with fakes; None when the run was cut off by the event cap (a loop)."""
    rng = random.Random(seed)
    count = {"events": 0}

    class Cap(Exception):
        pass

    def on_event(event):
        json.dumps(event)  # every event is JSON
        count["events"] += 1
        if count["events"] > MAX_EVENTS:
            raise Cap()

    async def invoke(resource, parameters, info):
        json.dumps(parameters)
        roll = rng.random()
        if roll < 0.2:
            raise StatesError(rng.choice(["Boom", "States.TaskFailed", "States.Timeout"]), "random failure")
        return parameters if roll < 0.6 else rng.choice([None, 1, "s", [1, {"a": 2}], {"k": [None]}])

    async def sleep(seconds):
        assert seconds >= 0
        await asyncio.sleep(0)

    hooks = Hooks(invoke=invoke, sleep=sleep, on_event=on_event)

    async def main():
        return await asyncio.wait_for(Execution(machine, info_for(value), hooks).run(), 10)

    try:
        return asyncio.run(main())
    except Cap:
        return None


def check_parse(definition):
    try:
        machine = parse_definition(definition)
    except DefinitionError as exc:
        assert exc.problems and all(isinstance(p, Problem) and p.path.startswith("/") for p in exc.problems)
        assert validate_definition(definition) == exc.problems
        return None
    assert validate_definition(definition) == []
    return machine


@SETTINGS
@given(definition=json_values)
def test_random_json_is_either_a_machine_or_a_definition_error(definition):
    check_parse(definition)
    check_parse(json.dumps(definition))


@SETTINGS
@given(text=st.text(max_size=200))
def test_random_text_is_either_a_machine_or_a_definition_error(text):
    check_parse(text)


@SETTINGS
@given(definition=mutated_definitions(), value=json_values, seed=st.integers(0, 2**16))
def test_mutated_valid_definitions_either_are_rejected_or_run_to_an_outcome(definition, value, seed):
    machine = check_parse(json.dumps(definition))
    if machine is None:
        return
    outcome = run_bounded(machine, value, seed)
    if outcome is None:
        return
    assert outcome.status in ("SUCCEEDED", "FAILED", "TIMED_OUT")
    json.dumps(outcome.output)
    if outcome.status != "SUCCEEDED":
        assert outcome.error is None or isinstance(outcome.error, str)


@SETTINGS
@given(value=json_values, seed=st.integers(0, 2**16))
def test_the_valid_seeds_run_to_an_outcome_on_any_input(value, seed):
    for definition in SEEDS[:6]:
        outcome = run_bounded(parse_definition(json.dumps(definition)), value, seed)
        assert outcome is not None and outcome.status in ("SUCCEEDED", "FAILED")
