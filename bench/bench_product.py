"""The product as a user meets it (`make run` + boto3), each figure beside its raw floor, in one run.

    .venv/bin/python -m bench.bench_product [--quick] [--runtimes celery,embedded]

Starts the whole product through tests/product.py (``python -m config.serve``: daphne, 2 state
workers, the inference worker; its own SQLite file, Redis database BENCH_PRODUCT_REDIS_URL,
default redis://127.0.0.1:6379/15, emptied first) once per runtime, and measures with boto3:
StartExecution, then DescribeExecution polled until the execution ends; history is written to the
database as always. Floors, measured in the same run:

* a raw Celery worker (``-P prefork -c 2``, config/celery.py's settings, BENCH_FLOOR_REDIS_URL,
  default redis://127.0.0.1:6379/2): the ``executor.noop`` round trip and 1,000 no-ops at once,
  beside each product (started and idle) just before its workloads;
* the raw MiniLM model at its best batch (1 torch thread), as bench/bench_inference.py does, in
  this process just before each product's SageMaker Maps;
* moto_server (moto's ASL interpreter over HTTP) on the same 200-state Pass chain, beside each product.

Prints ``name: value unit`` lines, ``*_ratio`` lines against the floors, the peak RSS of every
product process, and a summary against the targets of issue 8.

Importing this module also registers ``bench-echo``, a model that costs nothing: the products load
it through SWITCHYARD_MODELS=bench.bench_product, so the inference pipeline is measured on its own.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from executor.inference.models import InferenceModel
from executor.inference.registry import register_model

ROOT = Path(__file__).resolve().parents[1]
PRODUCT_REDIS = os.environ.get("BENCH_PRODUCT_REDIS_URL", "redis://127.0.0.1:6379/15")
FLOOR_REDIS = os.environ.get("BENCH_FLOOR_REDIS_URL", "redis://127.0.0.1:6379/2")
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"
LABELS = ["outage", "billing", "feature request"]  # as examples/ticket-triage.asl.json asks
ENDPOINTS = "bench-minilm=minilm,bench-echo=bench-echo"
POLL_S = 0.002
#: blocks of the Pass chain on each peer, alternated (bench_pass)
PASS_BLOCKS = 6


@register_model("bench-echo")
class EchoModel(InferenceModel):
    """Answers every text with its length at once: the inference pipeline without the model."""

    tasks = ("classify", "embed")

    def run(self, calls):
        return [[len(str(text)) for text in call.inputs] for call in calls]


# -- output ---------------------------------------------------------------------------------------
SUMMARY: list[str] = []


def out(name: str, value: float, unit: str) -> None:
    print(f"{name}: {value:.4g} {unit}", flush=True)


def ratio(name: str, value: float, target: str | None = None, ok: bool = False) -> None:
    """A ratio line; with a target it also goes into the summary."""
    print(f"{name}_ratio: {value:.3g} x" + (f" (target {target})" if target else ""), flush=True)
    if target:
        target_line(name, f"{value:.3g} x", target, ok)


def target_line(name: str, shown: str, target: str, ok: bool) -> None:
    SUMMARY.append(f"{name}: {shown} (target {target}) {'met' if ok else 'MISSED'}")


# -- definitions ------------------------------------------------------------------------------------
def chain(length: int, resource: str | None) -> dict:
    kind = {"Type": "Task", "Resource": resource} if resource else {"Type": "Pass"}
    return {"StartAt": "S0", "States": {f"S{i}": {**kind, **({"Next": f"S{i + 1}"} if i < length - 1 else
                                                            {"End": True})} for i in range(length)}}


def map_of(task: dict) -> dict:
    """A Map over ``$.items``, one Task per item, that returns only its item count (AWS caps outputs)."""
    return {"StartAt": "M", "States": {"M": {
        "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 0, "End": True,
        "ResultSelector": {"n.$": "States.ArrayLength($)"},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "T",
                          "States": {"T": {**task, "End": True}}}}}}


def sagemaker_task(endpoint: str) -> dict:
    """One text to classify, shaped as examples/ticket-triage.asl.json shapes it."""
    return {"Type": "Task", "Resource": "arn:aws:states:::sagemaker:invokeEndpoint",
            "Parameters": {"EndpointName": endpoint, "ContentType": "application/json",
                           "Body": {"inputs.$": "$", "parameters": {"candidate_labels": LABELS}}},
            "ResultSelector": {"prediction.$": "States.StringToJson($.Body)"}}


# -- running executions over boto3 --------------------------------------------------------------------
def create_machine(sfn, definition: dict) -> str:
    return sfn.create_state_machine(name=f"bench-{uuid.uuid4().hex[:10]}", definition=json.dumps(definition),
                                    roleArn="arn:aws:iam::123456789012:role/bench")["stateMachineArn"]


def run_once(sfn, machine: str, value, timeout: float) -> tuple[float, str, dict]:
    """Start one execution and poll DescribeExecution until it ends; (seconds, ARN, description)."""
    started = time.perf_counter()
    arn = sfn.start_execution(stateMachineArn=machine, name=uuid.uuid4().hex,  # moto_server names it "None"
                              input=json.dumps(value))["executionArn"]
    deadline = time.monotonic() + timeout
    while (described := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        if time.monotonic() > deadline:
            raise TimeoutError(f"{arn} still RUNNING after {timeout:.0f}s")
        # polls cost the product's CPU too: every 2 ms at first, then at 2% of the time so far
        time.sleep(min(max(POLL_S, (time.perf_counter() - started) / 50), 0.1))
    elapsed = time.perf_counter() - started
    if described["status"] != "SUCCEEDED":
        raise RuntimeError(f"{arn} ended {described['status']}: {described.get('error')} {described.get('cause')}")
    return elapsed, arn, described


def check_history(sfn, arn: str, label: str) -> None:
    """The history in the database ends with ExecutionSucceeded once DescribeExecution says SUCCEEDED."""
    last = sfn.get_execution_history(executionArn=arn, reverseOrder=True, maxResults=1)["events"]
    if not last or last[0]["type"] != "ExecutionSucceeded":
        print(f"{label}_history: WRONG (last event {last[0]['type'] if last else None})", flush=True)
        SUMMARY.append(f"{label}_history: SUCCEEDED, but the stored history does not end with ExecutionSucceeded")


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# -- floors ---------------------------------------------------------------------------------------------
def celery_floor(tag: str, n_trips: int = 50, n_burst: int = 1000) -> dict[str, float]:
    """A raw worker like the product's state worker: the no-op round trip and a burst of no-ops.
    Measured again beside each product, just before its workloads: the machine's load drifts."""
    from celery import Celery

    from config.celery import celery_settings

    worker = floor_worker()
    app = Celery("bench-floor")
    app.conf.update(celery_settings({"REDIS_URL": FLOOR_REDIS}))
    try:
        app.send_task("executor.noop").get(timeout=90)
        for _ in range(20):
            app.send_task("executor.noop").get(timeout=10)
        trips = []
        for _ in range(n_trips):
            started = time.perf_counter()
            app.send_task("executor.noop").get(timeout=10)
            trips.append(time.perf_counter() - started)
        started = time.perf_counter()
        for result in [app.send_task("executor.noop") for _ in range(n_burst)]:
            result.get(timeout=120)
        burst = n_burst / (time.perf_counter() - started)
    finally:
        stop_group(worker)
    floor = {"trip_p50": statistics.median(trips), "trip_p99": percentile(trips, 0.99), "noops_per_s": burst}
    out(f"{tag}_floor_celery_round_trip_p50", floor["trip_p50"] * 1000,
        f"ms ({n_trips} sequential apply_async().get())")
    out(f"{tag}_floor_celery_round_trip_p99", floor["trip_p99"] * 1000, "ms")
    out(f"{tag}_floor_celery_noop_throughput", burst, f"tasks/s ({n_burst} no-ops sent at once, all gathered)")
    return floor


def floor_worker() -> subprocess.Popen:
    import redis

    redis.Redis.from_url(FLOOR_REDIS).flushdb()
    env = dict(os.environ, REDIS_URL=FLOOR_REDIS, SWITCHYARD_SINK="", PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "states", "-P", "prefork", "-c", "2",
         "--without-heartbeat", "--without-gossip", "--without-mingle", "-n", "floor@%h", "-l", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def model_floor(tag: str, model, quick: bool) -> float:
    """The raw MiniLM's best batch throughput on this CPU, classifying as the workflow does; measured
    just before each product's SageMaker Maps, with the product idle."""
    from executor.inference import tuning

    rows = tuning.sweep(model, (1, 32, 128) if quick else (1, 16, 32, 64, 128), task="classify",
                        inputs=tuning.sample_texts(600), parameters={"candidate_labels": LABELS},
                        min_seconds=1.5 if quick else 3.0)
    for row in rows:
        out(f"{tag}_floor_model_batch_{row.batch_size}", row.items_per_s, "items/s (raw MiniLM, 1 torch thread)")
    best = max(rows, key=lambda row: row.items_per_s)
    out(f"{tag}_floor_model_best", best.items_per_s, f"items/s (batch {best.batch_size})")
    return best.items_per_s


def stop_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, 15)
        proc.wait(15)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.wait(5)


class Moto:
    """moto_server on a free loopback port, with execution switched on."""

    def __init__(self):
        from tests.product import free_port

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p",
                                      str(self.port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                body = json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode()
                urllib.request.urlopen(urllib.request.Request(self.url + "/moto-api/config", data=body,
                                                              headers={"Content-Type": "application/json"}), timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def sfn(self):
        import boto3

        return boto3.client("stepfunctions", endpoint_url=self.url, region_name="us-east-1",
                            aws_access_key_id="test", aws_secret_access_key="test")


# -- the workloads, through the product ---------------------------------------------------------------
def bench_chain(sfn, tag: str, runs: int, floor: dict) -> None:
    machine = create_machine(sfn, chain(3, LAMBDA + "greet"))
    first, arn, _ = run_once(sfn, machine, {"name": "first"}, timeout=120)
    out(f"{tag}_chain3_first_run", first * 1000, "ms (the first execution after start)")
    for _ in range(3):
        run_once(sfn, machine, {"name": "warm"}, timeout=60)
    samples, timed = [], []
    for _ in range(runs):
        sent = time.time()
        elapsed, arn, described = run_once(sfn, machine, {"name": "bench"}, timeout=60)
        samples.append(elapsed)
        timed.append((arn, sent, sent + elapsed, described))
    check_history(sfn, arn, f"{tag}_chain3")
    chain_phases(sfn, tag, timed[-10:])
    p50, p99 = statistics.median(samples), percentile(samples, 0.99)
    out(f"{tag}_chain3_p50", p50 * 1000, f"ms (3 Lambda Task states, start to SUCCEEDED, {runs} runs)")
    out(f"{tag}_chain3_p99", p99 * 1000, "ms")
    if tag == "embedded":
        target_line(f"{tag}_chain3_p50", f"{p50 * 1000:.1f} ms", "< 10 ms", p50 < 0.010)
    # issue 8: on Celery, at most 3x one raw round trip per Task state (3 states: 9 round trips)
    celery = tag == "celery"
    ratio(f"{tag}_chain3_p50_over_3_round_trips", p50 / (3 * floor["trip_p50"]), "<= 3" if celery else None,
          p50 <= 3 * 3 * floor["trip_p50"])


def chain_phases(sfn, tag: str, timed: list[tuple[str, float, float, dict]]) -> None:
    """Where a chain's time goes (medians over ``timed``): each gap between consecutive history
    events (TaskScheduled to TaskStarted is the wait in the queue), and :func:`split`."""
    split(f"{tag}_chain3", timed)
    gaps: dict[str, list[float]] = {}
    for arn, *_ in timed:
        events = sfn.get_execution_history(executionArn=arn, maxResults=100)["events"]
        at = [(e["type"], e["timestamp"].timestamp()) for e in events]
        for (kind, when), (following, then) in zip(at, at[1:]):
            gaps.setdefault(f"{kind}_to_{following}", []).append(then - when)
    for name, values in gaps.items():
        out(f"{tag}_chain3_gap[{name}]", statistics.median(values) * 1000, "ms (median, history timestamps)")


def bench_map(sfn, tag: str, items: int, floor: dict) -> None:
    machine = create_machine(sfn, map_of({"Type": "Task", "Resource": LAMBDA + "greet"}))
    run_once(sfn, machine, {"items": [{"name": "w"}] * 20}, timeout=60)
    sent = time.time()
    elapsed, arn, described = run_once(sfn, machine, {"items": [{"name": f"n{i}"} for i in range(items)]},
                                       timeout=600)
    split(f"{tag}_map", [(arn, sent, sent + elapsed, described)])
    assert json.loads(described["output"]) == {"n": items}, described["output"]
    check_history(sfn, arn, f"{tag}_map")
    rate = items / elapsed
    out(f"{tag}_map_tasks_time", elapsed, f"s (Map of {items} single-Task iterations)")
    out(f"{tag}_map_tasks_rate", rate, "items/s")
    if tag == "embedded":
        target_line(f"{tag}_map_tasks_rate", f"{rate:.0f} items/s", ">= 2000 items/s", rate >= 2000)
    ratio(f"{tag}_map_tasks_over_noop_throughput", rate / floor["noops_per_s"],
          ">= 0.7" if tag == "celery" else None, rate >= 0.7 * floor["noops_per_s"])


def bench_sagemaker(sfn, tag: str, items: int, model, quick: bool) -> None:
    from executor.inference.tuning import sample_texts

    model_best = model_floor(tag, model, quick)
    texts = sample_texts(items)
    for endpoint in ("bench-minilm", "bench-echo"):
        machine = create_machine(sfn, map_of(sagemaker_task(endpoint)))
        first, _, _ = run_once(sfn, machine, {"items": texts[:20]}, timeout=180)  # loads the model
        out(f"{tag}_sagemaker_{endpoint}_warmup", first, "s (a Map of 20; the first call loads the model)")
        elapsed, arn, described = run_once(sfn, machine, {"items": texts}, timeout=600)
        assert json.loads(described["output"]) == {"n": items}, described["output"]
        check_history(sfn, arn, f"{tag}_{endpoint}")
        rate = items / elapsed
        out(f"{tag}_sagemaker_{endpoint}_rate", rate, f"items/s (Map of {items} single-text invokeEndpoint Tasks)")
        if endpoint == "bench-minilm":
            ratio(f"{tag}_sagemaker_minilm_over_raw_model", rate / model_best, ">= 0.8", rate >= 0.8 * model_best)
        elif endpoint == "bench-echo":
            target_line(f"{tag}_sagemaker_echo_rate", f"{rate:.0f} items/s", ">= 2000 items/s", rate >= 2000)


class PassChain:
    """A Pass chain (200 states) on one endpoint, run one execution after the other, in blocks."""

    def __init__(self, sfn, length: int = 200):
        self.sfn = sfn
        self.machine = create_machine(sfn, chain(length, None))
        run_once(sfn, self.machine, {"x": 1}, timeout=120)
        self.seconds, self.timed = 0.0, []

    def run(self, runs: int) -> None:
        started = time.perf_counter()
        for _ in range(runs):
            sent = time.time()
            elapsed, arn, described = run_once(self.sfn, self.machine, {"x": 1}, timeout=120)
            self.timed.append((arn, sent, sent + elapsed, described))
        self.seconds += time.perf_counter() - started

    @property
    def rate(self) -> float:
        """Executions per second over every block run."""
        return len(self.timed) / self.seconds


def split(name: str, timed: list[tuple[str, float, float, dict]]) -> None:
    """Medians of: the request until the recorded start, the recorded run, its end until seen."""
    for part, values in (("request_to_startDate", [d["startDate"].timestamp() - sent for _, sent, _, d in timed]),
                         ("startDate_to_stopDate", [(d["stopDate"] - d["startDate"]).total_seconds()
                                                    for *_, d in timed]),
                         ("stopDate_to_seen", [seen - d["stopDate"].timestamp() for _, _, seen, d in timed])):
        out(f"{name}_split[{part}]", statistics.median(values) * 1000, "ms (median)")


def bench_pass(sfn, tag: str, runs: int, moto: Moto) -> None:
    """The chain on moto_server and on the product in alternating blocks (moto, ours, ours, moto...):
    this machine's speed drifts by tens of percent within minutes, and so each rate is taken over
    the same minutes as the other. A one-state chain on the product, in the same blocks, is the
    client's floor: a start and the polls that see its end, with next to nothing to run."""
    theirs, ours, floor = PassChain(moto.sfn()), PassChain(sfn), PassChain(sfn, 1)
    per_block = max(1, round(runs / PASS_BLOCKS))
    for block in range(PASS_BLOCKS):
        for peer in ((theirs, ours, floor) if block % 2 == 0 else (floor, ours, theirs)):
            peer.run(per_block)
    split(f"{tag}_pass200_moto", theirs.timed)
    split(f"{tag}_pass200", ours.timed)
    out(f"{tag}_pass200_moto_rate", theirs.rate,
        f"executions/s (moto_server, {theirs.rate * 200:.0f} transitions/s, {len(theirs.timed)} runs)")
    out(f"{tag}_pass200_rate", ours.rate, f"executions/s ({ours.rate * 200:.0f} transitions/s, {len(ours.timed)} runs)")
    ratio(f"{tag}_pass200_over_moto", ours.rate / theirs.rate, ">= 20", ours.rate >= 20 * theirs.rate)
    out(f"{tag}_pass1_rate", floor.rate, f"executions/s (a 1-state Pass chain through the same client: its floor, "
                                         f"{len(floor.timed)} runs)")
    ratio(f"{tag}_pass1_over_moto", floor.rate / theirs.rate)


# -- peak memory --------------------------------------------------------------------------------------
def process_label(pid: int) -> str:
    """A short name for a product process from its command line: the server, a supervisor, a worker
    (``-n states@%h``) or one of a worker's pool processes."""
    def argv(p: int) -> list[str]:
        with open(f"/proc/{p}/cmdline", "rb") as f:
            return f.read().decode(errors="replace").split("\0")

    def stat_ppid(p: int) -> int:
        with open(f"/proc/{p}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])

    args = argv(pid)
    text = " ".join(args)
    if "daphne" in text or "config.web" in text:
        return "daphne (web, API, embedded runtime)"
    if "config.serve" in text:
        return "config.serve"
    if "config.supervise" in text:
        return f"supervise {args[args.index('config.supervise') + 1] if 'config.supervise' in args else ''}"
    if "celery" in text:
        name = args[args.index("-n") + 1].split("@")[0] if "-n" in args else "celery"
        parent = " ".join(argv(stat_ppid(pid)))
        return f"celery {name} {'pool' if 'celery' in parent and 'supervise' not in parent else 'main'}"
    return args[0]


def print_peak_rss(tag: str, pids: list[int]) -> None:
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                kib = next(int(line.split()[1]) for line in f if line.startswith("VmHWM"))
            out(f"{tag}_peak_rss[{process_label(pid)} pid {pid}]", kib / 1024, "MiB")
        except (OSError, StopIteration, ValueError, IndexError):
            pass  # a process that ended meanwhile


class Profiler:
    """``py-spy record`` (collapsed stacks, 100 Hz, non-blocking) of every product process but the
    supervisors, for one workload; each writes DIR/<workload>-<pid>.txt when interrupted."""

    def __init__(self, directory: Path | None, name: str, pids: list[int]):
        self.procs = []
        if directory is None:
            return
        directory.mkdir(parents=True, exist_ok=True)
        spy = str(Path(sys.executable).parent / "py-spy")
        for pid in pids:
            label = process_label(pid)
            if label.startswith(("supervise", "config.serve")):
                continue
            self.procs.append(subprocess.Popen(
                [spy, "record", "-f", "raw", "-r", "100", "--nonblocking", "-p", str(pid),
                 "-o", str(directory / f"{name}-{label.split(' (')[0].replace(' ', '-')}-{pid}.txt")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    def stop(self) -> None:
        for proc in self.procs:
            proc.send_signal(2)  # py-spy writes its file on SIGINT
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


# -- one product ------------------------------------------------------------------------------------
def bench_product(tag: str, sizes: dict, model, moto: Moto, profile: Path | None, wanted: set[str]) -> None:
    from tests.product import Product

    workdir = Path(tempfile.mkdtemp(prefix=f"bench-product-{tag}-"))
    product = Product(workdir, redis_url=PRODUCT_REDIS, runtime=tag, state_workers=2, inference=True,
                      SWITCHYARD_MODELS="bench.bench_product", SWITCHYARD_ENDPOINTS=ENDPOINTS,
                      SWITCHYARD_TORCH_THREADS="1")
    try:
        started = time.perf_counter()
        product.start(timeout=120)
        out(f"{tag}_product_start", time.perf_counter() - started, f"s (migrate and serve; log {product.log_path})")
        sfn, floor = product.sfn(), celery_floor(tag)
        workloads = {"chain3": lambda: bench_chain(sfn, tag, sizes["chain_runs"], floor),
                     "map": lambda: bench_map(sfn, tag, sizes["map_items"], floor),
                     "sagemaker": lambda: bench_sagemaker(sfn, tag, sizes["sagemaker_items"], model, sizes["quick"]),
                     "pass200": lambda: bench_pass(sfn, tag, sizes["pass_runs"], moto)}
        for name, workload in workloads.items():
            if name not in wanted:
                continue
            profiler = Profiler(profile, f"{tag}-{name}", product.pids())
            try:
                workload()
            except Exception as exc:  # one broken workload must not hide the others' figures
                print(f"{tag}_{name}: ERROR {type(exc).__name__}: {exc}", flush=True)
                SUMMARY.append(f"{tag}_{name}: ERROR {type(exc).__name__}: {exc}")
            finally:
                profiler.stop()
        print_peak_rss(tag, product.pids())
    finally:
        product.stop()


def code_version() -> str:
    """The commit measured, and how many files differ from it (the tree may be mid-change)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    changed = len(git("status", "--porcelain", "--untracked-files=no").splitlines())
    return f"{git('rev-parse', '--short', 'HEAD')} ({changed} tracked files changed)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs and items (about 4 minutes)")
    parser.add_argument("--runtimes", default="celery,embedded", help="comma list: celery, embedded")
    parser.add_argument("--profile", type=Path, help="py-spy record every product process into this folder")
    parser.add_argument("--workloads", default="chain3,map,sagemaker,pass200",
                        help="comma list: chain3, map, sagemaker, pass200")
    args = parser.parse_args()
    quick = args.quick
    sizes = {"chain_runs": 20 if quick else 50, "map_items": 300 if quick else 1000,
             "sagemaker_items": 200 if quick else 600, "pass_runs": 3 if quick else 30, "quick": quick}
    print(f"sizes: {sizes}", flush=True)
    print(f"code: {code_version()}", flush=True)
    os.environ.setdefault("SWITCHYARD_TORCH_THREADS", "1")
    from executor.inference import service

    minilm = service.get_worker("minilm").model  # loaded once, for the raw floor beside each product
    moto = Moto()
    try:
        for tag in args.runtimes.split(","):
            bench_product(tag.strip(), sizes, minilm, moto, args.profile, set(args.workloads.split(",")))
    finally:
        stop_group(moto.proc)
        service.shutdown_workers()
    print("summary:", flush=True)
    for line in SUMMARY:
        print(f"  {line}", flush=True)


if __name__ == "__main__":
    main()
