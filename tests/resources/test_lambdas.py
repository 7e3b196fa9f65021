"""Lambda ARNs and lambda:invoke answered by local Python handlers, without a runtime."""
from __future__ import annotations

import asyncio
import json
import sys
import textwrap
import threading
import uuid

import pytest

from executor.resources import InvocationContext, ResourceFailure, find_invoker, invoke
from executor.resources.lambdas import bind, bound_functions, handler, load_handler_modules, unbind

EXECUTION = "arn:aws:states:eu-west-2:111122223333:execution:m:e"


def context(**extra) -> InvocationContext:
    return InvocationContext(execution_arn=EXECUTION, state_name="S", **extra)


def call(resource: str, parameters, **extra):
    return asyncio.run(invoke(resource, parameters, context(**extra)))


def failure(resource: str, parameters) -> ResourceFailure:
    with pytest.raises(ResourceFailure) as info:
        call(resource, parameters)
    return info.value


@pytest.fixture
def name():
    name = f"fn-{uuid.uuid4().hex[:8]}"
    yield name
    unbind(name)


@pytest.mark.parametrize("resource", [
    "arn:aws:lambda:us-east-1:123456789012:function:{name}",
    "arn:aws:lambda:us-east-1:123456789012:function:{name}:live",
    "arn:aws:lambda:us-east-1:123456789012:function:{name}:$LATEST",
])
def test_a_function_arn_with_or_without_a_qualifier_calls_the_bound_handler(resource, name):
    handler(name)(lambda event, ctx: {"got": event})
    assert call(resource.format(name=name), {"a": 1}) == {"got": {"a": 1}}


@pytest.mark.parametrize("function_name", [
    "{name}", "{name}:live", "123456789012:function:{name}", "arn:aws:lambda:us-east-1:123456789012:function:{name}",
])
def test_lambda_invoke_takes_every_form_of_function_name(function_name, name):
    bind(name, lambda event, ctx: event["n"] + 1)
    response = call("arn:aws:states:::lambda:invoke", {"FunctionName": function_name.format(name=name),
                                                       "Payload": {"n": 1}})
    assert response["Payload"] == 2 and response["StatusCode"] == 200


def test_lambda_invoke_parses_a_payload_given_as_json_text(name):
    bind(name, lambda event, ctx: event)
    response = call("arn:aws:states:::lambda:invoke", {"FunctionName": name, "Payload": '{"x": [1]}'})
    assert response["Payload"] == {"x": [1]}


def test_lambda_invoke_response_has_the_sdk_metadata_step_functions_returns(name):
    bind(name, lambda event, ctx: None)
    response = call("arn:aws:states:::lambda:invoke", {"FunctionName": name, "Payload": {}})
    assert set(response) == {"ExecutedVersion", "Payload", "SdkHttpMetadata", "SdkResponseMetadata", "StatusCode"}
    assert response["SdkHttpMetadata"]["HttpStatusCode"] == 200


@pytest.mark.parametrize("parameters", [None, {}, {"FunctionName": 5}, "text"])
def test_lambda_invoke_without_a_function_name_fails_with_a_clear_error(parameters):
    error = failure("arn:aws:states:::lambda:invoke", parameters)
    assert "FunctionName" in error.cause


def test_the_context_names_the_function_in_the_executions_region_and_account(name):
    seen = {}

    def remember(event, ctx):
        seen.update(name=ctx.function_name, arn=ctx.invoked_function_arn, group=ctx.log_group_name,
                    version=ctx.function_version, memory=ctx.memory_limit_in_mb,
                    remaining=ctx.get_remaining_time_in_millis(), request=ctx.aws_request_id)
    bind(name, remember)
    call(f"arn:aws:lambda:eu-west-2:111122223333:function:{name}", {}, timeout_seconds=5)
    assert seen["name"] == name
    assert seen["arn"] == f"arn:aws:lambda:eu-west-2:111122223333:function:{name}"
    assert seen["group"] == f"/aws/lambda/{name}" and seen["version"] == "$LATEST"
    assert 0 < seen["remaining"] <= 5000
    assert uuid.UUID(seen["request"])


def test_an_unbound_function_is_lambda_resource_not_found(name):
    error = failure(f"arn:aws:lambda:us-east-1:1:function:{name}", {})
    assert error.error == "Lambda.ResourceNotFoundException"
    assert name in error.cause and "Function not found" in error.cause


def test_a_resource_nothing_answers_fails_with_states_runtime_naming_it():
    error = failure("arn:aws:states:::nothing:here", {})
    assert error.error == "States.Runtime" and "arn:aws:states:::nothing:here" in error.cause
    assert find_invoker("arn:aws:states:::nothing:here") is None


class PaymentDeclined(Exception):
    pass


def test_a_handler_exception_is_reported_as_lambda_reports_it(name):
    def decline(event, ctx):
        raise PaymentDeclined("card expired")
    bind(name, decline)
    error = failure(f"arn:aws:lambda:us-east-1:1:function:{name}", {})
    assert error.error == "PaymentDeclined"
    cause = json.loads(error.cause)
    assert cause["errorMessage"] == "card expired" and cause["errorType"] == "PaymentDeclined"
    assert isinstance(cause["stackTrace"], list) and cause["stackTrace"]


def test_the_stack_trace_lists_only_the_handlers_frames_as_lambda_does(name):
    def decline(event, ctx):
        raise PaymentDeclined("card expired")
    bind(name, decline)
    trace = json.loads(failure(f"arn:aws:lambda:us-east-1:1:function:{name}", {}).cause)["stackTrace"]
    assert all(line.startswith('  File "') for line in trace)
    assert "in decline" in trace[0]


def test_a_resource_failure_raised_by_a_handler_passes_through_unchanged(name):
    def throttle(event, ctx):
        raise ResourceFailure("Lambda.TooManyRequestsException", "slow down")
    bind(name, throttle)
    error = failure(f"arn:aws:lambda:us-east-1:1:function:{name}", {})
    assert (error.error, error.cause) == ("Lambda.TooManyRequestsException", "slow down")


def test_a_result_that_is_not_json_fails_the_task_instead_of_the_runtime(name):
    bind(name, lambda event, ctx: {1, 2})
    error = failure(f"arn:aws:lambda:us-east-1:1:function:{name}", {})
    assert error.error and json.loads(error.cause)["errorMessage"]


def test_handler_modules_named_in_the_setting_are_imported_once_and_bind_their_handlers(tmp_path, monkeypatch):
    module = f"handlers_{uuid.uuid4().hex[:8]}"
    function = f"fn-{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{module}.py").write_text(textwrap.dedent(f"""
        from executor.resources.lambdas import handler
        IMPORTS = globals().setdefault("IMPORTS", 0) + 1

        @handler("{function}")
        def answer(event, context):
            return "from module"
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("SWITCHYARD_HANDLERS", f" {module} , ")
    try:
        assert function in bound_functions()
        assert call(f"arn:aws:lambda:us-east-1:1:function:{function}", {}) == "from module"
        load_handler_modules()
        assert sys.modules[module].IMPORTS == 1
    finally:
        unbind(function)


def test_an_async_invoker_is_awaited_on_the_loop(monkeypatch):
    from executor.resources import _INVOKERS, register_invoker

    async def answer(resource, parameters, ctx):
        await asyncio.sleep(0)
        return {"async": parameters}
    register_invoker(lambda r: r == "arn:aws:states:::test:async", answer)
    try:
        assert call("arn:aws:states:::test:async", 1) == {"async": 1}
    finally:
        _INVOKERS[:] = [(m, i) for m, i in _INVOKERS if i is not answer]


@pytest.mark.parametrize("blocking", [True, False])
@pytest.mark.parametrize("via_invoke", [False, True])
def test_a_handler_runs_on_a_worker_thread_unless_declared_not_to_block(blocking, via_invoke, name):
    handler(name, blocking=blocking)(lambda event, ctx: threading.get_ident())
    if via_invoke:
        ran_on = call("arn:aws:states:::lambda:invoke", {"FunctionName": name})["Payload"]
    else:
        ran_on = call(f"arn:aws:lambda:us-east-1:1:function:{name}", {})
    assert (ran_on == threading.get_ident()) is (not blocking)  # the loop runs in this thread


def test_a_non_blocking_handler_fails_as_lambda_reports_it(name):
    def decline(event, ctx):
        raise PaymentDeclined("card expired")
    bind(name, decline, blocking=False)
    error = failure(f"arn:aws:lambda:us-east-1:1:function:{name}", {})
    assert error.error == "PaymentDeclined" and json.loads(error.cause)["errorMessage"] == "card expired"


def test_binding_a_function_again_without_the_declaration_runs_it_on_a_thread_again(name):
    bind(name, lambda event, ctx: threading.get_ident(), blocking=False)
    bind(name, lambda event, ctx: threading.get_ident())
    assert call(f"arn:aws:lambda:us-east-1:1:function:{name}", {}) != threading.get_ident()
