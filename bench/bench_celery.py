"""Benchmark of the Celery runtime against Celery itself, measured in the same run.

    .venv/bin/python bench/bench_celery.py [--quick]

Starts its own workers (2 processes of concurrency 4, queue ``states``) on a
dedicated Redis database (BENCH_REDIS_URL, default redis://127.0.0.1:6379/6,
emptied first) and prints ``name: value unit`` lines:

(a) a Task state's cost on Celery against a raw Celery no-op round trip
    (``apply_async().get()``), and the per-transition cost of a Pass chain;
(b) a Map of 1,000 Task items that each sleep 10 ms, as a fraction of the ideal
    rate (8 pool processes each finishing an item every 10 ms);
(c) a Map of 10,000 Task items: its time, the peak RSS of every process, and
    paging through its history 100 events at a time.
"""
from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402
from celery import Celery  # noqa: E402

from config.celery import celery_settings  # noqa: E402
from executor.runtime.base import ExecutionRequest  # noqa: E402
from executor.runtime.celery_runtime import CeleryRuntime  # noqa: E402

URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"
WORKERS, CONCURRENCY = 2, 4


def out(name: str, value: float, unit: str) -> None:
    print(f"{name}: {value:.4g} {unit}", flush=True)


def start_workers(log_dir: Path) -> list[subprocess.Popen]:
    env = dict(os.environ, REDIS_URL=URL, SWITCHYARD_HANDLERS="tests.runtime.celery_handlers", SWITCHYARD_SINK="",
               PYTHONPATH=str(ROOT))
    procs = []
    for i in range(WORKERS):
        log = open(log_dir / f"bench-w{i}.log", "wb")
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "states", "-c", str(CONCURRENCY),
             "-P", "prefork", "--without-heartbeat", "--without-gossip", "--without-mingle", "-n",
             f"bench{i}@%h", "-l", "warning"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True))
    client = redis.Redis.from_url(URL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if all(client.exists(f"sy:wk:bench{i}@{os.uname().nodename}:alive") for i in range(WORKERS)):
            return procs
        time.sleep(0.1)
    raise SystemExit("workers did not start")


def stop_workers(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for proc in procs:
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def request(definition: dict, value) -> ExecutionRequest:
    name = uuid.uuid4().hex
    return ExecutionRequest(
        execution_arn=f"arn:aws:states:us-east-1:123456789012:execution:bench:{name}",
        state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:bench", state_machine_name="bench",
        name=name, definition=json.dumps(definition), input=json.dumps(value),
        role_arn="arn:aws:iam::123456789012:role/bench", start_time=time.time())


def timed_run(runtime: CeleryRuntime, definition: dict, value, timeout: float = 600):
    req = request(definition, value)
    started = time.perf_counter()
    result = runtime.run_sync(req, None, timeout=timeout)
    elapsed = time.perf_counter() - started
    if result.status != "SUCCEEDED":
        raise SystemExit(f"execution failed: {result}")
    return elapsed, req.execution_arn


def rss_peaks(procs: list[subprocess.Popen]) -> dict[str, int]:
    """Peak resident memory (VmHWM, KiB) of this process, each worker and each of its pool processes."""
    def hwm(pid: int) -> int:
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM"))

    peaks = {"bench (web side)": hwm(os.getpid())}
    for i, proc in enumerate(procs):
        peaks[f"worker{i} main"] = hwm(proc.pid)
        kids = subprocess.run(["ps", "-o", "pid=", "--ppid", str(proc.pid)], capture_output=True, text=True)
        for j, pid in enumerate(int(p) for p in kids.stdout.split()):
            peaks[f"worker{i} pool{j}"] = hwm(pid)
    return peaks


def bench_round_trips(app: Celery, runtime: CeleryRuntime, n: int) -> None:
    for _ in range(20):
        app.send_task("executor.noop").get(timeout=10)
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        app.send_task("executor.noop").get(timeout=10)
        samples.append(time.perf_counter() - started)
    noop = statistics.median(samples)
    out("celery_noop_round_trip_p50", noop * 1000, "ms")

    def task_chain(length: int) -> dict:
        states = {f"T{i}": {"Type": "Task", "Resource": LAMBDA + "echo",
                            **({"Next": f"T{i + 1}"} if i < length - 1 else {"End": True})} for i in range(length)}
        return {"StartAt": "T0", "States": states}

    long, short = task_chain(21), task_chain(1)
    timed_run(runtime, long, {"x": 1})
    long_runs = [timed_run(runtime, long, {"x": 1})[0] for _ in range(7)]
    short_runs = [timed_run(runtime, short, {"x": 1})[0] for _ in range(7)]
    per_task = (statistics.median(long_runs) - statistics.median(short_runs)) / 20
    out("celery_execution_with_one_task", statistics.median(short_runs) * 1000, "ms (start to result)")
    out("celery_task_state_cost", per_task * 1000, "ms (each further Task state: 21 vs 1 Task states)")
    out("celery_task_state_vs_noop_round_trip", per_task / noop, "x (target <= 1.5)")

    chain_len = 200
    states = {f"P{i}": {"Type": "Pass", **({"Next": f"P{i + 1}"} if i < chain_len - 1 else {"End": True})}
              for i in range(chain_len)}
    pass_chain = {"StartAt": "P0", "States": states}
    runs = [timed_run(runtime, pass_chain, {"x": 1})[0] for _ in range(5)]
    per_transition = statistics.median(runs) / chain_len
    out("celery_pass_chain_execution", statistics.median(runs) * 1000, f"ms ({chain_len} Pass states, whole run)")
    out("celery_pass_transition_cost", per_transition * 1000, "ms")
    out("celery_pass_transition_vs_noop_round_trip", per_transition / noop, "x (target <= 1.5)")


def map_of(handler: str, items: list, distributed: bool = False) -> dict:
    processor = {"StartAt": "W", "States": {"W": {"Type": "Task", "Resource": LAMBDA + handler, "End": True}}}
    if distributed:  # an inline Map of 10,000 would pass AWS's 25,000-event limit of one history
        processor["ProcessorConfig"] = {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    return {"StartAt": "M", "States": {"M": {
        "Type": "Map", "End": True, "ResultSelector": {"n.$": "States.ArrayLength($)"}, "ItemProcessor": processor}}}


def bench_map_1000(runtime: CeleryRuntime, n: int) -> str:
    items = [{"ms": 10, "i": i} for i in range(n)]
    elapsed, arn = timed_run(runtime, map_of("sleep-ms", items), items)
    ideal = n * 0.010 / (WORKERS * CONCURRENCY)
    out("map_sleep10ms_items", n, "items")
    out("map_sleep10ms_time", elapsed, "s")
    out("map_sleep10ms_ideal_time", ideal, f"s ({WORKERS * CONCURRENCY} pool processes)")
    out("map_sleep10ms_fraction_of_ideal", ideal / elapsed * 100, "% (target >= 70)")
    return arn


def bench_map_10000(runtime: CeleryRuntime, procs, n: int) -> None:
    items = [{"i": i} for i in range(n)]
    elapsed, arn = timed_run(runtime, map_of("echo", items, distributed=True), items, timeout=900)
    out("map_big_items", n, "items (distributed Map of Task items)")
    out("map_big_time", elapsed, "s")
    out("map_big_rate", n / elapsed, "items/s")
    for name, kib in rss_peaks(procs).items():
        out(f"peak_rss[{name}]", kib / 1024, "MiB")
    info = redis.Redis.from_url(URL).info("memory")
    out("peak_rss[redis-server used_memory_peak]", info["used_memory_peak"] / 2 ** 20, "MiB")

def bench_history_paging(runtime: CeleryRuntime, arn: str) -> None:
    """Page through the inline Map's history (the 10,000-item one is distributed: its parent history is
    short, and AWS's 25,000-event limit would stop an inline Map of 10,000 Task items)."""
    started = time.perf_counter()
    offset, pages = 0, 0
    while True:
        page = runtime.history_page(arn, offset=offset, limit=100)
        if not page:
            break
        offset += len(page)
        pages += 1
    elapsed = time.perf_counter() - started
    out("history_events", offset, "events (the inline Map's history)")
    out("history_pages", pages, "pages of 100")
    out("history_page_time", elapsed / max(pages, 1) * 1000, "ms per page")


def main() -> None:
    quick = "--quick" in sys.argv
    client = redis.Redis.from_url(URL)
    client.flushdb()
    log_dir = Path(os.environ.get("BENCH_LOG_DIR", "/tmp"))
    procs = start_workers(log_dir)
    app = Celery("bench")
    app.conf.update(celery_settings({"REDIS_URL": URL}))
    runtime = CeleryRuntime(app=app, redis_url=URL, mirror_history=False)
    try:
        bench_round_trips(app, runtime, 50 if quick else 200)
        arn = bench_map_1000(runtime, 200 if quick else 1000)
        bench_map_10000(runtime, procs, 1000 if quick else 10000)
        bench_history_paging(runtime, arn)
    finally:
        runtime.close()
        stop_workers(procs)


if __name__ == "__main__":
    main()
