"""JSONPath as ASL uses it: compiled once, evaluated many times.

Supported: ``$``, ``.name``, ``['name']``, ``[n]`` (negative too), ``[*]`` and
``.*``, slices ``[a:b:c]``, unions ``[0,2]`` / ``['a','b']``, recursive descent
``..name``, filters ``[?(@.x == 1 && @.y)]`` and ``.length()``. A path with a
wildcard, slice, union, descent or filter is *indefinite* and yields a list of
matches, as Jayway (which AWS uses) does.

Documents are never mutated: :func:`set_reference_path` copies only the
objects along the path it writes.
"""
from __future__ import annotations

import re
from typing import Any, Callable

__all__ = [
    "PathSyntaxError",
    "PathNotFound",
    "JsonPath",
    "compile_path",
    "compile_reference_path",
    "set_reference_path",
]

_MISSING = object()


class PathSyntaxError(ValueError):
    """The text is not a JSONPath that ASL accepts."""


class PathNotFound(LookupError):
    """A definite path selected nothing in the document."""


# ---------------------------------------------------------------------------
# Steps. Each step maps one node to an iterable of child nodes.


def _field(name: str) -> Callable[[Any], list]:
    def step(node):
        if isinstance(node, dict) and name in node:
            return (node[name],)
        return ()
    step.key = name  # type: ignore[attr-defined]
    return step


def _index(i: int) -> Callable[[Any], list]:
    def step(node):
        if isinstance(node, list):
            try:
                return (node[i],)
            except IndexError:
                return ()
        return ()
    step.key = i  # type: ignore[attr-defined]
    return step


def _wildcard(node):
    if isinstance(node, dict):
        return tuple(node.values())
    if isinstance(node, list):
        return tuple(node)
    return ()


def _slice(start, stop, stride):
    sl = slice(start, stop, stride)

    def step(node):
        if isinstance(node, list):
            return tuple(node[sl])
        return ()
    return step


def _union(steps):
    def step(node):
        out = []
        for s in steps:
            out.extend(s(node))
        return tuple(out)
    return step


def _descendants(node, out):
    out.append(node)
    if isinstance(node, dict):
        for v in node.values():
            _descendants(v, out)
    elif isinstance(node, list):
        for v in node:
            _descendants(v, out)


def _descent(inner):
    def step(node):
        nodes: list = []
        _descendants(node, nodes)
        out = []
        for n in nodes:
            out.extend(inner(n))
        return tuple(out)
    return step


def _filter(predicate):
    def step(node):
        items = node if isinstance(node, list) else (list(node.values()) if isinstance(node, dict) else [])
        return tuple(v for v in items if predicate(v))
    return step


# ---------------------------------------------------------------------------
# Filter expressions: @-relative paths, literals, comparisons, && || !.

_FILTER_TOKEN = re.compile(r"""\s*(?:
    (?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?) |
    (?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*") |
    (?P<op>==|!=|<=|>=|=~|&&|\|\||[<>!()]) |
    (?P<path>[@$](?:\.[A-Za-z_][\w-]*|\[[^\]]*\]|\.\*)*(?:\.length\(\))?) |
    (?P<word>true|false|null) |
    (?P<regex>/(?:[^/\\]|\\.)*/[a-z]*)
)""", re.VERBOSE)


def _compile_filter(text: str, root_path: str) -> Callable[[Any], bool]:
    tokens = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _FILTER_TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise PathSyntaxError(f"Invalid filter expression '{text}' in '{root_path}'")
        kind = m.lastgroup
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    tokens.append(("end", None))
    index = 0

    def peek():
        return tokens[index]

    def take():
        nonlocal index
        tok = tokens[index]
        index += 1
        return tok

    def operand():
        kind, value = take()
        if kind == "num":
            num = float(value)
            return lambda _n, v=(int(num) if num.is_integer() and "." not in value else num): v
        if kind == "str":
            s = value[1:-1].encode().decode("unicode_escape")
            return lambda _n, v=s: v
        if kind == "word":
            v = {"true": True, "false": False, "null": None}[value]
            return lambda _n, v=v: v
        if kind == "regex":
            body, _, flags = value[1:].rpartition("/")
            rx = re.compile(body, re.I if "i" in flags else 0)
            return lambda _n, rx=rx: rx
        if kind == "path":
            inner = compile_path("$" + value[1:])
            if value.startswith("$"):
                raise PathSyntaxError(f"Root references are not supported in filters: '{root_path}'")

            def get(n, inner=inner):
                try:
                    return inner.get(n)
                except PathNotFound:
                    return _MISSING
            return get
        if kind == "op" and value == "(":
            expr = disjunction()
            if take() != ("op", ")"):
                raise PathSyntaxError(f"Unbalanced parentheses in filter of '{root_path}'")
            return expr
        raise PathSyntaxError(f"Unexpected '{value}' in filter of '{root_path}'")

    def comparison():
        kind, value = peek()
        if kind == "op" and value == "!":
            take()
            inner = comparison()
            return lambda n: not _truthy(inner(n))
        left = operand()
        kind, value = peek()
        if kind == "op" and value in ("==", "!=", "<", "<=", ">", ">=", "=~"):
            take()
            right = operand()
            return lambda n, op=value: _compare(op, left(n), right(n))
        return left

    def conjunction():
        left = comparison()
        while peek() == ("op", "&&"):
            take()
            right = comparison()
            left = (lambda a, b: lambda n: _truthy(a(n)) and _truthy(b(n)))(left, right)
        return left

    def disjunction():
        left = conjunction()
        while peek() == ("op", "||"):
            take()
            right = conjunction()
            left = (lambda a, b: lambda n: _truthy(a(n)) or _truthy(b(n)))(left, right)
        return left

    expr = disjunction()
    if peek()[0] != "end":
        raise PathSyntaxError(f"Unexpected '{peek()[1]}' in filter of '{root_path}'")
    return lambda n: _truthy(expr(n))


def _truthy(v) -> bool:
    return v is not _MISSING and v is not None and v is not False


def _compare(op, a, b) -> bool:
    if a is _MISSING or b is _MISSING:
        return op == "!="
    if op == "=~":
        return isinstance(a, str) and hasattr(b, "search") and b.search(a) is not None
    if op in ("==", "!="):
        same = (a == b) and (isinstance(a, bool) == isinstance(b, bool))
        return same if op == "==" else not same
    try:
        if isinstance(a, bool) or isinstance(b, bool):
            return False
        if op == "<":
            return a < b
        if op == "<=":
            return a <= b
        if op == ">":
            return a > b
        return a >= b
    except TypeError:
        return False


# ---------------------------------------------------------------------------
# Path parsing.

_NAME = re.compile(r"[^.\[\]()\s]+")
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _parse_bracket(text: str, pos: int, path: str):
    """Parse ``[...]`` starting at ``pos`` (on the '['); returns (step, definite, key, end)."""
    if text.startswith("[?(", pos):
        depth, i = 0, pos + 2
        quote = None
        while i < len(text):
            c = text[i]
            if quote:
                if c == "\\":
                    i += 1
                elif c == quote:
                    quote = None
            elif c in "'\"":
                quote = c
            elif c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        if depth != 0 or not text.startswith(")]", i):
            raise PathSyntaxError(f"Unterminated filter in '{path}'")
        return _filter(_compile_filter(text[pos + 3:i], path)), False, None, i + 2
    end = pos + 1
    quote = None
    while end < len(text):
        c = text[end]
        if quote:
            if c == "\\":
                end += 1
            elif c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "]":
            break
        end += 1
    if end >= len(text):
        raise PathSyntaxError(f"Unterminated '[' in '{path}'")
    inner = text[pos + 1:end].strip()
    parts = _split_union(inner)
    steps, keys = [], []
    for part in parts:
        if part == "*":
            steps.append(_wildcard)
            keys.append(None)
        elif part[:1] in "'\"" and part[-1:] == part[:1] and len(part) >= 2:
            name = part[1:-1].replace("\\" + part[0], part[0])
            steps.append(_field(name))
            keys.append(name)
        elif ":" in part:
            bits = part.split(":")
            if len(bits) > 3:
                raise PathSyntaxError(f"Invalid slice '[{inner}]' in '{path}'")
            try:
                nums = [int(b) if b.strip() else None for b in bits] + [None] * (3 - len(bits))
            except ValueError:
                raise PathSyntaxError(f"Invalid slice '[{inner}]' in '{path}'") from None
            steps.append(_slice(*nums))
            keys.append(None)
        else:
            try:
                i = int(part)
            except ValueError:
                raise PathSyntaxError(f"Invalid subscript '[{inner}]' in '{path}'") from None
            steps.append(_index(i))
            keys.append(i)
    if len(steps) == 1:
        definite = keys[0] is not None
        return steps[0], definite, keys[0], end + 1
    return _union(steps), False, None, end + 1


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


class JsonPath:
    """A compiled JSONPath. ``get`` returns the value (definite) or the list of matches."""

    __slots__ = ("text", "steps", "keys", "definite", "is_context", "variable")

    def __init__(self, text: str, steps: list, keys: list, definite: bool, is_context: bool,
                 variable: str | None = None):
        self.text = text
        self.steps = tuple(steps)
        self.keys = tuple(keys)  # field names / indexes, when every step is one
        self.definite = definite
        self.is_context = is_context
        self.variable = variable  # ``$name...`` reads the variable ``name``

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
        if self.definite:
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
        nodes = (document,)
        for step in self.steps:
            out = []
            for n in nodes:
                out.extend(step(n))
            nodes = out
        return list(nodes)

    def __repr__(self) -> str:
        return f"JsonPath({self.text!r})"


class _LengthPath(JsonPath):
    """``<path>.length()``: the length of the array (or string) the path selects."""

    __slots__ = ("parent",)

    def __init__(self, text: str, parent: JsonPath):
        super().__init__(text, [], [], True, parent.is_context, parent.variable)
        self.parent = parent

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
    steps, keys, definite = [], [], True
    n = len(text)
    while pos < n:
        c = text[pos]
        if text.startswith("..", pos):
            pos += 2
            if pos < n and text[pos] == "[":
                inner, _, _, pos = _parse_bracket(text, pos, text)
            elif pos < n and text[pos] == "*":
                inner, pos = _wildcard, pos + 1
            else:
                m = _NAME.match(text, pos)
                if not m:
                    raise PathSyntaxError(f"Invalid path '{text}'")
                inner, pos = _field(m.group()), m.end()
            steps.append(_descent(inner))
            definite = False
        elif c == ".":
            pos += 1
            if text.startswith("length()", pos) and pos + 8 == n:
                parent = JsonPath(text[:pos - 1], steps, keys, definite, is_context, variable)
                return _LengthPath(text, parent)
            if pos < n and text[pos] == "*":
                steps.append(_wildcard)
                definite = False
                pos += 1
                continue
            m = _NAME.match(text, pos)
            if not m:
                raise PathSyntaxError(f"Invalid path '{text}'")
            steps.append(_field(m.group()))
            keys.append(m.group())
            pos = m.end()
        elif c == "[":
            step, is_definite, key, pos = _parse_bracket(text, pos, text)
            steps.append(step)
            keys.append(key)
            definite = definite and is_definite
        else:
            raise PathSyntaxError(f"Invalid path '{text}'")
    path = JsonPath(text, steps, keys, definite, is_context, variable)
    if len(_CACHE) < 10000:
        _CACHE[text] = path
    return path


def compile_reference_path(text: str) -> JsonPath:
    """A Reference Path (ResultPath and friends): definite, no filters or wildcards."""
    path = compile_path(text)
    if not path.definite or path.is_context or path.variable is not None:
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
