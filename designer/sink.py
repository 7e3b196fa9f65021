"""The Django implementation of ``executor.runtime.base.ExecutionSink``.

Runtimes call the sink from their own threads, often from inside a running asyncio
loop, where Django refuses synchronous database access. So the sink only queues what
it is given; one writer thread owns the database work and writes whatever has queued
up in one transaction. Batching keeps SQLite (one writer at a time) fast, and a
runtime never waits on the database.
"""
from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from json.encoder import c_make_encoder, encode_basestring_ascii
from typing import Any

import orjson
from django.db import InterfaceError, OperationalError, close_old_connections, connection, transaction
from django.db.models import F, Max

from designer.history import EPOCH, EVENT_KEYS, seconds_micros
from designer.live.publisher import publish_batch
from designer.models import Execution, ExecutionStatus, HistoryBatch, HistoryEvent, MapRun, StateMachine
from designer.storable import UNSTORABLE, escape_unstorable
from executor.asl.history import not_json
from executor.runtime.base import ExecutionResult

logger = logging.getLogger(__name__)

__all__ = ["DjangoExecutionSink", "EventRow", "ended_fields", "get_sink", "to_datetime"]

_PAYLOAD_KEYS = ("input", "output")
_BATCH_MAX = 1000
# Under load, wait this long to gather a larger batch: on SQLite every transaction takes the one
# write lock that requests (StartExecution) wait for, so fewer, larger ones keep them moving.
_GATHER_S = 0.025
_BUSY_BATCH = 20
# Otherwise a few milliseconds: an execution's events come in bursts (a state's entered, scheduled,
# started...), and one transaction for the burst leaves the runtime's threads the CPU meanwhile;
# an execution's end cuts it short (_gather).
_GATHER_IDLE_S = 0.004
# How long a batch waits for a database that fails (restarting, unreachable) before it is written
# item by item, failing the executions whose items cannot be.
_DATABASE_PATIENCE_S = 60.0
# Executions held for DescribeExecution while they run (``keep``): on a runtime elsewhere, one
# nobody asks about after its end is only dropped as newer ones come.
_KEPT_MAX = 10_000
_KEPT_BYTES = 64 * 1024 * 1024


def to_datetime(value: Any) -> datetime:
    """Return an aware UTC datetime for an epoch float (or a datetime, passed through)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.fromtimestamp(float(value), tz=timezone.utc)


class DjangoExecutionSink:
    """Queues history events and terminal results; a daemon thread writes them in order."""

    #: append_events and execution_finished never block (see executor.runtime.base.ExecutionSink)
    queues_only = True

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._busy = False  # the last batch was large: gather longer (_GATHER_S)
        # What is queued and not yet written, per execution: readers in this process see an end at
        # once (ended), and wait for the history only when some of it is still on its way (settle).
        self._pending_lock = threading.Lock()
        self._pending: dict[str, int] = {}
        self._ended: dict[str, ExecutionResult] = {}
        # Executions this process started, held for DescribeExecution while they run (keep)
        self._kept: dict[str, tuple[Execution, int]] = {}  # ARN -> (execution, its input's and definition's size)
        self._kept_bytes = 0
        self._kept_lock = threading.Lock()
        self._children_queued = 0  # Distributed Map child records among them

    # --- the ExecutionSink protocol
    def append_events(self, execution_arn: str, events: list[dict[str, Any]]) -> None:
        """Queue ``events`` (GetExecutionHistory-shaped dicts) for ``execution_arn``; returns at once."""
        self._put(("events", execution_arn, list(events)))

    def execution_finished(self, execution_arn: str, result: ExecutionResult) -> None:
        """Queue the terminal status; it is written after every event queued before it."""
        self._put(("finished", execution_arn, result))

    def map_run_updated(self, record: dict[str, Any]) -> dict[str, Any] | None:
        """Queue a Map Run's record (DescribeMapRun's fields, dates as epoch seconds) and return the
        settings the run must now use: those UpdateMapRun set, once the run is stored. Called on a
        worker thread, never on an event loop."""
        self._put(("map_run", record["executionArn"], record))
        close_old_connections()
        stored = MapRun.objects.filter(arn=record["mapRunArn"]).values(
            "max_concurrency", "tolerated_failure_percentage", "tolerated_failure_count").first()
        if stored is None:
            return None
        return {"maxConcurrency": stored["max_concurrency"],
                "toleratedFailurePercentage": stored["tolerated_failure_percentage"],
                "toleratedFailureCount": stored["tolerated_failure_count"]}

    def map_child(self, record: dict[str, Any]) -> None:
        """Queue a Distributed Map's child execution as it starts or ends, with its history events
        since the last record (``Hooks.map_child``); returns at once. A start and an end that
        are written together become one row."""
        self._put(("child", record["mapRunArn"], record))

    def children_backlog(self) -> int:
        """How many child records are queued and not written yet (a Distributed Map waits on it)."""
        return self._children_queued

    # --- for the designer
    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued so far is written; return False on timeout."""
        done = threading.Event()
        self._put(("flush", done, None))
        return done.wait(timeout)

    def ended(self, execution_arn: str) -> ExecutionResult | None:
        """The end the runtime reported for ``execution_arn``, while it is still on its way to the
        database (None once written, or when there is none)."""
        return self._ended.get(execution_arn)

    def keep(self, execution: Execution) -> None:
        """Hold ``execution`` (RUNNING, as saved) while it runs: DescribeExecution answers from it
        without the database (``designer.selectors.execution_from_memory``). Dropped when this
        sink writes its end, when a runtime elsewhere is seen to have ended it, or, oldest first,
        past _KEPT_MAX executions or _KEPT_BYTES of their inputs and definitions."""
        size = len(execution.input or "") + len(execution.definition or "")
        with self._kept_lock:
            kept = self._kept
            while kept and (len(kept) >= _KEPT_MAX or self._kept_bytes + size > _KEPT_BYTES):
                self._kept_bytes -= kept.pop(next(iter(kept)))[1]
            kept[execution.arn] = (execution, size)
            self._kept_bytes += size

    def kept(self, execution_arn: str) -> Execution | None:
        """The execution ``keep`` holds, as it was saved (RUNNING); None once its end is written."""
        held = self._kept.get(execution_arn)
        return None if held is None else held[0]

    def forget(self, execution_arn: str) -> None:
        """Stop holding ``execution_arn`` (its runtime could not start it, or it ended elsewhere)."""
        with self._kept_lock:
            held = self._kept.pop(execution_arn, None)
            if held is not None:
                self._kept_bytes -= held[1]

    def settle(self, execution_arn: str, timeout: float = 10.0) -> None:
        """Wait until what is queued for ``execution_arn`` is written (at once when nothing is)."""
        if execution_arn in self._pending:
            self.flush(timeout)

    def _put(self, item: tuple) -> None:
        if self._thread is None or not self._thread.is_alive():
            with self._start_lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._run, name="switchyard-sink", daemon=True)
                    self._thread.start()
        kind, arn, payload = item
        if kind != "flush":
            with self._pending_lock:
                self._pending[arn] = self._pending.get(arn, 0) + 1
                if kind == "finished":
                    self._ended[arn] = payload
                elif kind == "child":
                    self._children_queued += 1
        self._queue.put(item)

    def _written(self, batch: list[tuple]) -> None:
        with self._pending_lock:
            for kind, arn, _ in batch:
                if kind == "flush":
                    continue
                left = self._pending.get(arn, 1) - 1
                if left > 0:
                    self._pending[arn] = left
                else:
                    self._pending.pop(arn, None)
                if kind == "finished":
                    self._ended.pop(arn, None)
                    self.forget(arn)
                elif kind == "child":
                    self._children_queued -= 1

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            try:
                if batch[0][0] != "flush":
                    self._gather(batch)
                while len(batch) < _BATCH_MAX:
                    try:
                        batch.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                self._busy = len(batch) >= _BUSY_BATCH
                self._write_or_fail(batch)
            except Exception:  # the writer outlives anything: a dead one would leave every end unwritten
                logger.exception("The history writer failed on a batch of %d items", len(batch))
            finally:
                self._written(batch)
                for kind, done, _ in batch:
                    if kind == "flush":
                        done.set()

    def _gather(self, batch: list[tuple]) -> None:
        """Add to ``batch`` what comes within the gathering window. A flush ends the wait at once
        (someone waits for it), and so, unless under load, does an execution's end: nothing more of
        it is coming, and written now, its history is in before its client has seen the end and
        sent the next request, rather than holding the write lock when that request's own write comes."""
        busy = self._busy
        deadline = time.monotonic() + (_GATHER_S if busy else _GATHER_IDLE_S)
        while len(batch) < _BATCH_MAX:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                item = self._queue.get(timeout=left)
            except queue.Empty:
                return
            batch.append(item)
            if item[0] == "flush" or (item[0] == "finished" and not busy):
                return

    def _write_or_fail(self, batch: list[tuple]) -> None:
        """Write ``batch``. While the database itself fails (a deadlock, a server restarting, a
        connection gone), try again on a new connection for up to a minute; when the batch is
        refused otherwise, write it item by item and fail the executions whose items cannot be
        written (each after its last stored event)."""
        waited = 0.0
        try:
            while True:
                try:
                    self._write(batch)
                    return
                except (OperationalError, InterfaceError) as exc:
                    _drop_broken_connection()
                    if waited >= _DATABASE_PATIENCE_S:
                        break
                    pause = min(max(0.05, waited), 5.0)  # doubling, from 50 ms to 5 s
                    logger.warning("The database failed a history write (%s); trying again in %.2f s", exc, pause)
                    time.sleep(pause)
                    waited += pause
                except Exception:
                    break
            logger.exception("Writing a batch of history failed; retrying item by item")
            for item in batch:
                try:
                    self._write([item])
                except Exception as exc:
                    _drop_broken_connection()
                    _fail_loudly(item, exc)
        finally:
            # Past CONN_MAX_AGE (PostgreSQL: at once, or it could not drop a test database) or
            # broken, the connection is closed; SQLite keeps its one (opening it costs more).
            try:
                close_old_connections()
            except Exception:
                _drop_broken_connection()

    def _write(self, batch: list[tuple]) -> None:
        close_old_connections()
        arns = {item[1] for item in batch if item[0] in ("events", "finished", "map_run")}
        children = [item[2] for item in batch if item[0] == "child"]
        if not arns and not children:
            return
        # Only RUNNING executions take events: none may follow the terminal event.
        ids, machine_names = _running_ids(arns) if arns else ({}, {})
        written: dict[str, list[dict[str, Any]]] = {}
        # The rows are made before the transaction begins: on SQLite it holds the one write lock,
        # which StartExecution and every other writer wait for.
        made: dict[int, tuple] = {}
        for index, (kind, arn, payload) in enumerate(batch):
            if kind == "events" and arn in ids and payload:
                events = _timed(payload)
                made[index] = _batch_row(ids[arn], events)
                written.setdefault(arn, []).extend(events)
        values: list[tuple] = []
        with transaction.atomic():
            for index, (kind, arn, payload) in enumerate(batch):
                if index in made:
                    values.append(made[index])
                elif kind == "map_run" and arn in ids:
                    _store_map_run(ids[arn], payload)
                elif kind == "finished" and arn in ids:
                    # Events first: a reader who sees the terminal status sees the whole history.
                    _insert_batches(values)
                    values = []
                    _finish(ids[arn], payload)
            _insert_batches(values)
            if children:  # after the Map Runs of this batch, which they belong to
                _store_children(children)
        publish_batch(batch, machine_names, written)  # committed: live views may hear of it (designer/live)


def _store_map_run(execution_id: int, record: dict[str, Any]) -> None:
    """Create the Map Run with its first record's settings, or update its status and counts (its
    settings are UpdateMapRun's from then on). A run that had ended and runs again was redriven."""
    progress = {"status": record["status"], "item_counts": record["itemCounts"],
                "execution_counts": record["executionCounts"],
                "stop_date": to_datetime(record["stopDate"]) if record.get("stopDate") else None}
    run = MapRun.objects.filter(arn=record["mapRunArn"])
    if record["status"] == "RUNNING":
        run.exclude(status="RUNNING").update(redrive_count=F("redrive_count") + 1,
                                             redrive_date=to_datetime(record["startDate"]))
    updated = run.update(**progress)
    if not updated:
        MapRun.objects.create(arn=record["mapRunArn"], execution_id=execution_id, state_name=record["stateName"],
                              start_date=to_datetime(record["startDate"]),
                              max_concurrency=record["maxConcurrency"],
                              tolerated_failure_percentage=record["toleratedFailurePercentage"],
                              tolerated_failure_count=record["toleratedFailureCount"], **progress)


def _merged_children(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each child's latest record, carrying every event of its records in this batch."""
    merged: dict[str, dict[str, Any]] = {}
    for record in records:
        current = merged.get(record["executionArn"])
        if current is None:
            merged[record["executionArn"]] = dict(record, events=list(record["events"]),
                                                  started=record["status"] == ExecutionStatus.RUNNING)
        else:
            events = current["events"] + record["events"]
            current.update(record)
            current["events"] = events
    return merged


def _redriven(ids: dict[str, int], merged: dict[str, dict[str, Any]]) -> None:
    """Children that start again after they ended (their parent was redriven): RUNNING again with
    one more redrive, their new events numbered after the old ones, the first an ExecutionRedriven.
    The events of a redriven child that come in a later batch follow its ExecutionRedriven."""
    again = {row["arn"]: row for row in Execution.objects.filter(
        id__in=[ids[a] for a, r in merged.items() if a in ids and r["started"]]).exclude(
        status=ExecutionStatus.RUNNING).values("arn", "id", "redrive_count")}
    going = {row["arn"]: row for row in Execution.objects.filter(
        id__in=[ids[a] for a, r in merged.items() if a in ids and not r["started"]],
        status=ExecutionStatus.RUNNING, redrive_count__gt=0).values("arn", "id", "redrive_count")}
    if not again and not going:
        return
    last = dict(HistoryEvent.objects.filter(execution_id__in=[r["id"] for r in again.values()])
                .values_list("execution_id").annotate(m=Max("event_id")))
    redriven_at = dict(HistoryEvent.objects.filter(execution_id__in=[r["id"] for r in going.values()],
                                                   type="ExecutionRedriven")
                       .values_list("execution_id").annotate(m=Max("event_id")))
    for arn, row in again.items():
        count = row["redrive_count"] + 1
        Execution.objects.filter(id=row["id"]).update(status=ExecutionStatus.RUNNING, redrive_count=count,
                                                      redrive_date=to_datetime(merged[arn]["startDate"]))
        events = _shifted(merged[arn]["events"], last.get(row["id"], 0))
        if events and events[0]["type"] == "ExecutionStarted":
            events[0] = {key: events[0][key] for key in ("id", "previousEventId", "timestamp")}
            events[0].update(type="ExecutionRedriven", executionRedrivenEventDetails={"redriveCount": count})
        merged[arn]["events"] = events
    for arn, row in going.items():
        merged[arn]["events"] = _shifted(merged[arn]["events"], redriven_at.get(row["id"], 1) - 1)


def _shifted(events: list[dict[str, Any]], shift: int) -> list[dict[str, Any]]:
    return [dict(e, id=e["id"] + shift, previousEventId=(e.get("previousEventId") or 0) + shift) for e in events]


def _child_fields(record: dict[str, Any]) -> dict[str, Any]:
    """The columns of a child execution that change when it ends."""
    return {"status": record["status"], "output": _escaped(record.get("output")),
            "error": _escaped(record.get("error")), "cause": _escaped(record.get("cause")),
            "stop_date": to_datetime(record["stopDate"]) if record.get("stopDate") else None}


def _store_children(records: list[dict[str, Any]]) -> None:
    """Write Distributed Map children: new ones with one insert statement, ends of ones already
    written as updates, and all their events with one insert statement. A child whose Map Run is not stored (a sink
    that keeps no Map Runs) is dropped."""
    merged = _merged_children(records)
    runs = {run["arn"]: run for run in MapRun.objects.filter(arn__in={r["mapRunArn"] for r in merged.values()})
            .values("arn", "id", "execution__state_machine_id", "execution__runtime")}
    merged = {arn: r for arn, r in merged.items() if r["mapRunArn"] in runs}
    ids = dict(Execution.objects.filter(arn__in=merged).values_list("arn", "id"))
    _redriven(ids, merged)
    for arn in ids:
        record = merged[arn]
        if record["status"] != ExecutionStatus.RUNNING:
            Execution.objects.filter(id=ids[arn], status=ExecutionStatus.RUNNING).update(**_child_fields(record))
    new = []
    for arn, record in merged.items():
        if arn in ids:
            continue
        run = runs[record["mapRunArn"]]
        new.append(Execution(arn=arn, name=record["name"], state_machine_id=run["execution__state_machine_id"],
                             definition="", input=escape_unstorable(record["input"]),
                             start_date=to_datetime(record["startDate"]), runtime=run["execution__runtime"],
                             map_run_id=run["id"], item_count=record.get("itemCount"), **_child_fields(record)))
    if new:
        _insert_executions(new)
        ids.update(Execution.objects.filter(arn__in=[row.arn for row in new]).values_list("arn", "id"))
    _bulk_insert([row for arn, record in merged.items() for row in _event_rows(ids[arn], record["events"])])


#: One history event as a HistoryEvent row (a Distributed Map child's): execution id, event id,
#: previous event id, type, timestamp in microseconds since the epoch, the details' JSON text. A
#: plain tuple, made faster than any class.
EventRow = tuple[int, int, int, str, int, str]


_COLUMNS = ("execution_id", "event_id", "previous_event_id", "type", "timestamp", "details")


def _bulk_insert(rows: list[EventRow]) -> None:
    """Insert the rows straight through the database driver: the history is most of what the
    product writes, and model instances (or Django's per-value adapters) would cost more than the
    database does. A runtime that replays after a crash may resend events: the unique key makes
    that harmless."""
    _insert_row_values(_row_values(rows))


def _row_values(rows: list[EventRow]) -> list[tuple]:
    """The rows' column values, as the database driver takes them."""
    if connection.vendor == "sqlite":  # the time as the text Django stores for a datetime: naive UTC
        return [(r[0], r[1], r[2], r[3], _sqlite_time(r[4]), r[5]) for r in rows]
    adapt_time = connection.ops.adapt_datetimefield_value
    return [(r[0], r[1], r[2], r[3], adapt_time(EPOCH + timedelta(microseconds=r[4])), r[5]) for r in rows]


def _insert_row_values(values: list[tuple]) -> None:
    if values:
        details = "%s" if connection.vendor == "sqlite" else "%s::jsonb"
        _insert_many(HistoryEvent._meta.db_table, _COLUMNS, values, ignore_conflicts=True,
                     placeholders=["%s"] * (len(_COLUMNS) - 1) + [details])


_BATCH_COLUMNS = ("execution_id", "first_event_id", "last_event_id", "events")


def _timed(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events, each timestamp that is not epoch seconds (a datetime, none: now) made whole
    microseconds since the epoch, which every reader takes as well."""
    if all(type(event.get("timestamp")) is float for event in events):
        return events
    return [event if type(event.get("timestamp")) is float else {**event, "timestamp": _micros(event.get("timestamp"))}
            for event in events]


def _batch_row(execution_id: int, events: list[dict[str, Any]]) -> tuple[int, int, int, str]:
    """The events (:func:`_timed`) as one HistoryBatch row: the JSON array of them. orjson writes
    NUL as \\u0000 and refuses a lone surrogate: only then are inputs and outputs escaped (as in
    a HistoryEvent row, see :func:`_storable_details`)."""
    try:
        text = orjson.dumps(events).decode()
    except TypeError:  # orjson.JSONEncodeError: a lone surrogate, an integer past 64 bits
        text = None
    if text is None or "\\u0000" in text:
        events = [{**{key: event[key] for key in EVENT_KEYS if key in event}, **_storable_details(event)}
                  for event in events]
        try:
            text = orjson.dumps(events).decode()
        except TypeError:
            text = "".join(_DETAILS_JSON(events, 0))
    ids = [event["id"] for event in events]
    return execution_id, int(min(ids)), int(max(ids)), text


def _insert_batches(values: list[tuple]) -> None:
    if values:
        _insert_many(HistoryBatch._meta.db_table, _BATCH_COLUMNS, values)


def _insert_executions(rows: list[Execution]) -> None:
    """Insert new executions (Distributed Map children) with :func:`_insert_many`, for the same
    reason as their events: each row carries the child's input."""
    fields = [field for field in Execution._meta.concrete_fields if not field.primary_key]
    _insert_many(Execution._meta.db_table, [field.column for field in fields],
                 [tuple(field.get_db_prep_save(field.pre_save(row, True), connection) for field in fields)
                  for row in rows])


def _insert_many(table: str, columns: Sequence[str], rows: list[tuple], *, ignore_conflicts: bool = False,
                 placeholders: Sequence[str] | None = None) -> None:
    """One single-row INSERT, run for each row (executemany). SQLite keeps a cached statement's last
    bound values until the statement runs again, and the connection keeps up to a hundred
    statements: an INSERT of as many rows as each batch had (one statement per length) would keep
    the text of whole batches of history for as long as the writer lives, more with each batch
    length a long Distributed Map brings (tens of MiB). One statement keeps one row. ``placeholders``
    (default ``%s`` each) may cast a value, as ``%s::jsonb``."""
    ops = connection.ops
    marks = ", ".join(placeholders or ["%s"] * len(columns))
    sql = (f"INSERT INTO {ops.quote_name(table)} ({', '.join(ops.quote_name(c) for c in columns)}) "
           f"VALUES ({marks}){' ON CONFLICT DO NOTHING' if ignore_conflicts else ''}")
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _drop_broken_connection() -> None:
    """Close this thread's connection if it is broken (a deadlock victim, a server gone), so the
    next write opens a new one; a close that fails leaves it to be reopened all the same."""
    try:
        if connection.connection is not None and not connection.is_usable():
            connection.close()
    except Exception:
        connection.connection = None


def _fail_loudly(item: tuple, exc: Exception) -> None:
    """An event or result that cannot be stored fails its execution right after its last stored event."""
    from designer.services import execution_fail_unrecorded

    logger.error("Could not store a history item for %s: %s", item[1], exc)
    if item[0] == "flush":
        return
    try:
        execution_fail_unrecorded(arn=item[1], problem=f"{type(exc).__name__}: {exc}")
    except Exception:
        logger.exception("Could not fail %s after a history write failed", item[1])


def _storable_details(event: dict[str, Any]) -> dict[str, Any]:
    """The event's details, with the JSON text of inputs and outputs escaped where a database could
    not store it (same JSON value); other unstorable text fails the write and so the execution."""
    details = {}
    for key, value in event.items():
        if key in EVENT_KEYS:
            continue
        if isinstance(value, dict):
            for name in _PAYLOAD_KEYS:
                text = value.get(name)
                if isinstance(text, str) and UNSTORABLE.search(text):
                    value = {**value, name: escape_unstorable(text)}
        details[key] = value
    return details


# The details are dumped with every non-ASCII character escaped, so what a database cannot store
# (NUL, a lone surrogate) can only appear as one of these escapes: only then is it looked for.
_DETAILS_JSON = c_make_encoder(None, not_json, encode_basestring_ascii, None, ":", ",", False, False, True)
_ESCAPED_UNSTORABLE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


def _details_json(details: dict[str, Any]) -> str:
    """The details as JSON text that reads back as _DETAILS_JSON's does. orjson writes it in a
    fifth of the time; where its text is not all ASCII, _DETAILS_JSON writes it (see above). orjson
    escapes NUL as \\u0000 too, and refuses a lone surrogate; details hold no NaN."""
    try:
        text = orjson.dumps(details).decode()
    except TypeError:  # orjson.JSONEncodeError: a lone surrogate, an integer past 64 bits
        return "".join(_DETAILS_JSON(details, 0))
    return text if text.isascii() else "".join(_DETAILS_JSON(details, 0))


def _micros(timestamp: Any) -> int:
    """An event's timestamp as a runtime gives it (epoch seconds, a datetime, or None: now) in
    microseconds since the epoch, rounded as a datetime made from it would be (to the nearest,
    halves to even)."""
    if isinstance(timestamp, datetime):
        return (to_datetime(timestamp) - EPOCH) // timedelta(microseconds=1)
    return seconds_micros(time.time() if timestamp is None else float(timestamp))


_second_text: tuple[int, str] = (0, "1970-01-01 00:00:00")


def _sqlite_time(micros: int) -> str:
    """The text Django stores on SQLite for that UTC time (``YYYY-MM-DD HH:MM:SS[.ffffff]``): the
    seconds' text is made once per second, where making all of it took longer than inserting the row."""
    global _second_text
    second, fraction = divmod(micros, 1_000_000)
    cached, text = _second_text
    if cached != second:
        text = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(second))
        _second_text = (second, text)
    return f"{text}.{fraction:06d}" if fraction else text


def _event_rows(execution_id: int, events: list[dict[str, Any]]) -> list[EventRow]:
    """The events as rows: 400 of them for each 200-state execution, so this is written for speed
    (plain tuples, one pass)."""
    rows = []
    append = rows.append
    for event in events:
        micros = _micros(event.get("timestamp"))
        details = {key: value for key, value in event.items() if key not in EVENT_KEYS}
        text = _details_json(details)
        if "\\u" in text and _ESCAPED_UNSTORABLE.search(text):  # rare: escape the payloads, or fail
            text = _details_json(_storable_details(event))
        append((execution_id, int(event["id"]), int(event.get("previousEventId") or 0), str(event["type"]), micros,
                text))
    return rows


def _escaped(text: str | None) -> str | None:
    return escape_unstorable(text) if text else text


def ended_fields(result: ExecutionResult) -> dict[str, Any]:
    """The Execution fields an end sets."""
    return {"status": result.status, "output": _escaped(result.output), "error": _escaped(result.error),
            "cause": _escaped(result.cause), "checkpoints": result.checkpoints,
            "stop_date": to_datetime(result.stop_time if result.stop_time is not None else time.time())}


# The sink's own statements, in SQL: Django would compile each of them again for every batch, which
# costs more than running them.
_EXECUTION = Execution._meta


def _running_ids(arns: set[str]) -> tuple[dict[str, int], dict[str, str]]:
    """The row ids of those of ``arns`` that are RUNNING, and the names of their state machines."""
    quote = connection.ops.quote_name
    table, machines = quote(_EXECUTION.db_table), quote(StateMachine._meta.db_table)
    column = quote(_EXECUTION.get_field("state_machine").column)
    marks = ", ".join(["%s"] * len(arns))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT e.arn, e.id, m.name FROM {table} e JOIN {machines} m ON m.id = e.{column} "
                       f"WHERE e.status = %s AND e.arn IN ({marks})", [ExecutionStatus.RUNNING, *arns])
        rows = cursor.fetchall()
    return {arn: id_ for arn, id_, _ in rows}, {arn: name for arn, _, name in rows}


def _finish(execution_id: int, result: ExecutionResult) -> None:
    # Only a RUNNING execution can end, so a late result never overwrites an ABORTED one.
    fields = ended_fields(result)
    values = [_EXECUTION.get_field(name).get_db_prep_save(value, connection) for name, value in fields.items()]
    ops = connection.ops
    assignments = ", ".join(f"{ops.quote_name(_EXECUTION.get_field(name).column)} = %s" for name in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {ops.quote_name(_EXECUTION.db_table)} SET {assignments} WHERE id = %s AND status = %s",
                       [*values, execution_id, ExecutionStatus.RUNNING])


_sink: DjangoExecutionSink | None = None
_sink_lock = threading.Lock()


def get_sink() -> DjangoExecutionSink:
    """Return the process-wide sink (one writer thread per process)."""
    global _sink
    with _sink_lock:
        if _sink is None:
            _sink = DjangoExecutionSink()
        return _sink
