"""Transitions per second of Switchyard's engine against moto's ASL interpreter, in one run.

Three workloads, the same definitions for every runner:

* ``pass_chain``: 50 Pass states in a row (50 transitions);
* ``map_1000``: an inline Map over 1,000 items with a Pass inside (1,001 transitions);
* ``parallel_10x5``: a Parallel of 10 branches of 5 Pass states each (51 transitions).

Runners: the interpreter driven directly with minimal hooks (``interp``), the embedded runtime
with an in-memory sink (``embedded``: what the app runs), moto 5's interpreter through boto3
in-process (``moto``: start_execution, then describe_execution until it is done), and, for the
chain, a plain Python transition loop (``limit``) as the ceiling for this machine.

Prints one figure per line, ``name: value unit``. Run: ``python bench/bench_engine.py``
(``--quick`` for fewer repetitions, ``--profile`` to print where the engine's time goes).
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from executor.asl import Execution, ExecutionInfo, Hooks, parse_definition  # noqa: E402
from executor.runtime.base import ExecutionRequest  # noqa: E402
from executor.runtime.embedded import EmbeddedRuntime, MemorySink  # noqa: E402

REGION, ACCOUNT = "us-east-1", "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/bench"


def pass_chain(length: int = 50) -> dict:
    states = {f"S{i}": {"Type": "Pass", "Next": f"S{i + 1}"} for i in range(length - 1)}
    states[f"S{length - 1}"] = {"Type": "Pass", "End": True}
    return {"StartAt": "S0", "States": states}


def map_over_items() -> dict:
    return {"StartAt": "M", "States": {"M": {
        "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 0, "End": True,
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}}}


def parallel(branches: int = 10, length: int = 5) -> dict:
    return {"StartAt": "Par", "States": {"Par": {"Type": "Parallel", "End": True,
                                                 "Branches": [pass_chain(length) for _ in range(branches)]}}}


WORKLOADS = {
    # name: (definition, input, transitions per execution)
    "pass_chain": (pass_chain(), {"payload": "x" * 64, "n": 1}, 50),
    "map_1000": (map_over_items(), {"items": [{"i": i} for i in range(1000)]}, 1001),
    "parallel_10x5": (parallel(), {"payload": "x" * 64}, 51),
}


# -- runners: each returns the median seconds one execution took over ``runs`` -------------------------


def run_interpreter(definition: dict, value, runs: int) -> float:
    machine = parse_definition(json.dumps(definition))

    async def invoke(resource, parameters, info):  # no Task states here
        return parameters

    async def many():
        times = []
        for n in range(runs):
            started = time.perf_counter()
            info = ExecutionInfo(f"arn:aws:states:{REGION}:{ACCOUNT}:execution:bench:{n}", str(n),
                                 f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:bench", "bench", ROLE,
                                 time.time(), value)
            outcome = await Execution(machine, info, Hooks(invoke=invoke)).run()
            times.append(time.perf_counter() - started)
            assert outcome.status == "SUCCEEDED", outcome
        return statistics.median(times)
    return asyncio.run(many())


def run_embedded(runtime: EmbeddedRuntime, definition: dict, value, runs: int) -> float:
    text, value_text = json.dumps(definition), json.dumps(value)
    sink = MemorySink()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        name = uuid.uuid4().hex
        request = ExecutionRequest(f"arn:aws:states:{REGION}:{ACCOUNT}:execution:bench:{name}",
                                   f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:bench", "bench", name, text,
                                   value_text, ROLE, time.time())
        result = runtime.start_execution(request, sink).result(60)
        times.append(time.perf_counter() - started)
        assert result.status == "SUCCEEDED", result
    return statistics.median(times)


def run_moto(client, definition: dict, value, runs: int) -> float:
    arn = client.create_state_machine(name=f"bench-{uuid.uuid4().hex[:8]}", definition=json.dumps(definition),
                                      roleArn=ROLE)["stateMachineArn"]
    value_text = json.dumps(value)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        execution = client.start_execution(stateMachineArn=arn, name=uuid.uuid4().hex,
                                           input=value_text)["executionArn"]
        while True:
            status = client.describe_execution(executionArn=execution)["status"]
            if status != "RUNNING":
                break
            time.sleep(0.0005)
        times.append(time.perf_counter() - started)
        assert status == "SUCCEEDED", status
    return statistics.median(times)


def run_plain_loop(definition: dict, value, runs: int) -> float:
    """The ceiling: a transition loop with nothing but a lookup and two JSON history events per state."""
    states = definition["States"]
    encode = json.JSONEncoder(separators=(",", ":")).encode
    started = time.perf_counter()
    for _ in range(runs):
        events, name, doc, last = [], definition["StartAt"], value, 0
        while name is not None:
            state = states[name]
            events.append({"id": len(events) + 1, "previousEventId": last, "timestamp": time.time(),
                           "type": "PassStateEntered", "stateEnteredEventDetails": {"input": encode(doc),
                                                                                    "name": name}})
            doc = dict(doc)
            events.append({"id": len(events) + 1, "previousEventId": len(events), "timestamp": time.time(),
                           "type": "PassStateExited", "stateExitedEventDetails": {"output": encode(doc),
                                                                                 "name": name}})
            last = len(events)
            name = None if state.get("End") else state["Next"]
    return (time.perf_counter() - started) / runs


def moto_client():
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    import boto3
    from moto import mock_aws
    mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
    mock.start()
    return mock, boto3.client("stepfunctions", region_name=REGION)


def profile_engine(runs: int) -> None:
    """Print the top of a cProfile of the interpreter and the embedded runtime on each workload."""
    for name, (definition, value, _) in WORKLOADS.items():
        for label, fn in (("interp", lambda d=definition, v=value: run_interpreter(d, v, runs)),):
            profiler = cProfile.Profile()
            profiler.enable()
            fn()
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
            print(f"# profile {name} ({label}, tottime)\n" + "\n".join(
                "# " + line for line in out.getvalue().splitlines() if line.strip()), file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the engine to stderr")
    args = parser.parse_args()
    scale = 0.2 if args.quick else 1.0

    def reps(n):
        return max(1, int(n * scale))
    engine_runs = {"pass_chain": reps(400), "map_1000": reps(10), "parallel_10x5": reps(200)}
    moto_runs = {"pass_chain": reps(10), "map_1000": reps(3), "parallel_10x5": reps(10)}

    runtime = EmbeddedRuntime()
    mock, client = moto_client()
    figures: dict[str, float] = {}
    try:
        for name, (definition, value, transitions) in WORKLOADS.items():
            run_interpreter(definition, value, reps(5))  # warm up: parse caches, imports
            run_embedded(runtime, definition, value, reps(5))
            interp = run_interpreter(definition, value, engine_runs[name])
            embedded = run_embedded(runtime, definition, value, engine_runs[name])
            moto = run_moto(client, definition, value, moto_runs[name])
            figures[name] = (interp, embedded, moto, transitions)
        limit = run_plain_loop(*WORKLOADS["pass_chain"][:2], reps(2000))
    finally:
        mock.stop()
        runtime.close()

    interp, embedded, moto, transitions = figures["pass_chain"]
    print(f"pass_chain_transitions_per_s: {transitions / interp:.0f} transitions/s")
    print(f"pass_chain_embedded_transitions_per_s: {transitions / embedded:.0f} transitions/s")
    print(f"pass_chain_moto_transitions_per_s: {transitions / moto:.0f} transitions/s")
    print(f"pass_chain_limit_plain_loop_transitions_per_s: {transitions / limit:.0f} transitions/s")
    print(f"pass_chain_ratio_vs_moto: {moto / interp:.1f} x")
    print(f"pass_chain_embedded_ratio_vs_moto: {moto / embedded:.1f} x")
    print(f"pass_chain_fraction_of_plain_loop: {limit / interp:.2f}")
    for name in ("map_1000", "parallel_10x5"):
        interp, embedded, moto, transitions = figures[name]
        print(f"{name}_seconds: {interp:.4f} s")
        print(f"{name}_embedded_seconds: {embedded:.4f} s")
        print(f"{name}_moto_seconds: {moto:.4f} s")
        print(f"{name}_transitions_per_s: {transitions / interp:.0f} transitions/s")
        print(f"{name}_embedded_transitions_per_s: {transitions / embedded:.0f} transitions/s")
        print(f"{name}_moto_transitions_per_s: {transitions / moto:.0f} transitions/s")
        print(f"{name}_time_fraction_of_moto: {interp / moto:.3f}")
        print(f"{name}_embedded_time_fraction_of_moto: {embedded / moto:.3f}")
    if args.profile:
        profile_engine(engine_runs["pass_chain"] // 4 or 1)


if __name__ == "__main__":
    main()
