"""Retry (interval, attempts, backoff, max delay, full jitter) and Catch (matching, ResultPath, Next)."""
from __future__ import annotations

import json

import pytest

from executor.asl.errors import StatesError
from executor.asl.retry import Retrier, error_matches

from .engine import run

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:f"


def flaky(failures: int, error: str = "Boom", cause: str | None = "it broke"):
    """An invoke that fails ``failures`` times, then returns the number of calls."""
    calls = {"n": 0}

    def invoke(resource, parameters, info):
        calls["n"] += 1
        if calls["n"] <= failures:
            raise StatesError(error, cause)
        return {"calls": calls["n"]}
    return invoke


def task(**extra) -> dict:
    return {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": LAMBDA, "End": True, **extra},
                                       "Caught": {"Type": "Pass", "End": True}}}


def test_retry_waits_interval_seconds_times_backoff_rate_to_the_power_of_the_attempt():
    result = run(task(Retry=[{"ErrorEquals": ["Boom"], "IntervalSeconds": 2, "BackoffRate": 3, "MaxAttempts": 3}]),
                 invoke=flaky(3))
    assert result.outcome.output == {"calls": 4}
    assert result.sleeps == [2, 6, 18]


def test_retry_defaults_are_one_second_three_attempts_and_backoff_two():
    result = run(task(Retry=[{"ErrorEquals": ["Boom"]}]), invoke=flaky(5))
    assert result.sleeps == [1, 2, 4]
    assert (result.outcome.status, result.outcome.error, result.outcome.cause) == ("FAILED", "Boom", "it broke")
    assert len(result.calls) == 4


def test_max_delay_seconds_caps_each_wait():
    result = run(task(Retry=[{"ErrorEquals": ["Boom"], "IntervalSeconds": 3, "BackoffRate": 4, "MaxAttempts": 4,
                              "MaxDelaySeconds": 20}]), invoke=flaky(4))
    assert result.sleeps == [3, 12, 20, 20]


def test_full_jitter_waits_a_random_time_up_to_the_backoff_delay():
    result = run(task(Retry=[{"ErrorEquals": ["Boom"], "IntervalSeconds": 10, "BackoffRate": 2, "MaxAttempts": 3,
                              "JitterStrategy": "FULL"}]), invoke=flaky(3))
    assert len(result.sleeps) == 3
    for delay, ceiling in zip(result.sleeps, [10, 20, 40]):
        assert 0 <= delay <= ceiling
    assert result.sleeps != [10, 20, 40]


def test_full_jitter_stays_under_max_delay_seconds():
    retrier = Retrier(("Boom",), interval_seconds=10, max_attempts=5, backoff_rate=10, max_delay_seconds=15,
                      jitter_strategy="FULL")
    import random
    rng = random.Random(1)
    assert all(0 <= retrier.delay(attempt, rng) <= 15 for attempt in range(5) for _ in range(50))


def test_max_attempts_zero_never_retries():
    result = run(task(Retry=[{"ErrorEquals": ["Boom"], "MaxAttempts": 0}]), invoke=flaky(1))
    assert result.outcome.error == "Boom" and result.sleeps == [] and len(result.calls) == 1


def test_only_the_first_retrier_that_matches_is_used_and_each_counts_its_own_attempts():
    errors = iter(["A", "B", "A", "B"])

    def invoke(resource, parameters, info):
        error = next(errors, None)
        if error:
            raise StatesError(error, None)
        return "ok"
    result = run(task(Retry=[{"ErrorEquals": ["A"], "IntervalSeconds": 1, "MaxAttempts": 2},
                             {"ErrorEquals": ["B", "A"], "IntervalSeconds": 5, "MaxAttempts": 2}]), invoke=invoke)
    assert result.outcome.output == "ok"
    assert result.sleeps == [1, 5, 2, 10]


def test_an_error_no_retrier_names_is_not_retried():
    result = run(task(Retry=[{"ErrorEquals": ["Other"]}]), invoke=flaky(1))
    assert result.outcome.error == "Boom" and result.sleeps == []


def test_the_context_object_counts_retries_from_zero():
    seen = []

    def invoke(resource, parameters, info):
        seen.append(parameters["retry"])
        if len(seen) < 3:
            raise StatesError("Boom", None)
        return None
    definition = task(Parameters={"retry.$": "$$.State.RetryCount"}, Retry=[{"ErrorEquals": ["States.ALL"]}])
    run(definition, invoke=invoke)
    assert seen == [0, 1, 2]


def test_the_context_object_shows_the_retry_count_on_a_retried_attempt():
    seen = []

    def invoke(resource, parameters, info):
        seen.append(parameters["state"].get("RetryCount", 0))
        if len(seen) < 3:
            raise StatesError("Boom", None)
        return None
    run(task(Parameters={"state.$": "$$.State"}, Retry=[{"ErrorEquals": ["States.ALL"]}]), invoke=invoke)
    assert seen == [0, 1, 2]


def test_each_attempt_is_a_task_scheduled_started_failed_in_one_entered_state():
    result = run(task(Retry=[{"ErrorEquals": ["Boom"], "MaxAttempts": 1}]), invoke=flaky(1))
    assert result.types == ["ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled",
                            "LambdaFunctionStarted", "LambdaFunctionFailed", "LambdaFunctionScheduled",
                            "LambdaFunctionStarted", "LambdaFunctionSucceeded", "TaskStateExited",
                            "ExecutionSucceeded"]


def test_retry_applies_to_a_whole_parallel_state():
    definition = {"StartAt": "P", "States": {"P": {
        "Type": "Parallel", "End": True, "Retry": [{"ErrorEquals": ["Boom"], "MaxAttempts": 2}],
        "Branches": [{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": LAMBDA, "End": True}}}]}}}
    result = run(definition, invoke=flaky(2))
    assert result.outcome.output == [{"calls": 3}]
    assert result.sleeps == [1, 2]


# -- Catch --------------------------------------------------------------------------------------


def test_catch_sends_the_error_output_to_next():
    result = run(task(Catch=[{"ErrorEquals": ["Boom"], "Next": "Caught"}]), {"in": 1}, invoke=flaky(1))
    assert result.outcome.output == {"Error": "Boom", "Cause": "it broke"}
    assert result.types[-2:] == ["PassStateExited", "ExecutionSucceeded"]


def test_catch_result_path_places_the_error_output_into_the_input():
    result = run(task(Catch=[{"ErrorEquals": ["Boom"], "Next": "Caught", "ResultPath": "$.error"}]),
                 {"in": 1}, invoke=flaky(1))
    assert result.outcome.output == {"in": 1, "error": {"Error": "Boom", "Cause": "it broke"}}


def test_catch_result_path_null_keeps_the_input_as_it_was():
    result = run(task(Catch=[{"ErrorEquals": ["Boom"], "Next": "Caught", "ResultPath": None}]),
                 {"in": 1}, invoke=flaky(1))
    assert result.outcome.output == {"in": 1}


def test_the_first_catcher_that_matches_wins():
    definition = task(Catch=[{"ErrorEquals": ["Other"], "Next": "Caught", "ResultPath": "$.first"},
                             {"ErrorEquals": ["Boom"], "Next": "Caught", "ResultPath": "$.second"},
                             {"ErrorEquals": ["States.ALL"], "Next": "Caught", "ResultPath": "$.third"}])
    assert list(run(definition, {}, invoke=flaky(1)).outcome.output) == ["second"]


def test_retries_are_used_up_before_the_catcher_takes_over():
    definition = task(Retry=[{"ErrorEquals": ["Boom"], "MaxAttempts": 2}],
                      Catch=[{"ErrorEquals": ["Boom"], "Next": "Caught", "ResultPath": "$.e"}])
    result = run(definition, {}, invoke=flaky(5))
    assert len(result.calls) == 3 and result.outcome.output == {"e": {"Error": "Boom", "Cause": "it broke"}}


@pytest.mark.parametrize("error, caught_by_all, caught_by_task_failed", [
    ("Boom", True, True),
    ("Lambda.ServiceException", True, True),
    ("States.TaskFailed", True, True),
    ("States.Timeout", True, False),
    ("States.Permissions", True, False),
    ("States.Runtime", False, False),
    ("States.DataLimitExceeded", False, False),
])
def test_states_all_matches_every_error_but_runtime_ones_and_task_failed_matches_task_errors(
        error, caught_by_all, caught_by_task_failed):
    assert error_matches(("States.ALL",), error) is caught_by_all
    assert error_matches(("States.TaskFailed",), error) is caught_by_task_failed
    assert error_matches((error,), error)


def test_states_all_catches_a_timeout():
    async def never(resource, parameters, info):
        import asyncio
        await asyncio.Event().wait()
    definition = task(TimeoutSeconds=1, Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Caught"}])
    result = run(definition, invoke=never, limit=5)
    assert result.outcome.output == {"Error": "States.Timeout"}


def test_states_runtime_is_neither_retried_nor_caught():
    definition = {"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": LAMBDA, "InputPath": "$.missing", "End": True,
              "Retry": [{"ErrorEquals": ["States.ALL"]}], "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "C"}]},
        "C": {"Type": "Pass", "End": True}}}
    result = run(definition, {})
    assert (result.outcome.status, result.outcome.error) == ("FAILED", "States.Runtime")
    assert result.sleeps == [] and result.calls == []


def test_a_caught_state_records_its_exit_before_the_next_state():
    result = run(task(Catch=[{"ErrorEquals": ["Boom"], "Next": "Caught"}]), invoke=flaky(1))
    exited = result.of_type("TaskStateExited")
    assert len(exited) == 1
    assert json.loads(exited[0]["stateExitedEventDetails"]["output"]) == {"Error": "Boom", "Cause": "it broke"}
