"""Model rows as the output shapes of botocore's Step Functions model."""
from __future__ import annotations

from typing import Any

from designer.models import Execution, HistoryEvent, StateMachine, StateMachineAlias, StateMachineVersion
from designer.redrive_services import redrive_status

__all__ = [
    "state_machine_description",
    "state_machine_list_item",
    "version_description",
    "version_list_item",
    "alias_description",
    "alias_list_item",
    "execution_description",
    "execution_list_item",
    "history_event",
    "tags_out",
    "tags_in",
]

_LOGGING_OFF = {"level": "OFF", "includeExecutionData": False}
_TRACING_OFF = {"enabled": False}
# Keys of event details that hold execution data, left out when includeExecutionData is false.
_EXECUTION_DATA_KEYS = ("input", "output", "inputDetails", "outputDetails")


def state_machine_description(sm: StateMachine) -> dict[str, Any]:
    return {
        "stateMachineArn": sm.arn,
        "name": sm.name,
        "status": "ACTIVE",
        "definition": sm.definition,
        "roleArn": sm.role_arn,
        "type": sm.type,
        "creationDate": sm.created,
        "loggingConfiguration": _LOGGING_OFF,
        "tracingConfiguration": _TRACING_OFF,
        "revisionId": sm.revision_id or None,
    }


def state_machine_list_item(sm: StateMachine) -> dict[str, Any]:
    return {"stateMachineArn": sm.arn, "name": sm.name, "type": sm.type, "creationDate": sm.created}


def version_description(version: StateMachineVersion) -> dict[str, Any]:
    """DescribeStateMachine of a version ARN: the version's ARN, definition, role and creation date."""
    return {
        **state_machine_description(version.state_machine),
        "stateMachineArn": version.arn,
        "definition": version.definition,
        "roleArn": version.role_arn,
        "creationDate": version.created,
        "revisionId": version.revision_id or None,
        "description": version.description or None,
    }


def version_list_item(version: StateMachineVersion) -> dict[str, Any]:
    return {"stateMachineVersionArn": version.arn, "creationDate": version.created}


def alias_description(alias: StateMachineAlias) -> dict[str, Any]:
    return {
        "stateMachineAliasArn": alias.arn,
        "name": alias.name,
        "description": alias.description or None,
        "routingConfiguration": [{"stateMachineVersionArn": route.version.arn, "weight": route.weight}
                                 for route in alias.routes.select_related("version")],
        "creationDate": alias.created,
        "updateDate": alias.updated,
    }


def alias_list_item(alias: StateMachineAlias) -> dict[str, Any]:
    return {"stateMachineAliasArn": alias.arn, "creationDate": alias.created}


def _size_details(text: str | None) -> dict[str, bool]:
    return {"included": text is not None}


def execution_description(ex: Execution, *, include_data: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        **execution_list_item(ex),
        "error": ex.error,
        "cause": ex.cause,
        "traceHeader": ex.trace_header or None,
    }
    body["redriveStatus"], body["redriveStatusReason"] = redrive_status(ex)
    if include_data:
        body.update(input=ex.input, inputDetails={"included": True})
        if ex.output is not None:
            body.update(output=ex.output, outputDetails={"included": True})
    return body


def execution_list_item(ex: Execution) -> dict[str, Any]:
    body = {
        "executionArn": ex.arn,
        "stateMachineArn": ex.state_machine.arn if ex.map_run_id is None else child_state_machine_arn(ex.arn),
        "name": ex.name,
        "status": ex.status,
        "startDate": ex.start_date,
        "stopDate": ex.stop_date,
    }
    if ex.map_run_id is not None:  # a Distributed Map's child execution
        body["mapRunArn"] = ex.map_run.arn
    # Only for executions started through a version or an alias, as AWS answers.
    if ex.state_machine_version_arn:
        body["stateMachineVersionArn"] = ex.state_machine_version_arn
    if ex.state_machine_alias_arn:
        body["stateMachineAliasArn"] = ex.state_machine_alias_arn
    body["redriveCount"] = ex.redrive_count
    if ex.redrive_date is not None:
        body["redriveDate"] = ex.redrive_date
    return body


def child_state_machine_arn(child_arn: str) -> str:
    """A Map Run child's state machine, ``...:stateMachine:<machine>/<label>``, from the child's
    ``...:execution:<machine>/<label>:<name>``."""
    return child_arn.rsplit(":", 1)[0].replace(":execution:", ":stateMachine:", 1)


def history_event(event: HistoryEvent, *, include_data: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "timestamp": event.timestamp,
        "type": event.type,
        "id": event.event_id,
        "previousEventId": event.previous_event_id,
    }
    for key, details in event.details.items():
        if not include_data and isinstance(details, dict):
            details = {k: v for k, v in details.items() if k not in _EXECUTION_DATA_KEYS}
        body[key] = details
    return body


def tags_out(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"key": key, "value": value} for key, value in sorted(tags.items())]


def tags_in(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {tag["key"]: tag.get("value", "") for tag in tags or [] if "key" in tag}
