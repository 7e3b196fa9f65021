"""``maxResults`` and ``nextToken`` as the list actions read them."""
from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from designer import selectors
from designer.errors import InvalidToken

__all__ = ["page_size", "page_offset", "page_position", "page_of", "MAX_POSITION"]

_DEFAULT_PAGE = 100
# No list holds more rows than a database's 63-bit offsets; a forged token past it is invalid.
MAX_POSITION = 2**62


def page_size(params: dict[str, Any]) -> int:
    """Return the page size asked for; AWS reads 0 or none as its default of 100."""
    return params.get("maxResults") or _DEFAULT_PAGE


def page_offset(params: dict[str, Any], scope: str) -> int:
    """Return the offset a ``nextToken`` made for ``scope`` holds (0 without one); raises InvalidToken."""
    token = params.get("nextToken")
    if not token:
        return 0
    return page_position(token, scope)


def page_position(token: str, scope: str) -> int:
    """Return the position a ``nextToken`` made for ``scope`` holds; raises InvalidToken."""
    position = selectors.page_token_decode(token, scope)
    if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position < MAX_POSITION:
        raise InvalidToken(f"Invalid Token: '{token}'")
    return position


def page_of(params: dict[str, Any], scope: str, rows: QuerySet) -> tuple[list, str | None]:
    """Return the page of ``rows`` that ``maxResults`` and ``nextToken`` ask for, and the token
    of the next page (None on the last one)."""
    offset, limit = page_offset(params, scope), page_size(params)
    page = list(rows[offset: offset + limit + 1])
    if len(page) > limit:
        return page[:limit], selectors.page_token_encode(scope, offset + limit)
    return page, None
