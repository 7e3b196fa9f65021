"""A Distributed Map's ItemReader, ItemBatcher and ResultWriter: parsed once, evaluated per run.

Each field is parsed into a small immutable spec whose templates (``Parameters`` /
``Arguments``, ``BatchInput``, ``ReaderConfig``) are compiled for the state's query language.
What the specs name (a bucket, a key, a prefix) is reached only through the runtime's hooks
(:attr:`Hooks.read_items`, :attr:`Hooks.write_results`), so this module touches no file.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .payload import compile_payload

__all__ = ["ItemReaderSpec", "ItemBatcherSpec", "ResultWriterSpec", "parse_map_io",
           "READER_RESOURCES", "WRITER_RESOURCES", "INPUT_TYPES", "CSV_DELIMITERS"]

READER_RESOURCES = ("arn:aws:states:::s3:getObject", "arn:aws:states:::s3:listObjectsV2")
WRITER_RESOURCES = ("arn:aws:states:::s3:putObject",)
INPUT_TYPES = ("CSV", "JSON", "JSONL", "MANIFEST")
CSV_DELIMITERS = {"COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "SPACE": " ", "TAB": "\t"}
OUTPUT_TYPES = ("JSON", "JSONL")
TRANSFORMATIONS = ("NONE", "COMPACT", "FLATTEN")
#: AWS's limit on MaxInputBytesPerBatch: a child's whole input.
MAX_BATCH_BYTES = 256 * 1024

Template = Callable[[Any, Any], Any]  # (effective input, scope) -> value


@dataclass(frozen=True)
class ItemReaderSpec:
    resource: str
    parameters: Template | None
    reader_config: dict
    max_items: Any = None  # a number, or a JSONata template
    max_items_path: Any = None  # a compiled JSONPath


@dataclass(frozen=True)
class ItemBatcherSpec:
    max_items: Any = None
    max_items_path: Any = None
    max_bytes: Any = None
    max_bytes_path: Any = None
    batch_input: Template | None = None


@dataclass(frozen=True)
class ResultWriterSpec:
    resource: str | None
    parameters: Template | None
    output_type: str = "JSON"
    transformation: str | None = None  # None: NONE when written to a bucket, COMPACT otherwise


def _template(builder, body: dict, key: str, path: str, jsonata: bool) -> Template | None:
    """``key`` compiled for the query language, as ``f(effective, scope)``."""
    if key not in body:
        return None
    if jsonata:
        from .jsonata_support import template_field

        compiled = template_field(builder, body, key, path)
        if compiled is None:
            return None
        return lambda effective, scope: compiled({"input": effective}, scope)
    if not isinstance(body[key], dict):
        builder.problem(f"{path}/{key}", f"The field '{key}' must be a JSON object")
        return None
    return builder.payload(body, key, path)


def _number(builder, body: dict, key: str, path: str, jsonata: bool, **limits):
    value = body.get(key)
    if jsonata and isinstance(value, str) and value.startswith("{%"):
        return _template(builder, body, key, path, True)
    return builder.number(body, key, path, **limits)


def _object(builder, body: dict, key: str, path: str) -> dict | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        builder.problem(f"{path}/{key}", f"The field '{key}' must be a JSON object")
        return None
    return value


def _parse_reader(builder, raw: dict, path: str, jsonata: bool) -> ItemReaderSpec | None:
    args_key = "Arguments" if jsonata else "Parameters"
    builder.allowed(raw, frozenset({"Resource", "ReaderConfig", args_key}), path)
    resource = builder.string(raw, "Resource", path, required=True)
    if resource is not None and resource not in READER_RESOURCES:
        builder.problem(f"{path}/Resource", f"The ItemReader resource must be one of {', '.join(READER_RESOURCES)}")
    config = _object(builder, raw, "ReaderConfig", path) or {}
    cpath = f"{path}/ReaderConfig"
    input_type = config.get("InputType")
    if input_type is not None and input_type not in INPUT_TYPES:
        builder.problem(f"{cpath}/InputType", f"The value of 'InputType' must be one of {', '.join(INPUT_TYPES)}")
    if resource == READER_RESOURCES[0] and input_type is None:
        builder.problem(cpath, "The field 'InputType' is required for arn:aws:states:::s3:getObject")
    location = config.get("CSVHeaderLocation")
    if location is not None and location not in ("FIRST_ROW", "GIVEN"):
        builder.problem(f"{cpath}/CSVHeaderLocation", "The value of 'CSVHeaderLocation' must be FIRST_ROW or GIVEN")
    headers = config.get("CSVHeaders")
    if location == "GIVEN" and (not isinstance(headers, list) or not headers
                                or not all(isinstance(h, str) for h in headers)):
        builder.problem(f"{cpath}/CSVHeaders", "CSVHeaders must be a non-empty array of strings when "
                                               "CSVHeaderLocation is GIVEN")
    delimiter = config.get("CSVDelimiter")
    if delimiter is not None and delimiter not in CSV_DELIMITERS:
        builder.problem(f"{cpath}/CSVDelimiter", f"The value of 'CSVDelimiter' must be one of "
                                                 f"{', '.join(CSV_DELIMITERS)}")
    if "MaxItems" in config and "MaxItemsPath" in config:
        builder.problem(cpath, "Only one of 'MaxItems' or 'MaxItemsPath' can be present")
    max_items = _number(builder, config, "MaxItems", cpath, jsonata, integer=True, minimum=0, maximum=100_000_000)
    max_items_path = None
    if "MaxItemsPath" in config:
        if jsonata:
            builder.problem(f"{cpath}/MaxItemsPath", "The field 'MaxItemsPath' is not supported when the "
                                                     "QueryLanguage is JSONata")
        else:
            max_items_path = builder.path_field(config, "MaxItemsPath", cpath, default=None)
    if resource is None:
        return None
    return ItemReaderSpec(resource=resource, parameters=_template(builder, raw, args_key, path, jsonata),
                          reader_config={k: v for k, v in config.items() if k not in ("MaxItems", "MaxItemsPath")},
                          max_items=max_items, max_items_path=max_items_path)


def _parse_batcher(builder, raw: dict, path: str, jsonata: bool) -> ItemBatcherSpec:
    fields = {"MaxItemsPerBatch", "MaxInputBytesPerBatch", "BatchInput"}
    if not jsonata:
        fields |= {"MaxItemsPerBatchPath", "MaxInputBytesPerBatchPath"}
    builder.allowed(raw, frozenset(fields), path)
    for key in ("MaxItemsPerBatch", "MaxInputBytesPerBatch"):
        if key in raw and f"{key}Path" in raw:
            builder.problem(path, f"Only one of '{key}' or '{key}Path' can be present")
    if not any(k in raw for k in ("MaxItemsPerBatch", "MaxItemsPerBatchPath", "MaxInputBytesPerBatch",
                                  "MaxInputBytesPerBatchPath")):
        builder.problem(path, "ItemBatcher needs at least one of MaxItemsPerBatch(Path) or "
                              "MaxInputBytesPerBatch(Path)")
    return ItemBatcherSpec(
        max_items=_number(builder, raw, "MaxItemsPerBatch", path, jsonata, integer=True, minimum=1),
        max_items_path=builder.path_field(raw, "MaxItemsPerBatchPath", path, default=None),
        max_bytes=_number(builder, raw, "MaxInputBytesPerBatch", path, jsonata, integer=True, minimum=1,
                          maximum=MAX_BATCH_BYTES),
        max_bytes_path=builder.path_field(raw, "MaxInputBytesPerBatchPath", path, default=None),
        batch_input=_batch_input(builder, raw, path, jsonata),
    )


def _batch_input(builder, raw: dict, path: str, jsonata: bool) -> Template | None:
    if "BatchInput" not in raw:
        return None
    if jsonata:
        return _template(builder, raw, "BatchInput", path, True)
    if not isinstance(raw["BatchInput"], dict):
        builder.problem(f"{path}/BatchInput", "The field 'BatchInput' must be a JSON object")
        return None
    before = len(builder.problems)
    builder._check_payload(raw["BatchInput"], f"{path}/BatchInput")
    return compile_payload(raw["BatchInput"]) if len(builder.problems) == before else None


def _parse_writer(builder, raw: dict, path: str, jsonata: bool) -> ResultWriterSpec:
    args_key = "Arguments" if jsonata else "Parameters"
    builder.allowed(raw, frozenset({"Resource", "WriterConfig", args_key}), path)
    resource = builder.string(raw, "Resource", path)
    if resource is not None and resource not in WRITER_RESOURCES:
        builder.problem(f"{path}/Resource", f"The ResultWriter resource must be {WRITER_RESOURCES[0]}")
    if (resource is None) != (args_key not in raw):
        builder.problem(path, f"ResultWriter needs both 'Resource' and '{args_key}', or neither")
    config = _object(builder, raw, "WriterConfig", path)
    if resource is None and config is None:
        builder.problem(path, f"ResultWriter needs 'Resource' and '{args_key}', 'WriterConfig', or all three")
    config = config or {}
    output_type = config.get("OutputType", "JSON")
    if output_type not in OUTPUT_TYPES:
        builder.problem(f"{path}/WriterConfig/OutputType", "The value of 'OutputType' must be JSON or JSONL")
    transformation = config.get("Transformation")
    if transformation is not None and transformation not in TRANSFORMATIONS:
        builder.problem(f"{path}/WriterConfig/Transformation",
                        "The value of 'Transformation' must be NONE, COMPACT or FLATTEN")
    return ResultWriterSpec(resource=resource, parameters=_template(builder, raw, args_key, path, jsonata),
                            output_type=output_type, transformation=transformation)


def parse_map_io(builder, body: dict, path: str, mode: str, jsonata: bool) -> dict:
    """The MapState fields ``item_reader``, ``item_batcher`` and ``result_writer`` (None when absent)."""
    out: dict[str, Any] = {"item_reader": None, "item_batcher": None, "result_writer": None}
    for key, name, parse in (("ItemReader", "item_reader", _parse_reader),
                             ("ItemBatcher", "item_batcher", _parse_batcher),
                             ("ResultWriter", "result_writer", _parse_writer)):
        if key not in body:
            continue
        raw = body[key]
        if not isinstance(raw, dict):
            builder.problem(f"{path}/{key}", f"The field '{key}' must be a JSON object")
            continue
        if mode != "DISTRIBUTED":
            builder.problem(f"{path}/{key}", f"The field '{key}' is only supported when the Map's "
                                             "ProcessorConfig Mode is DISTRIBUTED")
            continue
        out[name] = parse(builder, raw, f"{path}/{key}", jsonata)
    return out
