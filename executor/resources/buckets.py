"""Local folder buckets: ``s3://BUCKET/KEY`` is the file ``SWITCHYARD_BUCKETS_DIR/BUCKET/KEY``.

The folder is ``var/buckets`` unless ``SWITCHYARD_BUCKETS_DIR`` names another. Integrations that
read or write S3 URIs locally (Bedrock's ``Input.S3Uri`` and ``Output.S3Uri``) use it.
"""
from __future__ import annotations

import os
from pathlib import Path

from . import ResourceFailure

__all__ = ["BUCKETS_SETTING", "buckets_dir", "parse_s3_uri", "path_for", "read", "write"]

BUCKETS_SETTING = "SWITCHYARD_BUCKETS_DIR"
DEFAULT_BUCKETS_DIR = "var/buckets"


def buckets_dir() -> Path:
    return Path(os.environ.get(BUCKETS_SETTING) or DEFAULT_BUCKETS_DIR)


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/key`` as (bucket, key); raises ResourceFailure (States.Runtime) otherwise."""
    if not isinstance(uri, str) or not uri.startswith("s3://") or "/" not in uri[5:]:
        raise ResourceFailure("States.Runtime", f"{uri!r} is not an S3 URI of the form s3://bucket/key")
    bucket, key = uri[5:].split("/", 1)
    if not bucket or not key:
        raise ResourceFailure("States.Runtime", f"{uri!r} is not an S3 URI of the form s3://bucket/key")
    return bucket, key


def path_for(uri: str) -> Path:
    """The local file for ``uri``; a key may not climb out of its bucket's folder."""
    bucket, key = parse_s3_uri(uri)
    root = (buckets_dir() / bucket).resolve()
    path = (root / key).resolve()
    if root != path and root not in path.parents:
        raise ResourceFailure("States.Runtime", f"The key of {uri!r} leaves its bucket")
    return path


def read(uri: str) -> bytes:
    """The object's bytes; a missing one fails as S3 does (``S3.NoSuchKeyException``)."""
    path = path_for(uri)
    if not path.is_file():
        raise ResourceFailure("S3.NoSuchKeyException",
                              f"The specified key does not exist: {uri} (local file {path}; {BUCKETS_SETTING})")
    return path.read_bytes()


def write(uri: str, data: bytes) -> Path:
    path = path_for(uri)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path
