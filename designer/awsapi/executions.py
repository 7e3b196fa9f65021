"""Actions on executions: start (async and sync), describe, list, history, stop."""
from __future__ import annotations

from typing import Any

from django.utils import timezone

from designer import selectors, services
from designer.awsapi.paging import page_offset, page_position, page_size
from designer.awsapi.shapes import (
    execution_description,
    execution_list_item,
    history_event,
    state_machine_description,
)
from designer.errors import ResourceNotFound, ValidationException

__all__ = ["ACTIONS"]


def _include_data(params: dict[str, Any]) -> bool:
    return params.get("includedData") != "METADATA_ONLY"


def start_execution(params: dict[str, Any]) -> dict[str, Any]:
    state_machine = selectors.state_machine_get(arn=params["stateMachineArn"])
    execution, _ = services.execution_start(
        state_machine=state_machine,
        name=params.get("name"),
        input=params.get("input"),
        trace_header=params.get("traceHeader") or "",
    )
    return {"executionArn": execution.arn, "startDate": execution.start_date}


def start_sync_execution(params: dict[str, Any]) -> dict[str, Any]:
    state_machine = selectors.state_machine_get(arn=params["stateMachineArn"])
    execution, _ = services.execution_start_sync(
        state_machine=state_machine,
        name=params.get("name"),
        input=params.get("input"),
        trace_header=params.get("traceHeader") or "",
    )
    body = execution_description(execution, include_data=_include_data(params))
    for key in ("redriveCount", "redriveStatus"):
        body.pop(key, None)  # not members of StartSyncExecution's output
    duration_ms = int(((execution.stop_date or execution.start_date) - execution.start_date).total_seconds() * 1000)
    body["billingDetails"] = {"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": max(100, duration_ms)}
    return body


def describe_execution(params: dict[str, Any]) -> dict[str, Any]:
    execution = selectors.execution_get(arn=params["executionArn"])
    return execution_description(execution, include_data=_include_data(params))


def describe_state_machine_for_execution(params: dict[str, Any]) -> dict[str, Any]:
    execution = selectors.execution_get(arn=params["executionArn"])
    body = state_machine_description(execution.state_machine)
    body["definition"] = execution.definition  # the one this execution ran, not today's
    body["updateDate"] = execution.state_machine.updated
    for key in ("status", "type", "creationDate"):
        body.pop(key)  # not members of this output
    return body


def list_executions(params: dict[str, Any]) -> dict[str, Any]:
    if params.get("mapRunArn"):
        raise ResourceNotFound(f"Resource not found: '{params['mapRunArn']}'")
    if not params.get("stateMachineArn"):
        raise ValidationException("Must provide a StateMachine ARN or MapRun ARN")
    state_machine = selectors.state_machine_get(arn=params["stateMachineArn"])
    scope = f"executions:{state_machine.arn}:{params.get('statusFilter') or ''}"
    offset, limit = page_offset(params, scope), page_size(params)
    rows = list(selectors.execution_list(state_machine=state_machine, status=params.get("statusFilter"))
                [offset: offset + limit + 1])
    body: dict[str, Any] = {"executions": [execution_list_item(ex) for ex in rows[:limit]]}
    if len(rows) > limit:
        body["nextToken"] = selectors.page_token_encode(scope, offset + limit)
    return body


def get_execution_history(params: dict[str, Any]) -> dict[str, Any]:
    execution = selectors.execution_get(arn=params["executionArn"])
    reverse = bool(params.get("reverseOrder"))
    scope = f"history:{execution.arn}:{int(reverse)}"
    after = page_position(params["nextToken"], scope) if params.get("nextToken") else None
    include = params.get("includeExecutionData", True) is not False
    events, cursor = selectors.history_page(execution=execution, after=after, reverse=reverse,
                                            limit=page_size(params))
    body: dict[str, Any] = {"events": [history_event(event, include_data=include) for event in events]}
    if cursor is not None:
        body["nextToken"] = selectors.page_token_encode(scope, cursor)
    return body


def stop_execution(params: dict[str, Any]) -> dict[str, Any]:
    execution = selectors.execution_get(arn=params["executionArn"])
    execution = services.execution_stop(execution=execution, error=params.get("error"), cause=params.get("cause"))
    return {"stopDate": execution.stop_date or timezone.now()}


ACTIONS = {
    "StartExecution": start_execution,
    "StartSyncExecution": start_sync_execution,
    "DescribeExecution": describe_execution,
    "DescribeStateMachineForExecution": describe_state_machine_for_execution,
    "ListExecutions": list_executions,
    "GetExecutionHistory": get_execution_history,
    "StopExecution": stop_execution,
}
