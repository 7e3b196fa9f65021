"""A Distributed Map over CSV rows in a folder bucket, through the product as a user meets it:
rows per second, and the peak RSS of every product process at 10,000 against 100,000 rows.

    .venv/bin/python -m bench.bench_distributed_map_product [--rows 100000] [--batch 100]

For each size the product is started afresh as `make run` starts it (tests/product.py: the
Celery runtime, 2 state workers, the inference worker; its own SQLite file and Redis database
BENCH_PRODUCT_REDIS_URL, default redis://127.0.0.1:6379/15, emptied first), so each process's
peak (VmHWM) belongs to that size alone. A warm-up run of 1,000 rows goes first; then boto3
StartExecution and DescribeExecution polled until the end. The Map reads ``rows.csv`` with an
ItemReader, batches ``--batch`` rows a child, and each child calls a Lambda Task on the state
workers and counts its rows; the counts go to the bucket with a ResultWriter and are checked.
Every child is recorded as an execution with its own history, and ListExecutions(mapRunArn) is
checked to list them all.

Peers and limits, measured in the same run:

* ``inprocess``: the same rows through bench/bench_distributed_map.py's Map on the interpreter in
  this process (the runtimes' reader and writer, Pass children, nothing recorded): the ceiling;
* each process's peak RSS after the warm-up: ``peak_rss_growth`` is what the measured run added;
* ``peak_rss_ratio``: each process's peak at the large size over the small one (limit 1.25: the
  product's memory must not grow with the rows).

Prints ``name: value unit`` lines. ``--rows 10000`` is a quick check (about a minute).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import tempfile
import time
import uuid
from pathlib import Path

from bench.bench_distributed_map import distributed_definition, run_machine
from bench.bench_product import process_label

PRODUCT_REDIS = os.environ.get("BENCH_PRODUCT_REDIS_URL", "redis://127.0.0.1:6379/15")
GREET = "arn:aws:lambda:us-east-1:123456789012:function:greet"
RSS_RATIO_LIMIT = 1.25
WARM_UP_ROWS = 1000


def out(name: str, value: float, unit: str) -> None:
    print(f"{name}: {value:.4g} {unit}", flush=True)


def definition(batch: int, key: str) -> dict:
    return {"StartAt": "Rows", "States": {"Rows": {
        "Type": "Map", "Label": "Rows", "End": True, "MaxConcurrency": 16,
        "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                       "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                       "Parameters": {"Bucket": "bench", "Key": key}},
        "ItemBatcher": {"MaxItemsPerBatch": batch},
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "Greet",
            "States": {
                "Greet": {"Type": "Task", "Resource": GREET, "ResultPath": "$.greeted", "Next": "Count",
                          "Parameters": {"name.$": "States.Format('{} rows', States.ArrayLength($.Items))"}},
                "Count": {"Type": "Pass", "Parameters": {"n.$": "States.ArrayLength($.Items)"}, "End": True}}},
        "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                         "Parameters": {"Bucket": "bench", "Prefix": "out"},
                         "WriterConfig": {"OutputType": "JSON", "Transformation": "COMPACT"}}}}}


def write_rows(folder: Path, key: str, rows: int) -> None:
    """The rows bench/bench_distributed_map.py reads, under ``key``."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / key).open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "title", "score", "body"])
        for i in range(rows):
            writer.writerow([i, f"document {i}", i % 97, "lorem ipsum dolor sit amet " * 3])


def peaks(pids: list[int]) -> dict[str, float]:
    """VmHWM (MiB) of each process, keyed by its label and, among processes of one label (the
    state workers' pool processes), by its rank from the largest: ``#1`` is the one that held the
    Map's driver, whichever it was in each product."""
    labelled: dict[str, list[float]] = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                kib = next(int(line.split()[1]) for line in f if line.startswith("VmHWM"))
            labelled.setdefault(process_label(pid).split(" (")[0], []).append(kib / 1024)
        except (OSError, StopIteration, ValueError, IndexError):
            pass  # a process that ended meanwhile
    return {f"{label} #{i + 1}" if len(found) > 1 else label: mib
            for label, found in labelled.items() for i, mib in enumerate(sorted(found, reverse=True))}


def settle(pids: list[int], timeout: float = 120) -> None:
    """Wait until the product's processes stop growing (the inference worker loads its model in the
    background after the product answers), so that the peaks compared are the runs' own."""
    def total() -> int:
        kib = 0
        for pid in pids:
            try:
                with open(f"/proc/{pid}/status") as f:
                    kib += next(int(line.split()[1]) for line in f if line.startswith("VmRSS"))
            except (OSError, StopIteration, ValueError):
                pass
        return kib

    deadline = time.monotonic() + timeout
    last = total()
    while time.monotonic() < deadline:
        time.sleep(2)
        now = total()
        if abs(now - last) < 1024:
            return
        last = now


def run_map(sfn, machine: str, rows: int, buckets: Path, timeout: float) -> tuple[float, str]:
    """Start the Map and poll until it ends; (seconds, execution ARN). Checks the counts written."""
    started = time.perf_counter()
    arn = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    deadline = time.monotonic() + timeout
    while (described := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        if time.monotonic() > deadline:
            raise TimeoutError(f"{arn} still RUNNING after {timeout:.0f}s")
        time.sleep(min(max(0.005, (time.perf_counter() - started) / 50), 0.2))
    seconds = time.perf_counter() - started
    if described["status"] != "SUCCEEDED":
        raise RuntimeError(f"{arn} ended {described['status']}: {described.get('error')} {described.get('cause')}")
    key = json.loads(described["output"])["ResultWriterDetails"]["Key"]
    manifest = json.loads((buckets / "bench" / key).read_text())
    counted = sum(c["n"] for f in manifest["ResultFiles"]["SUCCEEDED"]
                  for c in json.loads((buckets / "bench" / f["Key"]).read_text()))
    if counted != rows:
        raise RuntimeError(f"the Map counted {counted} rows of {rows}")
    return seconds, arn


def count_children(sfn, arn: str) -> tuple[int, int]:
    """(children listed by ListExecutions(mapRunArn) that succeeded, events in the parent's history)."""
    (run,) = sfn.list_map_runs(executionArn=arn)["mapRuns"]
    succeeded = sum(len(page["executions"]) for page in sfn.get_paginator("list_executions").paginate(
        mapRunArn=run["mapRunArn"], statusFilter="SUCCEEDED", PaginationConfig={"PageSize": 1000}))
    events = sum(len(page["events"]) for page in sfn.get_paginator("get_execution_history").paginate(
        executionArn=arn, includeExecutionData=False))
    return succeeded, events


def through_product(rows: int, batch: int) -> tuple[float, dict[str, float], dict[str, float]]:
    """(seconds, peaks after the warm-up, peaks after the run) of one fresh product."""
    from tests.product import ROLE_ARN, Product

    workdir = Path(tempfile.mkdtemp(prefix="bench-dmap-product-"))
    buckets = workdir / "buckets"
    write_rows(buckets / "bench", "warm.csv", WARM_UP_ROWS)
    write_rows(buckets / "bench", "rows.csv", rows)
    product = Product(workdir, redis_url=PRODUCT_REDIS, runtime="celery", state_workers=2, inference=True,
                      SWITCHYARD_BUCKETS_DIR=str(buckets))
    with product:
        settle(product.pids())
        sfn = product.sfn()
        machines = {key: sfn.create_state_machine(name=f"dmap-{uuid.uuid4().hex[:8]}", roleArn=ROLE_ARN,
                                                  definition=json.dumps(definition(batch, key)))["stateMachineArn"]
                    for key in ("warm.csv", "rows.csv")}
        run_map(sfn, machines["warm.csv"], WARM_UP_ROWS, buckets, timeout=120)
        before = peaks(product.pids())
        seconds, arn = run_map(sfn, machines["rows.csv"], rows, buckets, timeout=900)
        after = peaks(product.pids())
        children, events = count_children(sfn, arn)
        expected = -(-rows // batch)
        out(f"product_{rows}_children_listed", children, f"executions (expected {expected})")
        out(f"product_{rows}_parent_history", events, "events")
        if children != expected:
            raise RuntimeError(f"ListExecutions(mapRunArn) listed {children} children, not {expected}")
    return seconds, before, after


def in_process(rows: int, batch: int) -> float:
    """Seconds for the in-process Map of bench_distributed_map.py over the same rows."""
    with tempfile.TemporaryDirectory(prefix="bench-dmap-inprocess-") as tmp:
        os.environ["SWITCHYARD_BUCKETS_DIR"] = tmp
        write_rows(Path(tmp) / "bench", "rows.csv", rows)
        started = time.perf_counter()
        run_machine(distributed_definition(batch), {})
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="the large run's rows (the small one is a tenth)")
    parser.add_argument("--batch", type=int, default=100, help="MaxItemsPerBatch (rows a child)")
    args = parser.parse_args()
    sizes = (args.rows // 10, args.rows)
    measured = {}
    for rows in sizes:
        seconds, before, after = through_product(rows, args.batch)
        peer = in_process(rows, args.batch)
        measured[rows] = after
        out(f"product_{rows}_rows_per_s", rows / seconds, "rows/s")
        out(f"inprocess_{rows}_rows_per_s", rows / peer, "rows/s (the interpreter alone, nothing recorded)")
        out(f"product_over_inprocess_{rows}_ratio", peer / seconds, "x")
        for label, mib in after.items():
            out(f"peak_rss_{rows}[{label}]", mib, "MiB")
            out(f"peak_rss_growth_{rows}[{label}]", mib - before.get(label, mib), "MiB over the warm-up's peak")
    small, large = (measured[n] for n in sizes)
    worst = 0.0
    for label in large:
        if label in small:
            ratio = large[label] / small[label]
            worst = max(worst, ratio)
            out(f"peak_rss_ratio_{sizes[1]}_vs_{sizes[0]}[{label}]", ratio, "x")
    verdict = "met" if worst <= RSS_RATIO_LIMIT else "MISSED"
    out(f"peak_rss_ratio_{sizes[1]}_vs_{sizes[0]}_worst", worst, f"x (limit {RSS_RATIO_LIMIT}: {verdict})")


if __name__ == "__main__":
    main()
