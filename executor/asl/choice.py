"""Choice rules (JSONPath form): comparison operators, their ``Path`` forms,
type tests and And/Or/Not, compiled once into predicates ``fn(input, scope)``.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Callable

from .errors import STATES_RUNTIME, StatesError
from .paths import PathNotFound, compile_path

__all__ = ["COMPARATORS", "TYPE_TESTS", "compile_rule", "parse_timestamp", "string_matches_pattern"]

Predicate = Callable[[Any, Any], bool]

_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
)


def parse_timestamp(value: Any) -> datetime | None:
    """An ISO-8601 extended offset date-time (``2016-03-14T01:59:00Z``), or None."""
    if not isinstance(value, str):
        return None
    m = _TIMESTAMP.match(value)
    if not m:
        return None
    fraction = (m.group(7) or "")[:7].ljust(7, "0") if m.group(7) else ""
    offset = "+00:00" if m.group(8) == "Z" else m.group(8)
    text = f"{m.group(1)}-{m.group(2)}-{m.group(3)}T{m.group(4)}:{m.group(5)}:{m.group(6)}"
    if fraction:
        text += fraction[:7]
    try:
        return datetime.fromisoformat(text + offset)
    except ValueError:
        return None


def string_matches_pattern(pattern: str) -> re.Pattern:
    """StringMatches: ``*`` is any run of characters; ``\\*`` and ``\\\\`` are literal."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if c == "*" else re.escape(c))
        i += 1
    return re.compile("".join(out), re.DOTALL)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _utf16(text: str) -> bytes:
    """The key of Java's ``String.compareTo``, which AWS uses: UTF-16 code units.

    Python orders strings by code point, which differs for a character outside
    the BMP (U+1F600, stored as the surrogates D83D DE00) against one from
    U+E000 to U+FFFF (U+FF5E): Java puts the emoji first. Big-endian UTF-16
    bytes compare as the code units do.
    """
    return text.encode("utf-16-be", "surrogatepass")


def _cmp_string(op):
    if op is _eq:  # equality is the same in both orders
        return lambda a, b: isinstance(a, str) and isinstance(b, str) and a == b
    return lambda a, b: isinstance(a, str) and isinstance(b, str) and op(_utf16(a), _utf16(b))


def _cmp_number(op):
    return lambda a, b: _is_number(a) and _is_number(b) and op(a, b)


def _cmp_timestamp(op):
    def compare(a, b):
        ta, tb = parse_timestamp(a), parse_timestamp(b)
        return ta is not None and tb is not None and op(ta, tb)
    return compare


def _eq(a, b):
    return a == b


def _lt(a, b):
    return a < b


def _gt(a, b):
    return a > b


def _le(a, b):
    return a <= b


def _ge(a, b):
    return a >= b


COMPARATORS: dict[str, Callable[[Any, Any], bool]] = {
    "StringEquals": _cmp_string(_eq),
    "StringLessThan": _cmp_string(_lt),
    "StringGreaterThan": _cmp_string(_gt),
    "StringLessThanEquals": _cmp_string(_le),
    "StringGreaterThanEquals": _cmp_string(_ge),
    "NumericEquals": _cmp_number(_eq),
    "NumericLessThan": _cmp_number(_lt),
    "NumericGreaterThan": _cmp_number(_gt),
    "NumericLessThanEquals": _cmp_number(_le),
    "NumericGreaterThanEquals": _cmp_number(_ge),
    "BooleanEquals": lambda a, b: isinstance(a, bool) and isinstance(b, bool) and a == b,
    "TimestampEquals": _cmp_timestamp(_eq),
    "TimestampLessThan": _cmp_timestamp(_lt),
    "TimestampGreaterThan": _cmp_timestamp(_gt),
    "TimestampLessThanEquals": _cmp_timestamp(_le),
    "TimestampGreaterThanEquals": _cmp_timestamp(_ge),
}

#: The type a literal operand of each comparator must have (for validation).
OPERAND_TYPES = {
    **{k: str for k in COMPARATORS if k.startswith(("String", "Timestamp"))},
    **{k: (int, float) for k in COMPARATORS if k.startswith("Numeric")},
    "BooleanEquals": bool,
    "StringMatches": str,
}

TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "IsNull": lambda v: v is None,
    "IsNumeric": _is_number,
    "IsString": lambda v: isinstance(v, str),
    "IsBoolean": lambda v: isinstance(v, bool),
    "IsTimestamp": lambda v: parse_timestamp(v) is not None,
}

RULE_OPERATORS = frozenset(
    list(COMPARATORS) + [k + "Path" for k in COMPARATORS] + list(TYPE_TESTS)
    + ["IsPresent", "StringMatches"]
)


def _variable_reader(text: str):
    path = compile_path(text)

    def read(doc, scope):
        try:
            return path.resolve(doc, scope)
        except PathNotFound:
            raise StatesError(
                STATES_RUNTIME,
                f"Invalid path '{text}': The choice state's condition path references an invalid value.",
            ) from None
    return path, read


def compile_rule(rule: dict) -> Predicate:
    """Compile one (possibly nested) Choice rule, without its ``Next``."""
    if "And" in rule:
        parts = [compile_rule(r) for r in rule["And"]]
        return lambda doc, scope: all(p(doc, scope) for p in parts)
    if "Or" in rule:
        parts = [compile_rule(r) for r in rule["Or"]]
        return lambda doc, scope: any(p(doc, scope) for p in parts)
    if "Not" in rule:
        inner = compile_rule(rule["Not"])
        return lambda doc, scope: not inner(doc, scope)
    path, read = _variable_reader(rule["Variable"])
    for op in rule:
        if op in ("Variable", "Next", "Comment", "Assign", "Output"):
            continue
        expected = rule[op]
        if op == "IsPresent":
            def is_present(doc, scope, want=expected):
                try:
                    path.resolve(doc, scope)
                    found = True
                except PathNotFound:
                    found = False
                return found == want
            return is_present
        if op in TYPE_TESTS:
            test = TYPE_TESTS[op]

            def type_test(doc, scope, test=test, want=expected):
                try:
                    value = path.resolve(doc, scope)
                except PathNotFound:
                    return False
                return test(value) == want
            return type_test
        if op == "StringMatches":
            rx = string_matches_pattern(expected)
            return lambda doc, scope: (lambda v: isinstance(v, str) and rx.fullmatch(v) is not None)(read(doc, scope))
        if op.endswith("Path") and op[:-4] in COMPARATORS:
            compare = COMPARATORS[op[:-4]]
            _, read_other = _variable_reader(expected)
            return lambda doc, scope: compare(read(doc, scope), read_other(doc, scope))
        if op in COMPARATORS:
            compare = COMPARATORS[op]
            return lambda doc, scope, b=expected: compare(read(doc, scope), b)
    raise ValueError(f"Choice rule without a comparison operator: {sorted(rule)}")
