"""Websockets let in on the rules HTTP uses (designer/auth.py, SECURITY.md).

``websocket_application(routes)`` is what config/asgi.py serves for the websocket
protocol: channels' session middleware (so a logged-in user is known), then
:class:`WebsocketGuardMiddleware`, then the routes, with a last route that closes a
handshake to any other path instead of failing with a 500.

The guard, before any consumer runs: the Host must be one of ALLOWED_HOSTS; a browser's
Origin must be this site or a trusted origin (a page elsewhere cannot open a socket with
the user's cookies or from their loopback interface); and the client must be on the
loopback interface, carry SWITCHYARD_API_TOKEN (``Authorization: Bearer``), or be a
logged-in user. A refused handshake is closed before it is accepted (HTTP 403).
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.urls import re_path

from designer.auth import authorization_token, is_loopback, origin_allowed, token_matches

logger = logging.getLogger(__name__)

__all__ = ["WebsocketGuardMiddleware", "websocket_application", "websocket_not_found", "refusal_reason",
           "CLOSE_REFUSED", "CLOSE_NOT_FOUND"]

Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Callable, Callable], Awaitable[None]]

CLOSE_REFUSED = 4403
CLOSE_NOT_FOUND = 4404


def _headers(scope: Scope) -> dict[str, str]:
    return {name.decode("latin1").lower(): value.decode("latin1") for name, value in scope.get("headers", [])}


def refusal_reason(scope: Scope) -> str | None:
    """Return why a websocket handshake must be refused, or None to let it in."""
    headers = _headers(scope)
    host = headers.get("host", "")
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return f"the host {host!r} is not in ALLOWED_HOSTS"
    origin = headers.get("origin")
    scheme = "https" if scope.get("scheme") == "wss" else "http"
    if origin is not None and not origin_allowed(origin, host, scheme):
        return f"the origin {origin!r} is not this site"
    client = scope.get("client") or (None, None)
    if is_loopback(client[0]) or token_matches(authorization_token(headers.get("authorization", ""))):
        return None
    # A browser cannot set headers on a websocket: it may pass the token as ?token=.
    query = parse_qs((scope.get("query_string") or b"").decode("latin1"))
    if token_matches((query.get("token") or [None])[0]):
        return None
    user = scope.get("user")
    if user is not None and user.is_authenticated:
        return None
    return "clients beyond this machine need SWITCHYARD_API_TOKEN or a logged-in user"


async def _close_handshake(receive: Callable, send: Callable, code: int) -> None:
    message = await receive()
    if message.get("type") == "websocket.connect":
        await send({"type": "websocket.close", "code": code})


class WebsocketGuardMiddleware:
    """ASGI middleware: a websocket handshake reaches ``inner`` only when :func:`refusal_reason` allows it."""

    def __init__(self, inner: ASGIApp):
        self.inner = inner

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] == "websocket":
            reason = refusal_reason(scope)
            if reason is not None:
                logger.warning("Refused a websocket to %s: %s", scope.get("path"), reason)
                return await _close_handshake(receive, send, CLOSE_REFUSED)
        return await self.inner(scope, receive, send)


async def websocket_not_found(scope: Scope, receive: Callable, send: Callable) -> None:
    """The last route: a handshake to a path no consumer serves is closed, not failed."""
    await _close_handshake(receive, send, CLOSE_NOT_FOUND)


def websocket_application(routes: list) -> ASGIApp:
    """Return the ASGI application for the websocket protocol serving ``routes`` behind the guard."""
    return AuthMiddlewareStack(WebsocketGuardMiddleware(URLRouter([*routes, re_path(r"", websocket_not_found)])))
