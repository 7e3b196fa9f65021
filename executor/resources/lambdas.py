"""Lambda functions answered by local Python handlers.

Bind a handler to a function name with the decorator, in any module listed in
the ``SWITCHYARD_HANDLERS`` setting (comma-separated module paths)::

    from executor.resources.lambdas import handler

    @handler("resize-image")
    def resize(event, context):
        return {"width": event["width"] // 2}

A handler runs on a worker thread, so it may block (call a service, read files,
sleep). One that never blocks and returns at once (a few lines of computation on
the event) may say so, ``@handler("greet", blocking=False)``: it then runs on the
runtime's loop, without the round trip through a thread. A handler so marked that
does block holds up every execution of its process meanwhile.

A Task whose Resource is ``arn:aws:lambda:REGION:ACCOUNT:function:resize-image``
(or ``arn:aws:states:::lambda:invoke`` with ``FunctionName``) then calls it, with
the event and context shapes Lambda uses. An exception becomes the error Lambda
reports: its type as the Error; errorMessage, errorType and stackTrace in the
Cause.
"""
from __future__ import annotations

import importlib
import json
import os
import random
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable

from executor.asl.scope import uuid4_from

from . import InvocationContext, ResourceFailure, register_invoker

__all__ = ["handler", "bind", "unbind", "bound_functions", "LambdaContext", "load_handler_modules", "register"]

_HANDLERS: dict[str, Callable[[Any, Any], Any]] = {}
#: the functions whose handler was declared not to block (they run on the runtime's loop)
_NON_BLOCKING: set[str] = set()
_loaded_modules: set[str] = set()
_loaded_from: str | None = None  # the SWITCHYARD_HANDLERS text whose modules are all imported
_lock = threading.Lock()


def handler(function_name: str, *, blocking: bool = True):
    """Decorator: answer the Lambda function ``function_name`` with this Python function.
    ``blocking=False`` declares that it never blocks (see the module's docstring)."""
    def decorate(fn):
        bind(function_name, fn, blocking=blocking)
        return fn
    return decorate


def bind(function_name: str, fn: Callable[[Any, Any], Any], *, blocking: bool = True) -> None:
    _HANDLERS[function_name] = fn
    if blocking:
        _NON_BLOCKING.discard(function_name)
    else:
        _NON_BLOCKING.add(function_name)


def unbind(function_name: str) -> None:
    _HANDLERS.pop(function_name, None)
    _NON_BLOCKING.discard(function_name)


def bound_functions() -> list[str]:
    load_handler_modules()
    return sorted(_HANDLERS)


def load_handler_modules(modules: str | None = None) -> None:
    """Import each module named in ``SWITCHYARD_HANDLERS`` once (their decorators bind handlers)."""
    global _loaded_from
    names = modules if modules is not None else os.environ.get("SWITCHYARD_HANDLERS", "")
    if names == _loaded_from:  # every Task calls this: the usual answer is "all imported already"
        return
    for name in filter(None, (n.strip() for n in names.split(","))):
        with _lock:
            if name in _loaded_modules:
                continue
            importlib.import_module(name)
            _loaded_modules.add(name)
    _loaded_from = names


@dataclass
class LambdaContext:
    """The context object a Lambda handler receives (the fields handlers commonly read)."""

    function_name: str
    invoked_function_arn: str
    aws_request_id: str
    deadline: float
    memory_limit_in_mb: int = 128
    function_version: str = "$LATEST"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"switchyard/{self.aws_request_id}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


def _function_name(name_or_arn: str) -> str:
    """FunctionName may be a name, ``NAME:QUALIFIER``, a partial or a full ARN."""
    parts = name_or_arn.split(":")
    if "function" in parts:
        return parts[parts.index("function") + 1]
    return parts[0]


def _function_arn(name: str, context: InvocationContext) -> str:
    parts = context.execution_arn.split(":")
    region, account = (parts[3], parts[4]) if len(parts) > 4 else ("us-east-1", "123456789012")
    return f"arn:aws:lambda:{region}:{account}:function:{name}"


def _call(name: str, event: Any, context: InvocationContext) -> Any:
    load_handler_modules()
    fn = _HANDLERS.get(name)
    if fn is None:
        raise ResourceFailure(
            "Lambda.ResourceNotFoundException",
            f"Function not found: {_function_arn(name, context)} (no local handler is bound to '{name}'; "
            "bind one with @handler in a module listed in SWITCHYARD_HANDLERS)",
        )
    timeout = context.timeout_seconds or 900
    lambda_context = LambdaContext(name, _function_arn(name, context), uuid4_from(random), time.monotonic() + timeout)
    try:
        result = fn(event, lambda_context)
        json.dumps(result)
        return result
    except ResourceFailure:
        raise
    except Exception as exc:  # the handler's own failure, reported as Lambda reports it
        error_type = type(exc).__name__
        cause = {"errorMessage": str(exc), "errorType": error_type,
                 "requestId": lambda_context.aws_request_id,
                 # Lambda lists the handler's own frames, not the runtime's that called it.
                 "stackTrace": traceback.format_list(traceback.extract_tb(exc.__traceback__)[1:])}
        raise ResourceFailure(error_type, json.dumps(cause)) from None


def _non_blocking(name: str) -> bool:
    # Not loading the modules here: an import may be slow, and the first call on a thread does it.
    return name in _NON_BLOCKING


def _invoke_function_arn(resource: str, parameters: Any, context: InvocationContext) -> Any:
    return _call(_function_name(resource), parameters, context)


def _invoke_integration(resource: str, parameters: Any, context: InvocationContext) -> Any:
    if not isinstance(parameters, dict) or not isinstance(parameters.get("FunctionName"), str):
        raise ResourceFailure("States.Runtime", "The lambda:invoke integration needs a string 'FunctionName' in its "
                                                "Parameters")
    payload = parameters.get("Payload", {})
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except json.JSONDecodeError:
            pass
    result = _call(_function_name(parameters["FunctionName"]), payload, context)
    return {
        "ExecutedVersion": "$LATEST",
        "Payload": result,
        "SdkHttpMetadata": {"HttpHeaders": {"Content-Type": "application/json"}, "HttpStatusCode": 200},
        "SdkResponseMetadata": {"RequestId": uuid4_from(random)},
        "StatusCode": 200,
    }


def _integration_non_blocking(resource: str, parameters: Any) -> bool:
    name = parameters.get("FunctionName") if isinstance(parameters, dict) else None
    return isinstance(name, str) and _non_blocking(_function_name(name))


def register() -> None:
    register_invoker(lambda r: r.startswith("arn:aws:lambda:") and ":function:" in r, _invoke_function_arn,
                     inline=lambda resource, parameters: _non_blocking(_function_name(resource)))
    register_invoker(lambda r: r in ("arn:aws:states:::lambda:invoke",), _invoke_integration,
                     inline=_integration_non_blocking)
