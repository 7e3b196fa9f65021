"""Actions on state machines: create, describe, update, delete, list, validate, tags."""
from __future__ import annotations

from typing import Any

from designer import selectors, services, version_selectors, version_services
from designer.awsapi.paging import page_of
from designer.awsapi.shapes import (
    state_machine_description,
    state_machine_list_item,
    tags_in,
    tags_out,
    version_description,
)
from designer.definitions import definition_diagnostics
from designer.errors import MissingRequiredParameter, StateMachineDoesNotExist, ValidationException

__all__ = ["ACTIONS"]


def _publish(params: dict[str, Any]) -> bool:
    """Whether to publish a version too; raises ValidationException for a description without it."""
    publish = bool(params.get("publish"))
    if params.get("versionDescription") and not publish:
        raise ValidationException("Version description can only be set when publish is true")
    return publish


def create_state_machine(params: dict[str, Any]) -> dict[str, Any]:
    create = {
        "name": params["name"],
        "definition": params["definition"],
        "role_arn": params["roleArn"],
        "type": params.get("type") or "STANDARD",
        "tags": tags_in(params.get("tags")),
    }
    if not _publish(params):
        state_machine, _ = services.state_machine_create(**create)
        return {"stateMachineArn": state_machine.arn, "creationDate": state_machine.created}
    state_machine, version, _ = version_services.state_machine_create_published(
        version_description=params.get("versionDescription"), **create)
    return {"stateMachineArn": state_machine.arn, "creationDate": state_machine.created,
            "stateMachineVersionArn": version.arn}


def describe_state_machine(params: dict[str, Any]) -> dict[str, Any]:
    """Describe a state machine, or, given a version ARN (``<stateMachineArn>:<n>``), that version."""
    target = version_selectors.target_get(arn=params["stateMachineArn"])
    if target.version is not None:
        return version_description(target.version)
    if target.alias is not None:
        raise StateMachineDoesNotExist(f"State Machine Does Not Exist: '{target.arn}'")
    return state_machine_description(target.state_machine)


def update_state_machine(params: dict[str, Any]) -> dict[str, Any]:
    state_machine = selectors.state_machine_get(arn=params["stateMachineArn"])
    if params.get("definition") is None and params.get("roleArn") is None and not _other_updates(params):
        raise MissingRequiredParameter("Either the definition, the roleArn, the loggingConfiguration or "
                                       "the tracingConfiguration must be specified")
    changes = {"state_machine": state_machine, "definition": params.get("definition"),
               "role_arn": params.get("roleArn")}
    version = None
    if _publish(params):
        state_machine, version = version_services.state_machine_update_published(
            version_description=params.get("versionDescription"), **changes)
    else:
        state_machine = services.state_machine_update(**changes)
    return {"updateDate": state_machine.updated, "revisionId": state_machine.revision_id or None,
            "stateMachineVersionArn": version.arn if version is not None else None}


def _other_updates(params: dict[str, Any]) -> bool:
    return any(params.get(key) is not None for key in ("loggingConfiguration", "tracingConfiguration"))


def delete_state_machine(params: dict[str, Any]) -> dict[str, Any]:
    try:
        state_machine = selectors.state_machine_get(arn=params["stateMachineArn"])
    except StateMachineDoesNotExist:
        return {}  # AWS answers a delete of something already gone with success
    services.state_machine_delete(state_machine=state_machine)
    return {}


def list_state_machines(params: dict[str, Any]) -> dict[str, Any]:
    rows, token = page_of(params, "stateMachines", selectors.state_machine_list())
    return {"stateMachines": [state_machine_list_item(sm) for sm in rows], "nextToken": token}


def validate_state_machine_definition(params: dict[str, Any]) -> dict[str, Any]:
    diagnostics = definition_diagnostics(params["definition"], machine_type=params.get("type") or "STANDARD")
    if (params.get("severity") or "ERROR") == "ERROR":
        diagnostics = [d for d in diagnostics if d.severity == "ERROR"]
    limit = params.get("maxResults") or 100
    failed = any(d.severity == "ERROR" for d in diagnostics)
    return {
        "result": "FAIL" if failed else "OK",
        "diagnostics": [
            {k: v for k, v in (("severity", d.severity), ("code", d.code), ("message", d.message),
                               ("location", d.location)) if v is not None}
            for d in diagnostics[:limit]
        ],
        "truncated": len(diagnostics) > limit,
    }


def tag_resource(params: dict[str, Any]) -> dict[str, Any]:
    state_machine = selectors.tagged_resource_get(arn=params["resourceArn"])
    services.state_machine_tag(state_machine=state_machine, tags=tags_in(params["tags"]))
    return {}


def untag_resource(params: dict[str, Any]) -> dict[str, Any]:
    state_machine = selectors.tagged_resource_get(arn=params["resourceArn"])
    services.state_machine_untag(state_machine=state_machine, keys=list(params["tagKeys"]))
    return {}


def list_tags_for_resource(params: dict[str, Any]) -> dict[str, Any]:
    return {"tags": tags_out(selectors.tagged_resource_get(arn=params["resourceArn"]).tags)}


ACTIONS = {
    "CreateStateMachine": create_state_machine,
    "DescribeStateMachine": describe_state_machine,
    "UpdateStateMachine": update_state_machine,
    "DeleteStateMachine": delete_state_machine,
    "ListStateMachines": list_state_machines,
    "ValidateStateMachineDefinition": validate_state_machine_definition,
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "ListTagsForResource": list_tags_for_resource,
}
