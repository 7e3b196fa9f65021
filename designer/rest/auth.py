"""CSRF for the REST API, from loopback clients too.

DRF's SessionAuthentication checks CSRF only for logged-in users, and Switchyard lets
loopback clients in without a login: any web page the user visited could then post a
plain form to http://127.0.0.1:8000/api/... So every unsafe request must pass Django's
CSRF check (the ``csrftoken`` cookie echoed in an ``X-CSRFToken`` header, and an Origin
or Referer of this site), unless it carries SWITCHYARD_API_TOKEN, which a browser never
adds by itself. Safe requests get the cookie, so the front end has a token to echo.
"""
from __future__ import annotations

from django.middleware.csrf import get_token
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request

from designer.auth import request_token, token_matches

__all__ = ["CsrfSessionAuthentication"]

_SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


class CsrfSessionAuthentication(SessionAuthentication):
    """Session authentication that enforces CSRF on every unsafe request without the API token."""

    def authenticate(self, request: Request):
        if request.method in _SAFE_METHODS:
            get_token(request._request)  # sets the csrftoken cookie on the response
        elif not token_matches(request_token(request._request)):
            self.enforce_csrf(request)
        return super().authenticate(request)

    def enforce_csrf(self, request: Request) -> None:
        if token_matches(request_token(request._request)):
            return
        super().enforce_csrf(request)
