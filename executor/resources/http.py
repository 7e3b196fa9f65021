"""HTTP Tasks (``arn:aws:states:::http:invoke``) sent to the URL they name, from this machine.

The Task's fields are AWS's: ``ApiEndpoint``, ``Method``, ``Headers``, ``QueryParameters``,
``RequestBody``, ``Transform`` (``RequestBodyEncoding``: ``NONE`` or ``URL_ENCODED``;
``RequestEncodingOptions.ArrayFormat``: ``INDICES``, ``REPEAT``, ``COMMAS`` or ``BRACKETS``)
and ``Authentication.ConnectionArn``. The result is AWS's: ``ResponseBody`` (parsed when the
response is JSON), ``StatusCode``, ``StatusText`` and ``Headers``. A status outside 2xx fails with
``States.Http.StatusCode.NNN`` (the response body as the Cause); a refused connection, a name that
does not resolve or no answer in 60 s fails with ``States.Http.Socket``.

On AWS a connection is an EventBridge connection whose secret holds the credentials. Here the
connections are read from a JSON file (``SWITCHYARD_HTTP_CONNECTIONS``, default
``var/connections.json``) holding, per connection ARN or name, the ``AuthorizationType`` and
``AuthParameters`` that ``aws events create-connection`` takes. The same file may redirect URLs
(``"Endpoints": {"https://api.example.com": "http://127.0.0.1:8301"}``) so that an exported
definition calls a local stand-in without being edited. See docs/integrations.md.
"""
from __future__ import annotations

import base64
import json
import os
import socket
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, NamedTuple

from . import InvocationContext, ResourceFailure, register_invoker

__all__ = ["HTTP_INVOKE", "CONNECTIONS_SETTING", "TRACE", "REVEAL_SECRETS", "load_connections", "encode_form",
           "register"]

HTTP_INVOKE = "arn:aws:states:::http:invoke"
CONNECTIONS_SETTING = "SWITCHYARD_HTTP_CONNECTIONS"
DEFAULT_CONNECTIONS_FILE = "var/connections.json"
TIMEOUT_S = 60
METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"})
ARRAY_FORMATS = frozenset({"INDICES", "REPEAT", "COMMAS", "BRACKETS"})
#: headers AWS sets itself and refuses in a Task's Headers
FORBIDDEN_HEADERS = frozenset({"host", "content-length", "user-agent", "expect", "connection", "te",
                               "transfer-encoding", "upgrade", "proxy-authorization"})
USER_AGENT = "Amazon|StepFunctions|HttpInvoke|{region}"
#: InvocationContext.extra keys for TestState's TRACE level: a dict that receives the exchange as
#: ``inspectionData`` shows it ("request" and "response"), and whether to show what the connection
#: adds (its credentials and invocation parameters); without it, the request is shown as the
#: state's own fields make it.
TRACE = "http_trace"
REVEAL_SECRETS = "reveal_secrets"


def _runtime_failure(message: str) -> ResourceFailure:
    return ResourceFailure("States.Runtime", message)


def load_connections(path: str | None = None) -> dict[str, Any]:
    """The connections file as a dict (empty when the file does not exist)."""
    file = Path(path or os.environ.get(CONNECTIONS_SETTING) or DEFAULT_CONNECTIONS_FILE)
    if not file.exists():
        return {}
    try:
        data = json.loads(file.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise _runtime_failure(f"The HTTP connections file {file} ({CONNECTIONS_SETTING}) cannot be read: "
                               f"{exc}") from None
    if not isinstance(data, dict):
        raise _runtime_failure(f"The HTTP connections file {file} ({CONNECTIONS_SETTING}) must hold a JSON object")
    return data


def _connection(arn: str, config: dict) -> dict | None:
    """The entry for ``arn``: by full ARN, else by its name (``connection/NAME/uuid`` or ``NAME``)."""
    connections = config.get("Connections") or {}
    if arn in connections:
        return connections[arn]
    name = arn.split(":connection/", 1)[-1].split("/", 1)[0]
    return connections.get(name)


def _rewrite(url: str, config: dict) -> str:
    """Redirect ``url`` by the longest matching prefix in the file's ``Endpoints``."""
    endpoints = config.get("Endpoints") or {}
    for prefix in sorted(endpoints, key=len, reverse=True):
        if url.startswith(prefix):
            return endpoints[prefix] + url[len(prefix):]
    return url


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def encode_form(body: Any, array_format: str = "INDICES") -> str:
    """``RequestBody`` as ``application/x-www-form-urlencoded`` text, arrays written as AWS writes them."""
    pairs: list[tuple[str, str]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}[{key}]" if prefix else str(key), item)
        elif isinstance(value, list) and prefix:
            if array_format == "COMMAS":
                pairs.append((prefix, ",".join(_scalar(v) for v in value)))
            for index, item in enumerate(value):
                if array_format == "INDICES":
                    walk(f"{prefix}[{index}]", item)
                elif array_format == "BRACKETS":
                    walk(f"{prefix}[]", item)
                elif array_format == "REPEAT":
                    walk(prefix, item)
        else:
            pairs.append((prefix, _scalar(value)))

    if not isinstance(body, dict):
        raise _runtime_failure("URL_ENCODED needs a RequestBody that is a JSON object")
    walk("", body)
    return urllib.parse.urlencode(pairs)


def _apply_connection(entry: dict, headers: dict, query: dict, body: Any) -> Any:
    """Add the connection's credentials and invocation parameters; the connection's values win."""
    kind = entry.get("AuthorizationType")
    auth = entry.get("AuthParameters") or {}
    if kind == "API_KEY":
        key = auth.get("ApiKeyAuthParameters") or {}
        headers[key.get("ApiKeyName", "x-api-key")] = key.get("ApiKeyValue", "")
    elif kind == "BASIC":
        basic = auth.get("BasicAuthParameters") or {}
        raw = f"{basic.get('Username', '')}:{basic.get('Password', '')}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(raw).decode()
    elif kind not in (None, "NONE"):
        raise _runtime_failure(f"The connection's AuthorizationType {kind!r} is not run locally; use API_KEY or "
                               "BASIC, or put the header in InvocationHttpParameters")
    invocation = auth.get("InvocationHttpParameters") or {}
    for item in invocation.get("HeaderParameters") or []:
        headers[item["Key"]] = item["Value"]
    for item in invocation.get("QueryStringParameters") or []:
        query[item["Key"]] = item["Value"]
    extra = {item["Key"]: item["Value"] for item in invocation.get("BodyParameters") or []}
    if extra:
        if body is None:
            body = {}
        if not isinstance(body, dict):
            raise _runtime_failure("The connection has BodyParameters but the RequestBody is not a JSON object")
        body = {**body, **extra}
    return body


class _Outgoing(NamedTuple):
    method: str
    url: str
    headers: dict[str, str]
    data: bytes | None


def _outgoing(parameters: Any, context: InvocationContext, *, with_connection: bool = True) -> _Outgoing:
    """The request to send; ``with_connection`` False leaves out what the connection adds (its secrets)."""
    if not isinstance(parameters, dict):
        raise _runtime_failure("The http:invoke Task needs Parameters (or Arguments) that are a JSON object")
    endpoint, method = parameters.get("ApiEndpoint"), parameters.get("Method")
    if not isinstance(endpoint, str) or not endpoint:
        raise _runtime_failure("The field 'ApiEndpoint' is required but was missing")
    if not isinstance(method, str) or method.upper() not in METHODS:
        raise _runtime_failure(f"The field 'Method' must be one of {', '.join(sorted(METHODS))}")
    config = load_connections()
    headers = {str(k): _scalar(v) for k, v in (parameters.get("Headers") or {}).items()}
    forbidden = sorted(h for h in headers if h.lower() in FORBIDDEN_HEADERS)
    if forbidden:
        raise _runtime_failure(f"The header(s) {', '.join(forbidden)} may not be set in an HTTP Task")
    query = dict(parameters.get("QueryParameters") or {})
    body = parameters.get("RequestBody")
    connection_arn = (parameters.get("Authentication") or {}).get("ConnectionArn")
    if connection_arn and with_connection:
        entry = _connection(connection_arn, config)
        if entry is not None:
            body = _apply_connection(entry, headers, query, body)
    transform = parameters.get("Transform") or {}
    data: bytes | None = None
    if body is not None:
        if transform.get("RequestBodyEncoding", "NONE") == "URL_ENCODED":
            array_format = (transform.get("RequestEncodingOptions") or {}).get("ArrayFormat", "INDICES")
            if array_format not in ARRAY_FORMATS:
                raise _runtime_failure(f"ArrayFormat must be one of {', '.join(sorted(ARRAY_FORMATS))}")
            data = encode_form(body, array_format).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = json.dumps(body, separators=(",", ":")).encode()
            headers.setdefault("Content-Type", "application/json")
    url = _rewrite(endpoint, config)
    if query:
        url += ("&" if "?" in url else "?") + urllib.parse.urlencode(
            [(k, _scalar(v)) for k, v in query.items()])
    parts = context.execution_arn.split(":")
    headers["User-Agent"] = USER_AGENT.format(region=parts[3] if len(parts) > 3 else "us-east-1")
    return _Outgoing(method.upper(), url, headers, data)


def _header_text(pairs) -> str:
    return "[" + ", ".join(f"{name}: {value}" for name, value in pairs) + "]"


def _traced_request(outgoing: _Outgoing) -> dict[str, str]:
    return {"protocol": urllib.parse.urlsplit(outgoing.url).scheme, "method": outgoing.method, "url": outgoing.url,
            "headers": _header_text(outgoing.headers.items()),
            "body": (outgoing.data or b"").decode("utf-8", errors="replace")}


def _traced_response(url: str, status: int, reason: str, headers, raw: bytes) -> dict[str, str]:
    return {"protocol": urllib.parse.urlsplit(url).scheme, "statusCode": str(status), "statusMessage": reason or "",
            "headers": _header_text(headers.items()), "body": raw.decode("utf-8", errors="replace")}


def _result(status: int, reason: str, headers, raw: bytes) -> dict[str, Any]:
    text = raw.decode("utf-8", errors="replace")
    body: Any = text
    if "json" in (headers.get("Content-Type") or "").lower() and text:
        try:
            body = json.loads(text)
        except json.JSONDecodeError:
            pass
    grouped: dict[str, list[str]] = {}
    for name, value in headers.items():
        grouped.setdefault(name, []).append(value)
    return {"Headers": grouped, "ResponseBody": body, "StatusCode": status, "StatusText": reason}


def invoke_http(resource: str, parameters: Any, context: InvocationContext) -> dict[str, Any]:
    """Send the request; returns AWS's result shape or raises ResourceFailure as AWS names it."""
    outgoing = _outgoing(parameters, context)
    trace = context.extra.get(TRACE)
    if trace is not None:
        shown = outgoing if context.extra.get(REVEAL_SECRETS) else _outgoing(parameters, context,
                                                                            with_connection=False)
        trace["request"] = _traced_request(shown)
    request = urllib.request.Request(outgoing.url, data=outgoing.data, headers=outgoing.headers,
                                     method=outgoing.method)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            status, reason, headers, raw = response.status, response.reason, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        status, reason, headers = exc.code, exc.reason, exc.headers
        raw = exc.read() if exc.fp is not None else b""
    except (urllib.error.URLError, socket.timeout, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ResourceFailure("States.Http.Socket", f"{request.method} {request.full_url}: {reason}") from None
    if trace is not None:
        trace["response"] = _traced_response(outgoing.url, status, reason, headers, raw)
    if not 200 <= status < 300:
        raise ResourceFailure(f"States.Http.StatusCode.{status}", raw.decode("utf-8", errors="replace"))
    return _result(status, reason, headers, raw)


def register() -> None:
    """Called by executor.resources on first lookup."""
    register_invoker(lambda r: r == HTTP_INVOKE, invoke_http)
