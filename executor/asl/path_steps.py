"""The steps of a compiled JSONPath, and the parsing of its brackets.

A step maps one node to a tuple of child nodes; ``root`` is the document the
whole path is evaluated against, which filters read as ``$``.
"""
from __future__ import annotations

import re
from typing import Any, Callable, NamedTuple

from .path_filter import PathSyntaxError, compile_filter

__all__ = ["NAME", "Bracket", "descent", "field", "merge", "parse_bracket", "wildcard"]


def field(name: str) -> Callable[[Any, Any], tuple]:
    def step(node, _root):
        if isinstance(node, dict) and name in node:
            return (node[name],)
        return ()
    step.key = name  # type: ignore[attr-defined]
    return step


def _index(i: int) -> Callable[[Any, Any], tuple]:
    def step(node, _root):
        if isinstance(node, list):
            try:
                return (node[i],)
            except IndexError:
                return ()
        return ()
    step.key = i  # type: ignore[attr-defined]
    return step


def wildcard(node, _root):
    if isinstance(node, dict):
        return tuple(node.values())
    if isinstance(node, list):
        return tuple(node)
    return ()


def _slice(start, stop, stride):
    sl = slice(start, stop, stride)

    def step(node, _root):
        if isinstance(node, list):
            return tuple(node[sl])
        return ()
    return step


def _union(steps):
    def step(node, root):
        out = []
        for s in steps:
            out.extend(s(node, root))
        return tuple(out)
    return step


def merge(names):
    """Jayway's leaf ``['a','b']``: one object with those of the names that exist."""
    def step(node, _root):
        if type(node) is not dict:
            return ()
        return ({name: node[name] for name in names if name in node},)
    return step


def _descendants(node, out):
    out.append(node)
    if isinstance(node, dict):
        for v in node.values():
            _descendants(v, out)
    elif isinstance(node, list):
        for v in node:
            _descendants(v, out)


def descent(inner):
    def step(node, root):
        nodes: list = []
        _descendants(node, nodes)
        out = []
        for n in nodes:
            out.extend(inner(n, root))
        return tuple(out)
    return step


def _filter(predicate):
    def step(node, root):
        if type(node) is list:
            return tuple(v for v in node if predicate(v, root))
        if type(node) is dict and predicate(node, root):
            return (node,)
        return ()
    return step


NAME = re.compile(r"[^.\[\]()\s]+")


class Bracket(NamedTuple):
    step: Callable[[Any, Any], tuple]
    definite: bool
    key: str | int | None  # the field name or index, when the bracket selects exactly one
    end: int  # the position after the ']'
    names: tuple[str, ...] = ()  # set when the bracket lists several quoted names


def parse_bracket(text: str, pos: int, path: str, compile_path: Callable[[str], Any]) -> Bracket:
    """Parse ``[...]`` starting at ``pos`` (on the '['); ``compile_path`` compiles paths in filters."""
    if text.startswith("[?(", pos):
        return _parse_filter(text, pos, path, compile_path)
    end = _closing_bracket(text, pos, path)
    inner = text[pos + 1:end].strip()
    steps, keys = [], []
    for part in _split_union(inner):
        step, key = _subscript(part, inner, path)
        steps.append(step)
        keys.append(key)
    if len(steps) == 1:
        return Bracket(steps[0], keys[0] is not None, keys[0], end + 1)
    names = tuple(keys) if all(isinstance(k, str) for k in keys) else ()
    return Bracket(_union(steps), False, None, end + 1, names)


def _parse_filter(text: str, pos: int, path: str, compile_path: Callable[[str], Any]) -> Bracket:
    depth = 0
    for i, c in _unquoted(text, pos + 2):
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                if not text.startswith(")]", i):
                    break
                predicate = compile_filter(text[pos + 3:i], path, compile_path)
                return Bracket(_filter(predicate), False, None, i + 2)
    raise PathSyntaxError(f"Unterminated filter in '{path}'")


def _closing_bracket(text: str, pos: int, path: str) -> int:
    for i, c in _unquoted(text, pos + 1):
        if c == "]":
            return i
    raise PathSyntaxError(f"Unterminated '[' in '{path}'")


def _unquoted(text: str, start: int):
    """Yield (index, character) for each character from ``start`` outside a quoted string."""
    quote, i = None, start
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        else:
            yield i, c
        i += 1


def _subscript(part: str, inner: str, path: str):
    """One entry of a bracket: returns (step, key), key None unless it names one node."""
    if part == "*":
        return wildcard, None
    if part[:1] in "'\"" and part[-1:] == part[:1] and len(part) >= 2:
        name = part[1:-1].replace("\\" + part[0], part[0])
        return field(name), name
    if ":" in part:
        bits = part.split(":")
        if len(bits) > 3:
            raise PathSyntaxError(f"Invalid slice '[{inner}]' in '{path}'")
        try:
            nums = [int(b) if b.strip() else None for b in bits] + [None] * (3 - len(bits))
        except ValueError:
            raise PathSyntaxError(f"Invalid slice '[{inner}]' in '{path}'") from None
        return _slice(*nums), None
    try:
        i = int(part)
    except ValueError:
        raise PathSyntaxError(f"Invalid subscript '[{inner}]' in '{path}'") from None
    return _index(i), i


def _split_union(inner: str) -> list[str]:
    parts, current, quote = [], [], None
    for c in inner:
        if quote:
            current.append(c)
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
            current.append(c)
        elif c == ",":
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(c)
    parts.append("".join(current).strip())
    if any(p == "" for p in parts):
        raise PathSyntaxError(f"Empty subscript '[{inner}]'")
    return parts
