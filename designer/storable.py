"""Text a database cannot store, found before it is accepted.

A lone surrogate (U+D800..U+DFFF on its own) has no UTF-8 form, so neither SQLite nor
PostgreSQL can store it; PostgreSQL refuses NUL (U+0000) in text and in jsonb. Switchyard
refuses both in everything a client sends, on every database alike, with the error AWS
gives for the field (SECURITY.md). Values a running execution makes itself (a handler's
result, ``States.Base64Decode('AA==')``) can still hold them: :func:`escape_unstorable`
keeps such JSON text storable without changing the value it denotes, and makes an error
message that quotes one printable.
"""
from __future__ import annotations

import re
from typing import Any

__all__ = ["first_unstorable", "escape_unstorable", "UNSTORABLE"]

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _describe(char: str) -> str:
    kind = "a NUL character" if char == "\x00" else "a lone surrogate"
    return f"{kind} (U+{ord(char):04X})"


def first_unstorable(value: Any, where: str = "$") -> str | None:
    """Return where ``value`` (a string, or JSON made of dicts and lists) first holds a character
    no database can store, as ``"a lone surrogate (U+D83D) at $.a"``; None when it holds none."""
    stack = [(value, where)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            found = UNSTORABLE.search(item)
            if found:
                return f"{_describe(found.group())} at {path}"
        elif isinstance(item, dict):
            for key, child in item.items():
                found = UNSTORABLE.search(key) if isinstance(key, str) else None
                if found:
                    return f"{_describe(found.group())} in a key at {path}"
                stack.append((child, f"{path}.{key}"))
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{i}]") for i, child in enumerate(item))
    return None


def escape_unstorable(text: str) -> str:
    """Return ``text`` with each unstorable character written as a ``\\uXXXX`` escape.

    In JSON text such characters can only sit inside strings, where the escape denotes the
    same character, so JSON text still parses to the same value and is now storable.
    """
    return UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
