"""Variables: Assign in both query languages, what each scope sees, and the size limits."""
from __future__ import annotations

import pytest

from .harness import LAMBDA, machine, raising, run, sub

# -- when an assignment takes effect --------------------------------------------------------------


def test_assign_and_output_both_see_the_variables_as_they_were_when_the_state_was_entered():
    r = run(machine(("Init", {"Type": "Pass", "Assign": {"x": 5}}),
                    ("Both", {"Type": "Pass", "Assign": {"x": 42, "old": "{% $x %}"}, "Output": {"x": "{% $x %}"}}),
                    ("After", {"Type": "Pass", "Output": {"x": "{% $x %}", "old": "{% $old %}",
                                                         "in": "{% $states.input %}"}})))
    assert r.output == {"x": 42, "old": 5, "in": {"x": 5}}


def test_a_variable_is_visible_to_every_later_state_not_only_the_next():
    r = run(machine(("Set", {"Type": "Pass", "Assign": {"greeting": "{% 'hi ' & $states.input.name %}"}}),
                    ("Other", {"Type": "Pass", "Output": {}}),
                    ("Wait", {"Type": "Wait", "Seconds": 0}),
                    ("Use", {"Type": "Pass", "Output": "{% $greeting %}"})), {"name": "ana"})
    assert r.output == "hi ana"


def test_task_assign_sees_the_result_and_the_input():
    r = run(machine(("T", {"Type": "Task", "Resource": LAMBDA,
                           "Assign": {"price": "{% $states.result.price %}", "id": "{% $states.input.id %}"}}),
                    ("Use", {"Type": "Pass", "Output": {"price": "{% $price %}", "id": "{% $id %}"}})),
            {"id": 3}, invoke=lambda *_: {"price": 9})
    assert r.output == {"price": 9, "id": 3}


def test_a_variable_may_be_reassigned_by_a_later_state():
    r = run(machine(("A", {"Type": "Pass", "Assign": {"n": 1}}),
                    ("B", {"Type": "Pass", "Assign": {"n": "{% $n + 1 %}"}}),
                    ("C", {"Type": "Pass", "Assign": {"n": "{% $n + 1 %}"}}),
                    ("D", {"Type": "Pass", "Output": "{% $n %}"})))
    assert r.output == 3


def test_choice_assigns_in_a_loop_until_a_condition_on_a_variable_holds():
    r = run(machine(("Init", {"Type": "Pass", "Assign": {"i": 0}}),
                    ("Check", {"Type": "Choice", "Choices": [{"Condition": "{% $i >= 3 %}", "Next": "Done"}],
                               "Default": "Step"}),
                    ("Step", {"Type": "Pass", "Assign": {"i": "{% $i + 1 %}"}, "Next": "Check"}),
                    ("Done", {"Type": "Pass", "Output": "{% $i %}", "End": True})))
    assert r.output == 3


# -- JSONPath states: Assign and $var references -------------------------------------------------


def jsonpath(*states: tuple[str, dict]) -> dict:
    whole = machine(*states)
    del whole["QueryLanguage"]
    return whole


def test_jsonpath_assign_reads_the_result_with_dollar_and_is_referenced_as_dollar_name():
    r = run(jsonpath(("A", {"Type": "Pass", "Parameters": {"total.$": "$.price"},
                            "Assign": {"total.$": "$.total", "fixed": "literal"}}),
                     ("B", {"Type": "Pass", "Parameters": {"t.$": "$total", "f.$": "$fixed"}})), {"price": 8})
    assert r.output == {"t": 8, "f": "literal"}


def test_jsonpath_variable_fields_may_be_reached_with_a_path_in_parameters():
    r = run(jsonpath(("A", {"Type": "Pass", "Assign": {"order": {"lines": [{"sku": "a"}, {"sku": "b"}]}}}),
                     ("B", {"Type": "Pass", "Parameters": {"second.$": "$order.lines[1].sku",
                                                          "count.$": "States.ArrayLength($order.lines)"}})))
    assert r.output == {"second": "b", "count": 2}


def test_jsonpath_input_path_may_select_a_variable():
    r = run(jsonpath(("A", {"Type": "Pass", "Assign": {"saved": {"k": "v"}}}),
                     ("B", {"Type": "Pass", "InputPath": "$saved"})), {"other": 1})
    assert r.output == {"k": "v"}


def test_jsonpath_choice_variable_may_be_a_variable():
    r = run(jsonpath(("A", {"Type": "Pass", "Assign": {"mode": "fast"}}),
                     ("C", {"Type": "Choice", "Choices": [{"Variable": "$mode", "StringEquals": "fast",
                                                           "Next": "Fast"}], "Default": "Slow"}),
                     ("Fast", {"Type": "Pass", "Result": "fast", "End": True}),
                     ("Slow", {"Type": "Pass", "Result": "slow", "End": True})))
    assert r.output == "fast"


def test_jsonpath_items_path_may_be_a_variable():
    r = run(jsonpath(("A", {"Type": "Pass", "Assign": {"xs": [1, 2, 3]}}),
                     ("M", {"Type": "Map", "ItemsPath": "$xs",
                            "ItemProcessor": {"StartAt": "E", "States": {"E": {"Type": "Pass", "End": True}}}})),
            {"ignored": True})
    assert r.output == [1, 2, 3]


def test_jsonpath_catch_assign_reads_the_error_output():
    r = run(jsonpath(("T", {"Type": "Task", "Resource": LAMBDA, "End": True,
                            "Catch": [{"ErrorEquals": ["States.ALL"], "Assign": {"err.$": "$.Error"},
                                       "ResultPath": "$.failure", "Next": "H"}]}),
                     ("H", {"Type": "Pass", "Parameters": {"err.$": "$err", "in.$": "$"}})),
            {"id": 1}, invoke=raising("Boom", "b"))
    assert r.output == {"err": "Boom", "in": {"id": 1, "failure": {"Error": "Boom", "Cause": "b"}}}


# -- Map and Parallel scopes ----------------------------------------------------------------------


def test_map_iterations_read_outer_variables():
    r = run(machine(("Set", {"Type": "Pass", "Assign": {"factor": 10}}),
                    ("M", {"Type": "Map", "Items": [1, 2],
                           "ItemProcessor": sub(("E", {"Type": "Pass", "Output": "{% $states.input * $factor %}"}))})))
    assert r.output == [10, 20]


def test_map_iteration_assignments_stay_inside_the_iteration():
    r = run(machine(("M", {"Type": "Map", "Items": [1, 2],
                           "ItemProcessor": sub(("E", {"Type": "Pass", "Assign": {"inner": "{% $states.input %}"}}),
                                                ("F", {"Type": "Pass", "Output": "{% $inner %}"}))}),
                    ("After", {"Type": "Pass", "Output": {"results": "{% $states.input %}",
                                                         "innerVisible": "{% $exists($inner) %}"}})))
    assert r.output == {"results": [1, 2], "innerVisible": False}


def test_each_map_iteration_has_its_own_variables():
    items = list(range(6))
    r = run(machine(("M", {"Type": "Map", "Items": items,
                           "ItemProcessor": sub(("E", {"Type": "Pass", "Assign": {"mine": "{% $states.input %}"}}),
                                                ("W", {"Type": "Wait", "Seconds": 0}),
                                                ("F", {"Type": "Pass", "Output": "{% $mine %}"}))})))
    assert r.output == items


def test_parallel_branches_read_outer_variables_and_cannot_see_each_others():
    first = sub(("A", {"Type": "Pass", "Assign": {"fromA": 1}}),
                ("A2", {"Type": "Pass", "Output": {"outer": "{% $outer %}", "own": "{% $fromA %}"}}))
    second = sub(("B", {"Type": "Wait", "Seconds": 0}),
                 ("B2", {"Type": "Pass", "Output": {"outer": "{% $outer %}", "sawA": "{% $exists($fromA) %}"}}))
    r = run(machine(("Set", {"Type": "Pass", "Assign": {"outer": "o"}}),
                    ("P", {"Type": "Parallel", "Branches": [first, second]}),
                    ("After", {"Type": "Pass", "Output": {"r": "{% $states.input %}",
                                                         "fromA": "{% $exists($fromA) %}"}})))
    assert r.output == {"r": [{"outer": "o", "own": 1}, {"outer": "o", "sawA": False}], "fromA": False}


def test_the_map_or_parallel_state_itself_assigns_in_the_outer_scope_from_its_result():
    r = run(machine(("P", {"Type": "Parallel", "Branches": [sub(("A", {"Type": "Pass", "Output": 1})),
                                                            sub(("B", {"Type": "Pass", "Output": 2}))],
                           "Assign": {"total": "{% $sum($states.result) %}"}}),
                    ("After", {"Type": "Pass", "Output": "{% $total %}"})))
    assert r.output == 3


def test_a_nested_map_reads_variables_of_every_enclosing_scope():
    inner = sub(("Sum", {"Type": "Pass", "Output": "{% $bias + $row + $states.input %}"}))
    outer = sub(("Keep", {"Type": "Pass", "Assign": {"row": "{% $states.input.r %}"}}),
                ("Cols", {"Type": "Map", "Items": "{% $states.input.cols %}", "ItemProcessor": inner}))
    r = run(machine(("Set", {"Type": "Pass", "Assign": {"bias": 100}}),
                    ("Rows", {"Type": "Map", "Items": "{% $states.input %}", "ItemProcessor": outer})),
            [{"r": 10, "cols": [1, 2]}, {"r": 20, "cols": [3]}])
    assert r.output == [[111, 112], [123]]


def test_a_distributed_map_iteration_sees_no_outer_variables():
    processor = sub(("E", {"Type": "Pass", "Output": {"sees": "{% $exists($outer) %}"}}))
    processor["ProcessorConfig"] = {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    r = run(machine(("Set", {"Type": "Pass", "Assign": {"outer": 1}}),
                    ("M", {"Type": "Map", "Items": [1], "ItemProcessor": processor})))
    assert r.output == [{"sees": False}]


def test_an_inline_map_iteration_in_the_same_definition_does_see_them():
    processor = sub(("E", {"Type": "Pass", "Output": {"sees": "{% $exists($outer) %}"}}))
    processor["ProcessorConfig"] = {"Mode": "INLINE"}
    r = run(machine(("Set", {"Type": "Pass", "Assign": {"outer": 1}}),
                    ("M", {"Type": "Map", "Items": [1], "ItemProcessor": processor})))
    assert r.output == [{"sees": True}]


# -- size limits ---------------------------------------------------------------------------------

KIB = 1024


def _pad(n: int) -> str:
    return f"{{% $pad('', {n}, 'a') %}}"


def test_a_variable_just_under_256_kib_is_accepted():
    r = run(machine(("A", {"Type": "Pass", "Assign": {"big": _pad(256 * KIB - 10)}, "Output": "ok"})))
    assert r.output == "ok"


def test_a_variable_over_256_kib_fails_the_execution_with_states_runtime():
    r = run(machine(("A", {"Type": "Pass", "Assign": {"big": _pad(256 * KIB + 10)}}),
                    ("B", {"Type": "Pass"})))
    assert (r.outcome.status, r.outcome.error) == ("FAILED", "States.Runtime")
    assert r.outcome.cause.startswith("An error occurred while executing the state 'A'")
    assert "big" in r.outcome.cause
    assert not r.of_type("PassStateExited")


def test_an_assign_whose_values_total_over_256_kib_fails_with_states_runtime():
    r = run(machine(("A", {"Type": "Pass", "Assign": {"a": _pad(150 * KIB), "b": _pad(150 * KIB)}})))
    assert r.outcome.error == "States.Runtime"


def test_a_jsonpath_variable_over_256_kib_fails_with_states_runtime():
    definition = jsonpath(("A", {"Type": "Pass", "Assign": {"big.$": "$.s"}}))
    assert run(definition, {"s": "a" * (256 * KIB + 10)}).outcome.error == "States.Runtime"


def test_states_runtime_from_a_size_limit_is_not_caught_by_states_all():
    r = run(machine(("T", {"Type": "Task", "Resource": LAMBDA, "Assign": {"big": _pad(300 * KIB)},
                           "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H"}], "End": True}),
                    ("H", {"Type": "Succeed"})))
    assert r.outcome.error == "States.Runtime"


@pytest.mark.parametrize("mode", ["INLINE", "DISTRIBUTED"])
def test_variables_of_one_map_iteration_obey_the_size_limit_too(mode):
    processor = sub(("E", {"Type": "Pass", "Assign": {"big": _pad(300 * KIB)}}))
    processor["ProcessorConfig"] = {"Mode": mode, "ExecutionType": "STANDARD"}
    r = run(machine(("M", {"Type": "Map", "Items": [1], "ItemProcessor": processor})))
    assert r.outcome.status == "FAILED"


def test_a_distributed_map_child_over_the_size_limit_closes_its_map_run():
    processor = sub(("E", {"Type": "Pass", "Assign": {"big": _pad(300 * KIB)}}))
    processor["ProcessorConfig"] = {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    r = run(machine(("M", {"Type": "Map", "Items": [1], "ItemProcessor": processor})))
    assert r.of_type("MapRunFailed")
