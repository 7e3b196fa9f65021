"""DRF exception handler: service errors become JSON with AWS's error code."""
from __future__ import annotations

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from designer.errors import ExecutionDoesNotExist, ServiceError, StateMachineDoesNotExist

__all__ = ["exception_handler"]

_NOT_FOUND = (StateMachineDoesNotExist, ExecutionDoesNotExist)


def exception_handler(exc, context):
    """Return a response for ``exc``: 404 for a missing resource, 400 for other service errors."""
    if isinstance(exc, ServiceError):
        status = 404 if isinstance(exc, _NOT_FOUND) else exc.status
        return Response({"code": exc.code, "message": exc.message}, status=status)
    return drf_exception_handler(exc, context)
