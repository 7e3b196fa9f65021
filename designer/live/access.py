"""Who may open a live websocket: the HTTP rule of designer/auth.py, applied to a websocket scope.

Anyone on the loopback interface, anyone else with ``SWITCHYARD_API_TOKEN`` (``?token=`` --
browsers cannot set headers on a websocket -- or ``Authorization: Bearer``), or a logged-in
user when a session middleware put one in the scope. A browser always sends ``Origin``: one
whose host is not in ALLOWED_HOSTS is refused even on the loopback, so a page on another site
cannot read executions through the user's own browser (cross-site websocket hijacking).
"""
from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.http.request import validate_host

from designer.auth import is_loopback

__all__ = ["websocket_allowed", "query_params"]


def query_params(scope: dict[str, Any]) -> dict[str, str]:
    """The scope's query string as a dict (the last value of each name)."""
    raw = scope.get("query_string", b"").decode("latin-1")
    return {name: values[-1] for name, values in parse_qs(raw).items()}


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _origin_allowed(scope: dict[str, Any]) -> bool:
    origin = _header(scope, b"origin")
    if origin is None:  # not a browser: the client address and the token decide
        return True
    host = urlsplit(origin).hostname
    if host and ":" in host:
        host = f"[{host}]"  # how ALLOWED_HOSTS spells an IPv6 address
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:  # what Django's own host check allows then
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    return bool(host) and validate_host(host, allowed)


def _token(scope: dict[str, Any]) -> str | None:
    header = _header(scope, b"authorization") or ""
    if header.startswith("Bearer "):
        return header[len("Bearer "):].strip()
    return query_params(scope).get("token")


def websocket_allowed(scope: dict[str, Any]) -> bool:
    """Return True when the client may open this websocket."""
    if not _origin_allowed(scope):
        return False
    client = scope.get("client") or (None, None)
    if is_loopback(client[0]):
        return True
    expected, token = settings.SWITCHYARD_API_TOKEN, _token(scope)
    if expected and token and hmac.compare_digest(token.encode(), expected.encode()):
        return True
    user = scope.get("user")
    return bool(user is not None and getattr(user, "is_authenticated", False))
