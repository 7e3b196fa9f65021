"""Every action and every error shape through the AWS CLI (the awscli package), unchanged."""
from __future__ import annotations

import json

from tests.api.conftest import ROLE_ARN, WAIT_DEFINITION, pass_definition

ARN_PREFIX = "arn:aws:states:us-east-1:123456789012"
GHOST_SM = f"{ARN_PREFIX}:stateMachine:ghost"
GHOST_EXECUTION = f"{ARN_PREFIX}:execution:ghost:run"


def _wait(aws, execution_arn: str) -> dict:
    import time

    for _ in range(200):
        described = aws("describe-execution", "--execution-arn", execution_arn)
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.05)
    raise AssertionError("execution did not end")


def test_the_cli_manages_a_state_machine_from_create_to_delete(aws):
    created = aws("create-state-machine", "--name", "cli", "--definition", pass_definition(1), "--role-arn", ROLE_ARN)
    arn = created["stateMachineArn"]
    assert arn == f"{ARN_PREFIX}:stateMachine:cli"
    assert aws("describe-state-machine", "--state-machine-arn", arn)["definition"] == pass_definition(1)
    assert "updateDate" in aws("update-state-machine", "--state-machine-arn", arn, "--definition", pass_definition(2))
    assert [sm["name"] for sm in aws("list-state-machines")["stateMachines"]] == ["cli"]
    aws("tag-resource", "--resource-arn", arn, "--tags", "key=team,value=ml")
    assert aws("list-tags-for-resource", "--resource-arn", arn)["tags"] == [{"key": "team", "value": "ml"}]
    aws("untag-resource", "--resource-arn", arn, "--tag-keys", "team")
    assert aws("list-tags-for-resource", "--resource-arn", arn)["tags"] == []
    aws("delete-state-machine", "--state-machine-arn", arn)
    assert aws("list-state-machines")["stateMachines"] == []


def test_the_cli_validates_a_definition(aws):
    assert aws("validate-state-machine-definition", "--definition", pass_definition())["result"] == "OK"
    failed = aws("validate-state-machine-definition", "--definition", '{"StartAt": "X", "States": {}}')
    assert failed["result"] == "FAIL" and failed["diagnostics"]


def test_the_cli_runs_an_execution_and_reads_its_history(aws):
    arn = aws("create-state-machine", "--name", "run", "--definition", pass_definition({"ok": True}),
              "--role-arn", ROLE_ARN)["stateMachineArn"]
    started = aws("start-execution", "--state-machine-arn", arn, "--name", "one", "--input", '{"a": 1}')
    described = _wait(aws, started["executionArn"])
    assert described["status"] == "SUCCEEDED" and json.loads(described["output"]) == {"ok": True}
    history = aws("get-execution-history", "--execution-arn", started["executionArn"], "--reverse-order")
    assert history["events"][0]["type"] == "ExecutionSucceeded"
    assert aws("list-executions", "--state-machine-arn", arn, "--status-filter", "SUCCEEDED")["executions"][0][
        "name"] == "one"
    for_execution = aws("describe-state-machine-for-execution", "--execution-arn", started["executionArn"])
    assert for_execution["stateMachineArn"] == arn


def test_the_cli_stops_an_execution(aws):
    arn = aws("create-state-machine", "--name", "stop", "--definition", WAIT_DEFINITION,
              "--role-arn", ROLE_ARN)["stateMachineArn"]
    execution_arn = aws("start-execution", "--state-machine-arn", arn)["executionArn"]
    assert "stopDate" in aws("stop-execution", "--execution-arn", execution_arn, "--error", "E", "--cause", "C")
    assert aws("describe-execution", "--execution-arn", execution_arn)["status"] == "ABORTED"


def test_the_cli_runs_a_sync_express_execution(aws):
    arn = aws("create-state-machine", "--name", "express", "--definition", pass_definition("fast"),
              "--role-arn", ROLE_ARN, "--type", "EXPRESS")["stateMachineArn"]
    # AWS_DISABLE_HOST_PREFIX_INJECTION=true (see conftest) keeps the CLI off sync-<host>.
    result = aws("start-sync-execution", "--state-machine-arn", arn, "--input", "{}")
    assert result["status"] == "SUCCEEDED" and json.loads(result["output"]) == "fast"


def test_the_cli_reports_each_state_machine_error_with_its_aws_code(aws):
    aws("create-state-machine", "--name", "x", "--definition", "{bad", "--role-arn", ROLE_ARN,
        expect_error="InvalidDefinition")
    aws("create-state-machine", "--name", "bad name", "--definition", pass_definition(), "--role-arn", ROLE_ARN,
        expect_error="InvalidName")
    aws("create-state-machine", "--name", "x", "--definition", pass_definition(), "--role-arn", "role",
        expect_error="InvalidArn")
    aws("create-state-machine", "--name", "x", "--definition", pass_definition(1), "--role-arn", ROLE_ARN)
    aws("create-state-machine", "--name", "x", "--definition", pass_definition(2), "--role-arn", ROLE_ARN,
        expect_error="StateMachineAlreadyExists")
    aws("describe-state-machine", "--state-machine-arn", GHOST_SM, expect_error="StateMachineDoesNotExist")
    aws("describe-state-machine", "--state-machine-arn", "junk", expect_error="InvalidArn")
    aws("list-state-machines", "--max-results", "5000", expect_error="ValidationException")


def test_the_cli_reports_each_execution_error_with_its_aws_code(aws):
    arn = aws("create-state-machine", "--name", "e", "--definition", pass_definition(),
              "--role-arn", ROLE_ARN)["stateMachineArn"]
    aws("start-execution", "--state-machine-arn", arn, "--input", "{nope", expect_error="InvalidExecutionInput")
    aws("start-execution", "--state-machine-arn", arn, "--name", "a b", expect_error="InvalidName")
    aws("start-execution", "--state-machine-arn", arn, "--name", "once")
    aws("start-execution", "--state-machine-arn", arn, "--name", "once", "--input", '{"x": 2}',
        expect_error="ExecutionAlreadyExists")
    aws("start-execution", "--state-machine-arn", GHOST_SM, expect_error="StateMachineDoesNotExist")
    aws("describe-execution", "--execution-arn", GHOST_EXECUTION, expect_error="ExecutionDoesNotExist")
    aws("get-execution-history", "--execution-arn", GHOST_EXECUTION, expect_error="ExecutionDoesNotExist")
    aws("stop-execution", "--execution-arn", "junk", expect_error="InvalidArn")
    aws("start-sync-execution", "--state-machine-arn", arn, expect_error="StateMachineTypeNotSupported")
