"""Parallel and Map: branches and iterations as asyncio tasks, mixed into Execution."""
from __future__ import annotations

import asyncio
from typing import Any

from .errors import STATES_EXCEED_TOLERATED_FAILURE_THRESHOLD, StatesError
from .history import dumps
from .paths import PathNotFound
from .scope import (
    JSONATA,
    Frame,
    Scope,
    coerce_number,
    gather_fail_fast,
    jayway,
    json_type,
    runtime_error,
)
from .states import MapState, ParallelState


class ConcurrencyMixin:
    """Parallel and Map; ``self`` is the Execution."""

    async def _parallel(self, state: ParallelState, effective: Any, scope: Scope) -> Any:
        value = self._parameters(state, effective, scope)
        log, frame = scope.frame.log, scope.frame
        frame.last = log.add("ParallelStateStarted", frame.last, None)
        base = f"{frame.path}/{state.name}@{scope.visit}:{scope.retry_count}"
        position = f"{frame.position}/{state.name}@{scope.visit}"
        frames = [Frame(frame.last, log, dict(frame.variables), frame.map_item, f"{base}#{i}", f"{position}#{i}")
                  for i in range(len(state.branches))]
        tasks = [asyncio.ensure_future(self.run_thread(branch, value, f))
                 for branch, f in zip(state.branches, frames)]
        try:
            results = await gather_fail_fast(tasks)
        except StatesError:
            frame.last = max(f.last for f in frames)
            raise
        frame.last = max(f.last for f in frames)
        log.add("ParallelStateSucceeded", frame.last, None)
        return results

    async def _map(self, state: MapState, effective: Any, scope: Scope, entered_id: int) -> Any:
        if state.mode == "DISTRIBUTED":
            return await self._distributed_map(state, effective, scope, entered_id)
        log, frame = scope.frame.log, scope.frame
        items = self._map_items(state, effective, scope, entered_id)
        max_concurrency = self._map_concurrency(state, effective, scope, entered_id)
        frame.last = log.add("MapStateStarted", frame.last, {"length": len(items)})
        tolerated_count, tolerated_pct = self._map_tolerance(state, effective, scope, entered_id)
        results: list[Any] = [None] * len(items)
        failures: list[StatesError] = []
        semaphore = asyncio.Semaphore(max_concurrency) if max_concurrency else None
        abort = asyncio.Event()

        async def iteration(index: int, item: Any) -> None:
            if semaphore is not None:
                await semaphore.acquire()
            try:
                if abort.is_set():
                    return
                item_frame = Frame(frame.last, log, dict(frame.variables), {"Index": index, "Value": item},
                                   f"{frame.path}/{state.name}@{scope.visit}:{scope.retry_count}[{index}]",
                                   f"{frame.position}/{state.name}@{scope.visit}[{index}]")
                if self.hooks.completed is not None:
                    done = self.hooks.completed(item_frame.position)
                    if done is not None:  # a redrive runs again only the iterations that did not succeed
                        results[index] = done.get("output")
                        return
                if state.item_selector is not None:
                    item_scope = Scope(self, state.name, scope.entered, item_frame)
                    if state.query_language == JSONATA:
                        value = state.item_selector({"input": effective}, item_scope)
                    else:
                        value = state.item_selector(effective, item_scope)
                else:
                    value = item
                item_frame.last = log.add("MapIterationStarted", item_frame.last,
                                          {"index": index, "name": state.name})
                try:
                    results[index] = await self.run_thread(state.processor, value, item_frame)
                except StatesError as exc:
                    failures.append(exc)
                    log.add("MapIterationFailed", item_frame.last, {"index": index, "name": state.name})
                    frame.last = item_frame.last
                    if not self._tolerated(len(failures), len(items), tolerated_count, tolerated_pct):
                        abort.set()
                        raise
                    return
                log.add("MapIterationSucceeded", item_frame.last, {"index": index, "name": state.name})
                frame.last = item_frame.last
            finally:
                if semaphore is not None:
                    semaphore.release()

        tasks = [asyncio.ensure_future(iteration(i, item)) for i, item in enumerate(items)]
        try:
            await gather_fail_fast(tasks)
        except StatesError:
            if tolerated_count is not None or tolerated_pct is not None:
                raise StatesError(STATES_EXCEED_TOLERATED_FAILURE_THRESHOLD,
                                  "The specified tolerated failure threshold was exceeded") from None
            raise
        log.add("MapStateSucceeded", frame.last, None)
        return results

    def _map_items(self, state: MapState, effective: Any, scope: Scope, entered_id: int) -> list:
        if state.query_language == JSONATA:
            if state.items is None:
                items = effective
            else:
                items = state.items({"input": effective}, scope)
            if not isinstance(items, list):
                source = getattr(state.items, "source", None)
                if state.items is None:
                    message = f"Map state input must be an array but was: {dumps(items)}"
                elif source is None:
                    message = f"The field 'Items' must be an array but was: {dumps(items)}"
                else:
                    message = (f"The JSONata expression '{source}' specified for the field 'Items' returned an "
                               f"unexpected result type. Expected 'array', but was '{json_type(items)}' for "
                               f"value: {dumps(items)}")
                raise StatesError("States.QueryEvaluationError", message, location="Items", evaluation=True)
            return items
        path = state.items_path
        try:
            items = path.resolve(effective, scope) if path.keys or path.is_context or path.variable else effective
        except PathNotFound:
            raise runtime_error(state, entered_id, f"Invalid path '{path.text}' : No results for path: "
                                                    f"{jayway(path.text)}") from None
        if not isinstance(items, list):
            raise runtime_error(state, entered_id, f"Invalid path '{path.text}' : The ItemsPath field "
                                                    f"references a value that is not a JSON array: {dumps(items)}")
        return items

    def _map_tolerance(self, state, effective, scope, entered_id):
        count, pct = state.tolerated_failure_count, state.tolerated_failure_percentage
        if callable(count):
            count = self._jsonata_number(count, effective, scope, "ToleratedFailureCount")
        if callable(pct):
            pct = self._jsonata_number(pct, effective, scope, "ToleratedFailurePercentage", integer=False)
        if state.tolerated_failure_count_path is not None:
            count = self._map_number(state, state.tolerated_failure_count_path, effective, scope, entered_id,
                                     "ToleratedFailureCountPath", integer=True)
            if count < 0:
                raise runtime_error(state, entered_id, "ToleratedFailureCount cannot be negative.")
        if state.tolerated_failure_percentage_path is not None:
            pct = self._map_number(state, state.tolerated_failure_percentage_path, effective, scope, entered_id,
                                   "ToleratedFailurePercentagePath", integer=False)
            if not 0 <= pct <= 100:
                raise runtime_error(state, entered_id, "ToleratedFailurePercentage must be between 0 and 100.")
        return count, pct

    def _map_number(self, state, path, effective, scope, entered_id, field_name, integer):
        try:
            value = path.resolve(effective, scope)
        except PathNotFound:
            raise runtime_error(state, entered_id, f"The {field_name} field refers to value that does not "
                                                    f"exist in the input: {path.text}") from None
        number = coerce_number(value, integer)
        if number is None:
            shown = value if isinstance(value, str) else dumps(value)
            kind = "integer" if integer else "float"
            raise runtime_error(state, entered_id, f"The {field_name} field refers to value \"{shown}\" which is "
                                                    f"not a valid {kind}: {path.text}")
        return number

    @staticmethod
    def _tolerated(failed: int, total: int, count, pct) -> bool:
        """Whether ``failed`` of ``total`` items stay within every threshold given.

        With both a count and a percentage, the Map fails as soon as either is
        exceeded (AWS: "If you specify both values, the workflow fails when it
        exceeds either value"); with neither, one failure fails it.
        """
        if count is None and pct is None:
            return False
        if count is not None and failed > count:
            return False
        return pct is None or not total or failed * 100.0 / total <= pct
