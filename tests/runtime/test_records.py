"""The driver's event log: each event reads back exactly as the interpreter made it."""
from __future__ import annotations

import json

from executor.runtime.store import dumps_events, dumps_record


def test_every_event_reads_back_as_it_was_written_whichever_encoder_took_it():
    events = [{"id": 1, "previousEventId": 0, "timestamp": 1764759600.1234565, "type": "PassStateEntered",
               "stateEnteredEventDetails": {"name": name, "input": text, "inputDetails": {"truncated": False}}}
              for name, text in [("S1", '{"x":1}'), ("é 😀", "中文\u2028"), ("S3", "nul\x00"), ("S4", "lone\ud800")]]
    events.append({"id": 5, "previousEventId": 4, "timestamp": 1e-7, "type": "TaskSucceeded",
                   "taskSucceededEventDetails": {"output": "{}", "big": 2 ** 70}})
    records = dumps_events(events)
    assert [json.loads(record) for record in records] == events
    # orjson took the plain ones; the standard library what orjson refuses, as dumps_record writes it
    assert isinstance(records[0], bytes)
    assert records[3] == dumps_record(events[3]) and records[4] == dumps_record(events[4])
