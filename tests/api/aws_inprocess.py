"""Calling the AWS-compatible endpoint through Django's test client, the way boto3 does.

The body is JSON with ASCII escapes, as botocore writes it, so lone surrogates and NUL
travel as ``\\ud83d`` and ``\\u0000``.
"""
from __future__ import annotations

import json
import time

AMZ_JSON = "application/x-amz-json-1.0"
TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}
TERMINAL_EVENTS = {"ExecutionSucceeded": "SUCCEEDED", "ExecutionFailed": "FAILED",
                   "ExecutionTimedOut": "TIMED_OUT", "ExecutionAborted": "ABORTED"}


def call(client, action: str, **params) -> tuple[int, dict]:
    """Return ``(status, body)`` of ``action`` with ``params``."""
    response = client.post("/", json.dumps(params), content_type=AMZ_JSON,
                           HTTP_X_AMZ_TARGET=f"AWSStepFunctions.{action}")
    return response.status_code, json.loads(response.content)


def error_code(body: dict) -> str:
    return body.get("__type", "").rpartition("#")[2]


def wait_for_end(client, execution_arn: str, timeout: float = 20.0) -> dict:
    """Poll DescribeExecution until the execution leaves RUNNING; return the description."""
    deadline = time.monotonic() + timeout
    while True:
        status, body = call(client, "DescribeExecution", executionArn=execution_arn)
        assert status == 200, body
        if body["status"] in TERMINAL:
            return body
        assert time.monotonic() < deadline, f"{execution_arn} still RUNNING after {timeout}s"
        time.sleep(0.02)


def history(client, execution_arn: str) -> list[dict]:
    status, body = call(client, "GetExecutionHistory", executionArn=execution_arn, maxResults=1000)
    assert status == 200, body
    return body["events"]


def assert_history_whole(client, execution_arn: str, status: str) -> list[dict]:
    """Assert the history's ids run 1..n, each pointing back inside it, and end with ``status``."""
    events = history(client, execution_arn)
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))
    assert all(0 <= e.get("previousEventId", 0) < e["id"] for e in events)
    assert TERMINAL_EVENTS.get(events[-1]["type"]) == status, (events[-1]["type"], status)
    return events
