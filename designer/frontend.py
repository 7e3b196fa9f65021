"""Serving the built front end (frontend/dist/index.html) at "/" and at the app's own routes."""
from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token

__all__ = ["index", "spa"]

_NOT_BUILT = """<!doctype html><html><head><meta charset="utf-8"><title>Switchyard</title></head>
<body><h1>Switchyard</h1><p>The front end is not built. Install Node 20 (with npm), e.g.
<code>apt-get install nodejs npm</code> or from <a href="https://nodejs.org/">nodejs.org</a>, then run
<code>make run</code> again (or <code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code>).</p>
<p>The AWS-compatible Step Functions endpoint is this URL; the REST API is at <a href="/api/">/api/</a>.</p>
</body></html>"""


def index(request: HttpRequest) -> HttpResponse:
    """Return index.html to a browser; return a short JSON note to other clients.

    Either way the response sets the ``csrftoken`` cookie, which the front end echoes in an
    ``X-CSRFToken`` header on its unsafe /api/ requests (SECURITY.md).
    """
    get_token(request)
    if "text/html" not in request.headers.get("Accept", ""):
        return JsonResponse({
            "service": "Switchyard",
            "aws_endpoint": "POST / with X-Amz-Target: AWSStepFunctions.<Action> (AWS JSON 1.0)",
            "rest_api": "/api/",
        })
    return spa(request)


def spa(request: HttpRequest, **_: str) -> HttpResponse:
    """Return index.html: the app reads the path itself, so a reload of any of its pages works."""
    index_file = settings.FRONTEND_DIST / "index.html"
    if not index_file.is_file():
        return HttpResponse(_NOT_BUILT, content_type="text/html; charset=utf-8")
    return HttpResponse(index_file.read_bytes(), content_type="text/html; charset=utf-8")
