"""Parallel branches and inline Map: inputs, outputs, concurrency limits and failure tolerance."""
from __future__ import annotations

import asyncio

import pytest

from executor.asl.errors import StatesError

from .engine import run

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:f"


def branch(*states: tuple[str, dict]) -> dict:
    names = [n for n, _ in states]
    body = {}
    for i, (name, state) in enumerate(states):
        state = dict(state)
        if state["Type"] not in ("Choice", "Succeed", "Fail") and "Next" not in state and "End" not in state:
            state.update({"Next": names[i + 1]} if i + 1 < len(names) else {"End": True})
        body[name] = state
    return {"StartAt": names[0], "States": body}


def parallel(*branches: dict, **extra) -> dict:
    return {"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": list(branches), "End": True, **extra},
                                       "Handled": {"Type": "Pass", "End": True}}}


def map_state(processor: dict | None = None, **extra) -> dict:
    processor = processor or branch(("Inner", {"Type": "Pass"}))
    return {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": processor, "End": True, **extra},
                                       "Handled": {"Type": "Pass", "End": True}}}


class Gauge:
    """An async invoke that records how many calls run at once."""

    def __init__(self, fail_when=lambda p: False):
        self.current = self.peak = 0
        self.fail_when = fail_when

    async def __call__(self, resource, parameters, info):
        self.current += 1
        self.peak = max(self.peak, self.current)
        try:
            await asyncio.sleep(0.001)
            if self.fail_when(parameters):
                raise StatesError("ItemFailed", f"item {parameters}")
            return parameters
        finally:
            self.current -= 1


TASK = branch(("Work", {"Type": "Task", "Resource": LAMBDA}))

# -- Parallel ---------------------------------------------------------------------------------


def test_parallel_gives_every_branch_the_same_input_and_returns_their_outputs_in_branch_order():
    definition = parallel(branch(("A", {"Type": "Pass", "InputPath": "$.a"})),
                          branch(("B", {"Type": "Pass", "Result": "fixed"})),
                          branch(("C", {"Type": "Pass"})))
    assert run(definition, {"a": 1}).outcome.output == [1, "fixed", {"a": 1}]


def test_parallel_parameters_result_selector_and_result_path_shape_its_output():
    definition = parallel(branch(("A", {"Type": "Pass"})), branch(("B", {"Type": "Pass"})),
                          Parameters={"v.$": "$.x"}, ResultSelector={"first.$": "$[0].v"}, ResultPath="$.out")
    assert run(definition, {"x": 9}).outcome.output == {"x": 9, "out": {"first": 9}}


def test_parallel_branches_run_at_once():
    gauge = Gauge()
    definition = parallel(*[TASK for _ in range(5)])
    run(definition, {}, invoke=gauge)
    assert gauge.peak == 5


def test_a_failing_branch_fails_the_parallel_with_the_branch_error():
    definition = parallel(branch(("A", {"Type": "Pass"})), branch(("B", {"Type": "Fail", "Error": "BranchBroke",
                                                                        "Cause": "b"})))
    result = run(definition)
    assert (result.outcome.status, result.outcome.error, result.outcome.cause) == ("FAILED", "BranchBroke", "b")
    assert "ParallelStateFailed" in result.types


def test_a_failing_branch_is_caught_by_the_parallel_catcher():
    definition = parallel(branch(("B", {"Type": "Fail", "Error": "BranchBroke", "Cause": "b"})),
                          Catch=[{"ErrorEquals": ["BranchBroke"], "Next": "Handled", "ResultPath": "$.err"}])
    result = run(definition, {"in": 1})
    assert result.outcome.output == {"in": 1, "err": {"Error": "BranchBroke", "Cause": "b"}}


def test_a_failing_branch_cancels_its_siblings():
    definition = parallel(branch(("Slow", {"Type": "Wait", "Seconds": 50}), ("Never", {"Type": "Pass"})),
                          branch(("B", {"Type": "Fail", "Error": "E"})))
    result = run(definition, real_sleep=True, limit=3)
    assert result.outcome.error == "E"
    assert not [e for e in result.events if e.get("stateEnteredEventDetails", {}).get("name") == "Never"]


def test_parallel_history_brackets_the_branches():
    result = run(parallel(branch(("A", {"Type": "Pass"}))))
    assert result.types == ["ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted", "PassStateEntered",
                            "PassStateExited", "ParallelStateSucceeded", "ParallelStateExited",
                            "ExecutionSucceeded"]


# -- Map --------------------------------------------------------------------------------------


def test_map_runs_the_processor_on_each_item_and_keeps_their_order():
    definition = map_state(branch(("Double", {"Type": "Pass", "Parameters": {"v.$": "States.MathAdd($.n, $.n)"}})))
    assert run(definition, [{"n": 1}, {"n": 2}, {"n": 3}]).outcome.output == [{"v": 2}, {"v": 4}, {"v": 6}]


def test_map_items_path_picks_the_array_from_the_input():
    assert run(map_state(ItemsPath="$.list"), {"list": [1, 2]}).outcome.output == [1, 2]


def test_map_over_an_empty_array_returns_an_empty_array():
    result = run(map_state(ItemsPath="$.list"), {"list": []})
    assert result.outcome.output == [] and "MapIterationStarted" not in result.types


@pytest.mark.parametrize("value", [{"list": "abc"}, {"list": {"a": 1}}, {}])
def test_map_items_path_to_a_non_array_fails_with_states_runtime(value):
    assert run(map_state(ItemsPath="$.list"), value).outcome.error == "States.Runtime"


def test_item_selector_builds_each_iteration_input_from_the_context_and_state_input():
    definition = map_state(ItemsPath="$.list", ItemSelector={"index.$": "$$.Map.Item.Index",
                                                              "value.$": "$$.Map.Item.Value", "shared.$": "$.shared"})
    result = run(definition, {"list": ["a", "b"], "shared": 7})
    assert result.outcome.output == [{"index": 0, "value": "a", "shared": 7}, {"index": 1, "value": "b", "shared": 7}]


def test_legacy_iterator_and_parameters_work_like_item_processor_and_item_selector():
    definition = {"StartAt": "M", "States": {"M": {
        "Type": "Map", "ItemsPath": "$.list", "Parameters": {"v.$": "$$.Map.Item.Value"},
        "Iterator": branch(("Inner", {"Type": "Pass", "OutputPath": "$.v"})), "End": True}}}
    assert run(definition, {"list": [5, 6]}).outcome.output == [5, 6]


def test_map_result_selector_and_result_path_shape_its_output():
    definition = map_state(ItemsPath="$.list", ResultSelector={"count.$": "States.ArrayLength($)"},
                           ResultPath="$.summary")
    assert run(definition, {"list": [1, 2, 3]}).outcome.output == {"list": [1, 2, 3], "summary": {"count": 3}}


def test_map_max_concurrency_zero_runs_every_item_at_once():
    gauge = Gauge()
    run(map_state(TASK, MaxConcurrency=0), list(range(20)), invoke=gauge)
    assert gauge.peak == 20


@pytest.mark.parametrize("limit", [1, 3])
def test_map_max_concurrency_bounds_the_iterations_running_at_once(limit):
    gauge = Gauge()
    result = run(map_state(TASK, MaxConcurrency=limit), list(range(10)), invoke=gauge)
    assert gauge.peak == limit and result.outcome.output == list(range(10))


def test_map_max_concurrency_path_reads_the_limit_from_the_input():
    gauge = Gauge()
    run(map_state(TASK, ItemsPath="$.items", MaxConcurrencyPath="$.limit"), {"items": list(range(8)), "limit": 2},
        invoke=gauge)
    assert gauge.peak == 2


def test_map_max_concurrency_path_to_a_non_integer_fails_with_states_runtime():
    outcome = run(map_state(ItemsPath="$.items", MaxConcurrencyPath="$.limit"), {"items": [1], "limit": "x"}).outcome
    assert outcome.error == "States.Runtime"


def test_a_failing_iteration_fails_the_map_with_its_error_when_nothing_is_tolerated():
    gauge = Gauge(fail_when=lambda p: p == 3)
    result = run(map_state(TASK), list(range(5)), invoke=gauge)
    assert (result.outcome.status, result.outcome.error) == ("FAILED", "ItemFailed")
    assert "MapIterationFailed" in result.types and "MapStateFailed" in result.types


def test_tolerated_failure_count_lets_that_many_iterations_fail():
    gauge = Gauge(fail_when=lambda p: p % 5 == 0)  # 0 and 5 fail
    ok = run(map_state(TASK, ToleratedFailureCount=2), list(range(10)), invoke=gauge)
    assert ok.outcome.status == "SUCCEEDED"
    assert len(ok.of_type("MapIterationFailed")) == 2


def test_exceeding_tolerated_failure_count_fails_with_exceed_tolerated_failure_threshold():
    gauge = Gauge(fail_when=lambda p: p % 5 == 0)
    failed = run(map_state(TASK, ToleratedFailureCount=1), list(range(10)), invoke=gauge)
    assert failed.outcome.error == "States.ExceedToleratedFailureThreshold"


def test_tolerated_failure_percentage_compares_failures_with_the_item_count():
    gauge = Gauge(fail_when=lambda p: p < 3)  # 3 of 10 fail: 30%
    assert run(map_state(TASK, ToleratedFailurePercentage=30), list(range(10)), invoke=gauge).outcome.status == \
        "SUCCEEDED"
    failed = run(map_state(TASK, ToleratedFailurePercentage=29), list(range(10)), invoke=gauge)
    assert failed.outcome.error == "States.ExceedToleratedFailureThreshold"


@pytest.mark.parametrize("count, percentage, failing, status", [
    (5, 10, 2, "FAILED"),  # 2 failures are within the count but 20% exceeds 10%
    (1, 50, 2, "FAILED"),  # 20% is within 50% but 2 failures exceed the count of 1
    (2, 20, 2, "SUCCEEDED"),  # both thresholds reached, neither exceeded
    (0, 100, 1, "FAILED"),
])
def test_with_both_thresholds_the_map_fails_when_either_is_exceeded(count, percentage, failing, status):
    gauge = Gauge(fail_when=lambda p: p < failing)
    outcome = run(map_state(TASK, ToleratedFailureCount=count, ToleratedFailurePercentage=percentage),
                  list(range(10)), invoke=gauge).outcome
    assert outcome.status == status
    if status == "FAILED":
        assert outcome.error == "States.ExceedToleratedFailureThreshold"


def test_with_both_thresholds_read_from_paths_the_map_fails_when_either_is_exceeded():
    gauge = Gauge(fail_when=lambda p: p < 2)
    definition = map_state(TASK, ItemsPath="$.items", ToleratedFailureCountPath="$.count",
                           ToleratedFailurePercentagePath="$.pct")
    outcome = run(definition, {"items": list(range(10)), "count": 9, "pct": 10}, invoke=gauge).outcome
    assert outcome.error == "States.ExceedToleratedFailureThreshold"


def test_tolerated_failure_count_path_reads_the_threshold_from_the_input():
    gauge = Gauge(fail_when=lambda p: p < 2)
    definition = map_state(TASK, ItemsPath="$.items", ToleratedFailureCountPath="$.tolerate")
    assert run(definition, {"items": list(range(4)), "tolerate": 2}, invoke=gauge).outcome.status == "SUCCEEDED"
    assert run(definition, {"items": list(range(4)), "tolerate": 1}, invoke=gauge).outcome.error == \
        "States.ExceedToleratedFailureThreshold"


def test_a_map_failure_is_caught_by_its_catcher():
    gauge = Gauge(fail_when=lambda p: p == 1)
    definition = map_state(TASK, Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Handled", "ResultPath": "$.e"}],
                           ItemsPath="$.items")
    result = run(definition, {"items": [0, 1]}, invoke=gauge)
    assert result.outcome.output["e"]["Error"] == "ItemFailed"


def test_map_history_has_started_and_an_iteration_pair_per_item():
    result = run(map_state(), [1, 2])
    assert result.types[:3] == ["ExecutionStarted", "MapStateEntered", "MapStateStarted"]
    assert result.types[-3:] == ["MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"]
    started = result.of_type("MapIterationStarted")
    assert [e["mapIterationStartedEventDetails"] for e in started] == [{"index": 0, "name": "M"},
                                                                        {"index": 1, "name": "M"}]
    assert len(result.of_type("MapIterationSucceeded")) == 2
    assert result.of_type("MapStateStarted")[0]["mapStateStartedEventDetails"] == {"length": 2}


def test_nested_maps_see_their_own_item_in_the_context():
    inner = branch(("Leaf", {"Type": "Pass", "Parameters": {"i.$": "$$.Map.Item.Index", "v.$": "$$.Map.Item.Value"}}))
    outer = branch(("InnerMap", {"Type": "Map", "ItemProcessor": inner}))
    result = run(map_state(outer), [["a", "b"], ["c"]])
    assert result.outcome.output == [[{"i": 0, "v": "a"}, {"i": 1, "v": "b"}], [{"i": 0, "v": "c"}]]
