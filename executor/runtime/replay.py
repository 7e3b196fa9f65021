"""Resuming an execution from its recorded history, shared by both runtimes.

A runtime that finds a recorded history re-runs the interpreter from the start. Each
re-emitted event is matched to the persisted one it repeats (same type, details and
predecessor) and suppressed; events past the record get ids after the persisted maximum.
Random values repeat by construction (:func:`executor.asl.scope.state_random`), so the
re-run takes the same decisions.
"""
from __future__ import annotations

import collections
import json
from typing import Any

__all__ = ["Replay", "details_of", "recorded_results", "JOIN_TYPES", "START_TYPES", "RESULT_TYPES"]

#: events whose predecessor depends on timing (which branch or iteration ended last): matched on
#: type and details alone when their exact predecessor differs on replay
JOIN_TYPES = frozenset({
    "MapIterationStarted", "PassStateEntered", "TaskStateEntered", "ChoiceStateEntered", "WaitStateEntered",
    "SucceedStateEntered", "FailStateEntered", "ParallelStateEntered", "MapStateEntered",
    "MapStateSucceeded", "MapStateFailed", "MapStateAborted", "MapStateExited", "MapRunSucceeded",
    "MapRunFailed", "ParallelStateSucceeded", "ParallelStateFailed", "ParallelStateAborted",
    "ParallelStateExited", "ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted",
})
#: the event a Task's invoke follows: its result is the event that names it as predecessor
START_TYPES = frozenset({"TaskStarted", "LambdaFunctionStarted", "ActivityStarted"})
RESULT_TYPES = {
    f"{prefix}{end}": end for prefix in ("Task", "LambdaFunction", "Activity")
    for end in ("Succeeded", "Failed", "TimedOut")
}


def details_of(event: dict) -> Any:
    for k, v in event.items():
        if k.endswith("EventDetails"):
            return v
    return None


class Replay:
    """Matches re-emitted events to the persisted ones; maps the interpreter's ids to persisted ids."""

    def __init__(self, persisted: list[dict], base: int = 0):
        self.exact: dict[tuple, collections.deque] = collections.defaultdict(collections.deque)
        self.loose: dict[tuple, collections.deque] = collections.defaultdict(collections.deque)
        for event in persisted:
            sig = (event["type"], json.dumps(details_of(event), sort_keys=True))
            self.exact[(sig, event["previousEventId"])].append(event["id"])
            self.loose[sig].append(event["id"])
        self.unmatched = len(persisted)
        self.matched: set[int] = set()
        self.idmap: dict[int, int] = {0: 0, base: base}  # a redriven run follows its ExecutionRedriven
        self.next_id = max((e["id"] for e in persisted), default=0) + 1
        self.results = recorded_results(persisted)
        self.stamps = {e["id"]: float(e["timestamp"]) for e in persisted}

    def ended(self, event: dict, pid: int) -> dict | None:
        """The recorded end of the Task whose invoke follows ``event`` (persisted id ``pid``), if the
        history has it: ``{"ok": output}`` or ``{"error", "cause"}``."""
        if event["type"] in START_TYPES and pid in self.matched:
            return self.results.get(pid)
        return None

    def began_at(self, pid: int) -> float | None:
        """When the persisted event ``pid`` happened, if this run repeats it (a Wait or back-off that
        began before a restart ends that long after it, not after the restart)."""
        return self.stamps[pid] if pid in self.matched else None

    def _take(self, queue: collections.deque | None) -> int | None:
        while queue:
            pid = queue.popleft()
            if pid not in self.matched:
                return pid
        return None

    def map(self, event: dict, fresh: bool) -> dict | None:
        """Return the event to write (renumbered), or None when it repeats a persisted one."""
        rid, prev = event["id"], self.idmap.get(event["previousEventId"], 0)
        if self.unmatched and not fresh:
            sig = (event["type"], json.dumps(details_of(event), sort_keys=True))
            pid = self._take(self.exact.get((sig, prev)))
            if pid is None and event["type"] in JOIN_TYPES:
                pid = self._take(self.loose.get(sig))
            if pid is not None:
                self.matched.add(pid)
                self.unmatched -= 1
                self.idmap[rid] = pid
                return None
        pid = self.next_id
        self.next_id += 1
        self.idmap[rid] = pid
        return {**event, "id": pid, "previousEventId": prev}


def recorded_results(persisted: list[dict]) -> dict[int, dict]:
    """Each Task's recorded end, keyed by the id of its Started event: ``{"ok": output}`` or
    ``{"error", "cause"}`` (a timeout: ``States.Timeout``), as the invoke that follows it answered."""
    results: dict[int, dict] = {}
    started = {e["id"] for e in persisted if e["type"] in START_TYPES}
    for event in persisted:
        end = RESULT_TYPES.get(event["type"])
        if end is None or event["previousEventId"] not in started:
            continue
        details = details_of(event) or {}
        if end == "Succeeded":
            output = details.get("output")
            results[event["previousEventId"]] = {"ok": json.loads(output) if output not in (None, "") else None}
        else:
            record = {"error": details.get("error", "States.Timeout" if end == "TimedOut" else None)}
            if details.get("cause") is not None:
                record["cause"] = details["cause"]
            results[event["previousEventId"]] = record
    return results
