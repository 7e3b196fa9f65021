"""Reads: state machine versions and aliases, and what a qualified state machine ARN names.

A state machine ARN may carry a qualifier, as on AWS: ``<stateMachineArn>:3`` is version 3 and
``<stateMachineArn>:prod`` the alias ``prod`` (an alias name is never all digits).
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from django.db.models import QuerySet

from designer import arns
from designer.errors import InvalidArn, ResourceNotFound, StateMachineDoesNotExist
from designer.lookups import STATE_MACHINE_BY_ARN
from designer.models import StateMachine, StateMachineAlias, StateMachineVersion

__all__ = [
    "Target",
    "target_get",
    "version_get",
    "version_find",
    "version_list",
    "alias_get",
    "alias_find",
    "alias_list",
    "alias_route_pick",
]

# AWS's words when an alias ARN names nothing.
_NO_SUCH_RESOURCE = "Request references a resource that does not exist."


@dataclass(frozen=True)
class Target:
    """What a state machine ARN names: the state machine, and the version or alias when qualified."""

    state_machine: StateMachine
    version: StateMachineVersion | None = None
    alias: StateMachineAlias | None = None

    @property
    def arn(self) -> str:
        qualified = self.version or self.alias
        return qualified.arn if qualified is not None else self.state_machine.arn


def _parse(arn: str) -> arns.ParsedArn:
    try:
        return arns.parse_arn(arn, expect=("stateMachine",))
    except arns.ArnError as exc:
        raise InvalidArn(str(exc)) from None


def target_get(*, arn: str) -> Target:
    """Return what a plain, version or alias state machine ARN names.

    Raises InvalidArn for text that is no such ARN, StateMachineDoesNotExist (naming ``arn``)
    when the state machine, the version or the alias is not there.
    """
    parsed = _parse(arn)
    state_machine = STATE_MACHINE_BY_ARN.get(arns.unqualified_arn(arn))
    target = None
    if state_machine is not None and parsed.version is not None:
        version = state_machine.versions.filter(number=parsed.version).first()
        target = Target(state_machine, version=version) if version is not None else None
    elif state_machine is not None and parsed.alias is not None:
        alias = state_machine.aliases.filter(name=parsed.alias).first()
        target = Target(state_machine, alias=alias) if alias is not None else None
    elif state_machine is not None:
        target = Target(state_machine)
    if target is None:
        raise StateMachineDoesNotExist(f"State Machine Does Not Exist: '{arn}'")
    return target


def _expect_qualifier(arn: str, kind: str) -> None:
    """Raise InvalidArn unless ``arn`` is a state machine ARN qualified with a ``kind`` (version or alias)."""
    if getattr(_parse(arn), kind) is None:
        form = "<number>" if kind == "version" else "<alias>"
        raise InvalidArn(f"Invalid Arn: 'Not a state machine {kind} ARN (<stateMachineArn>:{form}): {arn}'")


def version_find(*, arn: str) -> StateMachineVersion | None:
    """Return the version with this ARN, or None; raises InvalidArn for text that is no version ARN."""
    _expect_qualifier(arn, "version")
    return StateMachineVersion.objects.select_related("state_machine").filter(arn=arn).first()


def version_get(*, arn: str) -> StateMachineVersion:
    """Return the version with this ARN; raises InvalidArn or StateMachineDoesNotExist."""
    version = version_find(arn=arn)
    if version is None:
        raise StateMachineDoesNotExist(f"State Machine Does Not Exist: '{arn}'")
    return version


def version_list(*, state_machine: StateMachine) -> QuerySet[StateMachineVersion]:
    """Return the state machine's versions, newest first (AWS sorts by creation, descending)."""
    return state_machine.versions.order_by("-number")


def alias_find(*, arn: str) -> StateMachineAlias | None:
    """Return the alias with this ARN, or None; raises InvalidArn for text that is no alias ARN."""
    _expect_qualifier(arn, "alias")
    return StateMachineAlias.objects.select_related("state_machine").filter(arn=arn).first()


def alias_get(*, arn: str) -> StateMachineAlias:
    """Return the alias with this ARN; raises InvalidArn or ResourceNotFound."""
    alias = alias_find(arn=arn)
    if alias is None:
        raise ResourceNotFound(_NO_SUCH_RESOURCE)
    return alias


def alias_list(
    *, state_machine: StateMachine, version: StateMachineVersion | None = None
) -> QuerySet[StateMachineAlias]:
    """Return the state machine's aliases (only those routing to ``version`` when given), oldest first.

    AWS's reference says newest first, but AWS answers oldest first (as recorded against AWS in
    LocalStack's snapshot tests); we follow what AWS does.
    """
    aliases = state_machine.aliases.prefetch_related("routes__version").order_by("created", "id")
    return aliases.filter(routes__version=version) if version is not None else aliases


def alias_route_pick(*, alias: StateMachineAlias, rng: random.Random | None = None) -> StateMachineVersion:
    """Return the version that runs an execution started through ``alias``, chosen by the routes' weights."""
    routes = list(alias.routes.select_related("version"))
    chooser = rng or random
    return chooser.choices([route.version for route in routes], weights=[route.weight for route in routes])[0]
