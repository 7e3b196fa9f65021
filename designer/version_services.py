"""Writes: publishing and deleting state machine versions; creating, changing and deleting aliases.

Behaviour follows AWS Step Functions: version numbers start at 1 and are never reused; publishing
a revision that already has a version returns that version; a version an alias routes to cannot be
deleted; an alias routes to one or two versions of one state machine with weights that sum to 100.
Every function takes keyword-only arguments and raises a ``designer.errors.ServiceError``.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from designer import arns, services, version_selectors
from designer.errors import (
    ConflictException,
    InvalidArn,
    MissingRequiredParameter,
    ServiceQuotaExceededException,
    StateMachineAlreadyExists,
    ValidationException,
)
from designer.models import AliasRoute, StateMachine, StateMachineAlias, StateMachineVersion

__all__ = [
    "state_machine_version_publish",
    "state_machine_create_published",
    "state_machine_update_published",
    "state_machine_version_delete",
    "state_machine_alias_create",
    "state_machine_alias_update",
    "state_machine_alias_delete",
    "MAX_VERSIONS",
    "MAX_ALIASES",
]

# AWS's quotas per state machine.
MAX_VERSIONS = 1000
MAX_ALIASES = 100
# The revisionId that names a state machine never updated since it was created.
INITIAL_REVISION = "INITIAL"

Route = tuple[str, int]  # (state machine version ARN, weight)


def _check_description(description: str | None) -> str:
    if description is not None and len(description) > 256:
        raise ValidationException("1 validation error detected: Value at 'description' failed to satisfy "
                                  "constraint: Member must have length less than or equal to 256")
    return description or ""


def state_machine_version_publish(
    *, state_machine: StateMachine, description: str | None = None, revision_id: str | None = None
) -> tuple[StateMachineVersion, bool]:
    """Publish the state machine's current revision; return ``(version, created)``.

    A revision already published returns its version (``created`` False), as AWS does. With
    ``revision_id`` (``INITIAL`` for a state machine never updated) a state machine that has moved
    on raises ConflictException; past MAX_VERSIONS raises ServiceQuotaExceededException.
    """
    description = _check_description(description)
    with transaction.atomic():
        # The row lock serialises publishers, so two never take the same number.
        locked = StateMachine.objects.select_for_update().get(pk=state_machine.pk)
        current = locked.revision_id
        if revision_id is not None and revision_id != (current or INITIAL_REVISION):
            raise ConflictException(f"Failed to publish the State Machine version for revision {revision_id}. "
                                    f"The current State Machine revision is {current or INITIAL_REVISION}.")
        existing = locked.versions.filter(revision_id=current).order_by("-number").first()
        if existing is not None:
            return existing, False
        if locked.versions.count() >= MAX_VERSIONS:
            raise ServiceQuotaExceededException(
                f"The state machine {locked.arn} has {MAX_VERSIONS} versions, the most AWS allows; "
                "delete some with DeleteStateMachineVersion")
        locked.last_version_number += 1
        locked.save(update_fields=["last_version_number"])
        version = StateMachineVersion.objects.create(
            state_machine=locked, number=locked.last_version_number,
            arn=arns.version_arn(locked.arn, locked.last_version_number),
            definition=locked.definition, role_arn=locked.role_arn, revision_id=current, description=description,
        )
    state_machine.last_version_number = locked.last_version_number
    return version, True


def state_machine_create_published(
    *, version_description: str | None = None, **create: Any
) -> tuple[StateMachine, StateMachineVersion, bool]:
    """CreateStateMachine with ``publish``: create (see services.state_machine_create) and publish
    version 1; return ``(state_machine, version, created)``.

    Asking again returns the same two; a state machine that exists without that version (created
    without publishing, or with another description) raises StateMachineAlreadyExists, since AWS's
    idempotency check covers ``publish`` and ``versionDescription``.
    """
    with transaction.atomic():
        state_machine, created = services.state_machine_create(**create)
        if created:
            version, _ = state_machine_version_publish(state_machine=state_machine, description=version_description)
            return state_machine, version, True
        version = version_selectors.version_list(state_machine=state_machine).filter(
            revision_id=state_machine.revision_id).first()
        if version is None or version.description != (version_description or ""):
            raise StateMachineAlreadyExists(f"State Machine Already Exists: '{state_machine.arn}'")
        return state_machine, version, False


def state_machine_update_published(
    *, state_machine: StateMachine, version_description: str | None = None, **changes: Any
) -> tuple[StateMachine, StateMachineVersion]:
    """UpdateStateMachine with ``publish``: apply ``changes`` (see services.state_machine_update),
    then publish the resulting revision; return ``(state_machine, version)``."""
    with transaction.atomic():
        state_machine = services.state_machine_update(state_machine=state_machine, **changes)
        version, _ = state_machine_version_publish(state_machine=state_machine, description=version_description)
    return state_machine, version


def state_machine_version_delete(*, version: StateMachineVersion) -> None:
    """Delete a version; raises ConflictException while an alias routes to it.

    Its executions stay, still naming the version's ARN, as on AWS.
    """
    with transaction.atomic():
        names = list(StateMachineAlias.objects.filter(routes__version=version).order_by("created", "id")
                     .values_list("name", flat=True))
        if names:
            raise ConflictException("Version to be deleted must not be referenced by an alias. "
                                    f"Current list of aliases referencing this version: [{', '.join(names)}]")
        version.delete()


def _check_alias_name(name: str) -> None:
    # The AWS endpoint has checked this against botocore's model; the REST API has not.
    if len(name) > 80:
        raise ValidationException(f"1 validation error detected: Value '{name}' at 'name' failed to satisfy "
                                  "constraint: Member must have length less than or equal to 80")
    if not arns.ALIAS_NAME_RE.match(name):
        raise ValidationException(f"1 validation error detected: Value '{name}' at 'name' failed to satisfy "
                                  f"constraint: Member must satisfy regular expression pattern: "
                                  f"{arns.ALIAS_NAME_RE.pattern}")


def _check_weights(weights: list[int]) -> None:
    for index, weight in enumerate(weights, start=1):
        if isinstance(weight, bool) or not isinstance(weight, int):
            broken = "be of type integer"
        elif weight < 0:
            broken = "have value greater than or equal to 0"
        elif weight > 100:
            broken = "have value less than or equal to 100"
        else:
            continue
        raise ValidationException(f"1 validation error detected: Value '{weight}' at "
                                  f"'routingConfiguration.{index}.member.weight' failed to satisfy constraint: "
                                  f"Member must {broken}")
    if sum(weights) != 100:
        raise ValidationException(f"Sum of routing configuration weights must equal 100. Received: "
                                  f"{json.dumps(weights)}")


def _version_or_none(arn: str) -> StateMachineVersion | None:
    try:
        return version_selectors.version_find(arn=arn)
    except InvalidArn:
        return None


def _resolve_routing(routing: Sequence[Route]) -> list[tuple[StateMachineVersion, int]]:
    """Return each route's version and weight, checked in the order AWS checks them."""
    version_arns = [arn for arn, _ in routing]
    received = f"[{', '.join(version_arns)}]"
    if not 1 <= len(routing) <= 2:
        raise ValidationException(f"1 validation error detected: Value '{received}' at 'routingConfiguration' "
                                  "failed to satisfy constraint: Member must have length between 1 and 2")
    if len(set(version_arns)) < len(version_arns):
        raise ValidationException(f"Routing configuration must contain distinct state machine version ARNs. "
                                  f"Received: {received}")
    _check_weights([weight for _, weight in routing])
    versions = [_version_or_none(arn) for arn in version_arns]
    if any(version is None for version in versions):
        raise ValidationException(f"Routing configuration must contain state machine version ARNs. "
                                  f"Received: {received}")
    if len({version.state_machine_id for version in versions}) > 1:
        raise ValidationException(f"Routing configuration must contain versions of one state machine. "
                                  f"Received: {received}")
    return [(version, weight) for version, (_, weight) in zip(versions, routing)]


def _routes_of(alias: StateMachineAlias) -> set[tuple[int, int]]:
    return {(route.version_id, route.weight) for route in alias.routes.all()}


def state_machine_alias_create(
    *, name: str, routing: Sequence[Route], description: str | None = None
) -> tuple[StateMachineAlias, bool]:
    """Create an alias of the state machine whose versions ``routing`` names; return ``(alias, created)``.

    The same name, description and routing again returns the existing alias (``created`` False); the
    same name otherwise raises ConflictException. Also raises ValidationException for a bad name or
    routing, and ServiceQuotaExceededException past MAX_ALIASES.
    """
    _check_alias_name(name)
    description = _check_description(description)
    resolved = _resolve_routing(routing)
    state_machine = resolved[0][0].state_machine
    with transaction.atomic():
        StateMachine.objects.select_for_update().filter(pk=state_machine.pk).first()  # one alias writer at a time
        existing = state_machine.aliases.filter(name=name).first()
        if existing is not None:
            wanted = {(version.pk, weight) for version, weight in resolved}
            if existing.description == description and _routes_of(existing) == wanted:
                return existing, False
            raise ConflictException("Failed to create alias because an alias with the same name and a different "
                                    "routing configuration already exists.")
        if state_machine.aliases.count() >= MAX_ALIASES:
            raise ServiceQuotaExceededException(
                f"The state machine {state_machine.arn} has {MAX_ALIASES} aliases, the most AWS allows")
        now = timezone.now()
        alias = StateMachineAlias.objects.create(state_machine=state_machine, name=name, description=description,
                                                 arn=arns.alias_arn(state_machine.arn, name), created=now, updated=now)
        AliasRoute.objects.bulk_create([AliasRoute(alias=alias, version=v, weight=w) for v, w in resolved])
    return alias, True


def state_machine_alias_update(
    *, alias: StateMachineAlias, description: str | None = None, routing: Sequence[Route] | None = None
) -> StateMachineAlias:
    """Change an alias's description and/or routing; return it saved.

    Raises MissingRequiredParameter when neither is given, ValidationException for a bad routing
    (or one that names another state machine's versions).
    """
    if description is None and routing is None:
        raise MissingRequiredParameter("Either the description or the RoutingConfiguration must be specified")
    description = _check_description(description) if description is not None else None
    resolved = _resolve_routing(routing) if routing is not None else None
    if resolved is not None and resolved[0][0].state_machine_id != alias.state_machine_id:
        raise ValidationException(f"Routing configuration must contain versions of the alias's state machine "
                                  f"{alias.state_machine.arn}")
    with transaction.atomic():
        if description is not None:
            alias.description = description
        if resolved is not None:
            alias.routes.all().delete()
            AliasRoute.objects.bulk_create([AliasRoute(alias=alias, version=v, weight=w) for v, w in resolved])
        alias.updated = timezone.now()
        alias.save()
    return alias


def state_machine_alias_delete(*, alias: StateMachineAlias) -> None:
    """Delete an alias; the versions it routed to stay."""
    alias.delete()
