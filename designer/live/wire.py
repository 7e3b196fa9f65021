"""Rows as the JSON the websocket sends: the AWS JSON 1.0 shapes, timestamps in epoch seconds."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from designer.awsapi.shapes import execution_description, history_event
from designer.history import EVENT_KEYS, event_micros
from designer.models import Execution, HistoryEvent

__all__ = ["event_wire", "raw_event_wire", "status_wire"]


def _plain(value: Any) -> Any:
    return value.timestamp() if isinstance(value, datetime) else value


def event_wire(row: HistoryEvent) -> dict[str, Any]:
    """One event exactly as GetExecutionHistory puts it in ``events``."""
    return {key: _plain(value) for key, value in history_event(row).items()}


def raw_event_wire(event: dict[str, Any]) -> dict[str, Any]:
    """One event as a runtime reported it to the history writer, as :func:`event_wire` puts the
    stored event; made only for a group someone watches."""
    wire = {"timestamp": event_micros(event["timestamp"]) / 1_000_000, "type": event["type"], "id": event["id"],
            "previousEventId": event.get("previousEventId") or 0}
    wire.update((key, value) for key, value in event.items() if key not in EVENT_KEYS)
    return wire


def status_wire(execution: Execution, *, include_data: bool = True) -> dict[str, Any]:
    """DescribeExecution's output (``include_data`` False: as with ``includedData=METADATA_ONLY``),
    with ``"type": "status"``; absent members are left out, as on the wire."""
    body = execution_description(execution, include_data=include_data)
    return {"type": "status", **{key: _plain(value) for key, value in body.items() if value is not None}}
