"""The REST API answers in JSON, errors included.

``exception_handler`` (DRF) turns service errors into JSON with AWS's error code;
``designer.rest.parsers.JSONParser`` answers a body nested too deeply with a 400; ``JsonErrorsMiddleware``
answers an oversized body with a 413 and turns any HTML error page Django would give
under /api/ (unknown URL, a crash) into JSON.
"""
from __future__ import annotations

from http import HTTPStatus
from typing import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from designer.errors import ExecutionDoesNotExist, ResourceNotFound, ServiceError, StateMachineDoesNotExist

__all__ = ["exception_handler", "JsonErrorsMiddleware", "API_PREFIX"]

API_PREFIX = "/api/"
_NOT_FOUND = (StateMachineDoesNotExist, ExecutionDoesNotExist, ResourceNotFound)


def exception_handler(exc, context):
    """Return a response for ``exc``: 404 for a missing resource, 400 for other service errors."""
    if isinstance(exc, ServiceError):
        status = 404 if isinstance(exc, _NOT_FOUND) else exc.status
        return Response({"code": exc.code, "message": exc.message}, status=status)
    return drf_exception_handler(exc, context)


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "detail": message}, status=status)


class JsonErrorsMiddleware:
    """Outermost middleware: under /api/, every error a client gets is JSON."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _error(400, "BadRequest", "The Content-Length header is not a number")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            return _error(413, "RequestEntityTooLarge", f"The request body is larger than {limit} bytes")
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if response.status_code >= 400 and not content_type.startswith("application/json"):
            status = response.status_code
            phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
            # A body Django refused while reading it (no Content-Length, say) ends up as its 400 page.
            return _error(status, phrase.replace(" ", ""), f"{phrase}: {request.method} {request.path}")
        return response
