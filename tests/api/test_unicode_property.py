"""Property: arbitrary Unicode through the AWS endpoint is refused clearly or kept whole.

Names, inputs, results (outputs) and state names get any text, lone surrogates, NUL and
non-BMP characters included. Every call is either refused with AWS's error for the field,
or the execution ends with a whole history (ids 1..n), a status matching its last event,
and the very output the text makes. Runs on SQLite, and on PostgreSQL when DATABASE_URL
points at one, on the embedded runtime (tests/api/conftest.py).
"""
from __future__ import annotations

import json
import uuid

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.api.aws_inprocess import assert_history_whole, call, error_code, wait_for_end
from tests.api.conftest import ROLE_ARN

pytestmark = pytest.mark.django_db(transaction=True)

ODD = st.sampled_from(["\x00", "\ud83d", "\udfff", "\ude00", "😀", "\U0010fffd", "\u2028", "\ufeff", "é"])


def _with_odd(plain: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Plain text two times in three; else with odd characters spliced in (a plain alphabet
    rarely draws them), so that both refusals and runs are common."""
    spliced = st.tuples(plain, st.lists(ODD, min_size=1, max_size=3), plain).map(
        lambda parts: parts[0] + "".join(parts[1]) + parts[2])
    return st.one_of(plain, plain, spliced)


TEXT = _with_odd(st.text(max_size=6))
# Names draw from what AWS allows in a name, so that many examples get as far as running.
NAME = _with_odd(st.text(alphabet=st.characters(categories=("L", "N")), max_size=4))
CREATE_ERRORS = {"InvalidName", "InvalidDefinition", "ValidationException"}
START_ERRORS = {"InvalidName", "InvalidExecutionInput", "ValidationException"}


def _refused_clearly(status: int, body: dict, codes: set[str]) -> bool:
    if status == 200:
        return False
    assert status == 400 and error_code(body) in codes and body.get("message"), (status, body)
    return True


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(machine_name=NAME, state_name=TEXT, result=TEXT, value=TEXT, execution_name=NAME)
def test_any_text_is_refused_clearly_or_runs_to_a_whole_history(client, machine_name, state_name, result, value,
                                                                execution_name):
    state = state_name or "S"
    definition = json.dumps({"StartAt": state, "States": {
        state: {"Type": "Pass", "Result": {"out": result}, "ResultPath": "$.r", "End": True}}})
    status, body = call(client, "CreateStateMachine", name=f"m{uuid.uuid4().hex[:8]}{machine_name}",
                        definition=definition, roleArn=ROLE_ARN)
    if _refused_clearly(status, body, CREATE_ERRORS):
        event(f"CreateStateMachine refused: {error_code(body)}")
        return
    status, body = call(client, "StartExecution", stateMachineArn=body["stateMachineArn"],
                        name=f"e{uuid.uuid4().hex[:8]}{execution_name}", input=json.dumps({"in": value}))
    if _refused_clearly(status, body, START_ERRORS):
        event(f"StartExecution refused: {error_code(body)}")
        return
    event("ran")
    description = wait_for_end(client, body["executionArn"])
    assert description["status"] == "SUCCEEDED", description
    # As JSON carries them: two lone surrogates drawn side by side are one character's escape pair.
    as_json = json.loads(json.dumps({"in": value, "r": {"out": result}}))
    assert json.loads(description["output"]) == as_json
    events = assert_history_whole(client, body["executionArn"], "SUCCEEDED")
    assert events[1]["stateEnteredEventDetails"]["name"] == json.loads(json.dumps(state))
