"""An execution's history as one list of events, read from where the history writer stores it.

The writer (``designer.sink``) stores what a runtime reports as one ``HistoryBatch`` row per batch
(a JSON array); events written one at a time (the API's own actions: an ExecutionAborted with no
runtime, an ExecutionRedriven) and Distributed Map children's are ``HistoryEvent`` rows. Readers
get ``HistoryEvent`` instances for both (unsaved for batched events), ordered by event id, the
first stored of each id where a replaying runtime reported one again.
"""
from __future__ import annotations

import json
import math
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

import orjson
from django.db.models import Max

from designer.models import Execution, HistoryBatch, HistoryEvent

__all__ = ["EPOCH", "EVENT_KEYS", "all_events", "event_micros", "events_page", "last_event_id", "last_event_ids",
           "seconds_micros"]

#: the keys of an event that are columns of HistoryEvent; the rest are its details
EVENT_KEYS = frozenset(("id", "previousEventId", "timestamp", "type"))
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def seconds_micros(seconds: float) -> int:
    """Epoch seconds in microseconds since the epoch, rounded as a datetime made from them would
    be (to the nearest, halves to even)."""
    if seconds >= 0:
        whole = int(seconds)
        return whole * 1_000_000 + round((seconds - whole) * 1_000_000)
    fraction, whole = math.modf(seconds)
    return int(whole) * 1_000_000 + round(fraction * 1_000_000)


def event_micros(timestamp: float | int) -> int:
    """A stored event's timestamp in microseconds since the epoch: a float is epoch seconds (as the
    interpreter gives them), an int whole microseconds (as the writer stores any other time)."""
    return timestamp if type(timestamp) is int else seconds_micros(timestamp)


def _loads(text: str) -> list[dict[str, Any]]:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # an integer past 64 bits, which the standard library reads
        return json.loads(text)


def _instance(execution_id: int, event: dict[str, Any]) -> HistoryEvent:
    return HistoryEvent(
        execution_id=execution_id, event_id=int(event["id"]), previous_event_id=int(event.get("previousEventId") or 0),
        type=str(event["type"]), timestamp=EPOCH + timedelta(microseconds=event_micros(event["timestamp"])),
        details={key: value for key, value in event.items() if key not in EVENT_KEYS})


def _batches(execution_id: int, *, above: int | None, below: int | None, reverse: bool) -> Iterable[tuple]:
    batches = HistoryBatch.objects.filter(execution_id=execution_id)
    if above is not None:
        batches = batches.filter(last_event_id__gt=above)
    if below is not None:
        batches = batches.filter(first_event_id__lt=below)
    order = ("-last_event_id", "-id") if reverse else ("first_event_id", "id")
    return batches.order_by(*order).values_list("first_event_id", "last_event_id", "events").iterator(chunk_size=20)


def _rows(execution_id: int, *, above: int | None, below: int | None, reverse: bool, limit: int | None) -> list:
    rows = HistoryEvent.objects.filter(execution_id=execution_id)
    if above is not None:
        rows = rows.filter(event_id__gt=above)
    if below is not None:
        rows = rows.filter(event_id__lt=below)
    rows = rows.order_by("-event_id" if reverse else "event_id")
    return list(rows[:limit] if limit is not None else rows)


def _collect(execution_id: int, *, above: int | None = None, below: int | None = None, reverse: bool = False,
             limit: int | None = None) -> list[HistoryEvent]:
    """Events with ids in (above, below), in id order (descending with ``reverse``), at most ``limit``."""
    found: dict[int, HistoryEvent] = {row.event_id: row for row in
                                      _rows(execution_id, above=above, below=below, reverse=reverse, limit=limit)}

    def enough(edge: int) -> bool:
        """Whether ``limit`` events are found that come before any event of a batch starting at ``edge``."""
        if limit is None or len(found) < limit:
            return False
        ids = sorted(found, reverse=reverse)
        return ids[limit - 1] < edge if not reverse else ids[limit - 1] > edge

    for first, last, text in _batches(execution_id, above=above, below=below, reverse=reverse):
        if enough(last if reverse else first):
            break  # batches come in order of that edge: no later one holds an event of this page
        for event in _loads(text):
            event_id = int(event["id"])
            if event_id in found or (above is not None and event_id <= above) or (below is not None
                                                                               and event_id >= below):
                continue
            found[event_id] = _instance(execution_id, event)
    events = sorted(found.values(), key=lambda event: event.event_id, reverse=reverse)
    return events[:limit] if limit is not None else events


def all_events(execution: Execution | int) -> list[HistoryEvent]:
    """The whole history, in event id order."""
    return _collect(_id(execution))


def events_page(execution: Execution | int, *, after: int | None = None, reverse: bool = False,
                limit: int = 100) -> list[HistoryEvent]:
    """Up to ``limit`` events past event id ``after``, in id order (descending with ``reverse``)."""
    if reverse:
        return _collect(_id(execution), below=after, reverse=True, limit=limit)
    return _collect(_id(execution), above=after, limit=limit)


def last_event_id(execution: Execution | int) -> int:
    """The largest event id stored for the execution (0 when none is)."""
    execution_id = _id(execution)
    return last_event_ids([execution_id]).get(execution_id, 0)


def last_event_ids(execution_ids: Iterable[int]) -> dict[int, int]:
    """The largest event id stored for each execution that has events."""
    ids = list(execution_ids)
    last: dict[int, int] = {}
    for model, field in ((HistoryEvent, "event_id"), (HistoryBatch, "last_event_id")):
        for execution_id, top in (model.objects.filter(execution_id__in=ids).values("execution_id")
                                  .annotate(top=Max(field)).values_list("execution_id", "top")):
            last[execution_id] = max(last.get(execution_id, 0), top or 0)
    return last


def _id(execution: Execution | int) -> int:
    return execution if isinstance(execution, int) else execution.pk
