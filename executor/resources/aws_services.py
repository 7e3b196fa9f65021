"""AWS service integrations forwarded with boto3 to the endpoint you choose.

Two families of Task resources are served:

* the optimized integrations ``arn:aws:states:::dynamodb:putItem`` (``getItem``, ``updateItem``,
  ``deleteItem``), ``sqs:sendMessage``, ``sns:publish``, ``events:putEvents`` and
  ``states:startExecution`` (with ``.sync`` and ``.sync:2``);
* every AWS SDK integration, ``arn:aws:states:::aws-sdk:SERVICE:ACTION``.

The call goes to ``SWITCHYARD_AWS_ENDPOINT_URL`` (LocalStack, a moto server, or ``aws`` for AWS
itself), or to ``SWITCHYARD_AWS_ENDPOINT_URL_<SERVICE>`` for one service (``..._DYNAMODB``,
``..._STEPFUNCTIONS``: the boto3 client name in capitals, ``-`` as ``_``). Unset, the Task fails
saying so. Parameters are written as on AWS, in PascalCase, and matched to the API's own member
names; an SDK integration's result comes back in PascalCase as well. Failures carry the names Step
Functions gives them: ``DynamoDB.ConditionalCheckFailedException`` for an optimized integration,
``Sqs.QueueDoesNotExistException`` for an SDK one (the service in PascalCase, the error with an
``Exception`` suffix). ``.waitForTaskToken`` needs nothing here: the runtime registers the token
and calls the base resource, e.g. ``sqs:sendMessage`` with the token in the message.
"""
from __future__ import annotations

import asyncio
import base64
import datetime
import json
import os
import threading
import uuid
from typing import Any

from . import InvocationContext, ResourceFailure, register_invoker

__all__ = ["ENDPOINT_SETTING", "OPTIMIZED", "endpoint_for", "sdk_error_name", "client_name", "register"]

ENDPOINT_SETTING = "SWITCHYARD_AWS_ENDPOINT_URL"
PREFIX = "arn:aws:states:::"
SDK_PREFIX = PREFIX + "aws-sdk:"

#: optimized integration: service in the ARN -> (boto3 client, error prefix, actions)
OPTIMIZED: dict[str, tuple[str, str, frozenset[str]]] = {
    "dynamodb": ("dynamodb", "DynamoDB", frozenset({"getItem", "putItem", "updateItem", "deleteItem"})),
    "sqs": ("sqs", "SQS", frozenset({"sendMessage"})),
    "sns": ("sns", "SNS", frozenset({"publish"})),
    "events": ("events", "EventBridge", frozenset({"putEvents"})),
    "states": ("stepfunctions", "StepFunctions", frozenset({"startExecution"})),
}

#: SDK integration service names that are not a boto3 client name with its dashes removed
_SDK_CLIENTS = {"sfn": "stepfunctions", "eventbridge": "events", "cloudwatchlogs": "logs",
                "cloudwatch": "cloudwatch", "elasticloadbalancingv2": "elbv2"}
#: service ids whose PascalCase in Step Functions' error names is not the generic one
_SDK_ERROR_SERVICE = {"DynamoDB": "DynamoDb", "EventBridge": "EventBridge", "CloudWatch Logs": "CloudWatchLogs"}
_SYNC_POLL_S = 0.5

_clients: dict[tuple, Any] = {}
_lock = threading.Lock()


def _runtime_failure(message: str) -> ResourceFailure:
    return ResourceFailure("States.Runtime", message)


def client_name(sdk_service: str) -> str:
    """The boto3 client for an SDK integration's service name (``sfn`` -> ``stepfunctions``)."""
    import boto3

    if sdk_service in _SDK_CLIENTS:
        return _SDK_CLIENTS[sdk_service]
    by_squashed = {name.replace("-", ""): name for name in boto3.session.Session().get_available_services()}
    name = by_squashed.get(sdk_service.lower())
    if name is None:
        raise _runtime_failure(f"'{sdk_service}' is not an AWS SDK service known to boto3")
    return name


def endpoint_for(service: str) -> str | None:
    """The endpoint URL for boto3 client ``service``; None means AWS itself. Raises when unset."""
    specific = f"{ENDPOINT_SETTING}_{service.upper().replace('-', '_')}"
    # S3 Tasks use the local folder buckets unless SWITCHYARD_S3_ENDPOINT_URL sends them here.
    s3_endpoint = os.environ.get("SWITCHYARD_S3_ENDPOINT_URL") if service == "s3" else None
    url = s3_endpoint or os.environ.get(specific) or os.environ.get(ENDPOINT_SETTING)
    if not url:
        raise _runtime_failure(
            f"This Task calls AWS ({service}) and no endpoint is set: set {ENDPOINT_SETTING} (or {specific}) "
            "to LocalStack's or a moto server's URL, or to 'aws' to call AWS itself (docs/integrations.md)")
    return None if url.strip().lower() == "aws" else url.strip()


def _client(service: str, region: str):
    import boto3
    from botocore.config import Config

    endpoint = endpoint_for(service)
    key = (service, endpoint, region)
    with _lock:
        client = _clients.get(key)
        if client is None:
            session = boto3.session.Session()
            credentials = {}
            if endpoint is not None and session.get_credentials() is None:
                credentials = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
            client = _clients[key] = session.client(
                service, endpoint_url=endpoint, region_name=region, **credentials,
                config=Config(retries={"max_attempts": 2}, connect_timeout=5, read_timeout=60))
        return client


def _region(context: InvocationContext) -> str:
    parts = context.execution_arn.split(":")
    return parts[3] if len(parts) > 3 and parts[3] else "us-east-1"


# -- parameters in, results out ---------------------------------------------------------------


def _to_api(value: Any, shape) -> Any:
    """PascalCase parameters onto the API's member names (``StateMachineArn`` -> ``stateMachineArn``)."""
    if shape is None:
        return value
    if shape.type_name == "structure" and isinstance(value, dict):
        members = {name.lower(): name for name in shape.members}
        out = {}
        for key, item in value.items():
            name = members.get(key.lower(), key)
            out[name] = _to_api(item, shape.members.get(name))
        return out
    if shape.type_name == "list" and isinstance(value, list):
        return [_to_api(item, shape.member) for item in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {key: _to_api(item, shape.value) for key, item in value.items()}
    return value


def _jsonable(value: Any, shape=None, pascal: bool = False) -> Any:
    """A boto3 result as JSON: timestamps as ISO text, blobs and streams as text, keys in PascalCase."""
    if hasattr(value, "read"):
        value = value.read()
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(bytes(value)).decode()
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        kind = getattr(shape, "type_name", None)
        out = {}
        for key, item in value.items():
            if key == "ResponseMetadata" and shape is not None and kind == "structure" and key not in shape.members:
                continue
            member = None
            if kind == "structure":
                member = shape.members.get(key)
            elif kind == "map":
                member = shape.value
            name = key[:1].upper() + key[1:] if pascal and kind == "structure" else key
            out[name] = _jsonable(item, member, pascal)
        return out
    if isinstance(value, list):
        return [_jsonable(item, getattr(shape, "member", None), pascal) for item in value]
    return value


def sdk_error_name(service_id: str) -> str:
    """Step Functions' PascalCase for a service in SDK error names (``ACM PCA`` -> ``AcmPca``)."""
    if service_id in _SDK_ERROR_SERVICE:
        return _SDK_ERROR_SERVICE[service_id]
    return "".join(word[:1].upper() + (word[1:].lower() if word.isupper() else word[1:])
                   for word in service_id.replace("-", " ").split())


def _failure(exc: Exception, prefix: str, service: str) -> ResourceFailure | None:
    from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        meta = exc.response.get("ResponseMetadata", {})
        name = type(exc).__name__
        if name == "ClientError":
            name = error.get("QueryErrorCode") or error.get("Code") or "Unknown"
        name = name.rsplit(".", 1)[-1].rsplit("#", 1)[-1]
        if not name.endswith("Exception"):
            name += "Exception"
        cause = (f"{error.get('Message') or name} (Service: {prefix}, Status Code: {meta.get('HTTPStatusCode')}, "
                 f"Request ID: {meta.get('RequestId')})")
        return ResourceFailure(f"{prefix}.{name}", cause)
    if isinstance(exc, ParamValidationError):
        return _runtime_failure(f"The parameters of this {service} call are not valid: {exc}")
    if isinstance(exc, BotoCoreError):
        return ResourceFailure(f"{prefix}.SdkClientException", f"{exc} (endpoint: {ENDPOINT_SETTING})")
    return None


def _operation(client, action: str) -> str:
    for name in client.meta.service_model.operation_names:
        if name.lower() == action.lower():
            return name
    raise _runtime_failure(f"'{action}' is not an action of the {client.meta.service_model.service_name} API")


def _call(client, operation: str, parameters: Any, prefix: str):
    from botocore import xform_name

    if parameters is None:
        parameters = {}
    if not isinstance(parameters, dict):
        raise _runtime_failure("The parameters of an AWS service call must be a JSON object")
    model = client.meta.service_model.operation_model(operation)
    try:
        return getattr(client, xform_name(operation))(**_to_api(parameters, model.input_shape)), model
    except Exception as exc:  # botocore's errors, named as Step Functions names them
        failure = _failure(exc, prefix, client.meta.service_model.service_name)
        if failure is None:
            raise
        raise failure from None


# -- the optimized integrations ---------------------------------------------------------------


def _as_text(value: Any) -> Any:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _optimized_parameters(service: str, parameters: Any) -> Any:
    """Fields AWS lets you give as JSON and sends as text (a message, an event's detail)."""
    if not isinstance(parameters, dict):
        return parameters
    if service == "sqs" and "MessageBody" in parameters:
        return {**parameters, "MessageBody": _as_text(parameters["MessageBody"])}
    if service == "sns" and "Message" in parameters:
        return {**parameters, "Message": _as_text(parameters["Message"])}
    if service == "events" and isinstance(parameters.get("Entries"), list):
        return {**parameters, "Entries": [{**e, "Detail": _as_text(e["Detail"])} if isinstance(e, dict)
                                          and "Detail" in e else e for e in parameters["Entries"]]}
    if service == "states" and "Input" in parameters:
        return {**parameters, "Input": _as_text(parameters["Input"])}
    return parameters


def _sdk_metadata(result: dict) -> dict:
    meta = result.get("ResponseMetadata") or {}
    return {"SdkHttpMetadata": {"HttpHeaders": meta.get("HTTPHeaders", {}),
                                "HttpStatusCode": meta.get("HTTPStatusCode", 200)},
            "SdkResponseMetadata": {"RequestId": meta.get("RequestId") or str(uuid.uuid4())}}


async def _start_execution_sync(client, started: dict, pattern: str) -> dict:
    """Wait for the child execution, holding no thread between polls; ``.sync:2`` gives its Output
    as JSON, ``.sync`` as text. Cancelled (a timeout, StopExecution), it stops the child as AWS does."""
    loop = asyncio.get_running_loop()
    arn = started["executionArn"]
    try:
        while True:
            described = await loop.run_in_executor(None, lambda: client.describe_execution(executionArn=arn))
            if described["status"] != "RUNNING":
                break
            await asyncio.sleep(_SYNC_POLL_S)
    except asyncio.CancelledError:
        loop.run_in_executor(None, lambda: client.stop_execution(
            executionArn=arn, error="States.Aborted", cause="The parent execution's Task ended"))
        raise
    model = client.meta.service_model.operation_model("DescribeExecution")
    result = _jsonable(described, model.output_shape, pascal=True)
    if pattern == "sync:2" and isinstance(result.get("Output"), str):
        result["Output"] = json.loads(result["Output"])
    if described["status"] != "SUCCEEDED":
        raise ResourceFailure("States.TaskFailed", json.dumps(result))
    return result


async def invoke_optimized(resource: str, parameters: Any, context: InvocationContext) -> Any:
    service, _, action = resource[len(PREFIX):].partition(":")
    action, _, pattern = action.partition(".")
    client_service, prefix, _actions = OPTIMIZED[service]
    loop = asyncio.get_running_loop()

    def request():
        client = _client(client_service, _region(context))
        return (client, *_call(client, _operation(client, action), _optimized_parameters(service, parameters),
                               prefix))

    client, result, model = await loop.run_in_executor(None, request)
    if service == "states":
        if pattern.startswith("sync"):
            return await _start_execution_sync(client, result, pattern)
        return _jsonable(result, model.output_shape, pascal=True)
    return {**_jsonable(result, model.output_shape), **_sdk_metadata(result)}


def invoke_sdk(resource: str, parameters: Any, context: InvocationContext) -> Any:
    service, _, action = resource[len(SDK_PREFIX):].partition(":")
    if "." in action:
        raise _runtime_failure(f"AWS SDK integrations do not support '.{action.split('.', 1)[1]}' locally")
    client = _client(client_name(service), _region(context))
    prefix = sdk_error_name(client.meta.service_model.metadata.get("serviceId") or service)
    result, model = _call(client, _operation(client, action), parameters, prefix)
    return _jsonable(result, model.output_shape, pascal=True)


def _is_optimized(resource: str) -> bool:
    if not resource.startswith(PREFIX):
        return False
    service, _, action = resource[len(PREFIX):].partition(":")
    base = action.split(".", 1)[0]
    entry = OPTIMIZED.get(service)
    if entry is None or base not in entry[2]:
        return False
    # .sync only where it makes sense locally (a child execution); tokens are the runtime's business.
    return action == base or (service == "states" and action in (base + ".sync", base + ".sync:2"))


def register() -> None:
    """Called by executor.resources on first lookup."""
    register_invoker(lambda r: r.startswith(SDK_PREFIX), invoke_sdk)
    register_invoker(_is_optimized, invoke_optimized)
