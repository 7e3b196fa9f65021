"""Payload templates: Parameters, ResultSelector, ItemSelector (JSONPath mode).

A template is compiled once. Keys ending in ``.$`` take their value from a
path into the input (``$.x``), the context object (``$$.x``), a variable
(``$name``) or an intrinsic function; other values are copied as they are.
"""
from __future__ import annotations

import json
from typing import Any, Callable

from .errors import STATES_RUNTIME, StatesError
from .intrinsics import compile_intrinsic, is_intrinsic
from .paths import PathNotFound, compile_path

__all__ = ["compile_payload", "compile_value_path", "Evaluator"]

Evaluator = Callable[[Any, Any], Any]  # (input, scope) -> value


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def compile_value_path(text: str, field: str) -> Evaluator:
    """A ``.$`` value: a path or an intrinsic call. Raises PathSyntaxError/IntrinsicSyntaxError."""
    if is_intrinsic(text):
        return compile_intrinsic(text)
    path = compile_path(text)

    def get(doc, scope):
        try:
            return path.resolve(doc, scope)
        except PathNotFound:
            source = "the input" if not path.is_context else "the input"
            shown = scope.context if path.is_context else doc
            raise StatesError(
                STATES_RUNTIME,
                f"The JSONPath '{text}' specified for the field '{field}' could not be found in "
                f"{source} '{_dumps(shown)}'",
            ) from None
    return get


def compile_payload(template: Any) -> Evaluator:
    """Compile a payload template into ``fn(input, scope) -> value``."""
    if isinstance(template, dict):
        parts: list[tuple[str, bool, Any]] = []
        static = True
        for key, value in template.items():
            if key.endswith(".$") and isinstance(value, str):
                parts.append((key[:-2], True, compile_value_path(value, key)))
                static = False
            else:
                sub = compile_payload(value)
                dynamic = getattr(sub, "dynamic", False)
                parts.append((key, dynamic, sub if dynamic else value))
                static = static and not dynamic
        if static:
            return _constant(template)

        def build(doc, scope):
            out = {}
            for key, dynamic, value in parts:
                out[key] = value(doc, scope) if dynamic else value
            return out
        build.dynamic = True  # type: ignore[attr-defined]
        return build
    if isinstance(template, list):
        items = [compile_payload(v) for v in template]
        if not any(getattr(i, "dynamic", False) for i in items):
            return _constant(template)

        def build_list(doc, scope):
            return [i(doc, scope) for i in items]
        build_list.dynamic = True  # type: ignore[attr-defined]
        return build_list
    return _constant(template)


def _constant(value: Any) -> Evaluator:
    # Documents are never mutated after creation, so a constant can be shared.
    def const(_doc, _scope):
        return value
    const.dynamic = False  # type: ignore[attr-defined]
    return const
