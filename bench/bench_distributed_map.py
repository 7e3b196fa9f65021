"""A Distributed Map over CSV rows in a folder bucket: rows per second, and peak memory at 10,000
against 100,000 rows.

The Map reads ``rows.csv`` with an ItemReader (CSV, header in the first row), batches the rows with
an ItemBatcher (``--batch`` rows a child), counts them in each child (a Pass) and writes the
results with a ResultWriter (COMPACT). It runs on the interpreter with the runtimes' own reader and
writer hooks (executor/runtime/lifecycle.py).

Peers measured in the same run:

* ``csv_module``: Python's csv.DictReader over the same file, doing nothing else (the ceiling);
* ``input_array``: the same Map with the rows passed in the execution's input as one array
  (ItemsPath) instead of read by the ItemReader: what a workflow without an ItemReader holds (AWS
  would refuse such an input over 256 KiB; the interpreter run here does not check it).

Peak memory is tracemalloc's peak of Python allocations during the run (a separate pass from the
timed one, since tracing slows Python down). The Map's peak is the rows in flight (the children
running, at most MaxConcurrency 16 of ``--batch`` rows each, and the batch being read), not the
file. Prints ``name: value unit`` one per line.
Run: ``python bench/bench_distributed_map.py`` (``--rows 20000`` for a quick pass).
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from executor.asl import Execution, ExecutionInfo, Hooks, parse_definition  # noqa: E402
from executor.runtime import lifecycle  # noqa: E402

ARN = "arn:aws:states:us-east-1:123456789012"


def _count_child() -> dict:
    return {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "Count",
            "States": {"Count": {"Type": "Pass", "Parameters": {"n.$": "States.ArrayLength($.Items)"},
                                 "End": True}}}


def distributed_definition(batch: int) -> dict:
    return {"StartAt": "Rows", "States": {"Rows": {
        "Type": "Map", "End": True, "MaxConcurrency": 16,
        "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                       "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                       "Parameters": {"Bucket": "bench", "Key": "rows.csv"}},
        "ItemBatcher": {"MaxItemsPerBatch": batch},
        "ItemProcessor": _count_child(),
        "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                         "Parameters": {"Bucket": "bench", "Prefix": "out"},
                         "WriterConfig": {"OutputType": "JSON", "Transformation": "COMPACT"}}}}}


def array_definition(batch: int) -> dict:
    """The same Map with its rows in the input (ItemsPath) instead of an ItemReader."""
    definition = distributed_definition(batch)
    state = definition["States"]["Rows"]
    del state["ItemReader"]
    state["ItemsPath"] = "$.rows"
    return definition


async def _no_task(resource, parameters, info):
    raise AssertionError("no Task here")


def run_machine(definition: dict, value) -> object:
    machine = parse_definition(json.dumps(definition))
    info = ExecutionInfo(execution_arn=f"{ARN}:execution:bench:run", name="run",
                         state_machine_arn=f"{ARN}:stateMachine:bench", state_machine_name="bench",
                         role_arn="arn:aws:iam::123456789012:role/bench", start_time=time.time(), input=value)
    hooks = Hooks(invoke=_no_task, read_items=lifecycle.read_items, write_results=lifecycle.write_results)
    outcome = asyncio.run(Execution(machine, info, hooks).run())
    if outcome.status != "SUCCEEDED":
        raise SystemExit(f"the run failed: {outcome.error}: {outcome.cause}")
    return outcome.output


def write_rows(root: Path, rows: int) -> Path:
    path = root / "bench" / "rows.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["id", "title", "score", "body"])
        for i in range(rows):
            out.writerow([i, f"document {i}", i % 97, "lorem ipsum dolor sit amet " * 3])
    return path


def measure(fn) -> tuple[float, float]:
    """(seconds, peak MiB) of ``fn``: timed without tracing, then traced."""
    start = time.perf_counter()
    fn()
    seconds = time.perf_counter() - start
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 2**20


def bench(rows: int, batch: int, root: Path) -> dict[str, tuple[float, float]]:
    path = write_rows(root, rows)

    def distributed():
        output = run_machine(distributed_definition(batch), {})
        manifest = json.loads((root / "bench" / output["ResultWriterDetails"]["Key"]).read_text())
        counted = json.loads((root / "bench" / manifest["ResultFiles"]["SUCCEEDED"][0]["Key"]).read_text())
        assert sum(c["n"] for c in counted) == rows, "the Map lost rows"

    def csv_module():
        with path.open(newline="") as f:
            assert sum(1 for _ in csv.DictReader(f)) == rows

    def input_array():
        with path.open(newline="") as f:
            loaded = list(csv.DictReader(f))
        output = run_machine(array_definition(batch), {"rows": loaded})
        manifest = json.loads((root / "bench" / output["ResultWriterDetails"]["Key"]).read_text())
        counted = json.loads((root / "bench" / manifest["ResultFiles"]["SUCCEEDED"][0]["Key"]).read_text())
        assert sum(c["n"] for c in counted) == rows, "the Map lost rows"

    return {"distributed": measure(distributed), "csv_module": measure(csv_module),
            "input_array": measure(input_array)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="the large run's rows (the small one is a tenth)")
    parser.add_argument("--batch", type=int, default=1000, help="MaxItemsPerBatch")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sy-bench-buckets-") as tmp:
        os.environ["SWITCHYARD_BUCKETS_DIR"] = tmp
        root = Path(tmp)
        small, large = args.rows // 10, args.rows
        results = {n: bench(n, args.batch, root) for n in (small, large)}
    for n, figures in results.items():
        for name, (seconds, peak) in figures.items():
            print(f"{name}_{n}_rows_per_s: {n / seconds:.0f} rows/s")
            print(f"{name}_{n}_peak_memory: {peak:.1f} MiB")
    d_small, d_large = results[small]["distributed"], results[large]["distributed"]
    print(f"distributed_peak_memory_ratio_{large}_vs_{small}: {d_large[1] / d_small[1]:.2f} x")
    print(f"input_array_peak_memory_ratio_{large}_vs_{small}: "
          f"{results[large]['input_array'][1] / results[small]['input_array'][1]:.2f} x")
    print(f"distributed_vs_csv_module_speed_{large}: {results[large]['csv_module'][0] / d_large[0]:.2f} x")
    print(f"distributed_vs_input_array_peak_memory_{large}: "
          f"{d_large[1] / results[large]['input_array'][1]:.3f} x")


if __name__ == "__main__":
    main()
