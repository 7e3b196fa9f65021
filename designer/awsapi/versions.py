"""Actions on state machine versions and aliases: publish, list, delete; create, describe, update, delete, list."""
from __future__ import annotations

from typing import Any

from designer import selectors, version_selectors, version_services
from designer.awsapi.paging import page_of
from designer.awsapi.shapes import alias_description, alias_list_item, version_list_item
from designer.errors import InvalidArn

__all__ = ["ACTIONS"]


def _routing(config: list[dict[str, Any]] | None) -> list[tuple[str, int]] | None:
    if config is None:
        return None
    return [(route["stateMachineVersionArn"], route["weight"]) for route in config]


def publish_state_machine_version(params: dict[str, Any]) -> dict[str, Any]:
    state_machine = selectors.state_machine_get(arn=params["stateMachineArn"])
    version, _ = version_services.state_machine_version_publish(
        state_machine=state_machine, description=params.get("description"), revision_id=params.get("revisionId"))
    return {"creationDate": version.created, "stateMachineVersionArn": version.arn}


def list_state_machine_versions(params: dict[str, Any]) -> dict[str, Any]:
    state_machine = selectors.state_machine_get(arn=params["stateMachineArn"])
    rows, token = page_of(params, f"versions:{state_machine.arn}",
                          version_selectors.version_list(state_machine=state_machine))
    return {"stateMachineVersions": [version_list_item(version) for version in rows], "nextToken": token}


def delete_state_machine_version(params: dict[str, Any]) -> dict[str, Any]:
    version = version_selectors.version_find(arn=params["stateMachineVersionArn"])
    if version is not None:  # AWS answers a delete of a version already gone with success
        version_services.state_machine_version_delete(version=version)
    return {}


def create_state_machine_alias(params: dict[str, Any]) -> dict[str, Any]:
    alias, _ = version_services.state_machine_alias_create(
        name=params["name"], description=params.get("description"),
        routing=_routing(params["routingConfiguration"]))
    return {"stateMachineAliasArn": alias.arn, "creationDate": alias.created}


def describe_state_machine_alias(params: dict[str, Any]) -> dict[str, Any]:
    return alias_description(version_selectors.alias_get(arn=params["stateMachineAliasArn"]))


def update_state_machine_alias(params: dict[str, Any]) -> dict[str, Any]:
    alias = version_selectors.alias_get(arn=params["stateMachineAliasArn"])
    alias = version_services.state_machine_alias_update(
        alias=alias, description=params.get("description"), routing=_routing(params.get("routingConfiguration")))
    return {"updateDate": alias.updated}


def delete_state_machine_alias(params: dict[str, Any]) -> dict[str, Any]:
    alias = version_selectors.alias_find(arn=params["stateMachineAliasArn"])
    if alias is not None:  # as on AWS, deleting an alias that is not there succeeds
        version_services.state_machine_alias_delete(alias=alias)
    return {}


def list_state_machine_aliases(params: dict[str, Any]) -> dict[str, Any]:
    """The aliases of a state machine, or, given a version ARN, those that route to that version."""
    target = version_selectors.target_get(arn=params["stateMachineArn"])
    if target.alias is not None:
        raise InvalidArn(f"Invalid Arn: 'Expected a state machine or version ARN, not an alias ARN: {target.arn}'")
    aliases = version_selectors.alias_list(state_machine=target.state_machine, version=target.version)
    rows, token = page_of(params, f"aliases:{target.arn}", aliases)
    return {"stateMachineAliases": [alias_list_item(alias) for alias in rows], "nextToken": token}


ACTIONS = {
    "PublishStateMachineVersion": publish_state_machine_version,
    "ListStateMachineVersions": list_state_machine_versions,
    "DeleteStateMachineVersion": delete_state_machine_version,
    "CreateStateMachineAlias": create_state_machine_alias,
    "DescribeStateMachineAlias": describe_state_machine_alias,
    "UpdateStateMachineAlias": update_state_machine_alias,
    "DeleteStateMachineAlias": delete_state_machine_alias,
    "ListStateMachineAliases": list_state_machine_aliases,
}
