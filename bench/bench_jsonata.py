"""The JSONata query language against JSONPath, and jsonatapy against jsonata-python, in one run.

(a) a 50-state chain of JSONata Pass states (each Output ``{% $states.input %}``, every fifth one
    arithmetic on the input) against the same chain of JSONPath Pass states with equivalent
    Parameters; the interpreter is driven directly with minimal hooks (no history listener, no
    sleeping, no tasks). Reports state transitions per second for each and their ratio.
(b) the cost of one evaluation of three representative expressions with jsonatapy (Rust, the
    evaluator the engine uses) and with jsonata-python (pure Python), in microseconds.

Prints ``name: value unit`` lines. Usage: ``python -m bench.bench_jsonata [--runs 40 --rounds 5]``.
"""
from __future__ import annotations

import argparse
import asyncio
import functools
import json
import time

from executor.asl import Execution, ExecutionInfo, Hooks, parse_definition
from executor.asl.jsonata_support import compile_expression

STATES = 50
INPUT = {"order": {"id": "o-1", "lines": [{"sku": f"s{i}", "qty": i % 4 + 1, "price": 2.5 * i}
                                          for i in range(10)]}, "n": 1}
EXPRESSIONS = {
    "path": "$states.input.order.id",
    "arithmetic": "$states.input.n * 2 + 1",
    "aggregate": "$sum($states.input.order.lines.(qty * price))",
}


def chain(jsonata: bool) -> str:
    states = {}
    for i in range(STATES):
        arithmetic = i % 5 == 4
        if jsonata:
            body = {"Type": "Pass", "Output": ({"order": "{% $states.input.order %}",
                                                "n": "{% $states.input.n + 1 %}"} if arithmetic
                                               else "{% $states.input %}")}
        else:
            body = {"Type": "Pass", "Parameters": ({"order.$": "$.order", "n.$": "States.MathAdd($.n, 1)"}
                                                   if arithmetic else {"order.$": "$.order", "n.$": "$.n"})}
        body.update({"Next": f"S{i + 1}"} if i + 1 < STATES else {"End": True})
        states[f"S{i}"] = body
    top = {"QueryLanguage": "JSONata"} if jsonata else {}
    return json.dumps({**top, "StartAt": "S0", "States": states})


async def _no_task(resource, parameters, info):  # the chains have no Task state
    raise AssertionError("no task expected")


def chain_runner(definition: str, runs: int):
    """A function that runs the chain ``runs`` times; returns (seconds, last outcome)."""
    machine = parse_definition(definition)
    info = ExecutionInfo("arn:aws:states:us-east-1:123456789012:execution:bench:run", "run",
                         "arn:aws:states:us-east-1:123456789012:stateMachine:bench", "bench",
                         "arn:aws:iam::123456789012:role/r", 0.0, INPUT)
    hooks = Hooks(invoke=_no_task, now=lambda: 0.0)

    async def all_runs():
        outcome = None
        for _ in range(runs):
            outcome = await Execution(machine, info, hooks).run()
        return outcome

    def timed():
        start = time.perf_counter()
        outcome = asyncio.run(all_runs())
        assert outcome.status == "SUCCEEDED", outcome
        return time.perf_counter() - start, outcome
    return timed


def compare_chains(runs: int, rounds: int) -> tuple[float, float]:
    """Best transitions/s of each chain over ``rounds`` alternating rounds (a shared machine is noisy;
    the best round is the one least disturbed)."""
    jsonata, jsonpath = chain_runner(chain(True), runs), chain_runner(chain(False), runs)
    assert jsonata()[1].output == jsonpath()[1].output  # also the warm-up
    best = {"jsonata": float("inf"), "jsonpath": float("inf")}
    for _ in range(rounds):
        best["jsonata"] = min(best["jsonata"], jsonata()[0])
        best["jsonpath"] = min(best["jsonpath"], jsonpath()[0])
    return runs * STATES / best["jsonata"], runs * STATES / best["jsonpath"]


def microseconds_per_evaluation(evaluate, repeats: int, rounds: int = 5) -> float:
    evaluate()
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeats):
            evaluate()
        best = min(best, time.perf_counter() - start)
    return best / repeats * 1e6


def evaluator_costs(repeats: int) -> list[tuple[str, float, float]]:
    import jsonata  # jsonata-python, the pure-Python implementation

    bindings = {"states": {"input": INPUT}}
    rows = []
    for name, text in EXPRESSIONS.items():
        # The engine's own call: evaluate to JSON text (then json.loads), as jsonata_support does.
        rust = functools.partial(compile_expression(text).evaluate_json_or_none, None, bindings)
        python = functools.partial(jsonata.Jsonata(text).evaluate, None, bindings)
        assert json.loads(rust()) == python(), name
        rows.append((name, microseconds_per_evaluation(rust, repeats),
                     microseconds_per_evaluation(python, max(repeats // 20, 1))))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="executions of each 50-state chain per round")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds; the best of each counts")
    parser.add_argument("--repeats", type=int, default=4000, help="evaluations per expression and round")
    args = parser.parse_args()

    jsonata_rate, jsonpath_rate = compare_chains(args.runs, args.rounds)
    print(f"chain_jsonata: {jsonata_rate:.0f} transitions/s")
    print(f"chain_jsonpath: {jsonpath_rate:.0f} transitions/s")
    print(f"chain_jsonata_vs_jsonpath: {jsonata_rate / jsonpath_rate:.2f} ratio")

    for name, rust_us, python_us in evaluator_costs(args.repeats):
        print(f"expr_{name}_jsonatapy: {rust_us:.1f} µs")
        print(f"expr_{name}_jsonata_python: {python_us:.1f} µs")
        print(f"expr_{name}_python_vs_jsonatapy: {python_us / rust_us:.1f} ratio")


if __name__ == "__main__":
    main()
