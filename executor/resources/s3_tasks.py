"""S3 SDK integrations on the local folder buckets: ``arn:aws:states:::aws-sdk:s3:ACTION`` for
getObject, putObject, listObjectsV2, headObject, deleteObject and copyObject.

Results have the shape (PascalCase) and errors the names (``S3.NoSuchKeyException``,
``S3.NoSuchBucketException``) that Step Functions gives. With ``SWITCHYARD_S3_ENDPOINT_URL`` set,
these resources go with boto3 to that endpoint instead (executor/resources/aws_services.py).
"""
from __future__ import annotations

import base64
import datetime
import json
import mimetypes
import os
import shutil
from pathlib import Path
from typing import Any, Callable
from urllib.parse import unquote

from . import InvocationContext, ResourceFailure, register_invoker
from .buckets import BUCKETS_SETTING, bucket_path, etag, list_keys, object_path, write

__all__ = ["S3_ENDPOINT_SETTING", "ACTIONS", "invoke", "register", "handles"]

S3_ENDPOINT_SETTING = "SWITCHYARD_S3_ENDPOINT_URL"
PREFIX = "arn:aws:states:::aws-sdk:s3:"


def _bad(message: str) -> ResourceFailure:
    return ResourceFailure("States.Runtime", message)


def _required(params: dict, name: str) -> str:
    value = params.get(name)
    if not isinstance(value, str) or not value:
        raise _bad(f"The parameter '{name}' is required for this S3 call and must be a string")
    return value


def _bucket(params: dict) -> str:
    bucket = _required(params, "Bucket")
    if not bucket_path(bucket).is_dir():
        raise ResourceFailure("S3.NoSuchBucketException",
                              f"The specified bucket does not exist (Service: S3, Status Code: 404; local folder "
                              f"{bucket_path(bucket)}, {BUCKETS_SETTING})")
    return bucket


def _existing(bucket: str, key: str) -> Path:
    path = object_path(bucket, key)
    if not path.is_file():
        raise ResourceFailure("S3.NoSuchKeyException",
                              f"The specified key does not exist. (Service: S3, Status Code: 404; s3://{bucket}/{key})")
    return path


def _modified(path: Path) -> str:
    return datetime.datetime.fromtimestamp(path.stat().st_mtime, tz=datetime.timezone.utc).replace(
        microsecond=0).isoformat()


def _head(path: Path, key: str) -> dict:
    return {"AcceptRanges": "bytes", "ContentLength": path.stat().st_size,
            "ContentType": mimetypes.guess_type(key)[0] or "binary/octet-stream", "ETag": etag(path),
            "LastModified": _modified(path), "Metadata": {}}


def get_object(params: dict) -> dict:
    bucket = _bucket(params)
    key = _required(params, "Key")
    path = _existing(bucket, key)
    data = path.read_bytes()
    try:
        body = data.decode("utf-8")
    except UnicodeDecodeError:
        body = base64.b64encode(data).decode()
    return {"Body": body, **_head(path, key)}


def head_object(params: dict) -> dict:
    bucket = _bucket(params)
    key = _required(params, "Key")
    return _head(_existing(bucket, key), key)


def put_object(params: dict) -> dict:
    bucket = _bucket(params)
    key = _required(params, "Key")
    body = params.get("Body", "")
    data = body.encode() if isinstance(body, str) else json.dumps(body, separators=(",", ":")).encode()
    path = write(f"s3://{bucket}/{key}", data)
    return {"ETag": etag(path), "ServerSideEncryption": "AES256"}


def delete_object(params: dict) -> dict:
    bucket = _bucket(params)
    path = object_path(bucket, _required(params, "Key"))
    if path.is_file():  # S3 answers a delete of a missing key with success too
        path.unlink()
    return {}


def copy_object(params: dict) -> dict:
    bucket = _bucket(params)
    key = _required(params, "Key")
    source = _required(params, "CopySource").lstrip("/").split("?", 1)[0]
    source_bucket, _, source_key = unquote(source).partition("/")
    if not source_bucket or not source_key:
        raise _bad(f"CopySource {params['CopySource']!r} must be 'bucket/key'")
    _bucket({"Bucket": source_bucket})
    src = _existing(source_bucket, source_key)
    dest = object_path(bucket, key)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    return {"CopyObjectResult": {"ETag": etag(dest), "LastModified": _modified(dest)}}


def list_objects_v2(params: dict) -> dict:
    bucket = _bucket(params)
    prefix = params.get("Prefix") or ""
    delimiter = params.get("Delimiter") or ""
    max_keys = int(params.get("MaxKeys", 1000))
    token = params.get("ContinuationToken")
    start_after = params.get("StartAfter") or ""
    if token:
        try:
            start_after = base64.urlsafe_b64decode(token.encode()).decode()
        except ValueError:
            raise ResourceFailure("S3.S3Exception", "The continuation token provided is incorrect") from None
    contents: list[dict] = []
    prefixes: list[str] = []
    last = None
    truncated = False
    for key, path in list_keys(bucket, prefix, start_after):
        if delimiter and delimiter in key[len(prefix):]:
            common = key[:len(prefix) + key[len(prefix):].index(delimiter) + len(delimiter)]
            if prefixes and prefixes[-1] == common:
                continue
            entry: Any = common
        else:
            entry = None
        if len(contents) + len(prefixes) >= max_keys:
            truncated = True
            break
        if entry is not None:
            prefixes.append(entry)
            last = entry + "\U0010ffff"  # the next page starts after every key under this prefix
        else:
            contents.append({"ETag": etag(path), "Key": key, "LastModified": _modified(path),
                             "Size": path.stat().st_size, "StorageClass": "STANDARD"})
            last = key
    result: dict[str, Any] = {"IsTruncated": truncated, "KeyCount": len(contents) + len(prefixes),
                              "MaxKeys": max_keys, "Name": bucket, "Prefix": prefix}
    if contents:
        result["Contents"] = contents
    if prefixes:
        result["CommonPrefixes"] = [{"Prefix": p} for p in prefixes]
    if delimiter:
        result["Delimiter"] = delimiter
    if token:
        result["ContinuationToken"] = token
    if params.get("StartAfter"):
        result["StartAfter"] = params["StartAfter"]
    if truncated and last is not None:
        result["NextContinuationToken"] = base64.urlsafe_b64encode(last.encode()).decode()
    return result


ACTIONS: dict[str, Callable[[dict], dict]] = {
    "getObject": get_object, "putObject": put_object, "listObjectsV2": list_objects_v2,
    "headObject": head_object, "deleteObject": delete_object, "copyObject": copy_object,
}


def handles(resource: str) -> bool:
    """An S3 SDK resource answered by the folder buckets (none when SWITCHYARD_S3_ENDPOINT_URL is set)."""
    return (resource.startswith(PREFIX) and resource[len(PREFIX):] in ACTIONS
            and not os.environ.get(S3_ENDPOINT_SETTING))


def invoke(resource: str, parameters: Any, _context: InvocationContext) -> Any:
    if parameters is None:
        parameters = {}
    if not isinstance(parameters, dict):
        raise _bad("The parameters of an S3 call must be a JSON object")
    return ACTIONS[resource[len(PREFIX):]](parameters)


def register() -> None:
    """Called by executor.resources on first lookup, after aws_services, so this one wins for S3."""
    register_invoker(handles, invoke)
