"""SageMaker InvokeEndpoint Tasks, answered by a local model through the batcher.

Both spellings of the call are served: ``arn:aws:states:::sagemaker:invokeEndpoint``
and the AWS SDK integration ``arn:aws:states:::aws-sdk:sagemakerruntime:invokeEndpoint``.
Which local model answers an EndpointName is decided by
:mod:`executor.inference.registry`, never by the definition. The result has
the shape AWS returns, ``{"Body": "<JSON text>", "ContentType",
"InvokedProductionVariant"}`` (see :mod:`executor.inference.payloads`).

With SWITCHYARD_INFERENCE_MODE=celery the call goes to the ``inference``
Celery queue instead of this process's batcher.
"""
from __future__ import annotations

from typing import Any

from executor.resources import InvocationContext, ResourceFailure, register_invoker

__all__ = ["INVOKE_ENDPOINT_ARNS", "invoke_endpoint", "register"]

INVOKE_ENDPOINT_ARNS = (
    "arn:aws:states:::sagemaker:invokeEndpoint",
    "arn:aws:states:::aws-sdk:sagemakerruntime:invokeEndpoint",
)


def _matches(resource: str) -> bool:
    return resource in INVOKE_ENDPOINT_ARNS


async def invoke_endpoint(resource: str, parameters: Any, context: InvocationContext) -> dict[str, Any]:
    """Run one InvokeEndpoint Task; returns the AWS-shaped response.

    Raises ResourceFailure: ``SageMakerRuntime.ValidationErrorException`` for a
    bad request or an unbound endpoint, ``SageMakerRuntime.ServiceUnavailableException``
    when the model's queue is full, ``SageMakerRuntime.ModelErrorException`` when
    the model fails.
    """
    # Imported here so that resolving other resources never pulls in the inference stack.
    from executor.inference import endpoint, settings

    try:
        if settings.inference_mode() == "celery":
            from executor.inference import remote

            return await remote.ainvoke(parameters, is_cancelled=context.is_cancelled)
        return await endpoint.ainvoke(parameters, is_cancelled=context.is_cancelled)
    except endpoint.EndpointError as exc:
        raise ResourceFailure(exc.error, exc.cause) from None


def register() -> None:
    """Called by executor.resources on first lookup."""
    # The inference worker holds the models and batches requests across Tasks: send them there.
    register_invoker(_matches, invoke_endpoint, queue="inference")
