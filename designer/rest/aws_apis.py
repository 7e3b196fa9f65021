"""REST endpoints that look ahead to AWS: export a state machine for it (and, for an
execution, what it would cost there)."""
from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.aws_costs import execution_cost
from designer.aws_export import FORMATS, template_text
from designer.history import all_events
from designer.models import Execution, StateMachine

__all__ = ["StateMachineExportApi", "ExecutionCostApi"]


class StateMachineExportApi(APIView):
    """GET ?format=asl|sam|cloudformation: the ASL exactly as saved, or a template that deploys it.

    The answer is the file itself (JSON), with a Content-Disposition that names it."""

    def perform_content_negotiation(self, request, force=False):
        # ?format= names the export here, not one of DRF's renderers (which would answer 404).
        return super().perform_content_negotiation(request, force=True)

    def get(self, request: Request, name: str):
        state_machine = get_object_or_404(StateMachine, name=name)
        fmt = request.query_params.get("format", "asl")
        if fmt == "asl":
            text, filename = state_machine.definition, f"{name}.asl.json"
        elif fmt in FORMATS:
            text = template_text(name=name, definition=state_machine.definition,
                                 machine_type=state_machine.type, fmt=fmt)
            filename = f"{name}.{fmt}.json"
        else:
            return Response({"code": "ValidationException",
                             "message": f"format must be one of asl, {', '.join(FORMATS)}"}, status=400)
        response = HttpResponse(text.encode("utf-8"), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


def _positive_int(request: Request, name: str, default: int, limit: int) -> int:
    value = request.query_params.get(name)
    if value is None:
        return default
    if not value.isdigit() or not 0 < int(value) <= limit:
        raise ValueError(f"{name} must be a whole number from 1 to {limit}")
    return int(value)


class ExecutionCostApi(APIView):
    """GET ?memory_mb=64&executions_per_month=1000000: what this execution would cost on AWS,
    as a Standard workflow (per state transition) and as an Express one (per request and
    GB-second), for one run and for a month of them. Prices: designer/aws_prices.json."""

    def get(self, request: Request, pk: int) -> Response:
        execution = get_object_or_404(Execution, pk=pk)
        try:
            memory_mb = _positive_int(request, "memory_mb", 64, 10_240)
            per_month = _positive_int(request, "executions_per_month", 1_000_000, 10**12)
        except ValueError as exc:
            return Response({"code": "ValidationException", "message": str(exc)}, status=400)
        events = [{"type": event.type, "timestamp": event.timestamp} for event in all_events(execution)]
        cost = execution_cost(events=events, definition=execution.definition, memory_mb=memory_mb,
                              executions_per_month=per_month)
        return Response({"execution_arn": execution.arn, "status": execution.status, **cost})
