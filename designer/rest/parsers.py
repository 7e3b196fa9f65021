"""The REST API's only parser: JSON, so no cross-site HTML form can supply a body."""
from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError

__all__ = ["JSONParser"]


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with JSON nested past Python's recursion limit as a parse error (400)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply") from None
