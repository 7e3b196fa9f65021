"""The driver's event log: each event reads back exactly as the interpreter made it."""
from __future__ import annotations

from executor.runtime.store import dumps_events, dumps_record, loads_events


def test_every_event_reads_back_as_it_was_written_whichever_encoder_took_it():
    events = [{"id": 1, "previousEventId": 0, "timestamp": 1764759600.1234565, "type": "PassStateEntered",
               "stateEnteredEventDetails": {"name": name, "input": text, "inputDetails": {"truncated": False}}}
              for name, text in [("S1", '{"x":1}'), ("é 😀", "中文\u2028"), ("S3", "nul\x00"), ("S4", "lone\ud800")]]
    events.append({"id": 5, "previousEventId": 4, "timestamp": 1e-7, "type": "TaskSucceeded",
                   "taskSucceededEventDetails": {"output": "{}", "big": 2 ** 70}})
    plain, refused = events[:2], events[2:]
    assert isinstance(dumps_events(plain), bytes)  # orjson took the plain ones
    record = dumps_events(events)  # the standard library what orjson refuses, as dumps_record writes it
    assert record == dumps_record(events)
    assert loads_events([dumps_events(plain), record]) == plain + events
    for event in refused:
        assert loads_events([dumps_events([event])]) == [event]


def test_records_written_one_event_each_still_read_back():
    """An event log written before events were batched: one object per record."""
    events = [{"id": i, "previousEventId": i - 1, "timestamp": 1764759600.5, "type": "PassStateEntered"}
              for i in range(1, 4)]
    records = [dumps_record(events[0]), dumps_events(events[1:])]
    assert loads_events(records) == events
