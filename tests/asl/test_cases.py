"""The cases in tests/asl/cases/: each a definition, an input and what the execution must end with.

A case may script its Task resources (``tasks``: resource -> list of ``{"result": ...}`` or
``{"error": ..., "cause": ...}``, answered in order; without a script a task echoes its input), and
may check the sleeps the execution asked for (``expected_sleeps``) and its event types
(``expected_events``). A new case needs no new code.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from executor.asl.errors import StatesError

from .engine import run

CASES = sorted((Path(__file__).parent / "cases").glob("*.json"))


def scripted(tasks: dict):
    queues = {resource: list(answers) for resource, answers in tasks.items()}

    def invoke(resource, parameters, info):
        answers = queues.get(resource)
        if not answers:
            return parameters
        answer = answers.pop(0)
        if "error" in answer:
            raise StatesError(answer["error"], answer.get("cause"))
        return answer["result"]
    return invoke


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_case(path):
    case = json.loads(path.read_text())
    result = run(case["definition"], case.get("input"), invoke=scripted(case.get("tasks", {})))
    expected = case["expected"]
    outcome = result.outcome
    assert outcome.status == expected["status"], (case["description"], outcome)
    if "output" in expected:
        assert outcome.output == expected["output"], case["description"]
    if "output_length" in expected:
        assert len(outcome.output) == expected["output_length"], case["description"]
    for key in ("error", "cause"):
        if key in expected:
            assert getattr(outcome, key) == expected[key], case["description"]
    if "expected_sleeps" in case:
        assert result.sleeps == case["expected_sleeps"], case["description"]
    if "expected_events" in case:
        assert result.types == case["expected_events"], case["description"]


def test_the_cases_folder_is_not_empty():
    assert len(CASES) >= 20
