"""Who may call Switchyard: anyone on the loopback interface; others need a token or a login.

Switchyard binds 127.0.0.1 by default, so every client is local. Bound to another
address (``make run HOST=0.0.0.0``, docker compose), a request from elsewhere must carry
``SWITCHYARD_API_TOKEN`` -- as ``Authorization: Bearer <token>`` or, for boto3 and the
AWS CLI, as the access key id of the signature -- or come from a logged-in Django user.
"""
from __future__ import annotations

import hmac
import ipaddress
import re
from typing import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from designer.awsapi.protocol import error_response

__all__ = ["LoopbackOrTokenMiddleware", "denied_response", "is_loopback", "request_token", "authorization_token",
           "token_matches", "origin_allowed", "cross_site_reason"]

_SIGV4_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")
# The login pages must stay reachable, or nobody could log in from elsewhere.
_OPEN_PREFIXES = ("/admin/login/", "/static/")


def is_loopback(address: str | None) -> bool:
    """Return True for 127.0.0.0/8 and ::1 (and an IPv4-mapped loopback)."""
    try:
        ip = ipaddress.ip_address((address or "").split("%")[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or bool(mapped and mapped.is_loopback)


def request_token(request: HttpRequest) -> str | None:
    """Return the token a request carries (bearer token or SigV4 access key id), or None."""
    return authorization_token(request.headers.get("Authorization", ""))


def authorization_token(header: str) -> str | None:
    """Return the token in an Authorization header's value (bearer token or SigV4 access key id), or None."""
    if header.startswith("Bearer "):
        return header[len("Bearer "):].strip()
    match = _SIGV4_CREDENTIAL.search(header)
    return match.group(1) if match else None


def token_matches(token: str | None) -> bool:
    """Return True when ``token`` is the configured SWITCHYARD_API_TOKEN (never when none is set)."""
    expected = settings.SWITCHYARD_API_TOKEN
    return bool(expected and token and hmac.compare_digest(token.encode(), expected.encode()))


def origin_allowed(origin: str, host: str, scheme: str) -> bool:
    """Return True when a browser's ``Origin`` is this site (``scheme://host``) or a trusted origin.

    ``"null"`` (a sandboxed frame, a file) is never allowed.
    """
    if origin == f"{scheme}://{host}":
        return True
    return origin in getattr(settings, "CSRF_TRUSTED_ORIGINS", ())


# The content types a cross-site HTML form (or a no-cors fetch) can send without a preflight.
_SIMPLE_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")


def cross_site_reason(request: HttpRequest) -> str | None:
    """Return why ``request`` looks like a browser's cross-site request, or None.

    For the AWS endpoint, which SDK clients call without cookies or CSRF tokens: a request
    from another origin (Origin or Sec-Fetch-Site say so) or with a content type a plain
    form can send is refused, so no web page can drive it from the user's browser.
    """
    origin = request.headers.get("Origin")
    if origin is not None and not origin_allowed(origin, request.get_host(), request.scheme):
        return f"requests from the origin {origin!r} are refused"
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return "cross-site requests are refused"
    media_type = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if media_type in _SIMPLE_CONTENT_TYPES:
        return f"the content type {media_type!r} is refused; AWS JSON 1.0 is application/x-amz-json-1.0"
    return None


def denied_response(request: HttpRequest) -> HttpResponse | None:
    """Return the 403 answer for a request that may not come in, or None when it may."""
    if LoopbackOrTokenMiddleware._allowed(request):
        return None
    message = ("Requests from beyond this machine need SWITCHYARD_API_TOKEN (as a bearer token "
               "or as the AWS access key id) or a logged-in user")
    if request.headers.get("X-Amz-Target"):
        return error_response("UnrecognizedClientException", message, 403)
    return JsonResponse({"detail": message}, status=403)


class LoopbackOrTokenMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        denied = denied_response(request)
        return denied if denied is not None else self.get_response(request)

    @staticmethod
    def _allowed(request: HttpRequest) -> bool:
        if is_loopback(request.META.get("REMOTE_ADDR")) or request.path.startswith(_OPEN_PREFIXES):
            return True
        if token_matches(request_token(request)):
            return True
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated)
