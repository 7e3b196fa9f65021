"""A JSONata workflow created and run through boto3 (the definition is checked on a request
thread that then ends; the runtime compiles it again on its own thread)."""
from __future__ import annotations

import json

from tests.api.conftest import wait_for_end

JSONATA = {"QueryLanguage": "JSONata", "StartAt": "Add", "States": {
    "Add": {"Type": "Pass", "Output": "{% {'sum': $states.input.a + $states.input.b} %}", "Next": "Double"},
    "Double": {"Type": "Pass", "Output": "{% $states.input.sum * 2 %}", "End": True}}}


def test_a_jsonata_workflow_runs_through_the_api(sfn, make_state_machine):
    arn = make_state_machine("jsonata-sum", json.dumps(JSONATA))
    for a in range(3):  # each call on a request thread of its own
        started = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"a": a, "b": 2}))
        described = wait_for_end(sfn, started["executionArn"])
        assert described["status"] == "SUCCEEDED", described
        assert json.loads(described["output"]) == (a + 2) * 2
