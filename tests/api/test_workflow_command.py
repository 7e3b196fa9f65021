"""``manage.py test_workflows``: runs a folder of workflow test cases and says how each went."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.api.conftest import wait_for_end


def test_the_command_runs_the_example_cases_and_reports_each():
    out = io.StringIO()
    call_command("test_workflows", str(Path(settings.BASE_DIR) / "examples" / "tests"), stdout=out)
    lines = out.getvalue().splitlines()
    assert sum(line.startswith("PASS") for line in lines) == 5
    assert lines[-1] == "5 passed, 0 failed"


def test_the_command_exits_with_status_1_when_a_case_fails(tmp_path):
    (tmp_path / "x.sfntest.json").write_text(json.dumps({
        "definition": {"StartAt": "A", "States": {"A": {"Type": "Fail", "Error": "Nope"}}},
        "expect": {"status": "SUCCEEDED"}}))
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("test_workflows", str(tmp_path), stdout=out)
    assert exited.value.code == 1
    assert 'status: expected "SUCCEEDED", got "FAILED"' in out.getvalue()


def test_the_order_pipeline_example_runs_at_once_with_the_input_its_comment_suggests(sfn):
    path = Path(settings.BASE_DIR) / "examples" / "order-pipeline.asl.json"
    definition = path.read_text()
    suggested = json.loads(definition)["Comment"].split("Try ", 1)[1].split(". Its tests")[0]
    arn = sfn.create_state_machine(name="order-pipeline", definition=definition,
                                   roleArn="arn:aws:iam::123456789012:role/r")["stateMachineArn"]
    described = wait_for_end(sfn, sfn.start_execution(stateMachineArn=arn, input=suggested)["executionArn"])
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(described["output"])["notification"] == {"sent": True}
