"""A Distributed Map: its items (an array, or an ItemReader read lazily), batches, child
executions, its Map Run record, and the ResultWriter. Mixed into Execution.

Items are pulled from the reader only when a child can start, so a reader over a file of a
million rows holds a few rows, not the file. Each child runs as a child execution: its events
stay out of the parent's history and it sees no outer variables.
"""
from __future__ import annotations

import asyncio
import itertools
from typing import Any, Iterator

from .errors import (
    STATES_EXCEED_TOLERATED_FAILURE_THRESHOLD,
    STATES_ITEM_READER_FAILED,
    STATES_RESULT_WRITER_FAILED,
    STATES_RUNTIME,
    StatesError,
)
from .history import dumps
from .map_io import ItemBatcherSpec, ItemReaderSpec
from .map_run import MapRun
from .scope import (
    JSONATA,
    Frame,
    Scope,
    coerce_number,
    json_type,
    runtime_error,
    state_random,
)
from .states import MapState

__all__ = ["DistributedMixin"]

class DistributedMixin:
    """The Distributed Map; ``self`` is the Execution."""

    async def _distributed_map(self, state: MapState, effective: Any, scope: Scope, entered_id: int) -> Any:
        log, frame = scope.frame.log, scope.frame
        reader = state.item_reader
        if reader is None:
            items = self._map_items(state, effective, scope, entered_id)
            length = len(items)
        else:
            request, max_items = self._reader_request(state, reader, effective, scope, entered_id)
            length = 0  # not known until the reader has been read
        max_concurrency = self._map_concurrency(state, effective, scope, entered_id)
        batching = self._batching(state, state.item_batcher, effective, scope, entered_id)
        frame.last = log.add("MapStateStarted", frame.last, {"length": length})
        tolerated = self._map_tolerance(state, effective, scope, entered_id)
        run_arn = (f"{self.info.execution_arn.replace(':execution:', ':mapRun:')}/"
                   f"{state.label or state.name}:{state_random().getrandbits(64):016x}")
        frame.last = log.add("MapRunStarted", frame.last, {"mapRunArn": run_arn})
        writer = state.result_writer
        run = MapRun(self, state, run_arn, max_concurrency, tolerated, None if reader else length,
                      path=f"{frame.path}/{state.name}@{scope.visit}:{scope.retry_count}")
        error: StatesError | None = None
        self.map_runs[run_arn] = run
        try:
            source = items if reader is None else self._read_items(reader, request, max_items)
            await run.run(self._child_inputs(state, source, effective, scope, batching), blocking=reader is not None)
        except StatesError as exc:
            error = exc
        except asyncio.CancelledError:
            run.end("ABORTED")
            if self.hooks.map_run is not None:
                asyncio.get_running_loop().run_in_executor(None, self.hooks.map_run, run.record())
            raise
        finally:
            self.map_runs.pop(run_arn, None)
        output = None
        if writer is not None and (error is None or error.error == STATES_EXCEED_TOLERATED_FAILURE_THRESHOLD):
            try:
                output = await self._write_results(state, writer, run, effective, scope)
            except StatesError as exc:
                error = error or exc
        run.end("FAILED" if error is not None else "SUCCEEDED")
        await run.report()
        if error is not None:
            details = {k: v for k, v in (("error", error.error), ("cause", error.cause)) if v is not None}
            frame.last = log.add("MapRunFailed", frame.last, details)
            raise error
        frame.last = log.add("MapRunSucceeded", frame.last, None)
        log.add("MapStateSucceeded", frame.last, None)
        if writer is not None:
            return output
        return [run.outputs.get(i) for i in range(run.children.total)]

    def stop_map_child(self, child_arn: str, error: str | None, cause: str | None) -> bool:
        """StopExecution of a Distributed Map's running child: it ends ABORTED, and its Map goes on
        as after a failed child (within the tolerated failures, or failing). False when no running
        Map Run of this execution has that child running. Call on the execution's loop."""
        return any(run.stop_child(child_arn, error, cause) for run in list(self.map_runs.values()))

    # -- settings evaluated when the state starts --------------------------------------------

    def _map_concurrency(self, state, effective, scope, entered_id) -> int:
        value = state.max_concurrency
        if callable(value):
            value = self._jsonata_number(value, effective, scope, "MaxConcurrency")
        if state.max_concurrency_path is not None:
            value = self._map_number(state, state.max_concurrency_path, effective, scope, entered_id,
                                     "MaxConcurrencyPath", integer=True)
        return int(value or 0)

    def _spec_number(self, state, value, path, effective, scope, entered_id, name):
        """A number field of an ItemReader or ItemBatcher: literal, JSONata, or from ``NamePath``."""
        if path is not None:
            return self._map_number(state, path, effective, scope, entered_id, f"{name}Path", integer=True)
        if callable(value):
            result = value(effective, scope)
            number = coerce_number(result, True)
            if number is None:
                raise StatesError("States.QueryEvaluationError", f"The JSONata expression specified for the field "
                                  f"'{name}' returned an unexpected result type. Expected 'integer', but was "
                                  f"'{json_type(result)}' for value: {dumps(result)}", location=name,
                                  evaluation=True)
            return number
        return value

    def _reader_request(self, state, reader: ItemReaderSpec, effective, scope, entered_id):
        params = reader.parameters(effective, scope) if reader.parameters is not None else {}
        max_items = self._spec_number(state, reader.max_items, reader.max_items_path, effective, scope, entered_id,
                                      "MaxItems")
        if max_items is not None and max_items < 0:
            raise runtime_error(state, entered_id, "MaxItems cannot be negative.")
        return {"Parameters": params, "ReaderConfig": dict(reader.reader_config)}, max_items

    def _batching(self, state, spec: ItemBatcherSpec | None, effective, scope, entered_id):
        if spec is None:
            return None
        max_items = self._spec_number(state, spec.max_items, spec.max_items_path, effective, scope, entered_id,
                                      "MaxItemsPerBatch")
        max_bytes = self._spec_number(state, spec.max_bytes, spec.max_bytes_path, effective, scope, entered_id,
                                      "MaxInputBytesPerBatch")
        for name, value in (("MaxItemsPerBatch", max_items), ("MaxInputBytesPerBatch", max_bytes)):
            if value is not None and value < 1:
                raise runtime_error(state, entered_id, f"{name} must be a positive integer.")
        batch_input = spec.batch_input(effective, scope) if spec.batch_input is not None else None
        return max_items, max_bytes, batch_input

    # -- items ----------------------------------------------------------------------------

    def _read_items(self, reader: ItemReaderSpec, request: dict, max_items: int | None) -> Iterator[Any]:
        if self.hooks.read_items is None:
            raise StatesError(STATES_ITEM_READER_FAILED, "This runtime has no ItemReader")
        try:
            items = self.hooks.read_items(reader.resource, request)
        except StatesError:
            raise
        except Exception as exc:
            raise StatesError(STATES_ITEM_READER_FAILED, f"{type(exc).__name__}: {exc}") from None
        if max_items:  # 0 means no limit
            items = itertools.islice(items, max_items)
        return items

    def _child_inputs(self, state: MapState, source, effective, scope: Scope, batching) -> Iterator[tuple[Any, int]]:
        """(child input, number of items in it) for each child: items after ItemSelector, in batches."""
        selected = self._selected(state, source, effective, scope)
        if batching is None:
            for item in selected:
                yield item, 1
            return
        max_items, max_bytes, batch_input = batching
        base = {"Items": []}
        if batch_input is not None:
            base["BatchInput"] = batch_input
        empty_size = len(dumps(base).encode())
        batch: list = []
        size = empty_size
        for index, item in enumerate(selected):
            item_size = len(dumps(item).encode())
            if max_bytes is not None and empty_size + item_size > max_bytes:
                raise StatesError(STATES_RUNTIME, f"Item {index} is {item_size} bytes: with the batch around it, "
                                                  f"over MaxInputBytesPerBatch ({max_bytes})")
            full = max_items is not None and len(batch) >= max_items
            too_big = max_bytes is not None and batch and size + 1 + item_size > max_bytes
            if batch and (full or too_big):
                yield dict(base, Items=batch), len(batch)
                batch, size = [], empty_size
            size += item_size + (1 if batch else 0)
            batch.append(item)
        if batch:
            yield dict(base, Items=batch), len(batch)

    def _selected(self, state: MapState, source, effective, scope: Scope) -> Iterator[Any]:
        try:
            for index, item in enumerate(source):
                if state.item_selector is None:
                    yield item
                    continue
                item_scope = Scope(self, state.name, scope.entered,
                                   Frame(scope.frame.last, scope.frame.log, scope.frame.variables,
                                         {"Index": index, "Value": item}, scope.frame.path))
                if state.query_language == JSONATA:
                    yield state.item_selector({"input": effective}, item_scope)
                else:
                    yield state.item_selector(effective, item_scope)
        except StatesError:
            raise
        except Exception as exc:  # a reader's own failure, reported as AWS does
            raise StatesError(STATES_ITEM_READER_FAILED, f"{type(exc).__name__}: {exc}") from None

    # -- the ResultWriter -------------------------------------------------------------------

    async def _write_results(self, state, writer, run: MapRun, effective, scope) -> Any:
        transformation = writer.transformation or ("NONE" if writer.resource else "COMPACT")
        results: dict[str, list] = {"SUCCEEDED": [], "FAILED": [], "PENDING": []}
        for index in sorted(run.entries):
            status, entry = run.entries[index]
            results["SUCCEEDED" if status == "SUCCEEDED" else "FAILED"].append(entry)
        if transformation != "NONE":
            for index in sorted(run.outputs):
                output = run.outputs[index]
                if transformation == "FLATTEN" and isinstance(output, list):
                    results["SUCCEEDED"].extend(output)
                else:
                    results["SUCCEEDED"].append(output)
        if writer.resource is None:  # WriterConfig alone: the formatted results are the state's output
            return results["SUCCEEDED"] + results["FAILED"]
        if self.hooks.write_results is None:
            raise StatesError(STATES_RESULT_WRITER_FAILED, "This runtime has no ResultWriter")
        params = writer.parameters(effective, scope) if writer.parameters is not None else {}
        request = {"Parameters": params, "MapRunArn": run.run_arn, "OutputType": writer.output_type,
                   "Results": results}
        try:
            details = await asyncio.get_running_loop().run_in_executor(None, self.hooks.write_results,
                                                                       writer.resource, request)
        except StatesError:
            raise
        except Exception as exc:
            raise StatesError(STATES_RESULT_WRITER_FAILED, f"{type(exc).__name__}: {exc}") from None
        run.items.resultsWritten = run.items.succeeded + run.items.failed
        run.children.resultsWritten = run.children.succeeded + run.children.failed
        return {"MapRunArn": run.run_arn, "ResultWriterDetails": details}
