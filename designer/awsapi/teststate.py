"""TestState: one state, run once, with what each step of its input and output processing made.

The request is checked as AWS checks it (botocore's model has already checked its shape); the
state runs through :func:`executor.asl.teststate.test_state`, a Task without a mock calls its
real local resource, and the answer carries ``inspectionData`` at the DEBUG and TRACE levels (TRACE adds
an HTTP Task's request and response, with what its connection adds only when ``revealSecrets``).
"""
from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from designer import arns
from designer.errors import InvalidDefinition, InvalidExecutionInput, ValidationException
from executor.asl import DefinitionError, StatesError, dumps, parse_definition
from executor.asl.interpreter import ExecutionInfo
from executor.asl.teststate import Mock, test_state
from executor.resources import InvocationContext, ResourceFailure, http, invoke

__all__ = ["ACTIONS"]

#: The name a lone state is tested under when no stateName is given.
LONE_STATE = "TestState"
_MOCKABLE = ("Task", "Map", "Parallel")


def _json(text: str | None, field: str, *, default: Any = None, error=ValidationException) -> Any:
    if text is None:
        return default
    try:
        return json.loads(text)
    except ValueError as exc:
        raise error(f"Invalid {field}: '{exc}'") from None


def _targets(state: dict) -> set[str]:
    """The states a lone state's Next, Default, Choices and Catch name."""
    names = {state.get("Next"), state.get("Default")}
    for branch in state.get("Choices") or ():
        if isinstance(branch, dict):
            names.add(branch.get("Next"))
    for catcher in state.get("Catch") or ():
        if isinstance(catcher, dict):
            names.add(catcher.get("Next"))
    return {n for n in names if isinstance(n, str)}


def _machine_and_state(definition: str, state_name: str | None):
    """Parse a whole definition (``stateName`` picks the state, StartAt by default) or a lone state,
    whose transitions may name states that are not there (they are stand-ins here)."""
    obj = _json(definition, "definition", error=InvalidDefinition)
    if not isinstance(obj, dict):
        raise InvalidDefinition("Invalid State Machine Definition: 'The definition must be a JSON object'")
    if "States" not in obj:
        name = state_name or LONE_STATE
        states = {target: {"Type": "Succeed"} for target in _targets(obj) if target != name}
        states[name] = obj
        top = {"StartAt": name, "States": states}
        if obj.get("QueryLanguage") == "JSONata":
            top["QueryLanguage"] = "JSONata"
        obj = top
    try:
        machine = parse_definition(json.dumps(obj))
    except DefinitionError as exc:
        problems = "; ".join(f"{p.message} at {p.path}" for p in exc.problems)
        raise InvalidDefinition(f"Invalid State Machine Definition: '{problems}'") from None
    name = state_name or machine.start_at
    if name not in machine.states:
        raise ValidationException(f"The state '{name}' is not in the definition")
    return machine, name


def _mock(params: dict, state_type: str, state) -> Mock | None:
    mock = params.get("mock")
    if not mock:
        return None
    if state_type not in _MOCKABLE:
        raise ValidationException(f"A mock can only be given for a Task, Map or Parallel state, not a {state_type}")
    has_result, error_output = "result" in mock, mock.get("errorOutput")
    if has_result == bool(error_output):
        raise ValidationException("A mock has either a result or an errorOutput")
    if error_output:
        return Mock(error=error_output.get("error"), cause=error_output.get("cause"))
    result = _json(mock["result"], "mock result")
    mode = mock.get("fieldValidationMode", "STRICT")
    if state_type == "Task" and mode != "NONE":
        problem = _mock_result_problem(state.resource, result, strict=mode == "STRICT")
        if problem:
            raise ValidationException(f"The mock result does not match the API's response: {problem}")
    return Mock(result=result)


_PYTHON_TYPES = {"structure": dict, "map": dict, "list": list, "string": str, "boolean": bool,
                 "integer": int, "long": int, "float": (int, float), "double": (int, float),
                 "timestamp": (str, int, float)}


def _mock_result_problem(resource: str, result: Any, *, strict: bool) -> str | None:
    """Check a mocked result against the output shape of the API the resource calls (botocore's model of
    it), when there is one: STRICT wants every required member and nothing else, PRESENT checks only the
    members given. A blob (Lambda's Payload) may hold any JSON, as Step Functions decodes it."""
    shape = _output_shape(resource)
    if shape is None:
        return None
    if not isinstance(result, dict):
        return f"the response of {shape.name} is an object"
    members = shape.members
    for key, value in result.items():
        if key not in members:
            return f"'{key}' is not a member of {shape.name}"
        expected = _PYTHON_TYPES.get(members[key].type_name)
        if expected is not None and value is not None and not isinstance(value, expected):
            return f"'{key}' must be a {members[key].type_name}"
    if strict:
        missing = [m for m in shape.required_members if m not in result]
        if missing:
            return f"{shape.name} requires {', '.join(missing)}"
    return None


def _output_shape(resource: str):
    parts = resource.split(":")
    if len(parts) < 7 or parts[2] != "states":
        return None
    if parts[5] == "aws-sdk" and len(parts) >= 8:
        service, action = parts[6], parts[7]
    else:
        service, action = parts[5], parts[6]
    action = action.split(".")[0]
    try:
        import botocore.session

        model = botocore.session.get_session().get_service_model(service)
        operation = model.operation_model(action[:1].upper() + action[1:])
    except Exception:  # a service or action botocore does not know: nothing to check against
        return None
    return operation.output_shape


def _check_configuration(config: dict, state) -> None:
    if config.get("mapIterationFailureCount") is not None and state.type != "Map":
        raise ValidationException("mapIterationFailureCount applies to a Map state only")
    caused_by = config.get("errorCausedByState")
    if caused_by is not None:
        if state.type not in ("Map", "Parallel"):
            raise ValidationException("errorCausedByState applies to a Map or Parallel state only")
        inner = [state.processor] if state.type == "Map" else list(state.branches)
        if not any(caused_by in machine.states for machine in inner if machine is not None):
            raise ValidationException(f"errorCausedByState names '{caused_by}', which is not a state of "
                                      f"'{state.name}'")
    if config.get("mapItemReaderData") is not None and not (state.type == "Map" and "ItemReader" in state.raw):
        raise ValidationException("mapItemReaderData applies to a Map state with an ItemReader only")


def _invoker(extra: dict):
    """The Task invoker, handing the resource ``extra`` (what TRACE collects of an HTTP Task)."""
    async def invoke_resource(resource: str, parameters: Any, info: dict) -> Any:
        context = InvocationContext(execution_arn=info["execution_arn"], state_name=info["state_name"],
                                    attempt=info["attempt"], timeout_seconds=info.get("timeout_seconds"), extra=extra)
        try:
            return await invoke(resource, parameters, context)
        except ResourceFailure as exc:
            raise StatesError(exc.error, exc.cause) from None
    return invoke_resource


def test_state_action(params: dict[str, Any]) -> dict[str, Any]:
    machine, name = _machine_and_state(params["definition"], params.get("stateName"))
    state = machine.states[name]
    value = _json(params.get("input"), "input", default={}, error=InvalidExecutionInput)
    variables = _json(params.get("variables"), "variables", default={})
    context = _json(params.get("context"), "context")
    if not isinstance(variables, dict) or (context is not None and not isinstance(context, dict)):
        raise ValidationException("variables and context must be JSON objects")
    config = params.get("stateConfiguration") or {}
    _check_configuration(config, state)
    mock = _mock(params, state.type, state)
    items = _json(config.get("mapItemReaderData"), "mapItemReaderData")
    if items is not None and not mock:
        raise ValidationException("A mock is required to test a Map state")
    level = params.get("inspectionLevel", "INFO")
    # TRACE: an HTTP Task fills this with its request and response (http.TRACE).
    exchange: dict[str, dict] = {}
    extra = {http.TRACE: exchange, http.REVEAL_SECRETS: bool(params.get("revealSecrets"))} if level == "TRACE" else {}
    now = time.time()
    info = ExecutionInfo(execution_arn=arns.execution_arn("TestState", "test-state"), name="test-state",
                         state_machine_arn=arns.state_machine_arn("TestState"), state_machine_name="TestState",
                         role_arn=params.get("roleArn") or "", start_time=now, input=value)
    try:
        result = asyncio.run(test_state(
            machine, name, value, info=info, invoke=_invoker(extra), variables=variables, context=context, mock=mock,
            retrier_retry_count=config.get("retrierRetryCount") or 0,
            map_iteration_failure_count=config.get("mapIterationFailureCount")))
    except StatesError as exc:
        if exc.error == "ValidationException":
            raise ValidationException(exc.cause or "") from None
        raise
    body: dict[str, Any] = {"status": result.status}
    if result.has_output:
        body["output"] = dumps(result.output)
    if result.next_state is not None:
        body["nextState"] = result.next_state
    if result.error is not None:
        body["error"] = result.error
    if result.cause is not None:
        body["cause"] = result.cause
    if level != "INFO":
        inspection = dict(result.inspection)
        if items is not None:
            inspection["afterItemsPath"] = items
        body["inspectionData"] = {key: value if key == "errorDetails" or not _is_text_member(key) else dumps(value)
                                  for key, value in inspection.items()}
        body["inspectionData"].update(exchange)
    return body


def _is_text_member(key: str) -> bool:
    return key not in ("toleratedFailureCount", "toleratedFailurePercentage", "maxConcurrency")


ACTIONS = {"TestState": test_state_action}
