"""SageMaker InvokeEndpoint requests and responses, as the local worker reads and writes them.

Request ``Body`` (a JSON string as on AWS, or a JSON value for convenience):

* ``{"inputs": "text"}`` or ``{"inputs": ["t1", "t2"]}`` (Hugging Face style),
  with ``"parameters": {"candidate_labels": [...]}`` to classify;
* ``{"Items": [...]}`` as a Map's ItemBatcher sends it (items are strings or
  objects with a ``text`` field) or a bare JSON array: one batch;
* ``{"text": "..."}`` or a bare JSON string: one input.

Response ``Body`` is a JSON string, as AWS returns it, so ASL that reads it
with ``States.StringToJson($.Body)`` runs unchanged here and there. It holds
one output for a single input, a list of outputs for a list of inputs.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .batcher import Call

__all__ = ["PayloadError", "EndpointRequest", "parse_request", "response"]

JSON_TYPES = ("application/json", "application/jsonlines", "application/x-json")


class PayloadError(ValueError):
    """The request does not say what to run (AWS would answer with a validation error)."""


@dataclass(frozen=True)
class EndpointRequest:
    endpoint: str
    call: Call
    single: bool  # one input given as a scalar: answer with one output, not a list


def parse_request(parameters: Any, *, default_task: str, bound_task: str | None = None) -> EndpointRequest:
    """Read InvokeEndpoint parameters into a :class:`Call`.

    The task is, in order: the one the endpoint binding fixes, the Body's
    ``task`` field, ``classify`` when candidate labels are given, the model's
    default. Raises PayloadError saying what is missing or malformed.
    """
    if not isinstance(parameters, dict):
        raise PayloadError("InvokeEndpoint parameters must be an object with EndpointName and Body")
    endpoint = parameters.get("EndpointName")
    if not isinstance(endpoint, str) or not endpoint:
        raise PayloadError("EndpointName is required")
    if "Body" not in parameters:
        raise PayloadError("Body is required")
    body = _decode(parameters["Body"], str(parameters.get("ContentType", "application/json")))
    inputs, single, extra = _inputs(body)
    model_parameters = extra.get("parameters") or {}
    if not isinstance(model_parameters, dict):
        raise PayloadError("Body.parameters must be an object")
    task = bound_task or extra.get("task") or ("classify" if "candidate_labels" in model_parameters else default_task)
    return EndpointRequest(endpoint, Call(str(task), inputs, model_parameters), single)


def _decode(body: Any, content_type: str) -> Any:
    if not isinstance(body, (str, bytes)):
        return body  # a JSON value placed in Body by the definition
    text = body.decode() if isinstance(body, bytes) else body
    if content_type.split(";")[0].strip().lower() in JSON_TYPES:
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise PayloadError(f"Body is not valid JSON for ContentType {content_type}: {exc}") from None
    return text  # text/plain and the like: the text itself is the one input


def _inputs(body: Any) -> tuple[list[Any], bool, dict[str, Any]]:
    """Returns (inputs, single, the rest of the body)."""
    if isinstance(body, list):
        return [_item(item) for item in body], False, {}
    if not isinstance(body, dict):
        return [body], True, {}
    if "inputs" in body:
        value = body["inputs"]
        return ([_item(item) for item in value], False, body) if isinstance(value, list) else ([value], True, body)
    if "Items" in body:
        if not isinstance(body["Items"], list):
            raise PayloadError("Body.Items must be a list")
        return [_item(item) for item in body["Items"]], False, body
    if "text" in body:
        return [body["text"]], True, body
    raise PayloadError('Body must hold "inputs" (a text or a list of texts), "Items", or "text"')


def _item(item: Any) -> Any:
    if isinstance(item, dict):
        for key in ("text", "inputs"):
            if key in item:
                return item[key]
    return item


def response(outputs: list[Any], *, single: bool) -> dict[str, Any]:
    """The InvokeEndpoint result as AWS shapes it, Body a JSON string."""
    body = outputs[0] if single else outputs
    return {
        "Body": json.dumps(body, separators=(",", ":")),
        "ContentType": "application/json",
        "InvokedProductionVariant": "AllTraffic",
    }
