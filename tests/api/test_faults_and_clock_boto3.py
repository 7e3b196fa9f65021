"""Fault injection and the virtual clock: set through the REST API beside the definition, seen
through boto3 in the history."""
from __future__ import annotations

import json
import time

from executor.resources.faults import faults_for
from executor.resources.lambdas import bind
from tests.api.conftest import wait_for_end

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"

CHARGE = json.dumps({
    "StartAt": "Charge",
    "States": {"Charge": {
        "Type": "Task", "Resource": LAMBDA + "charge", "End": True,
        "Retry": [{"ErrorEquals": ["Pay.Flaky"], "IntervalSeconds": 30, "MaxAttempts": 5}],
    }},
})


def settings_url(name: str) -> str:
    return f"/api/state-machines/{name}/local-settings/"


def history(sfn, arn: str) -> list[dict]:
    return sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]


def a_seed_failing_the_first_two_attempts(plan: dict) -> int:
    """The fault draws are a pure function of the seed and the Task's position: find a seed whose
    error fires on attempts 0 and 1 and not on attempt 2 (as a user would, to pin a scenario)."""
    for seed in range(1000):
        fired = [bool(faults_for({**plan, "seed": seed}, "Charge", f"/Charge@1:{n}")) for n in range(3)]
        if fired == [True, True, False]:
            return seed
    raise AssertionError("no seed in 0..999 makes that scenario")


def test_a_seeded_fault_makes_a_retry_succeed_on_the_third_attempt_every_time(sfn, make_state_machine, api):
    bind("charge", lambda event, ctx: {"charged": True})
    arn = make_state_machine("charge", CHARGE)
    plan = {"states": {"Charge": [{"type": "error", "error": "Pay.Flaky", "cause": "card network down",
                                   "probability": 0.5}]}}
    plan["seed"] = a_seed_failing_the_first_two_attempts(plan)
    answer = api.put_json(settings_url("charge"), {"faults": plan, "clock": "skip"})
    assert answer.status_code == 200, answer.content
    runs = []
    for name in ("first", "second"):
        started = sfn.start_execution(stateMachineArn=arn, name=name)
        assert wait_for_end(sfn, started["executionArn"])["status"] == "SUCCEEDED"
        runs.append([(e["type"], e.get("lambdaFunctionFailedEventDetails"))
                     for e in history(sfn, started["executionArn"])])
    assert runs[0] == runs[1]  # the same seed, the same faults
    failures = [details for kind, details in runs[0] if kind == "LambdaFunctionFailed"]
    assert failures == [{"error": "Pay.Flaky", "cause": "Injected fault: card network down"}] * 2
    assert [kind for kind, _ in runs[0]].count("LambdaFunctionSucceeded") == 1
    # The fault plan lives beside the definition, never in it.
    assert sfn.describe_state_machine(stateMachineArn=arn)["definition"] == CHARGE


SLOW = json.dumps({
    "StartAt": "Slow",
    "States": {
        "Slow": {"Type": "Task", "Resource": LAMBDA + "slow", "TimeoutSeconds": 5, "Next": "Done",
                 "Catch": [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.timeout", "Next": "Fallback"}]},
        "Fallback": {"Type": "Pass", "Result": "used the fallback", "ResultPath": "$.note", "Next": "Done"},
        "Done": {"Type": "Succeed"},
    },
})


def test_an_injected_timeout_is_caught_and_shown_as_injected(sfn, make_state_machine, api):
    bind("slow", lambda event, ctx: {"fast": True})
    arn = make_state_machine("slow", SLOW)
    api.put_json(settings_url("slow"), {"faults": {"states": {"Slow": [{"type": "timeout"}]}}})
    started = sfn.start_execution(stateMachineArn=arn, input="{}")
    described = wait_for_end(sfn, started["executionArn"])
    assert described["status"] == "SUCCEEDED"
    output = json.loads(described["output"])
    assert output["note"] == "used the fallback"
    assert output["timeout"] == {"Error": "States.Timeout",
                                 "Cause": "Injected fault: the task timed out (TimeoutSeconds 5)"}
    timed_out = [e for e in history(sfn, started["executionArn"]) if e["type"] == "LambdaFunctionTimedOut"]
    assert timed_out[0]["lambdaFunctionTimedOutEventDetails"]["cause"].startswith("Injected fault")


def test_a_missed_heartbeat_fails_the_task_with_heartbeat_timeout(sfn, make_state_machine, api):
    bind("slow", lambda event, ctx: {"fast": True})
    arn = make_state_machine("beat", SLOW)
    api.put_json(settings_url("beat"), {"faults": {"states": {"Slow": [{"type": "heartbeat"}]}}})
    described = wait_for_end(sfn, sfn.start_execution(stateMachineArn=arn)["executionArn"])
    assert (described["status"], described["error"]) == ("FAILED", "States.HeartbeatTimeout")


def test_injected_latency_past_the_timeout_times_the_task_out_on_a_scaled_clock(sfn, make_state_machine, api):
    bind("slow", lambda event, ctx: {"fast": True})
    arn = make_state_machine("late", SLOW.replace('"TimeoutSeconds": 5', '"TimeoutSeconds": 60'))
    api.put_json(settings_url("late"), {"clock": {"factor": 0.001},
                                        "faults": {"states": {"Slow": [{"type": "latency", "seconds": 3600}]}}})
    began = time.monotonic()
    described = wait_for_end(sfn, sfn.start_execution(stateMachineArn=arn)["executionArn"])
    assert time.monotonic() - began < 3
    assert json.loads(described["output"])["timeout"] == {"Error": "States.Timeout"}  # a real timeout: no cause


def test_latency_from_a_distribution_shows_in_the_history_and_costs_nothing_when_skipped(sfn, make_state_machine,
                                                                                        api):
    bind("slow", lambda event, ctx: {"fast": True})
    arn = make_state_machine("spread", SLOW)
    api.put_json(settings_url("spread"), {"clock": "skip", "faults": {"seed": 1, "states": {"Slow": [
        {"type": "latency", "distribution": {"uniform": [600, 1200]}}]}}})
    began = time.monotonic()
    started = sfn.start_execution(stateMachineArn=arn)
    assert wait_for_end(sfn, started["executionArn"])["status"] == "SUCCEEDED"
    assert time.monotonic() - began < 3
    events = {e["type"]: e["timestamp"] for e in history(sfn, started["executionArn"])}
    waited = (events["LambdaFunctionSucceeded"] - events["LambdaFunctionStarted"]).total_seconds()
    assert 600 <= waited <= 1200


DAY = json.dumps({"StartAt": "Tomorrow", "States": {
    "Tomorrow": {"Type": "Wait", "Seconds": 86400, "Next": "Stamp"},
    "Stamp": {"Type": "Pass", "Parameters": {"at.$": "$$.State.EnteredTime"}, "End": True}}})


def test_the_virtual_clock_turns_a_day_long_wait_into_under_a_second(sfn, make_state_machine, api):
    arn = make_state_machine("day", DAY)
    api.put_json(settings_url("day"), {"clock": "skip"})
    began = time.monotonic()
    started = sfn.start_execution(stateMachineArn=arn)
    described = wait_for_end(sfn, started["executionArn"])
    assert time.monotonic() - began < 1.0
    assert described["status"] == "SUCCEEDED"
    events = history(sfn, started["executionArn"])
    assert (events[-1]["timestamp"] - events[0]["timestamp"]).total_seconds() >= 86400


def test_a_clock_can_be_asked_for_one_execution_through_the_rest_api(sfn, make_state_machine, api):
    make_state_machine("day-once", DAY)
    began = time.monotonic()
    answer = api.post("/api/state-machines/day-once/executions/", {"input": "{}", "clock": "skip"})
    assert answer.status_code == 201, answer.content
    described = wait_for_end(sfn, answer.json()["arn"])
    assert described["status"] == "SUCCEEDED" and time.monotonic() - began < 1.0


def test_a_malformed_fault_plan_is_refused_with_the_reason(make_state_machine, api):
    make_state_machine("bad-plan", SLOW)
    answer = api.put_json(settings_url("bad-plan"), {"faults": {"states": {"Slow": [{"type": "meteor"}]}}})
    assert answer.status_code == 400
    assert "type is one of" in answer.content.decode()
    assert api.get(settings_url("bad-plan")).json() == {"faults": None, "clock": None}
