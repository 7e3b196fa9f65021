"""RedriveExecution: run again, from where it failed, an execution that did not succeed.

As on AWS: a STANDARD execution that FAILED, TIMED_OUT or was ABORTED, at most 14 days after it
stopped and at most 1,000 times, is redriven under the same ARN. Its history gains an
ExecutionRedriven event; the run then skips every state, branch and Map iteration that completed
(the runtime recorded them as checkpoints when the execution ended) and runs the rest, so the
failed state runs again with the input it had, and a Map runs again only its unsuccessful
iterations.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from designer.errors import ExecutionNotRedrivable
from designer.history import last_event_id
from designer.models import Execution, ExecutionStatus, HistoryEvent, StateMachineType
from designer.runtime import get_runtime

__all__ = ["execution_redrive", "redrive_status", "MAX_REDRIVES", "REDRIVE_WINDOW"]

MAX_REDRIVES = 1000
REDRIVE_WINDOW = dt.timedelta(days=14)
_REDRIVABLE = (ExecutionStatus.FAILED, ExecutionStatus.TIMED_OUT, ExecutionStatus.ABORTED)


def redrive_status(execution: Execution) -> tuple[str, str | None]:
    """``(redriveStatus, redriveStatusReason)`` as DescribeExecution reports them."""
    if execution.state_machine.type == StateMachineType.EXPRESS:
        return "NOT_REDRIVABLE", "Execution is of type EXPRESS and cannot be redriven"
    if execution.status not in _REDRIVABLE:
        return "NOT_REDRIVABLE", f"Execution is {execution.status} and cannot be redriven"
    if execution.redrive_count >= MAX_REDRIVES:
        return "NOT_REDRIVABLE", f"Execution has been redriven the maximum number of times ({MAX_REDRIVES})"
    if execution.stop_date is not None and timezone.now() - execution.stop_date > REDRIVE_WINDOW:
        return "NOT_REDRIVABLE", "Execution stopped more than 14 days ago and cannot be redriven"
    if execution.checkpoints is None:
        return "NOT_REDRIVABLE", "Execution ended without a record of what completed and cannot be redriven"
    return "REDRIVABLE", None


def execution_redrive(*, execution: Execution) -> Execution:
    """Redrive ``execution``; return it RUNNING again. Raises ExecutionNotRedrivable, naming why."""
    # Here, not at the top: the AWS shapes read redrive_status, and services reach them through the sink.
    from designer.services import _request, _start_in_runtime

    runtime = get_runtime()
    with transaction.atomic():
        execution = Execution.objects.select_for_update().select_related("state_machine").get(pk=execution.pk)
        status, reason = redrive_status(execution)
        if status != "REDRIVABLE":
            raise ExecutionNotRedrivable(f"Execution cannot be redriven: '{reason}'")
        now = timezone.now()
        last = last_event_id(execution)
        count = execution.redrive_count + 1
        HistoryEvent.objects.create(execution=execution, event_id=last + 1, previous_event_id=last,
                                    type="ExecutionRedriven", timestamp=now,
                                    details={"executionRedrivenEventDetails": {"redriveCount": count}})
        checkpoints = execution.checkpoints
        execution.status = ExecutionStatus.RUNNING
        execution.redrive_count, execution.redrive_date = count, now
        execution.stop_date = execution.output = execution.error = execution.cause = None
        # The checkpoints stay while it runs: a server restart resumes the redriven run from them.
        execution.runtime = runtime.name
        execution.save(update_fields=["status", "redrive_count", "redrive_date", "stop_date", "output", "error",
                                      "cause", "runtime"])
        request = _request(execution, redrive={"count": count, "after": last + 1, "checkpoints": checkpoints})
        transaction.on_commit(lambda: _start_in_runtime(runtime, request))
    return execution
