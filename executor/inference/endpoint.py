"""One InvokeEndpoint call against the local worker, from a loop or a thread.

Shared by the Task invoker (``executor.resources.sagemaker``), the Celery
task (:mod:`.celery_tasks`) and the remote client (:mod:`.remote`). Failures
are :class:`EndpointError` carrying the Error and Cause that AWS would record.
"""
from __future__ import annotations

import asyncio
from typing import Any, Callable

from . import payloads, registry, service
from .batcher import QueueFullError
from .models import ModelInputError

__all__ = ["EndpointError", "ainvoke", "invoke", "as_endpoint_error"]

ERROR_PREFIX = "SageMakerRuntime."  # how AWS names this service's errors in a Task failure


class EndpointError(Exception):
    """An InvokeEndpoint failure, with AWS's ``error`` name and a ``cause`` for people."""

    def __init__(self, error: str, cause: str):
        super().__init__(f"{error}: {cause}")
        self.error, self.cause = error, cause


def as_endpoint_error(exc: Exception) -> EndpointError:
    """The AWS-named failure for an exception raised while serving a call."""
    if isinstance(exc, EndpointError):
        return exc
    if isinstance(exc, (payloads.PayloadError, ModelInputError, registry.UnknownEndpoint, registry.UnknownModel)):
        text = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)  # KeyError reprs its text
        return EndpointError(ERROR_PREFIX + "ValidationErrorException", text)
    if isinstance(exc, QueueFullError):
        return EndpointError(ERROR_PREFIX + "ServiceUnavailableException", str(exc))
    return EndpointError(ERROR_PREFIX + "ModelErrorException", f"{type(exc).__name__}: {exc}")


def _binding(parameters: Any) -> registry.EndpointBinding:
    endpoint = parameters.get("EndpointName") if isinstance(parameters, dict) else None
    return registry.resolve_endpoint(str(endpoint))


def _request(parameters: Any, binding: registry.EndpointBinding,
             worker: service.ModelWorker) -> payloads.EndpointRequest:
    return payloads.parse_request(parameters, default_task=worker.model.default_task, bound_task=binding.task)


async def ainvoke(parameters: Any, *, is_cancelled: Callable[[], bool] | None = None) -> dict[str, Any]:
    """Serve one call on this process's worker without holding a thread; returns the
    AWS-shaped response. Raises EndpointError (or CancelledError when cancelled)."""
    try:
        binding = _binding(parameters)
        worker = service.running_worker(binding.model)
        if worker is None:  # the first call loads the model (seconds): off the loop
            worker = await asyncio.get_running_loop().run_in_executor(None, service.get_worker, binding.model)
        request = _request(parameters, binding, worker)
        outputs = await worker.asubmit(request.call, is_cancelled=is_cancelled)
        return payloads.response(outputs, single=request.single)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        raise as_endpoint_error(exc) from exc


def invoke(parameters: Any, *, timeout: float | None = None) -> dict[str, Any]:
    """Serve one call from a thread, blocking until done; returns the AWS-shaped response.
    Raises EndpointError."""
    try:
        binding = _binding(parameters)
        worker = service.get_worker(binding.model)
        request = _request(parameters, binding, worker)
        outputs = worker.submit(request.call).result(timeout)
        return payloads.response(outputs, single=request.single)
    except Exception as exc:
        raise as_endpoint_error(exc) from exc
