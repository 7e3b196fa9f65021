"""Intrinsic functions (``States.Format(...)`` and friends).

``compile_intrinsic(text)`` parses once into a callable ``fn(input, context)``;
argument errors raise :class:`StatesError` with ``States.IntrinsicFailure``
(or ``States.Runtime`` for a path that selects nothing), as AWS does.
"""
from __future__ import annotations

import base64
import hashlib
import json
import math
import random
import re
from typing import Any, Callable

from .errors import STATES_INTRINSIC_FAILURE, STATES_RUNTIME, StatesError
from .paths import PathNotFound, PathSyntaxError, compile_path
from .scope import state_random, state_uuid

__all__ = ["IntrinsicSyntaxError", "compile_intrinsic", "is_intrinsic", "FUNCTIONS", "to_java_string"]


# AWS's documented limits on intrinsic arguments and results.
ARRAY_RANGE_MAX = 1000
TEXT_INPUT_MAX = 10000
INT32_MIN, INT32_MAX = -2**31, 2**31 - 1


class IntrinsicSyntaxError(ValueError):
    """The text is not a well-formed intrinsic function call."""


def is_intrinsic(text: Any) -> bool:
    return isinstance(text, str) and text.startswith("States.")


def _fail(message: str) -> StatesError:
    return StatesError(STATES_INTRINSIC_FAILURE, message)


def to_java_string(value: Any) -> str:
    """Render a value the way AWS's States.Format does (Java's toString)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return repr(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={to_java_string(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(to_java_string(v) for v in value) + "]"
    return str(value)


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _num(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(f"The value '{_dumps(value)}' of argument {name} is not a number")
    return value


def _int(value: Any, name: str) -> int:
    value = _num(value, name)
    if isinstance(value, int):
        return value  # exact even past a float's range
    if not math.isfinite(value):
        raise _fail(f"The value '{value}' of argument {name} is not a finite number")
    return int(math.floor(value + 0.5))


def _array(value: Any, name: str) -> list:
    if not isinstance(value, list):
        raise _fail(f"The value '{_dumps(value)}' of argument {name} is not an array")
    return value


def _string(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise _fail(f"The value '{_dumps(value)}' of argument {name} is not a string")
    return value


def _arity(args: list, low: int, high: int | None, fname: str) -> None:
    high = low if high is None else high
    if not low <= len(args) <= high:
        raise _fail(f"Function {fname} takes {low if low == high else f'{low} to {high}'} arguments, got {len(args)}")


def _format(args):
    if not args:
        raise _fail("Function States.Format needs at least one argument")
    template = _string(args[0], "template")
    values = args[1:]
    out, i, used = [], 0, 0
    while i < len(template):
        c = template[i]
        if c == "\\" and i + 1 < len(template) and template[i + 1] in "{}\\'":
            out.append(template[i + 1])
            i += 2
            continue
        if template.startswith("{}", i):
            if used >= len(values):
                raise _fail("Number of arguments in States.Format does not match the number of placeholders")
            out.append(to_java_string(values[used]))
            used += 1
            i += 2
            continue
        out.append(c)
        i += 1
    if used != len(values):
        raise _fail("Number of arguments in States.Format does not match the number of placeholders")
    return "".join(out)


def _string_to_json(args):
    _arity(args, 1, None, "States.StringToJson")
    text = _string(args[0], "1")
    try:
        return json.loads(text) if text.strip() else None
    except json.JSONDecodeError as exc:
        raise _fail(f"The argument '{text}' is not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise _fail("The argument of States.StringToJson is nested too deeply") from None


def _array_partition(args):
    _arity(args, 2, None, "States.ArrayPartition")
    arr = _array(args[0], "1")
    size = _int(args[1], "2")
    if size <= 0:
        raise _fail("The chunk size of States.ArrayPartition must be a positive integer")
    return [arr[i:i + size] for i in range(0, len(arr), size)]


def _array_range(args):
    _arity(args, 3, None, "States.ArrayRange")
    start, end, step = (_int(a, str(i + 1)) for i, a in enumerate(args))
    if step == 0:
        raise _fail("The step of States.ArrayRange cannot be 0")
    # Counted before the list is built: a range of millions must fail, not fill memory first.
    count = max(0, (end - start) // step + 1)
    if count > ARRAY_RANGE_MAX:
        raise _fail(f"States.ArrayRange cannot generate more than {ARRAY_RANGE_MAX} elements")
    return list(range(start, end + (1 if step > 0 else -1), step))


def _array_get_item(args):
    _arity(args, 2, None, "States.ArrayGetItem")
    arr = _array(args[0], "1")
    index = _int(args[1], "2")
    if not 0 <= index < len(arr):
        raise _fail(f"The index {index} is out of bounds for an array of length {len(arr)}")
    return arr[index]


def _array_unique(args):
    _arity(args, 1, None, "States.ArrayUnique")
    seen, out = set(), []
    for v in _array(args[0], "1"):
        key = _dumps(v) + ("b" if isinstance(v, bool) else "")
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


def _array_contains(args):
    _arity(args, 2, None, "States.ArrayContains")
    target = args[1]
    return any(v == target and isinstance(v, bool) == isinstance(target, bool) for v in _array(args[0], "1"))


def _base64_encode(args):
    _arity(args, 1, None, "States.Base64Encode")
    text = _string(args[0], "1")
    if len(text) > TEXT_INPUT_MAX:
        raise _fail(f"The input of States.Base64Encode is limited to {TEXT_INPUT_MAX} characters")
    return base64.b64encode(text.encode()).decode()


def _base64_decode(args):
    _arity(args, 1, None, "States.Base64Decode")
    text = _string(args[0], "1")
    if len(text) > TEXT_INPUT_MAX:
        raise _fail(f"The input of States.Base64Decode is limited to {TEXT_INPUT_MAX} characters")
    try:
        return base64.b64decode(text, validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        raise _fail(f"The argument '{text}' is not valid base64") from None


_HASHES = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}


def _hash(args):
    _arity(args, 2, None, "States.Hash")
    data = args[0]
    if data is None:
        raise _fail("The data argument of States.Hash cannot be null")
    text = data if isinstance(data, str) else _dumps(data)
    if len(text) > TEXT_INPUT_MAX:
        raise _fail(f"The input of States.Hash is limited to {TEXT_INPUT_MAX} characters")
    algorithm = _string(args[1], "2")
    if algorithm not in _HASHES:
        raise _fail(f"The hash algorithm '{algorithm}' is not supported; use one of {', '.join(_HASHES)}")
    return hashlib.new(_HASHES[algorithm], text.encode()).hexdigest()


def _json_merge(args):
    _arity(args, 3, None, "States.JsonMerge")
    left, right, deep = args
    if not isinstance(left, dict) or not isinstance(right, dict):
        raise _fail("The first two arguments of States.JsonMerge must be JSON objects")
    if deep is not False:
        raise _fail("States.JsonMerge supports only a shallow merge: the third argument must be false")
    merged = dict(left)
    merged.update(right)
    return merged


def _math_random(args):
    _arity(args, 2, 3, "States.MathRandom")
    start, end = _int(args[0], "1"), _int(args[1], "2")
    if start >= end:
        raise _fail("The start of States.MathRandom must be less than its end")
    rng = random.Random(_int(args[2], "3")) if len(args) == 3 else state_random()
    return rng.randrange(start, end)


def _math_add(args):
    _arity(args, 2, None, "States.MathAdd")
    left, right = _int(args[0], "1"), _int(args[1], "2")
    for value in (left, right):
        if not INT32_MIN <= value <= INT32_MAX:
            raise _fail(f"The arguments of States.MathAdd must be between {INT32_MIN} and {INT32_MAX}, "
                        f"not {value}")
    return left + right


def _string_split(args):
    _arity(args, 2, None, "States.StringSplit")
    text, delimiters = _string(args[0], "1"), _string(args[1], "2")
    if not delimiters:
        return [text] if text else []
    pattern = "[" + re.escape(delimiters) + "]"
    return [t for t in re.split(pattern, text) if t]


def _uuid(args):
    _arity(args, 0, None, "States.UUID")
    return state_uuid()


def _simple(fn: Callable[[Any], Any], name: str, check=None):
    def run(args):
        _arity(args, 1, None, name)
        if check:
            check(args[0], "1")
        return fn(args[0])
    return run


FUNCTIONS: dict[str, Callable[[list], Any]] = {
    "States.Format": _format,
    "States.StringToJson": _string_to_json,
    "States.JsonToString": _simple(_dumps, "States.JsonToString"),
    "States.Array": list,
    "States.ArrayPartition": _array_partition,
    "States.ArrayContains": _array_contains,
    "States.ArrayRange": _array_range,
    "States.ArrayGetItem": _array_get_item,
    "States.ArrayLength": _simple(len, "States.ArrayLength", _array),
    "States.ArrayUnique": _array_unique,
    "States.Base64Encode": _base64_encode,
    "States.Base64Decode": _base64_decode,
    "States.Hash": _hash,
    "States.JsonMerge": _json_merge,
    "States.MathRandom": _math_random,
    "States.MathAdd": _math_add,
    "States.StringSplit": _string_split,
    "States.UUID": _uuid,
}


# ---------------------------------------------------------------------------
# Parsing: a call is NAME '(' [arg (',' arg)*] ')'; an arg is a string literal,
# a number, true/false/null, a path ($ or $$), or a nested call.

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_FUNC_NAME = re.compile(r"States\.[A-Za-z0-9]+")


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    def error(self, message: str) -> IntrinsicSyntaxError:
        return IntrinsicSyntaxError(f"{message} at position {self.pos} of '{self.text}'")

    def skip_ws(self):
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def call(self):
        m = _FUNC_NAME.match(self.text, self.pos)
        if not m:
            raise self.error("Expected a function name")
        name = m.group()
        if name not in FUNCTIONS:
            raise IntrinsicSyntaxError(f"Unknown intrinsic function '{name}' in '{self.text}'")
        self.pos = m.end()
        self.skip_ws()
        if self.text[self.pos:self.pos + 1] != "(":
            raise self.error("Expected '('")
        self.pos += 1
        args = []
        self.skip_ws()
        if self.text[self.pos:self.pos + 1] == ")":
            self.pos += 1
        else:
            while True:
                self.skip_ws()
                args.append(self.argument())
                self.skip_ws()
                c = self.text[self.pos:self.pos + 1]
                self.pos += 1
                if c == ")":
                    break
                if c != ",":
                    self.pos -= 1
                    raise self.error("Expected ',' or ')'")
        fn = FUNCTIONS[name]

        def evaluate(doc, ctx, fn=fn, args=tuple(args)):
            return fn([a(doc, ctx) for a in args])
        return evaluate

    def argument(self):
        text, pos = self.text, self.pos
        c = text[pos:pos + 1]
        if c == "'":
            out, i = [], pos + 1
            while i < len(text):
                ch = text[i]
                if ch == "\\" and i + 1 < len(text):
                    nxt = text[i + 1]
                    # \{ and \} stay escaped: States.Format unescapes them.
                    out.append(ch + nxt if nxt in "{}" else nxt)
                    i += 2
                    continue
                if ch == "'":
                    break
                out.append(ch)
                i += 1
            else:
                raise self.error("Unterminated string")
            self.pos = i + 1
            value = "".join(out)
            return lambda _d, _c, v=value: v
        if c == "$":
            i = pos
            depth, quote = 0, None
            while i < len(text):
                ch = text[i]
                if quote:
                    if ch == quote:
                        quote = None
                elif ch in "'\"" and depth:
                    quote = ch
                elif ch in "[(":
                    depth += 1
                elif ch in "])":
                    if depth == 0:
                        break
                    depth -= 1
                elif ch == "," and depth == 0:
                    break
                i += 1
            path_text = text[pos:i].strip()
            self.pos = i
            try:
                path = compile_path(path_text)
            except PathSyntaxError as exc:
                raise IntrinsicSyntaxError(str(exc)) from None

            def get(doc, ctx, path=path):
                try:
                    return path.resolve(doc, ctx)
                except PathNotFound:
                    raise StatesError(STATES_RUNTIME, f"The JSONPath '{path.text}' could not be found") from None
            return get
        if text.startswith("States.", pos):
            return self.call()
        for word, value in (("true", True), ("false", False), ("null", None)):
            if text.startswith(word, pos):
                self.pos = pos + len(word)
                return lambda _d, _c, v=value: v
        m = _NUMBER.match(text, pos)
        if m:
            self.pos = m.end()
            literal = m.group()
            value = float(literal) if any(ch in literal for ch in ".eE") else int(literal)
            return lambda _d, _c, v=value: v
        raise self.error("Unexpected argument")


def compile_intrinsic(text: str) -> Callable[[Any, Any], Any]:
    """Compile an intrinsic call; the result is ``fn(input, context) -> value``."""
    parser = _Parser(text.strip())
    fn = parser.call()
    parser.skip_ws()
    if parser.pos != len(parser.text):
        raise parser.error("Unexpected text after the call")
    return fn
