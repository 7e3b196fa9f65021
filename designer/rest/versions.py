"""REST API for a state machine's versions and aliases, as the designer shows them.

- ``GET  /api/state-machines/<name>/versions/``: ``[{version, arn, description, created}]``, newest first
- ``POST /api/state-machines/<name>/versions/`` ``{description}``: publish the current definition;
  201 with the new version, or 200 with the existing one when that revision is already published
- ``GET|DELETE /api/state-machines/<name>/versions/<n>/``: ``{version, arn, definition, description,
  created}``; a version an alias routes to answers DELETE with 409 (``ConflictException``)
- ``GET  /api/state-machines/<name>/aliases/``: ``[{name, arn, description, routing: [{version, weight}]}]``,
  oldest first
- ``POST /api/state-machines/<name>/aliases/`` ``{name, description, routing}``: 201 (200 when the
  same alias exists already)
- ``GET|PATCH|DELETE /api/state-machines/<name>/aliases/<alias>/``: PATCH takes ``description``
  and/or ``routing``

Errors are ``{code, message}`` with AWS's error code, or DRF's field errors for a malformed body.
"""
from __future__ import annotations

from django.shortcuts import get_object_or_404
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer import arns, version_selectors, version_services
from designer.models import StateMachine, StateMachineAlias, StateMachineVersion

__all__ = ["VersionListApi", "VersionDetailApi", "AliasListApi", "AliasDetailApi"]


class VersionListSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="number")

    class Meta:
        model = StateMachineVersion
        fields = ["version", "arn", "description", "created"]


class VersionOutputSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="number")

    class Meta:
        model = StateMachineVersion
        fields = ["version", "arn", "definition", "description", "created"]


class VersionPublishSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=256, required=False, allow_blank=True, default="")


class RouteSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    weight = serializers.IntegerField(min_value=0, max_value=100)


class AliasOutputSerializer(serializers.ModelSerializer):
    routing = serializers.SerializerMethodField()

    class Meta:
        model = StateMachineAlias
        fields = ["name", "arn", "description", "routing"]

    def get_routing(self, alias: StateMachineAlias) -> list[dict[str, int]]:
        return [{"version": route.version.number, "weight": route.weight} for route in alias.routes.all()]


def _routing_field(**kwargs) -> serializers.ListField:
    return serializers.ListField(child=RouteSerializer(), min_length=1, max_length=2, **kwargs)


class AliasCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    description = serializers.CharField(max_length=256, required=False, allow_blank=True, default="")
    routing = _routing_field()


class AliasUpdateSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=256, required=False, allow_blank=True)
    routing = _routing_field(required=False)


def _state_machine(name: str) -> StateMachine:
    return get_object_or_404(StateMachine, name=name)


def _alias(name: str, alias: str) -> StateMachineAlias:
    aliases = StateMachineAlias.objects.prefetch_related("routes__version")
    return get_object_or_404(aliases, state_machine__name=name, name=alias)


def _routing(state_machine: StateMachine, routes: list[dict[str, int]] | None) -> list[tuple[str, int]] | None:
    """The routes as the service takes them: version ARNs of this state machine, with weights."""
    if routes is None:
        return None
    return [(arns.version_arn(state_machine.arn, route["version"]), route["weight"]) for route in routes]


def _created_or_found(created: bool) -> int:
    return status.HTTP_201_CREATED if created else status.HTTP_200_OK


class VersionListApi(APIView):
    def get(self, request: Request, name: str) -> Response:
        versions = version_selectors.version_list(state_machine=_state_machine(name))
        return Response(VersionListSerializer(versions, many=True).data)

    def post(self, request: Request, name: str) -> Response:
        data = VersionPublishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version, created = version_services.state_machine_version_publish(
            state_machine=_state_machine(name), description=data.validated_data["description"])
        return Response(VersionOutputSerializer(version).data, status=_created_or_found(created))


class VersionDetailApi(APIView):
    def get(self, request: Request, name: str, number: int) -> Response:
        version = get_object_or_404(StateMachineVersion, state_machine__name=name, number=number)
        return Response(VersionOutputSerializer(version).data)

    def delete(self, request: Request, name: str, number: int) -> Response:
        version = get_object_or_404(StateMachineVersion, state_machine__name=name, number=number)
        version_services.state_machine_version_delete(version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AliasListApi(APIView):
    def get(self, request: Request, name: str) -> Response:
        aliases = version_selectors.alias_list(state_machine=_state_machine(name))
        return Response(AliasOutputSerializer(aliases, many=True).data)

    def post(self, request: Request, name: str) -> Response:
        state_machine = _state_machine(name)
        data = AliasCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        alias, created = version_services.state_machine_alias_create(
            name=data.validated_data["name"], description=data.validated_data["description"],
            routing=_routing(state_machine, data.validated_data["routing"]))
        return Response(AliasOutputSerializer(alias).data, status=_created_or_found(created))


class AliasDetailApi(APIView):
    def get(self, request: Request, name: str, alias: str) -> Response:
        return Response(AliasOutputSerializer(_alias(name, alias)).data)

    def patch(self, request: Request, name: str, alias: str) -> Response:
        found = _alias(name, alias)
        data = AliasUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        updated = version_services.state_machine_alias_update(
            alias=found, description=data.validated_data.get("description"),
            routing=_routing(found.state_machine, data.validated_data.get("routing")))
        return Response(AliasOutputSerializer(_alias(name, updated.name)).data)

    def delete(self, request: Request, name: str, alias: str) -> Response:
        version_services.state_machine_alias_delete(alias=_alias(name, alias))
        return Response(status=status.HTTP_204_NO_CONTENT)
