"""The cost preview of an execution on AWS: Standard per state transition, Express per request and
GB-second, read from the execution's history; prices from one file."""
from __future__ import annotations

import json
import math
import time

import pytest
from django.urls import reverse

from designer.aws_costs import execution_cost, load_prices, state_transitions
from executor.resources.lambdas import bind, unbind

pytestmark = pytest.mark.django_db(transaction=True)


def test_transitions_count_every_state_entered_and_every_retry():
    types = ["ExecutionStarted", "PassStateEntered", "PassStateExited",
             "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskFailed",
             "TaskScheduled", "TaskStarted", "TaskFailed", "TaskScheduled", "TaskStarted", "TaskSucceeded",
             "TaskStateExited", "MapStateEntered", "MapStateStarted", "MapStateFailed", "MapStateStarted",
             "MapStateSucceeded", "MapStateExited", "SucceedStateEntered", "ExecutionSucceeded"]
    assert state_transitions(types) == 4 + 2 + 1


def test_express_duration_is_priced_through_the_tiers():
    prices = load_prices()
    hour = 3600
    events = [{"type": "ExecutionStarted", "timestamp": 0.0}, {"type": "ExecutionSucceeded", "timestamp": 2000 * hour}]
    cost = execution_cost(events=events, memory_mb=1024, executions_per_month=1, prices=prices)
    tiers = prices["express"]["duration_tiers"]
    expected = 1000 * hour * tiers[0]["per_gb_second"] + 1000 * hour * tiers[1]["per_gb_second"]
    assert math.isclose(cost["express"]["usd"], expected + prices["express"]["per_request"])
    assert cost["express"]["possible"] is False and "longer than" in cost["express"]["why_not"][0]


def test_a_callback_workflow_is_not_offered_as_express():
    cost = execution_cost(events=[], definition='{"Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken"}')
    assert cost["express"]["possible"] is False and "callback" in cost["express"]["why_not"][0]


def _finished(api, pk):
    from designer.sink import get_sink

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        get_sink().flush()
        detail = api.get(reverse("execution-detail", args=[pk])).json()
        if detail["status"] != "RUNNING":
            return detail
        time.sleep(0.05)
    raise AssertionError("the execution did not finish")


def test_the_rest_api_prices_an_execution_from_its_history(api):
    attempts = []

    def flaky(event, context):
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("first call fails")
        return event

    bind("cost-flaky", flaky)
    try:
        definition = {"StartAt": "Prepare", "States": {
            "Prepare": {"Type": "Pass", "Next": "Work"},
            "Work": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:cost-flaky",
                     "Retry": [{"ErrorEquals": ["RuntimeError"], "IntervalSeconds": 1, "MaxAttempts": 1}],
                     "Next": "Done"},
            "Done": {"Type": "Succeed"}}}
        api.post(reverse("state-machine-list"), {"name": "priced", "definition": json.dumps(definition)})
        started = api.post(reverse("execution-start", args=["priced"]), {"input": "{}"}).json()
        assert _finished(api, started["id"])["status"] == "SUCCEEDED"
    finally:
        unbind("cost-flaky")
    cost = api.get(reverse("execution-cost", args=[started["id"]]), memory_mb="100").json()
    prices = load_prices()
    assert cost["standard"]["state_transitions"] == 4  # Prepare, Work, its retry, Done
    assert math.isclose(cost["standard"]["usd"], 4 * prices["standard"]["per_state_transition"])
    express = cost["express"]
    assert express["billed_memory_mb"] == 128 and express["duration_ms"] >= 1000  # the retry waited 1 s
    assert express["billed_duration_ms"] >= express["duration_ms"] and express["billed_duration_ms"] % 100 == 0
    assert math.isclose(express["gb_seconds"], 128 / 1024 * express["billed_duration_ms"] / 1000)
    assert math.isclose(cost["standard"]["usd_per_month"],
                        (4 * 1_000_000 - prices["standard"]["free_transitions_per_month"])
                        * prices["standard"]["per_state_transition"])
    assert cost["prices"]["source"].startswith("https://aws.amazon.com/step-functions/pricing")
    bad = api.get(reverse("execution-cost", args=[started["id"]]), memory_mb="lots")
    assert bad.status_code == 400 and bad.json()["code"] == "ValidationException"
