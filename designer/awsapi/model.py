"""botocore's service model for Step Functions, and checking a request against it.

The operations, their input shapes and their constraints come from the model that
ships with botocore, so a field AWS adds is accepted or rejected without new code here.
"""
from __future__ import annotations

import functools
import re
from typing import Any

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape

__all__ = ["service_model", "operation_model", "validation_errors", "TARGET_PREFIX"]

TARGET_PREFIX = "AWSStepFunctions"
# Java regex classes the model uses that Python's re does not know.
_JAVA_CLASSES = {r"\p{ASCII}": r"\x00-\x7f"}
_MAX_REPORTED = 10


@functools.lru_cache(maxsize=1)
def service_model() -> ServiceModel:
    """Return botocore's model of the Step Functions API (loaded once)."""
    return botocore.session.get_session().get_service_model("stepfunctions")


def operation_model(action: str) -> OperationModel | None:
    """Return the model of ``action`` ("CreateStateMachine"), or None when AWS has no such operation."""
    model = service_model()
    return model.operation_model(action) if action in model.operation_names else None


@functools.lru_cache(maxsize=256)
def _pattern(pattern: str) -> re.Pattern | None:
    for java, python in _JAVA_CLASSES.items():
        pattern = pattern.replace(java, f"[{python}]")
    try:
        return re.compile(pattern)
    except re.error:  # a Java-only construct: AWS checks it, we cannot
        return None


def validation_errors(shape: Shape, value: Any) -> list[str]:
    """Return AWS-style messages for every way ``value`` breaks ``shape`` (empty when it fits)."""
    errors: list[str] = []
    _check(shape, value, "", errors)
    return errors


def _describe(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 64 else text[:61] + "..."


def _check(shape: Shape, value: Any, path: str, errors: list[str]) -> None:
    if len(errors) >= _MAX_REPORTED:
        return
    kind = shape.type_name
    checker = _CHECKERS.get(kind)
    if checker is None:
        return
    if not checker(value):
        errors.append(f"Value '{_describe(value)}' at '{path or 'input'}' failed to satisfy constraint: "
                      f"Member must be of type {kind}")
        return
    if kind == "structure":
        _check_structure(shape, value, path, errors)
    elif kind == "list":
        _check_size(shape, value, len(value), path, errors)
        for index, item in enumerate(value):
            _check(shape.member, item, f"{path}.{index + 1}.member" if path else f"{index + 1}", errors)
    elif kind == "map":
        _check_size(shape, value, len(value), path, errors)
        for key, item in value.items():
            _check(shape.key, key, f"{path}.{key}", errors)
            _check(shape.value, item, f"{path}.{key}", errors)
    elif kind == "string":
        _check_string(shape, value, path, errors)
    elif kind in ("integer", "long"):
        _check_range(shape, value, path, errors)


def _check_structure(shape: Shape, value: dict, path: str, errors: list[str]) -> None:
    members = shape.members
    for name in shape.required_members:
        if value.get(name) is None:
            errors.append(f"Value null at '{_join(path, name)}' failed to satisfy constraint: Member must not be null")
    for name, item in value.items():
        if name not in members:
            errors.append(f"Value at '{_join(path, name)}' failed to satisfy constraint: "
                          f"Member is not a parameter of {shape.name}")
        elif item is not None:
            _check(members[name], item, _join(path, name), errors)


def _check_string(shape: Shape, value: str, path: str, errors: list[str]) -> None:
    enum = shape.enum
    if enum and value not in enum:
        errors.append(f"Value '{_describe(value)}' at '{path}' failed to satisfy constraint: "
                      f"Member must satisfy enum value set: [{', '.join(enum)}]")
        return
    _check_size(shape, value, len(value), path, errors)
    pattern = shape.metadata.get("pattern")
    compiled = _pattern(pattern) if pattern else None
    if compiled is not None and not compiled.fullmatch(value):
        errors.append(f"Value '{_describe(value)}' at '{path}' failed to satisfy constraint: "
                      f"Member must satisfy regular expression pattern: {pattern}")


def _check_size(shape: Shape, value: Any, size: int, path: str, errors: list[str]) -> None:
    _check_bounds(shape, size, f"Value '{_describe(value)}' at '{path}'", "length", errors)


def _check_range(shape: Shape, value: int, path: str, errors: list[str]) -> None:
    _check_bounds(shape, value, f"Value '{value}' at '{path}'", "value", errors)


def _check_bounds(shape: Shape, measure: int, subject: str, what: str, errors: list[str]) -> None:
    """The shape's min/max on a length or a value, in AWS's ValidationException wording."""
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and measure < low:
        errors.append(f"{subject} failed to satisfy constraint: Member must have {what} greater than or equal "
                      f"to {low}")
    elif high is not None and measure > high:
        errors.append(f"{subject} failed to satisfy constraint: Member must have {what} less than or equal "
                      f"to {high}")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_CHECKERS = {
    "structure": lambda v: isinstance(v, dict),
    "list": lambda v: isinstance(v, list),
    "map": lambda v: isinstance(v, dict),
    "string": lambda v: isinstance(v, str),
    "blob": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": _is_int,
    "long": _is_int,
    "float": _is_number,
    "double": _is_number,
    "timestamp": lambda v: _is_number(v) or isinstance(v, str),
}
