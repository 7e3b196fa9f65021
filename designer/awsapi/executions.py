"""Actions on executions: start (async and sync), describe, list, history, stop."""
from __future__ import annotations

from typing import Any

from django.utils import timezone

from designer import redrive_services, selectors, services, testing_services, version_selectors
from designer.awsapi.map_runs import child_executions_of
from designer.awsapi.paging import page_of, page_position, page_size
from designer.awsapi.shapes import (
    execution_description,
    execution_list_item,
    history_event,
    state_machine_description,
)
from designer.errors import ValidationException
from executor.resources.mocks import split_test_case

__all__ = ["ACTIONS"]


def _include_data(params: dict[str, Any]) -> bool:
    return params.get("includedData") != "METADATA_ONLY"


def _start_params(params: dict[str, Any]) -> dict[str, Any]:
    """The state machine (or the version, or the alias, its ARN names) and what the execution starts with.

    As in Step Functions Local, ``<stateMachineArn>#<TestCase>`` runs the test case of the mock
    configuration; the state machine's stored fault plan and clock apply either way."""
    arn, test_case = split_test_case(params["stateMachineArn"])
    target = version_selectors.target_get(arn=arn)
    local = testing_services.local_settings_for(state_machine=target.state_machine, test_case=test_case)
    return {
        "local": local,
        "state_machine": target.state_machine,
        "version": target.version,
        "alias": target.alias,
        "name": params.get("name"),
        "input": params.get("input"),
        "trace_header": params.get("traceHeader") or "",
    }


def start_execution(params: dict[str, Any]) -> dict[str, Any]:
    execution, _ = services.execution_start(**_start_params(params))
    return {"executionArn": execution.arn, "startDate": execution.start_date}


def start_sync_execution(params: dict[str, Any]) -> dict[str, Any]:
    execution, _ = services.execution_start_sync(**_start_params(params))
    body = execution_description(execution, include_data=_include_data(params))
    for key in ("redriveCount", "redriveDate", "redriveStatus", "redriveStatusReason", "stateMachineVersionArn",
                "stateMachineAliasArn"):
        body.pop(key, None)  # not members of StartSyncExecution's output
    duration_ms = int(((execution.stop_date or execution.start_date) - execution.start_date).total_seconds() * 1000)
    body["billingDetails"] = {"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": max(100, duration_ms)}
    return body


async def describe_from_memory(params: dict[str, Any]) -> dict[str, Any] | None:
    """DescribeExecution of an execution this process started, running or just ended, from memory
    (no database, so the event loop may answer it); None when the execution is not such a one."""
    execution = await selectors.execution_from_memory(arn=params["executionArn"])
    return None if execution is None else execution_description(execution, include_data=_include_data(params))


def describe_execution(params: dict[str, Any]) -> dict[str, Any]:
    execution = selectors.execution_current(arn=params["executionArn"])
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
        if params.get("stateMachineArn"):
            raise ValidationException("Only one of stateMachineArn or mapRunArn can be given")
        return child_executions_of(params)
    if not params.get("stateMachineArn"):
        raise ValidationException("Must provide a StateMachine ARN or MapRun ARN")
    # A version or alias ARN lists the executions started through it.
    target = version_selectors.target_get(arn=params["stateMachineArn"])
    redrive_filter = params.get("redriveFilter")
    scope = f"executions:{target.arn}:{params.get('statusFilter') or ''}:{redrive_filter or ''}"
    executions = selectors.execution_list(
        state_machine=target.state_machine, status=params.get("statusFilter"),
        version_arn=target.version.arn if target.version is not None else None,
        alias_arn=target.alias.arn if target.alias is not None else None,
        redriven=None if redrive_filter is None else redrive_filter == "REDRIVEN",
    )
    rows, token = page_of(params, scope, executions)
    return {"executions": [execution_list_item(ex) for ex in rows], "nextToken": token}


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


def redrive_execution(params: dict[str, Any]) -> dict[str, Any]:
    execution = selectors.execution_get(arn=params["executionArn"])
    execution = redrive_services.execution_redrive(execution=execution)
    return {"redriveDate": execution.redrive_date}


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
    "RedriveExecution": redrive_execution,
}

#: Actions the event loop may answer itself when it can without blocking (None: it cannot, so
#: the action runs on a thread as usual): what clients poll.
ON_LOOP = {
    "DescribeExecution": describe_from_memory,
}
