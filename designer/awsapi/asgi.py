"""The AWS endpoint's own ASGI path: SDK calls skip the middleware that serves browsers.

boto3 and the AWS CLI send ``POST /`` with ``X-Amz-Target``. Through Django's middleware
stack such a call hops between the event loop and threads twice per middleware (sessions,
messages, CSRF and the rest adapt to ASGI that way), which cost several times the action
itself. Here the same request object is built and the same checks are made: the Host
header against ALLOWED_HOSTS, and the loopback-or-token rule of :mod:`designer.auth`.
Then :func:`designer.awsapi.view.aws_endpoint` answers, exactly as through Django.
"""
from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse

from designer.auth import denied_response
from designer.awsapi.protocol import error_response
from designer.awsapi.view import aws_endpoint

__all__ = ["AwsEndpointFastPath"]

_TARGET = b"x-amz-target"
_TOO_LARGE = b"<too large>"  # a marker compared by identity


def is_aws_call(scope: dict[str, Any]) -> bool:
    return (scope["type"] == "http" and scope.get("method") == "POST" and scope.get("path") == "/"
            and any(name == _TARGET for name, _ in scope.get("headers", ())))


class AwsEndpointFastPath:
    """Wraps the Django ASGI app: AWS JSON 1.0 calls are answered here, everything else there."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if not is_aws_call(scope):
            return await self.app(scope, receive, send)
        body = await _read_body(receive, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        if body is None:  # the client went away
            return None
        if body is _TOO_LARGE:
            return await _send(send, error_response("RequestEntityTooLargeException",
                                                    "The request body is too large", 413))
        request = ASGIRequest(scope, io.BytesIO(body))
        response = await self._answer(request)
        await _send(send, response)

    @staticmethod
    async def _answer(request: ASGIRequest) -> HttpResponse:
        try:
            request.get_host()
        except DisallowedHost as exc:
            return error_response("ValidationException", f"Invalid Host header: {exc}", 400)
        denied = denied_response(request)
        if denied is not None:
            return denied
        return await aws_endpoint(request)


async def _read_body(receive, limit: int) -> bytes | None:
    """The whole body; past ``limit`` bytes the rest is read and dropped and ``_TOO_LARGE`` returned."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= limit:
            chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks) if size <= limit else _TOO_LARGE


async def _send(send, response: HttpResponse) -> None:
    headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in response.items()]
    await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": response.content})
