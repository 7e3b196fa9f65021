"""Activities and callbacks: CreateActivity ... GetActivityTask, SendTaskSuccess/Failure/Heartbeat.

Tokens and activity queues live in Redis (executor.runtime.activities), where the
Celery runtime's drivers wait for them; without Redis the activity actions say so. On the
embedded runtime, callback Tasks wait in this process, so SendTask* answer them here.
"""
from __future__ import annotations

import json
from typing import Any, Callable

from django.conf import settings

from designer.awsapi.protocol import AwsError
from designer.services import MAX_TAGS
from designer.storable import first_unstorable

__all__ = ["ACTIONS"]


def _call(fn: Callable[..., dict[str, Any]], **kwargs: Any) -> dict[str, Any]:
    import redis

    from executor.runtime import activities

    try:
        return fn(**kwargs)
    except activities.StatesApiError as exc:
        raise AwsError(exc.code, exc.message) from None
    except redis.exceptions.ConnectionError:
        raise AwsError("ServiceUnavailable", "Activities and task tokens need Redis (the Celery runtime); none "
                                              f"answers at {settings.REDIS_URL}", 503) from None


def _activities():
    from executor.runtime import activities

    return activities


def create_activity(params: dict[str, Any]) -> dict[str, Any]:
    if len(params.get("tags") or []) > MAX_TAGS:
        raise AwsError("TooManyTags", f"Too many tags: an activity may have at most {MAX_TAGS}")
    return _call(_activities().create_activity, name=params["name"], tags=params.get("tags"),
                 region=settings.SWITCHYARD_REGION, account=settings.SWITCHYARD_ACCOUNT_ID)


def describe_activity(params: dict[str, Any]) -> dict[str, Any]:
    return _call(_activities().describe_activity, activity_arn=params["activityArn"])


def delete_activity(params: dict[str, Any]) -> dict[str, Any]:
    return _call(_activities().delete_activity, activity_arn=params["activityArn"])


def list_activities(params: dict[str, Any]) -> dict[str, Any]:
    return _call(_activities().list_activities, max_results=params.get("maxResults", 0),
                 next_token=params.get("nextToken"))


def get_activity_task(params: dict[str, Any]) -> dict[str, Any]:
    return _call(_activities().get_activity_task, activity_arn=params["activityArn"],
                 worker_name=params.get("workerName"), timeout=settings.SWITCHYARD_ACTIVITY_POLL_S)


def _tokens():
    """Who holds task tokens: the embedded runtime's board in this process, else Redis."""
    from designer.runtime import get_runtime
    from executor.runtime.embedded_callbacks import CallbackBoard

    board = getattr(get_runtime(), "callbacks", None)
    return board if isinstance(board, CallbackBoard) else _activities()


def send_task_success(params: dict[str, Any]) -> dict[str, Any]:
    _check_output(params["output"])
    return _call(_tokens().send_task_success, task_token=params["taskToken"], output=params["output"])


def send_task_failure(params: dict[str, Any]) -> dict[str, Any]:
    return _call(_tokens().send_task_failure, task_token=params["taskToken"], error=params.get("error"),
                 cause=params.get("cause"))


def send_task_heartbeat(params: dict[str, Any]) -> dict[str, Any]:
    return _call(_tokens().send_task_heartbeat, task_token=params["taskToken"])


ACTIONS = {
    "CreateActivity": create_activity,
    "DescribeActivity": describe_activity,
    "DeleteActivity": delete_activity,
    "ListActivities": list_activities,
    "GetActivityTask": get_activity_task,
    "SendTaskSuccess": send_task_success,
    "SendTaskFailure": send_task_failure,
    "SendTaskHeartbeat": send_task_heartbeat,
}


def _check_output(text: str) -> None:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return  # the runtime answers InvalidOutput for text that is not JSON
    problem = first_unstorable(value)
    if problem:
        raise AwsError("InvalidOutput", f"Invalid Output: the output holds {problem}, which Switchyard does not accept")
