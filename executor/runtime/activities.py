"""Activities and task-token callbacks: the runtime side of the Step Functions API calls.

Plain functions on Redis, for the AWS-compatible endpoint to call from any process
(the drivers that wait for the answers run elsewhere). Each takes keyword
arguments named as in the AWS API (snake_case), returns the AWS response shape,
and raises :class:`StatesApiError` with the AWS error code.

Activities are stored in the hash ``sy:act`` (ARN -> description); the tasks
waiting for workers in the list ``sy:act:{arn}:q``. A token's owner is
``sy:tok:{token}`` (written by the driver); ``:hb`` holds its last heartbeat,
``:started`` marks an activity task handed to a worker, ``:gone`` a token whose
task has ended.
"""
from __future__ import annotations

import json
import re
import time
from typing import Any

import redis

from .store import sync_client, token_key
from .work import record_result

__all__ = ["StatesApiError", "create_activity", "describe_activity", "delete_activity", "list_activities",
           "get_activity_task", "send_task_success", "send_task_failure", "send_task_heartbeat",
           "pending_activity_tasks"]

_ACTIVITIES = "sy:act"
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,80}$")
_MAX_OUTPUT = 256 * 1024


class StatesApiError(Exception):
    """An error the endpoint returns as is: ``code`` is the AWS error code (HTTP 400)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _client(client: redis.Redis | None) -> redis.Redis:
    return client or sync_client()


def _activity_arn(name: str, region: str, account: str) -> str:
    return f"arn:aws:states:{region}:{account}:activity:{name}"


def _check_arn(arn: str) -> None:
    parts = arn.split(":") if isinstance(arn, str) else []
    if len(parts) != 7 or parts[:3] != ["arn", "aws", "states"] or parts[5] != "activity" or not parts[6]:
        raise StatesApiError("InvalidArn", f"Invalid Arn: 'Resource type not valid in this context: {arn}'")


def create_activity(*, name: str, tags: list[dict] | None = None, region: str = "us-east-1",
                    account: str = "123456789012", client: redis.Redis | None = None) -> dict[str, Any]:
    """Create the activity (idempotent for the same name, as on AWS); returns
    ``{"activityArn", "creationDate"}`` (epoch seconds)."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise StatesApiError("InvalidName", f"Invalid Name: '{name}'")
    c = _client(client)
    arn = _activity_arn(name, region, account)
    record = {"activityArn": arn, "name": name, "creationDate": time.time(), "tags": tags or []}
    c.hsetnx(_ACTIVITIES, arn, json.dumps(record))
    stored = json.loads(c.hget(_ACTIVITIES, arn))
    return {"activityArn": arn, "creationDate": stored["creationDate"]}


def describe_activity(*, activity_arn: str, client: redis.Redis | None = None) -> dict[str, Any]:
    """Returns ``{"activityArn", "name", "creationDate"}``; raises ActivityDoesNotExist."""
    _check_arn(activity_arn)
    raw = _client(client).hget(_ACTIVITIES, activity_arn)
    if raw is None:
        raise StatesApiError("ActivityDoesNotExist", f"Activity Does Not Exist: '{activity_arn}'")
    record = json.loads(raw)
    return {k: record[k] for k in ("activityArn", "name", "creationDate")}


def delete_activity(*, activity_arn: str, client: redis.Redis | None = None) -> dict[str, Any]:
    """Delete the activity (no error when it does not exist, as on AWS); returns ``{}``."""
    _check_arn(activity_arn)
    c = _client(client)
    c.hdel(_ACTIVITIES, activity_arn)
    c.delete(f"sy:act:{activity_arn}:q")
    return {}


def list_activities(*, max_results: int = 0, next_token: str | None = None,
                    client: redis.Redis | None = None) -> dict[str, Any]:
    """Returns ``{"activities": [...], "nextToken"?}`` sorted by name; ``max_results`` 0 means 100."""
    limit = max_results or 100
    if not 1 <= limit <= 1000:
        raise StatesApiError("ValidationException", "maxResults must be between 1 and 1000")
    records = sorted((json.loads(v) for v in _client(client).hvals(_ACTIVITIES)), key=lambda r: r["activityArn"])
    start = 0
    if next_token:
        try:
            start = int(next_token)
        except ValueError:
            raise StatesApiError("InvalidToken", f"Invalid Token: '{next_token}'") from None
    page = records[start:start + limit]
    out: dict[str, Any] = {"activities": [{k: r[k] for k in ("activityArn", "name", "creationDate")}
                                          for r in page]}
    if start + limit < len(records):
        out["nextToken"] = str(start + limit)
    return out


def get_activity_task(*, activity_arn: str, worker_name: str | None = None, timeout: float = 60,
                      client: redis.Redis | None = None) -> dict[str, Any]:
    """Long poll (up to ``timeout`` seconds, 60 as on AWS) for a task of the activity; returns
    ``{"taskToken", "input"}``, or ``{}`` when none came. Raises ActivityDoesNotExist."""
    describe_activity(activity_arn=activity_arn, client=client)
    c = _client(client)
    queue = f"sy:act:{activity_arn}:q"
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return {}
        item = c.blpop([queue], timeout=max(0.01, min(remaining, 5.0)))
        if item is None:
            continue
        entry = json.loads(item[1])
        token = entry["token"]
        # Only live tokens count, once each (a stopped execution's task is skipped).
        if c.exists(token_key(token)) and c.set(token_key(token) + ":started", worker_name or "", nx=True):
            c.set(token_key(token) + ":hb", time.time())  # heartbeats count from the hand-over
            return {"taskToken": token, "input": entry["input"]}


def _owner(c: redis.Redis, token: str) -> dict:
    if not isinstance(token, str) or not token:
        raise StatesApiError("InvalidToken", "Invalid Token: the task token is empty")
    raw = c.get(token_key(token))
    if raw is None:
        if c.exists(token_key(token) + ":gone"):
            raise StatesApiError("TaskTimedOut", "Task Timed Out: the task has already ended")
        raise StatesApiError("InvalidToken", f"Invalid Token: '{token}'")
    return json.loads(raw)


def send_task_success(*, task_token: str, output: str, client: redis.Redis | None = None) -> dict[str, Any]:
    """Complete the task with ``output`` (JSON text); returns ``{}``. Raises InvalidToken,
    TaskTimedOut, InvalidOutput."""
    c = _client(client)
    owner = _owner(c, task_token)
    if not isinstance(output, str) or len(output.encode()) > _MAX_OUTPUT:
        raise StatesApiError("InvalidOutput", "Invalid Output: the output must be JSON text of at most 256 KB")
    try:
        value = json.loads(output)
    except ValueError:
        raise StatesApiError("InvalidOutput", f"Invalid Output: '{output[:100]}' is not JSON") from None
    if not record_result(c, owner["arn"], owner["key"], {"ok": value}):
        raise StatesApiError("TaskTimedOut", "Task Timed Out: the task has already ended")
    return {}


def send_task_failure(*, task_token: str, error: str | None = None, cause: str | None = None,
                      client: redis.Redis | None = None) -> dict[str, Any]:
    """Fail the task with ``error`` and ``cause`` (both optional); returns ``{}``."""
    c = _client(client)
    owner = _owner(c, task_token)
    if not record_result(c, owner["arn"], owner["key"], {"error": error, "cause": cause}):
        raise StatesApiError("TaskTimedOut", "Task Timed Out: the task has already ended")
    return {}


def send_task_heartbeat(*, task_token: str, client: redis.Redis | None = None) -> dict[str, Any]:
    """Record a heartbeat (the driver's HeartbeatSeconds clock starts again); returns ``{}``."""
    c = _client(client)
    _owner(c, task_token)
    c.set(token_key(task_token) + ":hb", time.time())
    return {}


def pending_activity_tasks(activity_arn: str, client: redis.Redis | None = None) -> int:
    """How many tasks of the activity wait for a worker (for the live view)."""
    return int(_client(client).llen(f"sy:act:{activity_arn}:q"))
