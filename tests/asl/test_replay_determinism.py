"""Values that look random are drawn from the execution and the state's position, so a runtime that
replays an execution's history gets them again, whatever order its iterations ran in."""
from __future__ import annotations

import asyncio
import dataclasses
import json
import random

from executor.asl import Execution, Hooks, parse_definition

from .engine import ARN, info_for, run

RANDOM_ITEM = {"StartAt": "Draw", "States": {"Draw": {"Type": "Pass", "End": True, "Parameters": {
    "id.$": "States.UUID()", "n.$": "States.MathRandom(0, 1000000)"}}}}
MAP = {"StartAt": "Each", "States": {"Each": {
    "Type": "Map", "ItemsPath": "$.items", "ItemProcessor": RANDOM_ITEM, "End": True}}}
JSONATA = {"QueryLanguage": "JSONata", "StartAt": "Draw", "States": {"Draw": {
    "Type": "Pass", "Output": {"id": "{% $uuid() %}", "r": "{% $random() %}"}, "End": True}}}


def _run_shuffled(definition: dict, value, arn: str, seed: int) -> object:
    """Run with each iteration's Pass delayed by a random number of loop turns: another order."""
    machine = parse_definition(json.dumps(definition))
    shuffle = random.Random(seed)

    async def invoke(resource, parameters, info):
        return parameters

    async def main():
        hooks = Hooks(invoke=invoke)
        execution = Execution(machine, dataclasses.replace(info_for(value), execution_arn=arn), hooks)
        original = execution.run_state

        async def delayed(state, raw_input, frame):
            for _ in range(shuffle.randrange(5)):
                await asyncio.sleep(0)
            return await original(state, raw_input, frame)

        execution.run_state = delayed
        return (await execution.run()).output

    return asyncio.run(main())


def test_uuid_and_math_random_repeat_when_the_same_execution_runs_again():
    """The same execution run twice draws the same States.UUID and States.MathRandom values."""
    first, second = run(RANDOM_ITEM, {}), run(RANDOM_ITEM, {})
    assert first.outcome.output == second.outcome.output
    assert len(first.outcome.output["id"]) == 36 and first.outcome.output["id"][14] == "4"


def test_map_iterations_draw_the_same_values_in_whatever_order_they_run():
    """Each Map iteration's values depend on its index, not on which iteration ran first."""
    items = {"items": list(range(8))}
    one = _run_shuffled(MAP, items, ARN, seed=1)
    other = _run_shuffled(MAP, items, ARN, seed=2)
    assert one == other
    assert len({item["id"] for item in one}) == 8, "each iteration draws its own UUID"


def test_another_execution_draws_other_values():
    """Two executions of the same definition do not share their random values."""
    items = {"items": list(range(3))}
    assert _run_shuffled(MAP, items, ARN, seed=1) != _run_shuffled(MAP, items, ARN + "-2", seed=1)


def test_jsonata_uuid_and_random_repeat_on_a_second_run():
    """JSONata's $uuid() and $random() are drawn the same way."""
    assert run(JSONATA, {}).outcome.output == run(JSONATA, {}).outcome.output
