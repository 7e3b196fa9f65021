"""Bedrock InvokeModel Tasks (``arn:aws:states:::bedrock:invokeModel``), answered locally.

Which local thing answers a ``ModelId`` is bound in one place, ``SWITCHYARD_BEDROCK_MODELS``
(a JSON file, ``var/bedrock-models.json`` by default, or the JSON itself), never in the definition:

* ``{"local": "minilm"}``: a model of the local inference registry, through the same batcher
  as SageMaker endpoints. The request and response keep the Bedrock embedding shapes: Titan
  (``{"inputText"}`` -> ``{"embedding", "inputTextTokenCount"}``) and Cohere
  (``{"texts", "input_type"}`` -> ``{"embeddings", "id", "response_type", "texts"}``).
  Titan and Cohere embedding model ids are bound to MiniLM unless the file says otherwise.
* ``{"openai": "http://127.0.0.1:8080/v1", "model": "llama3"}``: an OpenAI-compatible server you
  run; an Anthropic Messages request is sent to ``/chat/completions`` and the answer comes back
  in the Anthropic shape.
* ``{"handler": "package.module:function"}``: ``function(body, model_id)`` returns the response body.

The Task's fields are AWS's: ``ModelId``, ``Body`` or ``Input.S3Uri``, ``Output.S3Uri``,
``ContentType``, ``Accept``. S3 URIs are files of the local folder buckets
(:mod:`executor.resources.buckets`). The result is ``{"Body": <the model's JSON answer>,
"ContentType"}``. An unbound model id fails with ``Bedrock.ValidationException`` naming the setting.
"""
from __future__ import annotations

import asyncio
import importlib
import json
import os
import re
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from . import InvocationContext, ResourceFailure, buckets, register_invoker

__all__ = ["INVOKE_MODEL", "MODELS_SETTING", "DEFAULT_BINDINGS", "model_bindings", "binding_for", "register"]

INVOKE_MODEL = "arn:aws:states:::bedrock:invokeModel"
MODELS_SETTING = "SWITCHYARD_BEDROCK_MODELS"
DEFAULT_MODELS_FILE = "var/bedrock-models.json"
PREFIX = "Bedrock."
OPENAI_TIMEOUT_S = 300

#: embedding models that run on the local MiniLM unless bound otherwise
DEFAULT_BINDINGS: dict[str, dict] = {
    model_id: {"local": "minilm"} for model_id in (
        "amazon.titan-embed-text-v1", "amazon.titan-embed-text-v2:0", "amazon.titan-embed-g1-text-02",
        "cohere.embed-english-v3", "cohere.embed-multilingual-v3")}
_REGION_PROFILE = re.compile(r"^(us|eu|apac|us-gov|jp|au|ca|global)\.")


def _failure(name: str, cause: str) -> ResourceFailure:
    return ResourceFailure(PREFIX + name, cause)


def model_bindings() -> dict[str, dict]:
    """The default bindings overlaid with the setting's (a file path or the JSON itself)."""
    value = os.environ.get(MODELS_SETTING, "").strip()
    if value.startswith("{"):
        text, where = value, MODELS_SETTING
    else:
        path = Path(value or DEFAULT_MODELS_FILE)
        if not path.exists():
            return dict(DEFAULT_BINDINGS)
        text, where = path.read_text(), f"{path} ({MODELS_SETTING})"
    try:
        configured = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResourceFailure("States.Runtime", f"The Bedrock model bindings in {where} are not JSON: {exc}") from None
    if not isinstance(configured, dict):
        raise ResourceFailure("States.Runtime", f"The Bedrock model bindings in {where} must be a JSON object")
    return {**DEFAULT_BINDINGS, **configured}


def _model_id(value: Any) -> str:
    """A model id, from an id, a foundation-model ARN or a cross-region inference profile."""
    if not isinstance(value, str) or not value:
        raise _failure("ValidationException", "ModelId is required")
    return value.rsplit("/", 1)[-1] if value.startswith("arn:") else value


def binding_for(model_id: str) -> dict:
    bindings = model_bindings()
    for candidate in (model_id, _REGION_PROFILE.sub("", model_id)):
        if candidate in bindings:
            return bindings[candidate]
    raise _failure("ValidationException",
                   f"The provided model identifier is invalid: no local binding for '{model_id}'. Bind it in "
                   f"{MODELS_SETTING} (a JSON file, {DEFAULT_MODELS_FILE} by default), e.g. "
                   f'{{"{model_id}": {{"openai": "http://127.0.0.1:8080/v1"}}}} (docs/integrations.md)')


def _request_body(parameters: dict) -> Any:
    if "Body" in parameters:
        body = parameters["Body"]
    elif isinstance(parameters.get("Input"), dict) and "S3Uri" in parameters["Input"]:
        body = buckets.read(parameters["Input"]["S3Uri"]).decode("utf-8")
    else:
        raise _failure("ValidationException", "InvokeModel needs Body or Input.S3Uri")
    if isinstance(body, str):
        try:
            return json.loads(body)
        except json.JSONDecodeError:
            raise _failure("ValidationException", "The request body is not valid JSON") from None
    return body


# -- local registry models: Bedrock's embedding shapes ------------------------------------------


def _token_count(text: str) -> int:
    return len(re.findall(r"\w+|[^\w\s]", text))


async def _embed(model: str, texts: list[str], context: InvocationContext) -> list[list[float]]:
    from .sagemaker import invoke_endpoint  # the batcher (in-process or the inference queue)

    try:
        answer = await invoke_endpoint("arn:aws:states:::sagemaker:invokeEndpoint",
                                       {"EndpointName": model, "Body": {"inputs": texts, "task": "embed"}}, context)
    except ResourceFailure as exc:
        name = (exc.error or "").rsplit(".", 1)[-1].replace("ValidationErrorException", "ValidationException")
        raise _failure(name, exc.cause or "") from None
    return json.loads(answer["Body"])


async def _local(model_id: str, binding: dict, body: Any, context: InvocationContext) -> dict:
    shape = binding.get("shape") or ("cohere" if model_id.startswith("cohere.") else "titan")
    if not isinstance(body, dict):
        raise _failure("ValidationException", "The request body must be a JSON object")
    if shape == "cohere":
        texts = body.get("texts")
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
            raise _failure("ValidationException", "texts: a list of strings is required")
        vectors = await _embed(binding["local"], texts, context)
        return {"embeddings": vectors, "id": str(uuid.uuid4()), "response_type": "embeddings_floats",
                "texts": texts}
    text = body.get("inputText")
    if not isinstance(text, str) or not text:
        raise _failure("ValidationException", "inputText: a string is required")
    vector = (await _embed(binding["local"], [text], context))[0]
    return {"embedding": vector, "inputTextTokenCount": _token_count(text)}


# -- an OpenAI-compatible server: Anthropic Messages in and out -----------------------------------


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(block.get("text", "") for block in content if isinstance(block, dict)
                       and block.get("type", "text") == "text")
    raise _failure("ValidationException", "message content must be text or a list of content blocks")


def to_chat_completion(body: Any, model: str) -> dict:
    """An Anthropic Messages request as an OpenAI chat completions request."""
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        raise _failure("ValidationException", "messages: a list is required (the Anthropic Messages shape)")
    messages = [{"role": "system", "content": _text(body["system"])}] if body.get("system") else []
    for message in body["messages"]:
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            raise _failure("ValidationException", "each message needs a role of 'user' or 'assistant'")
        messages.append({"role": message["role"], "content": _text(message.get("content", ""))})
    request = {"model": model, "messages": messages}
    for ours, theirs in (("max_tokens", "max_tokens"), ("temperature", "temperature"), ("top_p", "top_p"),
                         ("stop_sequences", "stop")):
        if ours in body:
            request[theirs] = body[ours]
    return request


_STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use", "content_filter": "end_turn"}


def from_chat_completion(answer: dict, model_id: str) -> dict:
    """An OpenAI chat completion as an Anthropic Messages response."""
    choice = (answer.get("choices") or [{}])[0]
    text = (choice.get("message") or {}).get("content") or ""
    usage = answer.get("usage") or {}
    return {"id": "msg_" + (str(answer.get("id") or uuid.uuid4().hex)).removeprefix("chatcmpl-"),
            "type": "message", "role": "assistant", "model": model_id,
            "content": [{"type": "text", "text": text}],
            # OpenAI's "stop" covers a stop sequence too, without saying which one.
            "stop_reason": _STOP_REASONS.get(choice.get("finish_reason") or "stop", "end_turn"),
            "stop_sequence": None,
            "usage": {"input_tokens": usage.get("prompt_tokens", 0),
                      "output_tokens": usage.get("completion_tokens", 0)}}


def _openai(model_id: str, binding: dict, body: Any) -> dict:
    request = to_chat_completion(body, binding.get("model") or model_id)
    url = binding["openai"].rstrip("/") + "/chat/completions"
    headers = {"Content-Type": "application/json"}
    key = binding.get("api_key") or (os.environ.get(binding["api_key_env"]) if binding.get("api_key_env") else None)
    if key:
        headers["Authorization"] = f"Bearer {key}"
    http_request = urllib.request.Request(url, data=json.dumps(request).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(http_request, timeout=OPENAI_TIMEOUT_S) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        text = exc.read().decode("utf-8", errors="replace")
        name = ("ThrottlingException" if exc.code == 429 else "ValidationException" if exc.code < 500
                else "ModelErrorException")
        raise _failure(name, f"{url} answered {exc.code}: {text}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise _failure("ServiceUnavailableException", f"{url}: {getattr(exc, 'reason', exc)}") from None
    except json.JSONDecodeError:
        raise _failure("ModelErrorException", f"{url} did not answer JSON") from None
    return from_chat_completion(answer, model_id)


def _handler(model_id: str, binding: dict, body: Any) -> Any:
    module_name, _, function = binding["handler"].partition(":")
    try:
        fn = getattr(importlib.import_module(module_name), function)
    except (ImportError, AttributeError) as exc:
        raise ResourceFailure("States.Runtime", f"The Bedrock handler {binding['handler']!r} for {model_id} cannot "
                                                f"be loaded: {exc}") from None
    try:
        return fn(body, model_id)
    except ResourceFailure:
        raise
    except Exception as exc:  # the handler's own failure, as the model failing
        raise _failure("ModelErrorException", f"{type(exc).__name__}: {exc}") from None


async def invoke_model(resource: str, parameters: Any, context: InvocationContext) -> dict:
    """Run one InvokeModel Task; returns ``{"Body", "ContentType"}`` or raises ResourceFailure."""
    if not isinstance(parameters, dict):
        raise _failure("ValidationException", "InvokeModel needs Parameters that are a JSON object")
    model_id = _model_id(parameters.get("ModelId"))
    binding = binding_for(model_id)
    body = _request_body(parameters)
    loop = asyncio.get_running_loop()
    if "local" in binding:
        answer = await _local(model_id, binding, body, context)
    elif "openai" in binding:
        answer = await loop.run_in_executor(None, _openai, model_id, binding, body)
    elif "handler" in binding:
        answer = await loop.run_in_executor(None, _handler, model_id, binding, body)
    else:
        raise ResourceFailure("States.Runtime", f"The binding of {model_id} in {MODELS_SETTING} needs one of "
                                                "'local', 'openai' or 'handler'")
    content_type = parameters.get("Accept") or "application/json"
    output = parameters.get("Output")
    if isinstance(output, dict) and "S3Uri" in output:
        buckets.write(output["S3Uri"], json.dumps(answer).encode())
        return {"ContentType": content_type}
    return {"Body": answer, "ContentType": content_type}


def register() -> None:
    """Called by executor.resources on first lookup."""
    # Local models live in the inference worker, which batches requests across Tasks.
    register_invoker(lambda r: r == INVOKE_MODEL, invoke_model, queue="inference")
