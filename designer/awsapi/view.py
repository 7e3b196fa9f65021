"""The root URL: AWS JSON 1.0 requests (POST with X-Amz-Target) and the front end (GET)."""
from __future__ import annotations

import logging
from typing import Any, Callable

from asgiref.sync import sync_to_async
from django.core.exceptions import RequestDataTooBig
from django.db import close_old_connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from designer import frontend
from designer.auth import cross_site_reason
from designer.awsapi import activities, executions, map_runs, state_machines, teststate, versions
from designer.awsapi.protocol import AwsError, error_response, json_response, read_request
from designer.errors import ServiceError

logger = logging.getLogger(__name__)

__all__ = ["root_view", "ACTIONS"]

ACTIONS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    **state_machines.ACTIONS, **versions.ACTIONS, **executions.ACTIONS, **activities.ACTIONS,
    **teststate.ACTIONS, **map_runs.ACTIONS}


@csrf_exempt
async def root_view(request: HttpRequest) -> HttpResponse:
    """Answer an AWS API call, or serve the front end to a browser."""
    if request.method == "POST":
        return await aws_endpoint(request)
    if request.method in ("GET", "HEAD"):
        return await sync_to_async(frontend.index)(request)
    return JsonResponse({"detail": f"Method {request.method} not allowed"}, status=405)


async def aws_endpoint(request: HttpRequest) -> HttpResponse:
    """Return the action's result, or an error in AWS's JSON shape: never an HTML page."""
    refused = cross_site_reason(request)
    if refused:
        return error_response("AccessDeniedException", f"Switchyard's AWS endpoint: {refused}", 403)
    try:
        action, params = read_request(request, implemented=ACTIONS)
        on_loop = executions.ON_LOOP.get(action)  # what clients poll, answered from memory where it can be
        body = await on_loop(params) if on_loop is not None else None
        if body is not None:
            return json_response(body)
        handler = ACTIONS[action]
        # Off Django's single thread for sync code: StartSyncExecution and StopExecution wait on
        # the runtime, and other requests must not queue behind them.
        body = await sync_to_async(_call, thread_sensitive=False)(handler, params)
        return json_response(body)
    except (AwsError, ServiceError) as exc:
        return error_response(exc.code, exc.message, exc.status)
    except RequestDataTooBig:
        return error_response("RequestEntityTooLargeException", "The request body is too large", 413)
    except Exception:  # the contract: whatever happens, the client gets JSON it can parse
        logger.exception("Unexpected error answering %s", request.headers.get("X-Amz-Target"))
        return error_response("InternalFailure", "An internal error occurred in Switchyard; see the server log", 500)


def _call(handler: Callable[[dict[str, Any]], dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
    close_old_connections()
    try:
        return handler(params)
    finally:
        # This thread is outside Django's request cycle, which would otherwise close the connections
        # that are past CONN_MAX_AGE (PostgreSQL: each request; SQLite keeps one per thread).
        close_old_connections()
