"""A boto3-shaped Step Functions client over the engine, without Django or HTTP.

It lets the conformance runner (../shared/conformance/run.py) drive the
embedded runtime in-process, so the corpus checks the engine itself.
"""
from __future__ import annotations

import json
import time
import uuid

from botocore.exceptions import ClientError

from executor.asl import DefinitionError, parse_definition
from executor.runtime.base import ExecutionRequest
from executor.runtime.embedded import MemorySink

ACCOUNT = "123456789012"
REGION = "us-east-1"


def _error(code: str, message: str, op: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, op)


class InProcessClient:
    def __init__(self, runtime):
        self.runtime = runtime
        self.sink = MemorySink()
        self.machines: dict[str, dict] = {}
        self.executions: dict[str, dict] = {}

    def create_state_machine(self, *, name, definition, roleArn, type="STANDARD", **_):
        try:
            parse_definition(definition, machine_type=type)
        except DefinitionError as exc:
            raise _error("InvalidDefinition", str(exc), "CreateStateMachine") from None
        arn = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}"
        self.machines[arn] = {"name": name, "definition": definition, "roleArn": roleArn, "type": type}
        return {"stateMachineArn": arn}

    def delete_state_machine(self, *, stateMachineArn):
        self.machines.pop(stateMachineArn, None)

    def _request(self, sm_arn, input, name=None):
        sm = self.machines[sm_arn]
        name = name or uuid.uuid4().hex
        arn = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:{sm['name']}:{name}"
        return ExecutionRequest(execution_arn=arn, state_machine_arn=sm_arn, state_machine_name=sm["name"],
                                name=name, definition=sm["definition"], input=input or "{}",
                                role_arn=sm["roleArn"], start_time=time.time(), type=sm["type"])

    def start_execution(self, *, stateMachineArn, input=None, name=None):
        request = self._request(stateMachineArn, input, name)
        self.executions[request.execution_arn] = {"future": self.runtime.start_execution(request, self.sink)}
        return {"executionArn": request.execution_arn}

    def start_sync_execution(self, *, stateMachineArn, input=None, name=None):
        request = self._request(stateMachineArn, input, name)
        result = self.runtime.run_sync(request, self.sink, timeout=30)
        return self._describe(request.execution_arn, result)

    def describe_execution(self, *, executionArn):
        future = self.executions[executionArn]["future"]
        try:
            result = future.result(30)
        except Exception:  # still running after the wait
            return {"executionArn": executionArn, "status": "RUNNING"}
        return self._describe(executionArn, result)

    @staticmethod
    def _describe(arn, result):
        out = {"executionArn": arn, "status": result.status}
        if result.output is not None:
            out["output"] = result.output
        if result.error is not None:
            out["error"] = result.error
        if result.cause is not None:
            out["cause"] = result.cause
        return out

    def get_execution_history(self, *, executionArn, **_):
        self.sink.wait(executionArn, 10)
        self.runtime.flush()
        return {"events": [dict(e) for e in self.sink.events.get(executionArn, [])]}

    def stop_execution(self, *, executionArn, error=None, cause=None):
        self.runtime.stop_execution(executionArn, error, cause)


def load_json(text):
    return json.loads(text)
