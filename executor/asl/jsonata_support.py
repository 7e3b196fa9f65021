"""Variables (Assign) and the JSONata query language.

JSONata states hold templates: any string of the form ``{% expr %}`` is a
JSONata expression, evaluated with ``$states`` (input, result, errorOutput,
context) and the variables bound. Expressions are compiled once, by
jsonatapy (a Rust implementation, 4x to 38x faster per evaluation here than
the pure-Python jsonata-python; see docs/jsonata.md).

An evaluator has the interpreter's signature ``fn(states, scope)`` where
``states`` is the dict behind ``$states`` and ``scope`` gives the context
object and the variables.
"""
from __future__ import annotations

import hashlib
import json
import math
import random
import re
import threading
from typing import Any

import jsonatapy

from . import fields as F
from .choice import parse_timestamp
from .errors import STATES_QUERY_EVALUATION_ERROR, StatesError
from .map_io import parse_map_io
from .payload import compile_payload
from .scope import state_random, state_uuid
from .states import (
    ChoiceBranch,
    ChoiceState,
    FailState,
    MapState,
    ParallelState,
    PassState,
    SucceedState,
    TaskState,
    WaitState,
)

__all__ = ["compile_assign_jsonpath", "compile_jsonata_state", "compile_template", "forget_thread_expressions",
           "is_expression"]

_EXPRESSION = re.compile(r"^\{%(.*)%\}$", re.DOTALL)
_HASHES = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}
_UNDEFINED = object()
# Limits checked before anything is allocated. AWS documents 1,000 items for $range (as for
# States.ArrayRange) and 10,000 characters for $hash; sequences and padded strings get room for
# anything a 256 KiB payload holds (a padded string may overshoot it, so that the payload
# limit is what fails), and a [0..1e7] range or a $pad to a gigabyte fails at once.
RANGE_MAX = 1000
HASH_INPUT_MAX = 10000
SEQUENCE_MAX = 256 * 1024
STRING_MAX = 1024 * 1024


def is_expression(value: Any) -> bool:
    return isinstance(value, str) and _EXPRESSION.match(value) is not None


def _fail(message: str, location: str | None = None) -> StatesError:
    return StatesError(STATES_QUERY_EVALUATION_ERROR, message, location=location, evaluation=True)


# -- AWS's functions beside the JSONata standard library ------------------------------

def _partition(array, size):
    if not isinstance(array, list):
        array = [array]
    if isinstance(size, bool) or not isinstance(size, (int, float)) or not math.isfinite(size) or size < 1:
        raise ValueError("The chunk size of $partition must be a positive number")
    size = int(size)
    return [array[i:i + size] for i in range(0, len(array), size)]


def _range(start, end, step=1):
    for v in (start, end, step):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ValueError("The arguments of $range must be finite numbers")
    if step == 0:
        raise ValueError("The step of $range cannot be 0")
    # Counted before anything is built, as States.ArrayRange does.
    if math.floor((end - start) / step) + 1 > RANGE_MAX:
        raise ValueError(f"$range cannot generate more than {RANGE_MAX} elements")
    values, v = [], start
    while (v <= end) if step > 0 else (v >= end):
        values.append(int(v) if float(v).is_integer() else v)
        v += step
    # JSONata sequences: a single value is not wrapped in an array.
    return values[0] if len(values) == 1 else values


def _pad(text, width, char=" "):
    """JSONata's $pad, with the width checked before the padding is allocated."""
    if not isinstance(text, str):
        text = "" if text is None else json.dumps(text, separators=(",", ":"))
    if isinstance(width, bool) or not isinstance(width, (int, float)) or not math.isfinite(width):
        raise ValueError("The width of $pad must be a finite number")
    if abs(width) > STRING_MAX:
        raise ValueError(f"$pad cannot make a string longer than {STRING_MAX} characters")
    char = char if isinstance(char, str) and char else " "
    missing = int(abs(width)) - len(text)
    if missing <= 0:
        return text
    padding = (char * (missing // len(char) + 1))[:missing]
    return text + padding if width > 0 else padding + text


def _hash(value, algorithm):
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    if len(text) > HASH_INPUT_MAX:
        raise ValueError(f"The input of $hash is limited to {HASH_INPUT_MAX} characters")
    if algorithm not in _HASHES:
        raise ValueError(f"The hash algorithm '{algorithm}' is not supported; use one of {', '.join(_HASHES)}")
    return hashlib.new(_HASHES[algorithm], text.encode()).hexdigest()


def _random(seed=None):
    return random.Random(seed).random() if seed is not None else state_random().random()


def _parse(text):
    if not isinstance(text, str):
        raise ValueError("$parse expects a string")
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("The argument of $parse is nested too deeply") from None


def _refuse_eval(*_args):
    raise ValueError("The JSONata function $eval is not supported")


_FUNCTIONS = {"partition": _partition, "range": _range, "hash": _hash, "uuid": state_uuid,
              "parse": _parse}
_OVERRIDES = {"random": _random, "eval": _refuse_eval, "pad": _pad}


def compile_expression(text: str):
    """Compile one JSONata expression with AWS's extra functions; raises ValueError."""
    expr = jsonatapy.compile(text, timeout=10000, max_sequence_length=SEQUENCE_MAX)
    for name, fn in _FUNCTIONS.items():
        try:
            expr.register(name, fn)
        except ValueError:
            expr.register_override(name, fn)
    for name, fn in _OVERRIDES.items():
        try:
            expr.register_override(name, fn)
        except ValueError:
            pass
    return expr


_PER_THREAD = threading.local()
_PER_THREAD_LIMIT = 4096


def _thread_expression(text: str):
    """This thread's compiled copy of ``text``. jsonatapy's compiled expressions belong to the
    thread that made them (using or even dropping one elsewhere is an error), so each thread
    keeps its own, for as long as the thread lives."""
    cache = getattr(_PER_THREAD, "cache", None)
    if cache is None:
        cache = _PER_THREAD.cache = {}
    expr = cache.get(text)
    if expr is None:
        if len(cache) >= _PER_THREAD_LIMIT:
            cache.clear()
        expr = cache[text] = compile_expression(text)
    return expr


def forget_thread_expressions() -> None:
    """Drop this thread's compiled expressions (call it on a thread that is about to end)."""
    _PER_THREAD.__dict__.pop("cache", None)


def _evaluator(source: str, field: str):
    """An evaluator for ``{% source %}`` at ``field`` (e.g. ``Output/result``)."""
    text = source.strip()
    compile_expression(text)  # refuse a bad expression now, at validation
    wants_context = "$states" in text and "context" in text

    def evaluate(states: dict, scope) -> Any:
        expr = _thread_expression(text)
        bound = dict(scope.variables) if scope.variables else {}
        if wants_context:
            states = dict(states)
            states["context"] = scope.context
        bound["states"] = states
        try:
            out = expr.evaluate_json_or_none(None, bound)
        except ValueError as exc:
            raise _fail(f"The JSONata expression '{text}' specified for the field '{field}' threw an error "
                        f"during evaluation: {exc}", field) from None
        if out == '""' and expr.evaluate(None, bound) is None:
            raise _fail(f"The JSONata expression '{text}' specified for the field '{field}' returned an "
                        "unsupported result type.", field)
        if out is None:
            raise _fail(f"The JSONata expression '{text}' specified for the field '{field}' returned nothing "
                        "(undefined).", field)
        return json.loads(out)
    evaluate.dynamic = True  # type: ignore[attr-defined]
    evaluate.source = text  # type: ignore[attr-defined]
    return evaluate


def compile_template(value: Any, field: str):
    """Compile a JSONata template (any JSON value whose strings may be ``{% %}``)."""
    if isinstance(value, str):
        m = _EXPRESSION.match(value)
        if m:
            return _evaluator(m.group(1), field)
    elif isinstance(value, dict):
        parts = [(k, compile_template(v, f"{field}/{k}")) for k, v in value.items()]
        if any(getattr(p, "dynamic", False) for _, p in parts):
            def build(states, scope):
                return {k: p(states, scope) for k, p in parts}
            build.dynamic = True  # type: ignore[attr-defined]
            return build
    elif isinstance(value, list):
        items = [compile_template(v, f"{field}/{i}") for i, v in enumerate(value)]
        if any(getattr(p, "dynamic", False) for p in items):
            def build_list(states, scope):
                return [p(states, scope) for p in items]
            build_list.dynamic = True  # type: ignore[attr-defined]
            return build_list

    def const(_states, _scope):
        return value
    const.dynamic = False  # type: ignore[attr-defined]
    return const


# -- the parser side ------------------------------------------------------------------------

def check_variable_names(builder, value: dict, path: str) -> None:
    """Variable names: an identifier (Unicode ID_Start, then ID_Continue) of at most 80
    characters, and never ``states``, which JSONata states reserve."""
    for key in value:
        name = key[:-2] if key.endswith(".$") else key
        if not name.isidentifier() or len(name) > F.VARIABLE_NAME_MAX:
            builder.problem(f"{path}/{key}", f"The variable name '{name}' is not valid: it must start with a "
                                             "letter or '_', go on with letters, digits or '_', and be at most "
                                             f"{F.VARIABLE_NAME_MAX} characters long")
        elif name in F.RESERVED_VARIABLES:
            builder.problem(f"{path}/{key}", f"The variable name '{name}' is reserved")


def compile_assign_jsonpath(builder, value: Any, path: str):
    if not isinstance(value, dict):
        builder.problem(path, "The field 'Assign' must be a JSON object")
        return None
    check_variable_names(builder, value, path)
    before = len(builder.problems)
    builder._check_payload(value, path)
    if len(builder.problems) != before:
        return None
    return compile_payload(value)


def template_field(builder, body: dict, key: str, path: str):
    if key not in body:
        return None
    try:
        return compile_template(body[key], key)
    except ValueError as exc:
        builder.problem(f"{path}/{key}", f"The JSONata expression in the field '{key}' is not valid: {exc}")
        return None


def assign_field(builder, body: dict, path: str):
    if "Assign" not in body:
        return None
    if not isinstance(body["Assign"], dict):
        builder.problem(f"{path}/Assign", "The field 'Assign' must be a JSON object")
        return None
    check_variable_names(builder, body["Assign"], f"{path}/Assign")
    return template_field(builder, body, "Assign", path)


def _number_or_expression(builder, body: dict, key: str, path: str, **limits):
    value = body.get(key)
    if is_expression(value):
        return template_field(builder, body, key, path)
    return builder.number(body, key, path, **limits)


def compile_jsonata_state(builder, name: str, body: dict, path: str, depth: int):
    """Build a JSONata-mode state; problems go to ``builder``."""
    stype = body["Type"]
    forbidden = sorted(k for k in body if k in F.JSONPATH_ONLY and not (stype == "Map" and k == "ItemSelector"))
    for key in forbidden:
        builder.problem(f"{path}/{key}", f"The field '{key}' is not supported when the QueryLanguage is JSONata")
    builder.allowed({k: v for k, v in body.items() if k not in forbidden}, F.JSONATA_STATE_FIELDS[stype], path)
    plain = {k: v for k, v in body.items() if k not in F.JSONPATH_ONLY and k != "Assign"}
    common = builder.common(name, stype, plain, path, "JSONata")
    common["assign"] = assign_field(builder, body, path)
    common["output"] = template_field(builder, body, "Output", path)
    if stype in ("Task", "Parallel", "Map"):
        common["retry"] = builder.retriers(body, path)
        common["catch"] = builder.catchers(body, path, jsonata=True)
    if stype in ("Task", "Parallel"):
        common["parameters"] = template_field(builder, body, "Arguments", path)
    return _JSONATA_BUILDERS[stype](builder, common, body, path, depth)


def _build_pass(builder, common, body, path, depth):
    return PassState(**common)


def _build_succeed(builder, common, body, path, depth):
    return SucceedState(**common)


def _build_fail(builder, common, body, path, depth):
    return FailState(**common, error=template_field(builder, body, "Error", path),
                     cause=template_field(builder, body, "Cause", path))


def _build_task(builder, common, body, path, depth):
    resource = builder.string(body, "Resource", path, required=True)
    if "Credentials" in body:
        creds = body["Credentials"]
        if not isinstance(creds, dict) or "RoleArn" not in creds:
            builder.problem(f"{path}/Credentials", "The field 'RoleArn' is required but was missing")
    return TaskState(**common, resource=resource or "",
                     timeout_seconds=_number_or_expression(builder, body, "TimeoutSeconds", path, integer=True,
                                                           minimum=1),
                     heartbeat_seconds=_number_or_expression(builder, body, "HeartbeatSeconds", path,
                                                             integer=True, minimum=1),
                     credentials=body.get("Credentials"))


def _build_choice(builder, common, body, path, depth):
    branches = []
    choices = body.get("Choices")
    if not isinstance(choices, list) or not choices:
        builder.problem(f"{path}/Choices", "The field 'Choices' must be a non-empty array")
        choices = []
    for i, rule in enumerate(choices):
        rpath = f"{path}/Choices/{i}"
        if not isinstance(rule, dict) or "Condition" not in rule:
            builder.problem(rpath, "The field 'Condition' is required but was missing")
            continue
        builder.allowed(rule, frozenset({"Condition", "Next", "Assign", "Output", "Comment"}), rpath)
        nxt = builder.string(rule, "Next", rpath, required=True)
        branches.append(ChoiceBranch(template_field(builder, rule, "Condition", rpath), nxt or "",
                                     assign_field(builder, rule, rpath),
                                     template_field(builder, rule, "Output", rpath)))
    return ChoiceState(**common, choices=tuple(branches), default=builder.string(body, "Default", path))


def _build_wait(builder, common, body, path, depth):
    if len([k for k in ("Seconds", "Timestamp") if k in body]) != 1:
        builder.problem(path, "Exactly one of 'Seconds' or 'Timestamp' must be present")
    seconds = _number_or_expression(builder, body, "Seconds", path, integer=True, minimum=0)
    timestamp = body.get("Timestamp")
    if timestamp is not None and not is_expression(timestamp):
        if not isinstance(timestamp, str) or parse_timestamp(timestamp) is None:
            builder.problem(f"{path}/Timestamp", "String does not match RFC3339 timestamp")
    else:
        timestamp = template_field(builder, body, "Timestamp", path)
    return WaitState(**common, seconds=seconds, timestamp=timestamp)


def _build_parallel(builder, common, body, path, depth):
    return ParallelState(**common, branches=builder.branches(body, path, depth, "JSONata"))


def _build_map(builder, common, body, path, depth):
    key = "ItemProcessor" if "ItemProcessor" in body else "Iterator"
    raw = body.get(key)
    mode = "INLINE"
    processor = None
    if raw is None:
        builder.problem(path, "The field 'ItemProcessor' is required but was missing")
    else:
        config = raw.get("ProcessorConfig", {}) if isinstance(raw, dict) else {}
        mode = config.get("Mode", "INLINE") if isinstance(config, dict) else "INLINE"
        processor = builder.machine(raw, f"{path}/{key}", depth + 1, "JSONata")
    if body.get("Label") is not None:
        builder.check_label(body["Label"], f"{path}/Label")
    return MapState(**common, processor=processor, mode=mode,
                    items=template_field(builder, body, "Items", path),
                    item_selector=template_field(builder, body, "ItemSelector", path),
                    max_concurrency=_number_or_expression(builder, body, "MaxConcurrency", path, integer=True,
                                                          minimum=0) or 0,
                    tolerated_failure_count=_number_or_expression(builder, body, "ToleratedFailureCount", path,
                                                                  integer=True, minimum=0),
                    tolerated_failure_percentage=_number_or_expression(builder, body, "ToleratedFailurePercentage",
                                                                       path, minimum=0, maximum=100),
                    label=body.get("Label"), **parse_map_io(builder, body, path, mode, jsonata=True))


_JSONATA_BUILDERS = {"Pass": _build_pass, "Succeed": _build_succeed, "Fail": _build_fail, "Task": _build_task,
                     "Choice": _build_choice, "Wait": _build_wait, "Parallel": _build_parallel, "Map": _build_map}


# -- scopes ---------------------------------------------------------------------------------

def _assigned_names(machine: dict) -> dict[str, str]:
    """Variable name -> where it is assigned, for the states directly in ``machine``."""
    names: dict[str, str] = {}
    states = machine.get("States") if isinstance(machine, dict) else None
    for state_name, body in (states or {}).items():
        if not isinstance(body, dict):
            continue
        blocks = [("Assign", body.get("Assign"))]
        blocks += [(f"Choices/{i}/Assign", c.get("Assign")) for i, c in enumerate(body.get("Choices") or [])
                   if isinstance(c, dict)]
        blocks += [(f"Catch/{i}/Assign", c.get("Assign")) for i, c in enumerate(body.get("Catch") or [])
                   if isinstance(c, dict)]
        for where, block in blocks:
            if isinstance(block, dict):
                for key in block:
                    names.setdefault(key[:-2] if key.endswith(".$") else key, f"/States/{state_name}/{where}/{key}")
    return names


def check_variable_scopes(builder, machine: dict, outer: frozenset = frozenset(), path: str = "") -> None:
    """An inner scope (a Parallel branch, an inline Map's iterations) reads the variables of
    the scopes around it but MUST NOT assign a variable of the same name as one of them."""
    own = _assigned_names(machine)
    visible = outer | frozenset(own)
    for state_name, body in (machine.get("States") or {}).items():
        if not isinstance(body, dict):
            continue
        nested = [(f"{path}/States/{state_name}/Branches/{i}", b)
                  for i, b in enumerate(body.get("Branches") or []) if isinstance(b, dict)]
        for key in ("ItemProcessor", "Iterator"):
            processor = body.get(key)
            if isinstance(processor, dict):
                mode = (processor.get("ProcessorConfig") or {}).get("Mode", "INLINE")
                # A distributed Map's iterations are child executions with scopes of their own.
                nested.append((f"{path}/States/{state_name}/{key}", processor if mode != "DISTRIBUTED" else None))
        for sub_path, sub in nested:
            if sub is None:
                continue
            for name, where in _assigned_names(sub).items():
                if name in visible:
                    builder.problem(f"{sub_path}{where}", f"The variable '{name}' is assigned in an outer scope; "
                                                          "a Parallel branch or Map iteration cannot assign it")
            check_variable_scopes(builder, sub, visible, sub_path)
