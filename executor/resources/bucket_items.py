"""A Distributed Map's ItemReader and ResultWriter over the local folder buckets.

``read_items`` is a generator: it opens the object when the first item is wanted and reads it
as the Map asks for more, so a file of a million rows is never held whole. Failures are
``States.ItemReaderFailed`` / ``States.ResultWriterFailed`` with a cause naming the object and
the problem, as Step Functions reports them.
"""
from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path
from typing import Any, Iterator

from . import ResourceFailure
from .buckets import BUCKETS_SETTING, bucket_path, etag, list_keys, object_path, write

__all__ = ["read_items", "write_results", "GET_OBJECT", "LIST_OBJECTS", "PUT_OBJECT"]

GET_OBJECT = "arn:aws:states:::s3:getObject"
LIST_OBJECTS = "arn:aws:states:::s3:listObjectsV2"
PUT_OBJECT = "arn:aws:states:::s3:putObject"
READER_FAILED = "States.ItemReaderFailed"
WRITER_FAILED = "States.ResultWriterFailed"
DELIMITERS = {"COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "SPACE": " ", "TAB": "\t"}
MAX_CSV_HEADER_BYTES = 10 * 1024  # AWS: "CSV headers of up to 10 KiB"
#: Entries per result file. AWS splits at 5 GB; locally a smaller file is easier to open.
ENTRIES_PER_FILE = 10_000
_CHUNK = 1 << 16


def _fail(cause: str) -> ResourceFailure:
    return ResourceFailure(READER_FAILED, cause)


def _params(request: dict) -> tuple[dict, dict]:
    params = request.get("Parameters") or {}
    if not isinstance(params, dict):
        raise _fail("The ItemReader's Parameters must be a JSON object")
    return params, request.get("ReaderConfig") or {}


def read_items(resource: str, request: dict) -> Iterator[Any]:
    """The items ``resource`` reads, lazily. ``request`` holds the evaluated ``Parameters`` (Bucket,
    Key or Prefix) and the ``ReaderConfig``."""
    params, config = _params(request)
    bucket = params.get("Bucket")
    if not isinstance(bucket, str) or not bucket:
        raise _fail("The ItemReader's Parameters need a Bucket")
    if resource == LIST_OBJECTS:
        return _listed_objects(bucket, params.get("Prefix") or "", params.get("StartAfter") or "")
    if resource != GET_OBJECT:
        raise _fail(f"ItemReader resource {resource!r} is not supported")
    key = params.get("Key")
    if not isinstance(key, str) or not key:
        raise _fail("The ItemReader's Parameters need a Key for s3:getObject")
    input_type = config.get("InputType", "JSON")
    if input_type == "MANIFEST":
        return _manifest_items(bucket, key, config)
    readers = {"JSON": _json_items, "JSONL": _jsonl_items, "CSV": _csv_items}
    if input_type not in readers:
        raise _fail(f"InputType {input_type!r} is not one of CSV, JSON, JSONL, MANIFEST")
    return readers[input_type](bucket, key, config)


def _open(bucket: str, key: str) -> Path:
    path = object_path(bucket, key)
    if not path.is_file():
        raise _fail(f"S3 object s3://{bucket}/{key} does not exist (The specified key does not exist; local file "
                    f"{path}, {BUCKETS_SETTING})")
    return path


def _text(bucket: str, key: str):
    """The object as text, ungzipped when its key ends in .gz."""
    path = _open(bucket, key)
    if key.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return path.open("r", encoding="utf-8", newline="")


def _json_items(bucket: str, key: str, _config: dict) -> Iterator[Any]:
    """The elements of a JSON array, decoded one by one from 64 KiB chunks."""
    decoder = json.JSONDecoder()
    where = f"s3://{bucket}/{key}"
    with _text(bucket, key) as f:
        buf, pos, eof, expect_value, index = "", 0, False, True, 0

        def more() -> bool:
            nonlocal buf, pos, eof
            chunk = f.read(_CHUNK)
            buf, pos = buf[pos:] + chunk, 0
            eof = not chunk
            return bool(chunk)

        def skip_space() -> bool:
            nonlocal pos
            while True:
                while pos < len(buf) and buf[pos] in " \t\r\n":
                    pos += 1
                if pos < len(buf) or not more():
                    return pos < len(buf)

        if not skip_space() or buf[pos] != "[":
            raise _fail(f"{where} is not a JSON array: the ItemReader expects its items in a top-level array")
        pos += 1
        while True:
            if not skip_space():
                raise _fail(f"{where}: the JSON array is not closed")
            if buf[pos] == "]" and (index == 0 or not expect_value):
                pos += 1
                if skip_space():
                    raise _fail(f"{where}: unexpected data after the JSON array")
                return
            if not expect_value:
                if buf[pos] != ",":
                    raise _fail(f"{where}: expected ',' or ']' after item {index - 1}")
                pos += 1
                expect_value = True
                continue
            while True:
                try:
                    value, end = decoder.raw_decode(buf, pos)
                    if end < len(buf) or eof:  # a number at the very end of the buffer may go on
                        break
                except json.JSONDecodeError as exc:
                    if eof:
                        raise _fail(f"{where}: item {index} is not valid JSON: {exc.msg}") from None
                if not more():
                    eof = True
            pos = end
            expect_value = False
            index += 1
            yield value


def _jsonl_items(bucket: str, key: str, _config: dict) -> Iterator[Any]:
    with _text(bucket, key) as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise _fail(f"s3://{bucket}/{key}: line {number} is not valid JSON: {exc.msg}") from None


def _csv_items(bucket: str, key: str, config: dict) -> Iterator[dict]:
    """Each row as an object keyed by the header (values stay strings, as AWS gives them)."""
    delimiter = DELIMITERS.get(config.get("CSVDelimiter", "COMMA"))
    if delimiter is None:
        raise _fail(f"CSVDelimiter {config.get('CSVDelimiter')!r} is not one of {', '.join(DELIMITERS)}")
    where = f"s3://{bucket}/{key}"
    with _text(bucket, key) as f:
        rows = csv.reader(f, delimiter=delimiter, strict=True)
        try:
            if config.get("CSVHeaderLocation", "FIRST_ROW") == "GIVEN":
                headers = config.get("CSVHeaders")
                if not isinstance(headers, list) or not headers:
                    raise _fail("CSVHeaders must list the column names when CSVHeaderLocation is GIVEN")
            else:
                headers = next(rows, None)
                if not headers:
                    raise _fail(f"{where} has no header row (CSVHeaderLocation FIRST_ROW)")
                if len(delimiter.join(headers).encode()) > MAX_CSV_HEADER_BYTES:
                    raise _fail(f"{where}: the CSV header is over {MAX_CSV_HEADER_BYTES} bytes")
            for row in rows:
                if not row:
                    continue
                if len(row) != len(headers):
                    raise _fail(f"{where}: CSV row {rows.line_num} has {len(row)} fields but the header has "
                                f"{len(headers)}")
                yield dict(zip(headers, row))
        except csv.Error as exc:
            raise _fail(f"{where}: bad CSV at line {rows.line_num}: {exc}") from None


def _listed_objects(bucket: str, prefix: str, start_after: str) -> Iterator[dict]:
    """Each object under ``prefix`` as listObjectsV2 gives it."""
    if not bucket_path(bucket).is_dir():
        raise _fail(f"The bucket {bucket!r} does not exist (no folder {bucket_path(bucket)}; {BUCKETS_SETTING})")
    for key, path in list_keys(bucket, prefix, start_after):
        stat = path.stat()
        yield {"Etag": etag(path), "Key": key, "LastModified": int(stat.st_mtime), "Size": stat.st_size,
               "StorageClass": "STANDARD"}


def _manifest_items(bucket: str, key: str, _config: dict) -> Iterator[dict]:
    """An S3 Inventory report: its manifest.json names CSV files (gzipped) in the destination bucket,
    whose columns ``fileSchema`` names; each row is an item."""
    with _text(bucket, key) as f:
        try:
            manifest = json.load(f)
        except json.JSONDecodeError as exc:
            raise _fail(f"s3://{bucket}/{key} is not an S3 Inventory manifest: {exc.msg}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
        raise _fail(f"s3://{bucket}/{key} is not an S3 Inventory manifest: it has no 'files' list")
    if manifest.get("fileFormat", "CSV") != "CSV":
        raise _fail(f"S3 Inventory format {manifest.get('fileFormat')!r} is not supported: only CSV is")
    schema = [c.strip() for c in str(manifest.get("fileSchema", "Bucket, Key")).split(",")]
    destination = str(manifest.get("destinationBucket") or bucket).split(":::")[-1]
    for entry in manifest["files"]:
        file_key = entry.get("key") if isinstance(entry, dict) else None
        if not file_key:
            raise _fail(f"s3://{bucket}/{key}: a 'files' entry has no key")
        yield from _csv_items(destination, file_key, {"CSVHeaderLocation": "GIVEN", "CSVHeaders": schema})


# -- the ResultWriter ------------------------------------------------------------------------

def write_results(resource: str, request: dict) -> dict:
    """Write a Map Run's results as AWS lays them out under ``<Prefix>/<MapRunId>/``: one
    ``manifest.json`` and ``SUCCEEDED_n``, ``FAILED_n`` and ``PENDING_n`` files; returns the
    ResultWriterDetails (the manifest's Bucket and Key)."""
    if resource != PUT_OBJECT:
        raise ResourceFailure(WRITER_FAILED, f"ResultWriter resource {resource!r} is not supported")
    params = request.get("Parameters") or {}
    bucket = params.get("Bucket")
    if not isinstance(bucket, str) or not bucket:
        raise ResourceFailure(WRITER_FAILED, "The ResultWriter's Parameters need a Bucket")
    prefix = str(params.get("Prefix") or "").strip("/")
    run_arn = request["MapRunArn"]
    base = "/".join(p for p in (prefix, run_arn.rsplit(":", 1)[-1]) if p)
    jsonl = request.get("OutputType") == "JSONL"
    files: dict[str, list] = {}
    try:
        for status in ("FAILED", "PENDING", "SUCCEEDED"):
            files[status] = []
            entries = request["Results"].get(status) or []
            for n, start in enumerate(range(0, len(entries), ENTRIES_PER_FILE)):
                part = entries[start:start + ENTRIES_PER_FILE]
                if jsonl:
                    data = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in part).encode()
                else:
                    data = json.dumps(part, ensure_ascii=False).encode()
                file_key = f"{base}/{status}_{n}.json{'l' if jsonl else ''}"
                write(f"s3://{bucket}/{file_key}", data)
                files[status].append({"Key": file_key, "Size": len(data)})
        manifest = {"DestinationBucket": bucket, "MapRunArn": run_arn, "ResultFiles": files}
        manifest_key = f"{base}/manifest.json"
        write(f"s3://{bucket}/{manifest_key}", json.dumps(manifest, ensure_ascii=False).encode())
    except OSError as exc:
        raise ResourceFailure(WRITER_FAILED, f"Could not write the results to s3://{bucket}/{base}: {exc}") from None
    except ResourceFailure as exc:
        raise ResourceFailure(WRITER_FAILED, exc.cause) from None
    return {"Bucket": bucket, "Key": manifest_key}
