"""Wait in its four forms, Fail with its paths, and Task and execution timeouts."""
from __future__ import annotations

import asyncio
import time

import pytest

from .engine import run, single

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:f"


async def never(resource, parameters, info):
    await asyncio.Event().wait()


# -- Wait ---------------------------------------------------------------------------------


def test_wait_seconds_sleeps_that_long_and_passes_its_input_on():
    result = run(single({"Type": "Wait", "Seconds": 30}), {"a": 1})
    assert result.sleeps == [30] and result.outcome.output == {"a": 1}


def test_wait_seconds_path_reads_the_delay_from_the_input():
    result = run(single({"Type": "Wait", "SecondsPath": "$.delay"}), {"delay": 7})
    assert result.sleeps == [7]


def test_wait_zero_seconds_does_not_sleep():
    assert run(single({"Type": "Wait", "Seconds": 0})).sleeps == []


def test_wait_timestamp_sleeps_until_that_time():
    now = 1_800_000_000.0  # 2027-01-15T08:00:00Z
    result = run(single({"Type": "Wait", "Timestamp": "2027-01-15T08:00:45Z"}), now=lambda: now)
    assert result.sleeps == [pytest.approx(45)]


def test_wait_timestamp_path_reads_the_time_from_the_input_and_honours_its_offset():
    now = 1_800_000_000.0  # 2027-01-15T08:00:00Z
    result = run(single({"Type": "Wait", "TimestampPath": "$.at"}), {"at": "2027-01-15T09:00:10+01:00"},
                 now=lambda: now)
    assert result.sleeps == [pytest.approx(10)]


def test_wait_for_a_timestamp_in_the_past_does_not_sleep():
    result = run(single({"Type": "Wait", "Timestamp": "2001-01-01T00:00:00Z"}))
    assert result.sleeps == [] and result.outcome.status == "SUCCEEDED"


@pytest.mark.parametrize("value", [-1, 1.5, "10", None, True])
def test_wait_seconds_path_to_something_not_a_non_negative_integer_fails_with_states_runtime(value):
    outcome = run(single({"Type": "Wait", "SecondsPath": "$.delay"}), {"delay": value}).outcome
    assert (outcome.status, outcome.error) == ("FAILED", "States.Runtime")


@pytest.mark.parametrize("value", ["tomorrow", "2027-01-15", 5])
def test_wait_timestamp_path_to_something_not_a_timestamp_fails_with_states_runtime(value):
    outcome = run(single({"Type": "Wait", "TimestampPath": "$.at"}), {"at": value}).outcome
    assert (outcome.status, outcome.error) == ("FAILED", "States.Runtime")


def test_wait_with_a_missing_seconds_path_fails_with_states_runtime():
    outcome = run(single({"Type": "Wait", "SecondsPath": "$.nope"}), {}).outcome
    assert outcome.error == "States.Runtime" and "$.nope" in outcome.cause


def test_wait_applies_input_path_and_output_path():
    result = run(single({"Type": "Wait", "Seconds": 1, "InputPath": "$.a", "OutputPath": "$.b"}), {"a": {"b": 2}})
    assert result.outcome.output == 2


# -- Fail ---------------------------------------------------------------------------------


def test_fail_ends_the_execution_with_its_error_and_cause():
    outcome = run(single({"Type": "Fail", "Error": "Oops", "Cause": "because"})).outcome
    assert (outcome.status, outcome.error, outcome.cause) == ("FAILED", "Oops", "because")


def test_fail_error_path_and_cause_path_read_from_the_input():
    outcome = run(single({"Type": "Fail", "ErrorPath": "$.e", "CausePath": "$.c"}), {"e": "E1", "c": "C1"}).outcome
    assert (outcome.error, outcome.cause) == ("E1", "C1")


def test_fail_paths_may_be_intrinsic_functions_and_context_paths():
    outcome = run(single({"Type": "Fail", "ErrorPath": "$$.State.Name",
                          "CausePath": "States.Format('bad {}', $.n)"}), {"n": 3}).outcome
    assert (outcome.error, outcome.cause) == ("S", "bad 3")


def test_fail_without_error_or_cause_records_neither():
    result = run(single({"Type": "Fail"}))
    assert (result.outcome.error, result.outcome.cause) == (None, None)
    assert result.events[-1]["executionFailedEventDetails"] == {}


def test_fail_state_history_has_an_entered_event_and_no_exited_event():
    result = run(single({"Type": "Fail", "Error": "E"}))
    assert result.types == ["ExecutionStarted", "FailStateEntered", "ExecutionFailed"]
    assert result.events[-1]["executionFailedEventDetails"] == {"error": "E"}


def test_fail_error_path_that_selects_nothing_fails_with_states_runtime():
    outcome = run(single({"Type": "Fail", "ErrorPath": "$.missing"}), {}).outcome
    assert outcome.error == "States.Runtime"


# -- Task timeouts ---------------------------------------------------------------------------


def test_a_task_that_outlives_timeout_seconds_fails_with_states_timeout():
    started = time.monotonic()
    result = run(single({"Type": "Task", "Resource": LAMBDA, "TimeoutSeconds": 1}), invoke=never)
    assert time.monotonic() - started < 3
    assert (result.outcome.status, result.outcome.error) == ("FAILED", "States.Timeout")
    assert "LambdaFunctionTimedOut" in result.types


def test_timeout_seconds_path_reads_the_timeout_from_the_input():
    started = time.monotonic()
    result = run(single({"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                         "TimeoutSecondsPath": "$.timeout"}), {"timeout": 1}, invoke=never)
    assert time.monotonic() - started < 3
    assert result.outcome.error == "States.Timeout"
    assert result.of_type("TaskScheduled")[0]["taskScheduledEventDetails"]["timeoutInSeconds"] == 1
    assert "TaskTimedOut" in result.types


@pytest.mark.parametrize("value", [0, -5, "1", None])
def test_timeout_seconds_path_to_a_non_positive_integer_fails_the_state(value):
    result = run(single({"Type": "Task", "Resource": LAMBDA, "TimeoutSecondsPath": "$.t"}), {"t": value})
    assert result.outcome.status == "FAILED" and result.calls == []


def test_a_task_that_answers_in_time_is_not_timed_out():
    async def quick(resource, parameters, info):
        await asyncio.sleep(0.01)
        return "done"
    result = run(single({"Type": "Task", "Resource": LAMBDA, "TimeoutSeconds": 5}), invoke=quick)
    assert result.outcome.output == "done"


def test_a_timed_out_task_is_retried_by_a_retrier_naming_states_timeout():
    attempts = []

    async def slow_then_quick(resource, parameters, info):
        attempts.append(1)
        if len(attempts) == 1:
            await asyncio.Event().wait()
        return "second time"
    result = run(single({"Type": "Task", "Resource": LAMBDA, "TimeoutSeconds": 1,
                         "Retry": [{"ErrorEquals": ["States.Timeout"]}]}), invoke=slow_then_quick)
    assert result.outcome.output == "second time" and len(attempts) == 2


# -- execution timeout ------------------------------------------------------------------------


def test_an_execution_past_its_timeout_seconds_ends_timed_out():
    started = time.monotonic()
    result = run(single({"Type": "Wait", "Seconds": 100}, TimeoutSeconds=1), real_sleep=True)
    assert time.monotonic() - started < 3
    assert (result.outcome.status, result.outcome.error) == ("TIMED_OUT", "States.Timeout")
    assert result.types[-1] == "ExecutionTimedOut"
