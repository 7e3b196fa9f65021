"""History events, shaped exactly as GetExecutionHistory returns them.

An event is a plain dict: ``id``, ``previousEventId``, ``timestamp`` (epoch
seconds), ``type`` and at most one ``<x>EventDetails`` object. Inputs and
outputs are JSON text, as AWS sends them.
"""
from __future__ import annotations

from json.encoder import c_make_encoder, encode_basestring
from typing import Any

__all__ = ["dumps", "EventLog", "MAX_PAYLOAD_BYTES", "DETAILS_KEYS", "lambda_function_name",
           "split_resource", "is_activity", "needs_task_token", "not_json"]

MAX_PAYLOAD_BYTES = 256 * 1024

def not_json(value: Any) -> Any:
    """The ``default`` of the C encoders made once here and in the runtimes: refuse, as json does."""
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# json.JSONEncoder makes a new C encoder for every value it encodes, which costs more than
# encoding a small payload; this one is made once. Without markers (values made from JSON hold
# no cycles), NaN and the infinities refused as AWS refuses them.
_ENCODE = c_make_encoder(None, not_json, encode_basestring, None, ":", ",", False, False, False)


def dumps(value: Any) -> str:
    """Compact JSON text, as AWS prints payloads."""
    if isinstance(value, str):
        return encode_basestring(value)
    return "".join(_ENCODE(value, 0))


#: The details key each event type carries (None: the event has no details).
DETAILS_KEYS: dict[str, str | None] = {}
for _t in ("Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"):
    DETAILS_KEYS[f"{_t}StateEntered"] = "stateEnteredEventDetails"
    DETAILS_KEYS[f"{_t}StateExited"] = "stateExitedEventDetails"
DETAILS_KEYS.update({
    "ExecutionStarted": "executionStartedEventDetails",
    "ExecutionSucceeded": "executionSucceededEventDetails",
    "ExecutionFailed": "executionFailedEventDetails",
    "ExecutionAborted": "executionAbortedEventDetails",
    "ExecutionTimedOut": "executionTimedOutEventDetails",
    "ExecutionRedriven": "executionRedrivenEventDetails",
    "TaskScheduled": "taskScheduledEventDetails",
    "TaskStarted": "taskStartedEventDetails",
    "TaskSubmitted": "taskSubmittedEventDetails",
    "TaskSucceeded": "taskSucceededEventDetails",
    "TaskFailed": "taskFailedEventDetails",
    "TaskTimedOut": "taskTimedOutEventDetails",
    "LambdaFunctionScheduled": "lambdaFunctionScheduledEventDetails",
    "LambdaFunctionStarted": None,
    "LambdaFunctionSucceeded": "lambdaFunctionSucceededEventDetails",
    "LambdaFunctionFailed": "lambdaFunctionFailedEventDetails",
    "LambdaFunctionTimedOut": "lambdaFunctionTimedOutEventDetails",
    "ActivityScheduled": "activityScheduledEventDetails",
    "ActivityStarted": "activityStartedEventDetails",
    "ActivitySucceeded": "activitySucceededEventDetails",
    "ActivityFailed": "activityFailedEventDetails",
    "ActivityTimedOut": "activityTimedOutEventDetails",
    "MapStateStarted": "mapStateStartedEventDetails",
    "MapStateSucceeded": None,
    "MapStateFailed": None,
    "MapStateAborted": None,
    "MapIterationStarted": "mapIterationStartedEventDetails",
    "MapIterationSucceeded": "mapIterationSucceededEventDetails",
    "MapIterationFailed": "mapIterationFailedEventDetails",
    "MapIterationAborted": "mapIterationAbortedEventDetails",
    "MapRunStarted": "mapRunStartedEventDetails",
    "MapRunSucceeded": None,
    "MapRunFailed": "mapRunFailedEventDetails",
    "MapRunAborted": None,
    "ParallelStateStarted": None,
    "ParallelStateSucceeded": None,
    "ParallelStateFailed": None,
    "ParallelStateAborted": None,
    "WaitStateAborted": None,
    "EvaluationFailed": "evaluationFailedEventDetails",
})


def payload_details(text: str) -> dict:
    return {"truncated": False}


def lambda_function_name(resource: str) -> str | None:
    """``arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`` -> NAME (else None)."""
    parts = resource.split(":")
    if len(parts) >= 7 and parts[2] == "lambda" and parts[5] == "function":
        return parts[6]
    return None


def is_activity(resource: str) -> bool:
    """``arn:aws:states:REGION:ACCOUNT:activity:NAME``."""
    parts = resource.split(":")
    return len(parts) >= 7 and parts[2] == "states" and parts[5] == "activity"


def needs_task_token(resource: str) -> bool:
    """Whether the task waits for SendTaskSuccess/Failure with a token (callbacks, activities)."""
    return resource.endswith(".waitForTaskToken") or is_activity(resource)


def split_resource(resource: str) -> tuple[str, str]:
    """``arn:aws:states:::lambda:invoke`` -> (``lambda``, ``invoke``), as TaskScheduled shows."""
    if resource.startswith("arn:aws:states:::"):
        tail = resource[len("arn:aws:states:::"):]
        service, _, action = tail.partition(":")
        return service, action
    parts = resource.split(":")
    if len(parts) >= 6:
        return parts[2], ":".join(parts[5:])
    return "unknown", resource


class EventLog:
    """Numbers events and links each to the event before it on its own thread of control."""

    __slots__ = ("events", "next_id", "listener", "clock")

    def __init__(self, listener=None, clock=None, start_id: int = 1):
        self.events: list[dict] = []
        self.next_id = start_id
        self.listener = listener
        self.clock = clock

    def add(self, event_type: str, previous: int, details: dict | None) -> int:
        event_id = self.next_id
        self.next_id += 1
        event = {"id": event_id, "previousEventId": previous, "timestamp": self.clock(), "type": event_type}
        key = DETAILS_KEYS.get(event_type)
        if key is not None and details is not None:
            event[key] = details
        self.events.append(event)
        if self.listener is not None:
            self.listener(event)
        return event_id
