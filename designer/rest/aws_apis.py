"""REST endpoints that look ahead to AWS: export a state machine for it (and, for an
execution, what it would cost there)."""
from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.aws_export import FORMATS, template_text
from designer.models import StateMachine

__all__ = ["StateMachineExportApi"]


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
