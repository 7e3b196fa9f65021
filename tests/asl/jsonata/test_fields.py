"""Each JSONata field of each state type, and JSONata mixed with JSONPath in one definition."""
from __future__ import annotations

import pytest

from .harness import JSONATA, LAMBDA, locations, machine, raising, run, sub


def test_pass_output_replaces_the_state_output_with_a_template():
    r = run(machine(("P", {"Type": "Pass", "Output": {"total": "{% $states.input.a + $states.input.b %}",
                                                     "fixed": [1, "two", None], "name": "literal"}})),
            {"a": 2, "b": 3})
    assert r.output == {"total": 5, "fixed": [1, "two", None], "name": "literal"}


def test_pass_without_output_passes_its_input_through():
    assert run(machine(("P", {"Type": "Pass"})), {"k": [1]}).output == {"k": [1]}


@pytest.mark.parametrize("output", [True, 1.5, 7, None, "text", [], [1, {"a": "b"}]])
def test_output_may_be_any_json_value(output):
    assert run(machine(("P", {"Type": "Pass", "Output": output}))).output == output


def test_a_string_is_an_expression_only_when_it_starts_with_the_delimiters():
    out = run(machine(("P", {"Type": "Pass", "Output": {"a": " {% 1 %}", "b": "{% 1 %} ", "c": "{%1%}"}}))).output
    assert out == {"a": " {% 1 %}", "b": "{% 1 %} ", "c": 1}


def test_task_arguments_build_the_task_input_and_output_defaults_to_the_result():
    r = run(machine(("T", {"Type": "Task", "Resource": LAMBDA,
                           "Arguments": {"id": "{% $states.input.order.id %}", "kind": "order"}})),
            {"order": {"id": 42}}, invoke=lambda res, params, info: {"echo": params})
    assert r.calls == [{"id": 42, "kind": "order"}]
    assert r.output == {"echo": {"id": 42, "kind": "order"}}


def test_task_output_sees_both_the_input_and_the_result():
    r = run(machine(("T", {"Type": "Task", "Resource": LAMBDA,
                           "Output": {"in": "{% $states.input.x %}", "out": "{% $states.result.y %}"}})),
            {"x": 1}, invoke=lambda *_: {"y": 2})
    assert r.output == {"in": 1, "out": 2}


def test_task_timeout_seconds_may_be_an_expression():
    r = run(machine(("T", {"Type": "Task", "Resource": LAMBDA, "TimeoutSeconds": "{% $states.input.t * 2 %}"})),
            {"t": 5})
    assert r.of_type("LambdaFunctionScheduled")[0]["lambdaFunctionScheduledEventDetails"]["timeoutInSeconds"] == 10


def test_task_timeout_seconds_that_is_not_an_integer_is_a_query_evaluation_error():
    r = run(machine(("T", {"Type": "Task", "Resource": LAMBDA, "TimeoutSeconds": "{% $states.input.t %}"})),
            {"t": "soon"})
    assert r.outcome.error == "States.QueryEvaluationError"
    assert "Expected 'integer', but was 'string'" in r.outcome.cause
    assert r.of_type("EvaluationFailed")[0]["evaluationFailedEventDetails"]["location"] == "TimeoutSeconds"
    assert r.calls == []


def test_parallel_arguments_feed_every_branch_and_states_result_holds_the_branch_outputs():
    branch_a = sub(("A", {"Type": "Pass", "Output": "{% $states.input.n + 1 %}"}))
    branch_b = sub(("B", {"Type": "Pass", "Output": "{% $states.input.n * 10 %}"}))
    r = run(machine(("Par", {"Type": "Parallel", "Branches": [branch_a, branch_b],
                             "Arguments": {"n": "{% $states.input.start %}"},
                             "Output": {"sum": "{% $sum($states.result) %}", "all": "{% $states.result %}"}})),
            {"start": 4})
    assert r.output == {"sum": 45, "all": [5, 40]}


def test_map_items_expression_chooses_the_array_and_states_result_holds_the_iteration_outputs():
    r = run(machine(("M", {"Type": "Map", "Items": "{% $states.input.orders[price > 10] %}",
                           "ItemProcessor": sub(("Each", {"Type": "Pass", "Output": "{% $states.input.id %}"})),
                           "Output": {"ids": "{% $states.result %}", "count": "{% $count($states.result) %}"}})),
            {"orders": [{"id": "a", "price": 5}, {"id": "b", "price": 20}, {"id": "c", "price": 30}]})
    assert r.output == {"ids": ["b", "c"], "count": 2}


def test_map_items_may_be_a_literal_array():
    r = run(machine(("M", {"Type": "Map", "Items": [1, 2, 3],
                           "ItemProcessor": sub(("Each", {"Type": "Pass", "Output": "{% $states.input * 2 %}"}))})))
    assert r.output == [2, 4, 6]


def test_map_without_items_iterates_over_its_input():
    r = run(machine(("M", {"Type": "Map", "ItemProcessor": sub(("Each", {"Type": "Pass"}))})), ["x", "y"])
    assert r.output == ["x", "y"]


def test_map_items_that_is_not_an_array_is_a_query_evaluation_error_located_at_items():
    r = run(machine(("M", {"Type": "Map", "Items": "{% $states.input.xs %}",
                           "ItemProcessor": sub(("Each", {"Type": "Pass"}))})), {"xs": "nope"})
    assert r.outcome.error == "States.QueryEvaluationError"
    assert "Expected 'array', but was 'string'" in r.outcome.cause
    assert r.of_type("EvaluationFailed")[0]["evaluationFailedEventDetails"]["location"] == "Items"


def test_item_selector_sees_the_map_input_and_the_current_item_in_the_context():
    r = run(machine(("M", {"Type": "Map", "Items": "{% $states.input.xs %}",
                           "ItemSelector": {"value": "{% $states.context.Map.Item.Value %}",
                                            "index": "{% $states.context.Map.Item.Index %}",
                                            "tag": "{% $states.input.tag %}"},
                           "ItemProcessor": sub(("Each", {"Type": "Pass"}))})),
            {"xs": ["a", "b"], "tag": "T"})
    assert r.output == [{"value": "a", "index": 0, "tag": "T"}, {"value": "b", "index": 1, "tag": "T"}]


def test_map_max_concurrency_may_be_an_expression():
    r = run(machine(("M", {"Type": "Map", "Items": [1, 2, 3], "MaxConcurrency": "{% $states.input.limit %}",
                           "ItemProcessor": sub(("Each", {"Type": "Pass"}))})), {"limit": 1})
    assert r.output == [1, 2, 3]


CHOICE = machine(
    ("C", {"Type": "Choice",
           "Choices": [
               {"Condition": "{% $states.input.n > 10 %}", "Next": "Big",
                "Output": {"size": "big", "n": "{% $states.input.n %}"}, "Assign": {"picked": "big"}},
               {"Condition": "{% $states.input.n > 5 %}", "Next": "Medium"}],
           "Default": "Small", "Output": {"size": "small"}, "Assign": {"picked": "default"}}),
    ("Big", {"Type": "Pass", "Output": {"in": "{% $states.input %}", "picked": "{% $picked %}"}, "End": True}),
    ("Medium", {"Type": "Pass", "Output": {"in": "{% $states.input %}"}, "End": True}),
    ("Small", {"Type": "Pass", "Output": {"in": "{% $states.input %}", "picked": "{% $picked %}"}, "End": True}),
)


@pytest.mark.parametrize(("n", "expected"), [
    (20, {"in": {"size": "big", "n": 20}, "picked": "big"}),
    (7, {"in": {"n": 7}}),
    (1, {"in": {"size": "small"}, "picked": "default"}),
])
def test_choice_condition_picks_the_rule_whose_output_and_assign_apply_else_the_states_own(n, expected):
    assert run(CHOICE, {"n": n}).output == expected


def test_choice_condition_may_be_a_literal_boolean():
    r = run(machine(("C", {"Type": "Choice", "Choices": [{"Condition": True, "Next": "Yes"}], "Default": "No"}),
                    ("Yes", {"Type": "Pass", "Output": "yes", "End": True}),
                    ("No", {"Type": "Pass", "Output": "no", "End": True})))
    assert r.output == "yes"


def test_choice_condition_that_is_not_a_boolean_is_a_query_evaluation_error():
    r = run(machine(("C", {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.n %}", "Next": "S"}]}),
                    ("S", {"Type": "Succeed"})), {"n": 1})
    assert r.outcome.error == "States.QueryEvaluationError"
    assert "Expected 'boolean', but was 'number'" in r.outcome.cause
    assert r.of_type("EvaluationFailed")[0]["evaluationFailedEventDetails"]["location"] == "Condition"


def test_choice_with_no_matching_condition_and_no_default_fails_with_no_choice_matched():
    r = run(machine(("C", {"Type": "Choice", "Choices": [{"Condition": "{% false %}", "Next": "S"}]}),
                    ("S", {"Type": "Succeed"})))
    assert r.outcome.error == "States.NoChoiceMatched"


def test_wait_seconds_may_be_an_expression():
    r = run(machine(("W", {"Type": "Wait", "Seconds": "{% $states.input.s * 3 %}"})), {"s": 4})
    assert r.sleeps == [12]
    assert r.output == {"s": 4}


def test_wait_timestamp_may_be_an_expression():
    r = run(machine(("W", {"Type": "Wait", "Timestamp": "{% $states.input.at %}"})),
            {"at": "2023-11-14T22:13:27Z"})  # 7 s after START_TIME
    assert r.sleeps == [7]


def test_wait_seconds_expression_that_is_not_a_number_is_a_query_evaluation_error():
    r = run(machine(("W", {"Type": "Wait", "Seconds": "{% 'soon' %}"})))
    assert r.outcome.error == "States.QueryEvaluationError"
    assert r.of_type("EvaluationFailed")[0]["evaluationFailedEventDetails"]["location"] == "Seconds"


def test_wait_timestamp_expression_that_is_not_a_timestamp_is_a_query_evaluation_error():
    r = run(machine(("W", {"Type": "Wait", "Timestamp": "{% 'tomorrow' %}"})))
    assert r.outcome.error == "States.QueryEvaluationError"
    assert r.of_type("EvaluationFailed")[0]["evaluationFailedEventDetails"]["location"] == "Timestamp"


def test_wait_output_may_reshape_its_input():
    r = run(machine(("W", {"Type": "Wait", "Seconds": 0, "Output": {"waited": "{% $states.input.id %}"}})),
            {"id": 9})
    assert r.output == {"waited": 9}


def test_fail_error_and_cause_may_be_expressions():
    r = run(machine(("F", {"Type": "Fail", "Error": "{% $states.input.kind & 'Error' %}",
                           "Cause": "{% 'order ' & $states.input.id & ' rejected' %}"})),
            {"kind": "Validation", "id": 7})
    assert (r.outcome.status, r.outcome.error, r.outcome.cause) == ("FAILED", "ValidationError", "order 7 rejected")


def test_succeed_output_shapes_the_execution_output():
    r = run(machine(("S", {"Type": "Succeed", "Output": {"done": "{% $states.input.id %}"}})), {"id": 3})
    assert r.output == {"done": 3}


# -- Catch ----------------------------------------------------------------------------------------


def test_catch_output_and_assign_see_the_error_output_and_the_state_input():
    r = run(machine(("T", {"Type": "Task", "Resource": LAMBDA,
                           "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handle",
                                      "Assign": {"failedWith": "{% $states.errorOutput.Error %}",
                                                 "original": "{% $states.input.id %}"},
                                      "Output": {"error": "{% $states.errorOutput %}"}}],
                           "End": True}),
                    ("Handle", {"Type": "Pass", "Output": {"in": "{% $states.input %}", "err": "{% $failedWith %}",
                                                           "id": "{% $original %}"}})),
            {"id": 5}, invoke=raising("Boom", "it broke"))
    assert r.output == {"in": {"error": {"Error": "Boom", "Cause": "it broke"}}, "err": "Boom", "id": 5}


def test_catch_without_output_passes_the_error_output_on():
    r = run(machine(("T", {"Type": "Task", "Resource": LAMBDA,
                           "Catch": [{"ErrorEquals": ["Boom"], "Next": "Handle"}], "End": True}),
                    ("Handle", {"Type": "Pass"})),
            {"id": 5}, invoke=raising("Boom", "it broke"))
    assert r.output == {"Error": "Boom", "Cause": "it broke"}


def test_a_failed_task_does_not_apply_the_states_own_assign_or_output():
    r = run(machine(("T", {"Type": "Task", "Resource": LAMBDA, "Assign": {"ran": True}, "Output": "never",
                           "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handle"}], "End": True}),
                    ("Handle", {"Type": "Pass", "Output": "{% $exists($ran) %}"})),
            invoke=raising("Boom"))
    assert r.output is False


def test_catch_on_a_map_sees_the_iterations_error():
    r = run(machine(("M", {"Type": "Map", "Items": [1],
                           "ItemProcessor": sub(("Bad", {"Type": "Fail", "Error": "ItemBad", "Cause": "no"})),
                           "Catch": [{"ErrorEquals": ["ItemBad"], "Next": "Handle",
                                      "Output": "{% $states.errorOutput.Cause %}"}], "End": True}),
                    ("Handle", {"Type": "Pass"})))
    assert r.output == "no"


# -- $states.context and mixing query languages -------------------------------------------------


def test_states_context_gives_the_execution_and_the_state():
    r = run(machine(("Here", {"Type": "Pass", "Output": {"state": "{% $states.context.State.Name %}",
                                                         "execution": "{% $states.context.Execution.Name %}",
                                                         "input": "{% $states.context.Execution.Input %}"}})),
            {"x": 1})
    assert r.output == {"state": "Here", "execution": "run-1", "input": {"x": 1}}


def test_jsonata_and_jsonpath_states_mix_in_one_definition_in_either_direction():
    definition = {
        "StartAt": "Path1",
        "States": {
            "Path1": {"Type": "Pass", "Parameters": {"total.$": "$.price", "kind": "path"},
                      "Assign": {"fromPath.$": "$.total"}, "Next": "Ata"},
            "Ata": {"Type": "Pass", **JSONATA,
                    "Output": {"doubled": "{% $states.input.total * 2 %}", "seen": "{% $fromPath %}"},
                    "Assign": {"fromAta": "{% $states.input.kind %}"}, "Next": "Path2"},
            "Path2": {"Type": "Pass", "Parameters": {"d.$": "$.doubled", "v.$": "$fromAta"}, "End": True},
        },
    }
    assert run(definition, {"price": 21}).output == {"d": 42, "v": "path"}


def test_a_state_cannot_fall_back_to_jsonpath_inside_a_jsonata_machine():
    definition = machine(("A", {"Type": "Pass", "QueryLanguage": "JSONPath", "End": True}))
    assert locations(definition) == ["/States/A/QueryLanguage"]


def test_a_map_inside_a_jsonpath_machine_may_run_jsonata_iterations():
    definition = {"StartAt": "M", "States": {"M": {
        "Type": "Map", "ItemsPath": "$.xs", "End": True,
        "ItemProcessor": {"StartAt": "Each", "States": {
            "Each": {"Type": "Pass", **JSONATA, "Output": "{% $states.input * $states.input %}", "End": True}}}}}}
    assert run(definition, {"xs": [2, 3]}).output == [4, 9]
