"""AWS JSON 1.0 on the wire: reading a request, writing a result or an error."""
from __future__ import annotations

import json
import random
from collections.abc import Container
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse

from designer.awsapi.model import TARGET_PREFIX, operation_model, validation_errors
from designer.storable import first_unstorable
from executor.asl.scope import uuid4_from

__all__ = ["AwsError", "read_request", "json_response", "error_response", "CONTENT_TYPE"]

CONTENT_TYPE = "application/x-amz-json-1.0"
_SERVICE_NAMESPACE = "com.amazonaws.swf.service.v2.model"
_CORAL_NAMESPACE = "com.amazon.coral.service"
# Errors raised by the protocol layer itself, as AWS's front end names them.
_CORAL_ERRORS = {"UnknownOperationException", "SerializationException", "InternalFailure", "AccessDeniedException",
                 "UnrecognizedClientException", "RequestEntityTooLargeException"}


class AwsError(Exception):
    """An error to answer with: ``code`` is the exception name botocore maps to its class."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def read_request(request: HttpRequest, implemented: Container[str]) -> tuple[str, dict[str, Any]]:
    """Return ``(action, params)`` of an AWS JSON 1.0 request, checked against botocore's model.

    Raises AwsError: UnknownOperationException (no target, or one that AWS or Switchyard
    does not know: an action not in ``implemented``), SerializationException
    (the body is not a JSON object) or ValidationException (the params do not fit the shape).
    """
    target = request.headers.get("X-Amz-Target", "")
    prefix, _, action = target.partition(".")
    if prefix != TARGET_PREFIX or not action:
        raise AwsError("UnknownOperationException", f"Unknown operation: '{target}'" if target else
                       "Missing the X-Amz-Target header (expected AWSStepFunctions.<Action>)")
    operation = operation_model(action)
    if operation is None:
        raise AwsError("UnknownOperationException", f"Unknown operation: '{target}'")
    if action not in implemented:
        raise AwsError("UnknownOperationException", f"Switchyard does not implement {action} yet")
    params = _parse_body(request.body)
    errors = validation_errors(operation.input_shape, params) if operation.input_shape is not None else []
    if errors:
        count = f"{len(errors)} validation error{'s' if len(errors) > 1 else ''} detected: "
        raise AwsError("ValidationException", count + "; ".join(errors))
    _check_storable(params)
    return action, params


# The error AWS gives for a bad value of these members; any other member gets ValidationException.
_MEMBER_ERRORS = {"name": "InvalidName", "definition": "InvalidDefinition", "input": "InvalidExecutionInput",
                  "output": "InvalidOutput", "stateMachineArn": "InvalidArn", "executionArn": "InvalidArn",
                  "resourceArn": "InvalidArn", "activityArn": "InvalidArn", "roleArn": "InvalidArn",
                  "nextToken": "InvalidToken"}


def _check_storable(params: dict[str, Any]) -> None:
    """Refuse a member holding a lone surrogate or NUL before it reaches a database (designer/storable.py)."""
    for member, value in params.items():
        problem = first_unstorable(value, member) or first_unstorable(member, "a member name")
        if problem:
            raise AwsError(_MEMBER_ERRORS.get(member, "ValidationException"),
                           f"1 validation error detected: Value at '{member}' holds {problem}, "
                           "which Switchyard does not accept")


def _parse_body(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}  # botocore sends "{}" for an operation without params; curl may send nothing
    try:
        params = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise AwsError("SerializationException", f"The request body is not valid JSON: {exc}") from None
    if not isinstance(params, dict):
        raise AwsError("SerializationException", "The request body must be a JSON object")
    return params


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()  # AWS JSON 1.0 sends timestamps as epoch seconds
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _response(body: dict[str, Any], status: int) -> HttpResponse:
    response = HttpResponse(json.dumps(body, default=_encode), status=status, content_type=CONTENT_TYPE)
    response["x-amzn-RequestId"] = uuid4_from(random)
    return response


def json_response(body: dict[str, Any]) -> HttpResponse:
    """Return a 200 response carrying ``body`` (datetimes become epoch floats; None values are dropped)."""
    return _response({key: value for key, value in body.items() if value is not None}, 200)


def error_response(code: str, message: str, status: int = 400) -> HttpResponse:
    """Return an error response botocore turns into its ``<code>`` exception class."""
    namespace = _CORAL_NAMESPACE if code in _CORAL_ERRORS else _SERVICE_NAMESPACE
    response = _response({"__type": f"{namespace}#{code}", "message": message}, status)
    response["x-amzn-ErrorType"] = f"{code}:"
    return response
