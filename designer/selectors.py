"""Reads: looking up state machines, executions and history by ARN, and paging through them.

Lookups by ARN raise InvalidArn for text that is not such an ARN, and the matching
``...DoesNotExist`` error (with AWS's message) when nothing has it.
"""
from __future__ import annotations

import base64
import binascii
import copy
import json
import time

from django.db.models import QuerySet

from designer import arns
from designer.errors import (
    ExecutionDoesNotExist,
    InvalidArn,
    InvalidToken,
    ResourceNotFound,
    StateMachineDoesNotExist,
)
from designer.history import events_page
from designer.lookups import EXECUTION_BY_ARN, STATE_MACHINE_BY_ARN
from designer.models import Execution, ExecutionStatus, HistoryEvent, MapRun, StateMachine
from designer.runtime import current_runtime, get_runtime
from designer.sink import ended_fields, get_sink
from executor.runtime.base import ExecutionResult

__all__ = [
    "state_machine_get",
    "state_machine_list",
    "execution_get",
    "execution_from_memory",
    "execution_list",
    "history_page",
    "tagged_resource_get",
    "page_token_encode",
    "page_token_decode",
]


def state_machine_get(*, arn: str) -> StateMachine:
    """Return the state machine with this ARN; raises InvalidArn or StateMachineDoesNotExist."""
    return _state_machine_by_arn(arn, lambda: StateMachineDoesNotExist(f"State Machine Does Not Exist: '{arn}'"))


def tagged_resource_get(*, arn: str) -> StateMachine:
    """Return the state machine a tag call names; raises InvalidArn or ResourceNotFound."""
    return _state_machine_by_arn(arn, lambda: ResourceNotFound(f"Resource not found: '{arn}'"))


def _state_machine_by_arn(arn: str, missing) -> StateMachine:
    try:
        arns.parse_arn(arn, expect=("stateMachine",))
    except arns.ArnError as exc:
        raise InvalidArn(str(exc)) from None
    state_machine = STATE_MACHINE_BY_ARN.get(arn)
    if state_machine is None:
        raise missing()
    return state_machine


def state_machine_list() -> QuerySet[StateMachine]:
    """Return every state machine, by name."""
    return StateMachine.objects.order_by("name", "id")


def execution_get(*, arn: str) -> Execution:
    """Return the execution with this ARN (its state machine selected too). When its end is on
    its way to the database (the sink writes in batches), wait for it: whoever reads an ended
    execution sees its whole history and its final status."""
    sink = get_sink()
    if sink.ended(arn) is not None:
        sink.settle(arn)
    execution = _execution(arn)
    if execution.status == ExecutionStatus.RUNNING and _ended_in_runtime(execution) is not None:
        execution = _when_written(execution)
    return execution


def execution_current(*, arn: str) -> Execution:
    """``execution_get`` without the wait: the end the runtime reported, while it is still on its
    way to the database, is set on the returned execution (not saved), so a client polling
    DescribeExecution sees the end as soon as it happens."""
    execution = _execution(arn)
    if execution.status == ExecutionStatus.RUNNING:
        result = get_sink().ended(arn) or _ended_in_runtime(execution)
        if result is not None:
            for name, value in ended_fields(result).items():
                setattr(execution, name, value)
    return execution


async def execution_from_memory(*, arn: str) -> Execution | None:
    """The execution as this process saved it when it started it, while the runtime says it runs,
    or with its end set (not saved) once the runtime reports one; None when this process does not
    hold it. Reads no database, and asks the runtime without blocking (from memory, or a Redis
    round trip), so an event loop may call it: a client polling DescribeExecution is answered
    without a thread or a query, the end included. An end reported by a runtime elsewhere is
    answered once, then the execution is let go (the database answers from then on)."""
    runtime = current_runtime()
    if runtime is None:
        return None
    sink = get_sink()
    execution = sink.kept(arn)
    if execution is None:
        return None
    result = sink.ended(arn)  # this process writes the end: held until it is written
    if result is None:
        running, result = await runtime.state_async(arn)
        if running:
            return execution
        if running is None or runtime.in_process:
            return None
        sink.forget(arn)  # ended in a worker, which writes the end
        if result is None:
            return None
    ended = copy.copy(execution)
    for name, value in ended_fields(result).items():
        setattr(ended, name, value)
    return ended


def _ended_in_runtime(execution: Execution) -> ExecutionResult | None:
    """The end the runtime knows of (the Celery runtime: from Redis, before the worker's sink has
    written it)."""
    runtime = get_runtime()
    return runtime.ended(execution.arn) if execution.runtime == runtime.name else None


_WRITTEN_WITHIN_S = 5.0


def _when_written(execution: Execution) -> Execution:
    """The execution once its end is in the database (written by another process, soon after the
    runtime knew it), or as it is after a few seconds."""
    deadline = time.monotonic() + _WRITTEN_WITHIN_S
    while time.monotonic() < deadline:
        time.sleep(0.005)
        if Execution.objects.filter(id=execution.id).exclude(status=ExecutionStatus.RUNNING).exists():
            return _execution(execution.arn)
    return execution


def _execution(arn: str) -> Execution:
    try:
        arns.parse_arn(arn, expect=("execution", "express"))
    except arns.ArnError as exc:
        raise InvalidArn(str(exc)) from None
    execution = EXECUTION_BY_ARN.get(arn)
    if execution is None:
        raise ExecutionDoesNotExist(f"Execution Does Not Exist: '{arn}'")
    return execution


def execution_list(
    *, state_machine: StateMachine | None = None, status: str | None = None,
    version_arn: str | None = None, alias_arn: str | None = None, redriven: bool | None = None,
    map_run: MapRun | None = None,
) -> QuerySet[Execution]:
    """Return executions, newest first, optionally of one state machine, one status, started
    through one version or one alias (by ARN), and redriven or not. Those are the executions
    people started; with ``map_run``, the child executions of that Distributed Map run instead."""
    executions = Execution.objects.select_related("state_machine").order_by("-start_date", "-id")
    if map_run is not None:
        executions = executions.filter(map_run=map_run).select_related("map_run")
    else:
        executions = executions.filter(map_run__isnull=True)
    if state_machine is not None:
        executions = executions.filter(state_machine=state_machine)
    if status:
        executions = executions.filter(status=status)
    if version_arn:
        executions = executions.filter(state_machine_version_arn=version_arn)
    if alias_arn:
        executions = executions.filter(state_machine_alias_arn=alias_arn)
    if redriven is not None:
        executions = executions.filter(redrive_count__gt=0) if redriven else executions.filter(redrive_count=0)
    return executions


def history_page(
    *, execution: Execution, after: int | None = None, reverse: bool = False, limit: int = 100
) -> tuple[list[HistoryEvent], int | None]:
    """Return up to ``limit`` events past event id ``after`` (in the order asked) and the cursor
    for the next page (None on the last page)."""
    rows = events_page(execution, after=after, reverse=reverse, limit=limit + 1)
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].event_id
    return rows, None


def page_token_encode(scope: str, position: int | str) -> str:
    """Return an opaque token for ``position`` within ``scope`` (an ARN or a list's name)."""
    raw = json.dumps({"s": scope, "p": position}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode()


def page_token_decode(token: str, scope: str) -> int | str:
    """Return the position held by ``token``; raises InvalidToken if it was not made for ``scope``."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        if not isinstance(data, dict) or data.get("s") != scope or not isinstance(data.get("p"), (int, str)):
            raise ValueError
        return data["p"]
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise InvalidToken(f"Invalid Token: '{token}'") from None


def metrics_snapshot() -> dict:
    """The numbers the live view shows: per-model inference metrics (from this process, or
    from the inference worker when it runs apart) and the runtime's own, when it keeps any."""
    from designer.runtime import get_runtime, inference_runs_apart, runtime_name
    from executor.inference import metrics as inference_metrics

    out: dict = {"runtime": runtime_name(), "inference": inference_metrics.snapshot()}
    if inference_runs_apart():
        out["inference"] = _remote_inference_metrics()
    try:
        out["queues"] = get_runtime().metrics()
    except Exception as exc:  # a broker that is away must not break the page
        out["queues"] = {"error": f"{type(exc).__name__}: {exc}"}
    return out


def _remote_inference_metrics() -> dict:
    from config.celery import app
    from executor.inference.celery_tasks import METRICS_SNAPSHOT

    try:
        return app.send_task(METRICS_SNAPSHOT, queue="inference").get(timeout=2)
    except Exception as exc:  # no inference worker answering: say so rather than fail
        return {"error": f"the inference worker did not answer: {type(exc).__name__}: {exc}"}
