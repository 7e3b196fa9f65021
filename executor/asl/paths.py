"""JSONPath as ASL uses it: compiled once, evaluated many times.

Supported: ``$``, ``.name``, ``['name']``, ``[n]`` (negative too), ``[*]`` and
``.*``, slices ``[a:b:c]``, unions ``[0,2]`` / ``['a','b']``, recursive descent
``..name``, filters ``[?(@.x == 1 && @.y)]`` (see :mod:`.path_filter`) and
``.length()``. A path with a wildcard, slice, union, descent or filter is
*indefinite* and yields a list of matches, as Jayway (which AWS uses) does.

Where Jayway departs from other JSONPath dialects, we follow Jayway:

- a dot before a bracket is allowed and means nothing: ``$.[0]`` is ``$[0]``,
  ``$.abc.['def ghi']`` is ``$.abc['def ghi']`` (the AWS Paths page's example);
- several names in one bracket as the *last* step (``$['a','b']``,
  ``$[*]['bucket','key']``) select one object holding those of the names that
  exist, not a list of values, and do not make the path indefinite; elsewhere
  (``$['a','b'].c``) they are a union;
- a filter applied to an object tests the object itself (``$[?(@.id == 2)]``
  on ``{"id": 2}`` yields ``[{"id": 2}]``); applied to an array, each element;
  ``$`` inside a filter is the document's root, and an unquoted word is a
  string (see :mod:`.path_filter` for why).

Documents are never mutated: :func:`set_reference_path` copies only the
objects along the path it writes.
"""
from __future__ import annotations

import re
from typing import Any

from .path_filter import MISSING as _MISSING
from .path_filter import PathSyntaxError
from .path_steps import NAME, descent, field, merge, parse_bracket, wildcard

__all__ = [
    "PathSyntaxError",
    "PathNotFound",
    "JsonPath",
    "compile_path",
    "compile_reference_path",
    "set_reference_path",
]


class PathNotFound(LookupError):
    """A definite path selected nothing in the document."""


_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class JsonPath:
    """A compiled JSONPath. ``get`` returns the value (definite) or the list of matches."""

    __slots__ = ("text", "steps", "keys", "definite", "simple", "is_context", "variable", "whole")

    def __init__(self, text: str, steps: list, keys: list, definite: bool, is_context: bool,
                 variable: str | None = None):
        self.text = text
        self.steps = tuple(steps)
        self.keys = tuple(keys)  # one per name or bracket step: its name or index, else None
        self.definite = definite
        # Only names and indexes: a Reference Path, read and written through ``keys``.
        self.simple = definite and len(self.keys) == len(self.steps) and None not in self.keys
        self.is_context = is_context
        self.variable = variable  # ``$name...`` reads the variable ``name``
        # ``$``: the whole document, as it is (InputPath and OutputPath then hand it on untouched).
        self.whole = not self.keys and not self.steps and not is_context and variable is None

    def resolve(self, document: Any, scope: Any) -> Any:
        """Evaluate against the input, the context object (``$$``) or a variable (``$name``)."""
        if self.is_context:
            return self.get(scope.context)
        if self.variable is not None:
            variables = scope.variables
            if variables is None or self.variable not in variables:
                raise PathNotFound(self.text)
            return self.get(variables[self.variable])
        return self.get(document)

    def get(self, document: Any) -> Any:
        if self.simple:
            return self._get_by_keys(document)
        nodes = (document,)
        for step in self.steps:
            out = []
            for n in nodes:
                out.extend(step(n, document))
            nodes = out
        if self.definite:  # a definite path that is not simple ends in Jayway's ['a','b']
            if not nodes:
                raise PathNotFound(self.text)
            return nodes[0]
        return list(nodes)

    def _get_by_keys(self, document: Any) -> Any:
        node = document
        for key in self.keys:
            if isinstance(key, str):
                if type(node) is dict and key in node:
                    node = node[key]
                    continue
                raise PathNotFound(self.text)
            if type(node) is list:
                try:
                    node = node[key]
                    continue
                except IndexError:
                    pass
            raise PathNotFound(self.text)
        return node

    def __repr__(self) -> str:
        return f"JsonPath({self.text!r})"


class _LengthPath(JsonPath):
    """``<path>.length()``: the length of the array (or string) the path selects."""

    __slots__ = ("parent",)

    def __init__(self, text: str, parent: JsonPath):
        super().__init__(text, [], [], True, parent.is_context, parent.variable)
        self.parent = parent
        self.whole = False  # no steps of its own, but it reads its parent's path

    def resolve(self, document: Any, scope: Any) -> Any:
        return self._length(self.parent.resolve(document, scope))

    def get(self, document: Any) -> Any:
        return self._length(self.parent.get(document))

    def _length(self, value: Any) -> Any:
        if isinstance(value, (list, str, dict)):
            return len(value)
        raise PathNotFound(self.text)


_CACHE: dict[str, JsonPath] = {}


def compile_path(text: str) -> JsonPath:
    """Compile ``text`` (``$...`` or ``$$...``); raises PathSyntaxError."""
    cached = _CACHE.get(text)
    if cached is not None:
        return cached
    if not isinstance(text, str) or not text.startswith("$"):
        raise PathSyntaxError(f"The path '{text}' must start with '$'")
    is_context = text.startswith("$$")
    pos = 2 if is_context else 1
    variable = None
    if not is_context:
        m = _VARIABLE.match(text, 1)
        if m:
            variable, pos = m.group(), m.end()
    path = _PathBuilder(text, is_context, variable).build(pos)
    if len(_CACHE) < 10000:
        _CACHE[text] = path
    return path


class _PathBuilder:
    """Reads the steps of a path after its root (``$``, ``$$`` or ``$name``)."""

    def __init__(self, text: str, is_context: bool, variable: str | None):
        self.text = text
        self.is_context = is_context
        self.variable = variable
        self.steps: list = []
        self.keys: list = []
        self.definite = True

    def build(self, pos: int) -> JsonPath:
        text, n = self.text, len(self.text)
        while pos < n:
            if text.startswith("..", pos):
                pos = self.descent(pos + 2)
            elif text[pos] == ".":
                pos += 1
                if text.startswith("length()", pos) and pos + 8 == n:
                    return _LengthPath(text, self.path(text[:pos - 1]))
                if text.startswith("[", pos):
                    continue  # Jayway reads ".[" as "[": "$.[0]" is "$[0]"
                pos = self.dot_name(pos)
            elif text[pos] == "[":
                pos = self.bracket(pos)
            else:
                raise PathSyntaxError(f"Invalid path '{text}'")
        return self.path(text)

    def path(self, text: str) -> JsonPath:
        return JsonPath(text, self.steps, self.keys, self.definite, self.is_context, self.variable)

    def descent(self, pos: int) -> int:
        text = self.text
        if text.startswith("[", pos):
            bracket = parse_bracket(text, pos, text, compile_path)
            inner, pos = bracket.step, bracket.end
        elif text.startswith("*", pos):
            inner, pos = wildcard, pos + 1
        else:
            m = NAME.match(text, pos)
            if not m:
                raise PathSyntaxError(f"Invalid path '{text}'")
            inner, pos = field(m.group()), m.end()
        self.steps.append(descent(inner))
        self.definite = False
        return pos

    def dot_name(self, pos: int) -> int:
        if self.text.startswith("*", pos):
            self.steps.append(wildcard)
            self.definite = False
            return pos + 1
        m = NAME.match(self.text, pos)
        if not m:
            raise PathSyntaxError(f"Invalid path '{self.text}'")
        self.steps.append(field(m.group()))
        self.keys.append(m.group())
        return m.end()

    def bracket(self, pos: int) -> int:
        bracket = parse_bracket(self.text, pos, self.text, compile_path)
        if bracket.names and bracket.end == len(self.text):
            self.steps.append(merge(bracket.names))  # a leaf ['a','b'] stays definite
            self.keys.append(None)
        else:
            self.steps.append(bracket.step)
            self.keys.append(bracket.key)
            self.definite = self.definite and bracket.definite
        return bracket.end


def compile_reference_path(text: str) -> JsonPath:
    """A Reference Path (ResultPath and friends): definite, no filters or wildcards."""
    path = compile_path(text)
    if not path.simple or path.is_context or path.variable is not None:
        raise PathSyntaxError(f"The path '{text}' is not a valid reference path")
    return path


def set_reference_path(document: Any, path: JsonPath, value: Any) -> Any:
    """Return a copy of ``document`` with ``value`` placed at ``path``.

    Missing objects along the way are created; raises PathNotFound when an
    existing node on the way is not an object (or an index is out of range).
    """
    if not path.keys:
        return value
    return _set(document, path.keys, 0, value, path)


def _set(node, keys, i, value, path):
    key = keys[i]
    last = i == len(keys) - 1
    if isinstance(key, str):
        if node is _MISSING:
            node = {}
        if not isinstance(node, dict):
            raise PathNotFound(path.text)
        copy = dict(node)
        copy[key] = value if last else _set(node.get(key, _MISSING), keys, i + 1, value, path)
        return copy
    if not isinstance(node, list) or not -len(node) <= key < len(node):
        raise PathNotFound(path.text)
    copy = list(node)
    copy[key] = value if last else _set(node[key], keys, i + 1, value, path)
    return copy
