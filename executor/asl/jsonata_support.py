"""Variables (Assign) and the JSONata query language.

JSONPath ``Assign`` blocks are payload templates evaluated into variables.
JSONata states are compiled here too.
"""
from __future__ import annotations

from typing import Any

from .payload import compile_payload

__all__ = ["compile_assign_jsonpath", "compile_jsonata_state"]


def compile_assign_jsonpath(builder, value: Any, path: str):
    if not isinstance(value, dict):
        builder.problem(path, "The field 'Assign' must be a JSON object")
        return None
    before = len(builder.problems)
    builder._check_payload(value, path)
    if len(builder.problems) != before:
        return None
    return compile_payload(value)


def compile_jsonata_state(builder, name: str, body: dict, path: str, depth: int):
    builder.problem(f"{path}/QueryLanguage", "JSONata states are not supported yet")
    return None
