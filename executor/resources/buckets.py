"""Local folder buckets: ``s3://BUCKET/KEY`` is the file ``SWITCHYARD_BUCKETS_DIR/BUCKET/KEY``.

The folder is ``var/buckets`` unless ``SWITCHYARD_BUCKETS_DIR`` names another. Integrations that
read or write S3 URIs locally (Bedrock's ``Input.S3Uri`` and ``Output.S3Uri``) use it.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Iterator

from . import ResourceFailure

__all__ = ["BUCKETS_SETTING", "buckets_dir", "parse_s3_uri", "path_for", "read", "write", "object_path",
           "bucket_path", "list_keys", "etag", "TEMP_SUFFIX"]

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
    # A hidden name that listings skip, so a reader never sees half an object.
    tmp = path.with_name(f".{path.name}{TEMP_SUFFIX}")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


TEMP_SUFFIX = ".sy-part"


def bucket_path(bucket: str) -> Path:
    """The folder of ``bucket``; a name may not climb out of the buckets folder."""
    if not isinstance(bucket, str) or not bucket or "/" in bucket or bucket in (".", ".."):
        raise ResourceFailure("States.Runtime", f"{bucket!r} is not a bucket name")
    return buckets_dir() / bucket


def object_path(bucket: str, key: str) -> Path:
    """The local file of ``key`` in ``bucket`` (it may not exist)."""
    if not isinstance(key, str) or not key:
        raise ResourceFailure("States.Runtime", f"{key!r} is not an object key")
    return path_for(f"s3://{bucket}/{key}")


def list_keys(bucket: str, prefix: str = "", start_after: str = "") -> Iterator[tuple[str, Path]]:
    """(key, file) for every object of ``bucket`` whose key starts with ``prefix``, in S3's order
    (UTF-8 binary order of the keys), read folder by folder as the listing goes."""
    root = bucket_path(bucket)

    def walk(folder: Path, key_prefix: str) -> Iterator[tuple[str, Path]]:
        try:
            entries = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError):
            return
        # A folder's keys all start with "name/": sorting it as that string keeps S3's order.
        named = sorted(((e.name + "/" if e.is_dir() else e.name), e) for e in entries)
        for name, entry in named:
            key = key_prefix + name
            if entry.is_dir():
                if key.startswith(prefix[:len(key)]) and (not start_after or key > start_after[:len(key)]
                                                          or start_after.startswith(key)):
                    yield from walk(Path(entry.path), key)
            elif (key.startswith(prefix) and key > start_after and not entry.name.endswith(TEMP_SUFFIX)):
                yield key, Path(entry.path)

    yield from walk(root, "")


def etag(path: Path) -> str:
    """S3's ETag of a single-part object: the MD5 of its bytes, quoted."""
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return f'"{digest.hexdigest()}"'
