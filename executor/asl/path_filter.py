"""JSONPath filter expressions (``[?(...)]``), evaluated as Jayway, which AWS uses.

A filter is compiled into ``predicate(item, root) -> bool``: ``@`` is the item
being tested and ``$`` the document the whole path is evaluated against (in
Parameters, the state's effective input), so ``[?(@.id == $.wanted)]`` works.

Unquoted words on the right of a comparison (``[?(@.Name==Receipt)]``) are
string literals. Jayway 2.x refuses them when it compiles the filter (its
``readNumberLiteral`` takes ``Receipt`` for a number and fails), but Jayway
1.x, whose ``ExpressionEvaluator`` compares a string with the text after the
operator, quotes or not, took them; AWS accepts such definitions at creation,
its data flow simulator evaluates ``[?(@.Status==Success)]`` as a comparison
with the string ``'Success'``, and AWS's own samples rely on it.
"""
from __future__ import annotations

import re
from typing import Any, Callable

__all__ = ["MISSING", "PathSyntaxError", "compile_filter"]

#: What a path inside a filter yields when it selects nothing.
MISSING = object()

Predicate = Callable[[Any, Any], bool]


class PathSyntaxError(ValueError):
    """The text is not a JSONPath that ASL accepts."""

_TOKEN = re.compile(r"""\s*(?:
    (?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?) |
    (?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*") |
    (?P<op>==|!=|<=|>=|=~|&&|\|\||[<>!()]) |
    (?P<path>[@$](?:\.?\[[^\]]*\]|\.[A-Za-z_][\w-]*|\.\*)*(?:\.length\(\))?) |
    (?P<word>(?:true|false|null)(?![\w.-])) |
    (?P<bare>[A-Za-z_][\w.-]*) |
    (?P<regex>/(?:[^/\\]|\\.)*/[a-z]*)
)""", re.VERBOSE)

_COMPARISONS = ("==", "!=", "<", "<=", ">", ">=", "=~")


def compile_filter(text: str, root_path: str, compile_path: Callable[[str], Any]) -> Predicate:
    """Compile the inside of ``[?(...)]``; ``compile_path`` compiles the paths in it.

    Raises PathSyntaxError naming ``root_path``.
    """
    tokens = _tokenize(text.strip(), root_path)
    parser = _Parser(tokens, root_path, compile_path)
    expr = parser.disjunction()
    if parser.peek()[0] != "end":
        raise parser.error(f"Unexpected '{parser.peek()[1]}'")
    return lambda item, root: _truthy(expr(item, root))


def _tokenize(text: str, root_path: str) -> list[tuple[str, Any]]:
    tokens, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise PathSyntaxError(f"Invalid filter expression '{text}' in '{root_path}'")
        tokens.append((m.lastgroup, m.group(m.lastgroup)))
        pos = m.end()
    tokens.append(("end", None))
    return tokens


class _Parser:
    """Recursive descent over the tokens: ``||`` binds looser than ``&&``, ``!`` tighter."""

    def __init__(self, tokens, root_path, compile_path):
        self.tokens = tokens
        self.index = 0
        self.root_path = root_path
        self.compile_path = compile_path

    def peek(self):
        return self.tokens[self.index]

    def take(self):
        tok = self.tokens[self.index]
        self.index += 1
        return tok

    def error(self, message: str) -> PathSyntaxError:
        return PathSyntaxError(f"{message} in filter of '{self.root_path}'")

    def disjunction(self):
        left = self.conjunction()
        while self.peek() == ("op", "||"):
            self.take()
            left = _either(left, self.conjunction())
        return left

    def conjunction(self):
        left = self.comparison()
        while self.peek() == ("op", "&&"):
            self.take()
            left = _both(left, self.comparison())
        return left

    def comparison(self):
        if self.peek() == ("op", "!"):
            self.take()
            inner = self.comparison()
            return lambda n, r: not _truthy(inner(n, r))
        left = self.operand()
        kind, value = self.peek()
        if kind == "op" and value in _COMPARISONS:
            self.take()
            right = self.operand()
            return lambda n, r, op=value: _compare(op, left(n, r), right(n, r))
        return left

    def operand(self):
        kind, value = self.take()
        if kind == "op" and value == "(":
            expr = self.disjunction()
            if self.take() != ("op", ")"):
                raise self.error("Unbalanced parentheses")
            return expr
        if kind == "path":
            return self.path(value)
        if kind in _LITERALS:
            literal = _LITERALS[kind](value)
            return lambda _n, _r, v=literal: v
        raise self.error(f"Unexpected '{value}'")

    def path(self, text: str):
        inner = self.compile_path("$" + text[1:])
        from_root = text.startswith("$")

        def get(item, root):
            try:
                return inner.get(root if from_root else item)
            except LookupError:
                return MISSING
        return get


def _number(text: str):
    num = float(text)
    return int(num) if num.is_integer() and "." not in text else num


def _regex(text: str):
    body, _, flags = text[1:].rpartition("/")
    return re.compile(body, re.I if "i" in flags else 0)


_LITERALS: dict[str, Callable[[str], Any]] = {
    "num": _number,
    "str": lambda text: text[1:-1].encode().decode("unicode_escape"),
    "word": {"true": True, "false": False, "null": None}.get,
    "bare": str,
    "regex": _regex,
}


def _either(a, b):
    return lambda n, r: _truthy(a(n, r)) or _truthy(b(n, r))


def _both(a, b):
    return lambda n, r: _truthy(a(n, r)) and _truthy(b(n, r))


def _truthy(v) -> bool:
    return v is not MISSING and v is not None and v is not False


def _compare(op, a, b) -> bool:
    if a is MISSING or b is MISSING:
        return op == "!="
    if op == "=~":
        return isinstance(a, str) and hasattr(b, "search") and b.search(a) is not None
    if op in ("==", "!="):
        same = (a == b) and (isinstance(a, bool) == isinstance(b, bool))
        return same if op == "==" else not same
    if isinstance(a, bool) or isinstance(b, bool):
        return False
    try:
        if op == "<":
            return a < b
        if op == "<=":
            return a <= b
        if op == ">":
            return a > b
        return a >= b
    except TypeError:
        return False
