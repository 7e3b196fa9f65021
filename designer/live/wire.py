"""Rows as the JSON the websocket sends: the AWS JSON 1.0 shapes, timestamps in epoch seconds."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from designer.awsapi.shapes import execution_description, history_event
from designer.models import Execution, HistoryEvent

__all__ = ["event_wire", "row_wire", "status_wire"]


def _plain(value: Any) -> Any:
    return value.timestamp() if isinstance(value, datetime) else value


def event_wire(row: HistoryEvent) -> dict[str, Any]:
    """One event exactly as GetExecutionHistory puts it in ``events``."""
    return {key: _plain(value) for key, value in history_event(row).items()}


def row_wire(row: tuple) -> dict[str, Any]:
    """One event as the history writer stored it (``designer.sink.EventRow``), as :func:`event_wire`
    puts it; made only for a group someone watches."""
    return {"timestamp": row[4] / 1_000_000, "type": row[3], "id": row[1], "previousEventId": row[2],
            **orjson.loads(row[5])}


def status_wire(execution: Execution, *, include_data: bool = True) -> dict[str, Any]:
    """DescribeExecution's output (``include_data`` False: as with ``includedData=METADATA_ONLY``),
    with ``"type": "status"``; absent members are left out, as on the wire."""
    body = execution_description(execution, include_data=include_data)
    return {"type": "status", **{key: _plain(value) for key, value in body.items() if value is not None}}
