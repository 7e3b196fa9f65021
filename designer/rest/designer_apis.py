"""REST endpoints the visual designer needs beside the CRUD ones: validation while editing,
the palette's local resources, the examples, and an execution looked up by its ARN."""
from __future__ import annotations

import json
import os
from pathlib import Path

from django.conf import settings
from django.shortcuts import get_object_or_404
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.definitions import definition_diagnostics
from designer.models import Execution, StateMachineType
from designer.rest.serializers import ExecutionDetailSerializer, ExecutionSummarySerializer

__all__ = ["ValidateApi", "DesignerResourcesApi", "ExamplesApi", "ExecutionByArnApi"]


class _ValidateSerializer(serializers.Serializer):
    definition = serializers.JSONField()
    type = serializers.ChoiceField(choices=StateMachineType.choices, default=StateMachineType.STANDARD)


class ValidateApi(APIView):
    """POST {definition (text or object), type?} -> {problems: [{path, message, code, severity}]}.

    The same checks as ValidateStateMachineDefinition and CreateStateMachine; ``path`` is the
    JSON pointer of the problem ("/" for the whole definition)."""

    def post(self, request: Request) -> Response:
        data = _ValidateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        definition = data.validated_data["definition"]
        text = definition if isinstance(definition, str) else json.dumps(definition)
        problems = [
            {"path": d.location or "/", "message": d.message, "code": d.code, "severity": d.severity}
            for d in definition_diagnostics(text, machine_type=data.validated_data["type"])
        ]
        return Response({"problems": problems})


class DesignerResourcesApi(APIView):
    """GET -> the palette's local resources: bound Lambda handlers, registered models and the
    endpoint names bound to them, the Bedrock model ids bound locally (secrets left out) and
    where AWS service Tasks go."""

    def get(self, request: Request) -> Response:
        from executor.inference import registry
        from executor.inference.settings import endpoint_bindings
        from executor.resources import ResourceFailure
        from executor.resources.aws_services import ENDPOINT_SETTING
        from executor.resources.bedrock import model_bindings
        from executor.resources.lambdas import bound_functions

        try:
            endpoints = endpoint_bindings()
        except ValueError as exc:  # a malformed SWITCHYARD_ENDPOINTS: say so, keep the rest
            endpoints = {"error": str(exc)}
        try:
            bedrock = {model_id: {k: v for k, v in binding.items() if k != "api_key"}
                       for model_id, binding in model_bindings().items()}
        except ResourceFailure as exc:  # a malformed SWITCHYARD_BEDROCK_MODELS likewise
            bedrock = {"error": exc.cause}
        return Response({
            "lambdas": bound_functions(),
            "models": registry.model_names(),
            "endpoints": endpoints,
            "bedrock_models": bedrock,
            "aws_endpoint": os.environ.get(ENDPOINT_SETTING) or None,
        })


def _examples_dir() -> Path:
    return Path(settings.BASE_DIR) / "examples"


class ExamplesApi(APIView):
    """GET -> [{name, comment, definition}] for each examples/*.asl.json, the text as stored."""

    def get(self, request: Request) -> Response:
        examples = []
        for path in sorted(_examples_dir().glob("*.asl.json")):
            text = path.read_text(encoding="utf-8")
            try:
                comment = json.loads(text).get("Comment", "")
            except (ValueError, AttributeError):
                comment = ""
            examples.append({"name": path.name[: -len(".asl.json")], "comment": comment, "definition": text})
        return Response(examples)


class ExecutionByArnApi(APIView):
    """GET ?arn=<executionArn> -> the execution with its history; with ``events=0``, without it
    (the run page streams the history over its websocket, which a 10,000-item Map makes long)."""

    def get(self, request: Request) -> Response:
        arn = request.query_params.get("arn")
        if not arn:
            return Response({"detail": "Give the execution ARN as ?arn=..."}, status=400)
        execution = get_object_or_404(Execution.objects.select_related("state_machine", "rerun_of"), arn=arn)
        if request.query_params.get("events") == "0":
            return Response(ExecutionSummarySerializer(execution).data)
        return Response(ExecutionDetailSerializer(execution).data)
