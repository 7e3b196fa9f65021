"""Service limits: payload size and runaway loops."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .engine import run

ROOT = Path(__file__).resolve().parents[2]


def test_a_state_output_over_256_kib_fails_with_data_limit_exceeded_which_states_all_cannot_catch():
    definition = {"StartAt": "Big", "States": {
        "Big": {"Type": "Pass", "Parameters": {"x.$": "States.ArrayRange(1, 1000, 1)", "pad": "x" * 270_000},
                "Next": "Done"},
        "Done": {"Type": "Succeed"}}}
    outcome = run(definition).outcome
    assert (outcome.status, outcome.error) == ("FAILED", "States.DataLimitExceeded")

    definition = {"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f", "End": True,
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done"}]},
        "Done": {"Type": "Succeed"}}}
    outcome = run(definition, invoke=lambda r, p, i: "y" * 270_000).outcome
    assert outcome.error == "States.DataLimitExceeded"


def test_a_state_loop_that_never_ends_is_stopped_by_the_history_limit():
    script = textwrap.dedent("""
        from tests.asl.engine import run
        definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"},
                                                 "B": {"Type": "Choice", "Default": "A", "Choices": [
                                                     {"Variable": "$.stop", "IsPresent": True, "Next": "C"}]},
                                                 "C": {"Type": "Succeed"}}}
        result = run(definition, {}, limit=2)
        print(result.outcome.status, len(result.events))
    """)
    try:
        done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=4)
    except subprocess.TimeoutExpired:
        pytest.fail("the execution was still looping after 4 s")
    status, events = done.stdout.split()
    assert status == "FAILED" and int(events) <= 25_001
