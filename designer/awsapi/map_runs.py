"""Map Runs: ListMapRuns, DescribeMapRun, UpdateMapRun.

A Distributed Map's runtime reports each Map Run's status and counts as it goes (through the
sink); UpdateMapRun's settings are read back by the running Map within a fraction of a second.
"""
from __future__ import annotations

from typing import Any

from designer import selectors
from designer.awsapi.paging import page_of
from designer.awsapi.shapes import execution_list_item
from designer.errors import InvalidArn, ResourceNotFound, ValidationException
from designer.models import MapRun

__all__ = ["ACTIONS"]

_COUNT_KEYS = ("pending", "running", "succeeded", "failed", "timedOut", "aborted", "total", "resultsWritten",
               "failuresNotRedrivable", "pendingRedrive")


def map_run_get(*, arn: str) -> MapRun:
    if not isinstance(arn, str) or ":mapRun:" not in arn or not arn.startswith("arn:"):
        raise InvalidArn(f"Invalid Arn: '{arn}'")
    run = MapRun.objects.select_related("execution__state_machine").filter(arn=arn).first()
    if run is None:
        raise ResourceNotFound(f"Resource not found: '{arn}'")
    # The run's last counts are written with its execution's end, in order; a client that saw the
    # end (DescribeExecution shows it before it is written) must see those counts too.
    if selectors.execution_get(arn=run.execution.arn).status != run.execution.status:
        run = MapRun.objects.select_related("execution__state_machine").get(pk=run.pk)
    return run


def _counts(stored: dict) -> dict[str, int]:
    return {key: int(stored.get(key, 0)) for key in _COUNT_KEYS}


def describe_map_run(params: dict[str, Any]) -> dict[str, Any]:
    run = map_run_get(arn=params["mapRunArn"])
    body = {"mapRunArn": run.arn, "executionArn": run.execution.arn, "status": run.status,
            "startDate": run.start_date, "maxConcurrency": run.max_concurrency,
            "toleratedFailurePercentage": run.tolerated_failure_percentage,
            "toleratedFailureCount": run.tolerated_failure_count,
            "itemCounts": _counts(run.item_counts), "executionCounts": _counts(run.execution_counts),
            "redriveCount": run.redrive_count}
    if run.stop_date is not None:
        body["stopDate"] = run.stop_date
    if run.redrive_date is not None:
        body["redriveDate"] = run.redrive_date
    return body


def list_map_runs(params: dict[str, Any]) -> dict[str, Any]:
    execution = selectors.execution_get(arn=params["executionArn"])
    rows, token = page_of(params, f"map-runs:{execution.arn}", MapRun.objects.filter(execution=execution))
    items = []
    for run in rows:
        item = {"executionArn": execution.arn, "mapRunArn": run.arn,
                "stateMachineArn": execution.state_machine.arn, "startDate": run.start_date}
        if run.stop_date is not None:
            item["stopDate"] = run.stop_date
        items.append(item)
    return {"mapRuns": items, "nextToken": token}


def update_map_run(params: dict[str, Any]) -> dict[str, Any]:
    """Change a running Map Run's settings; the Map applies them at once (a new limit frees or
    holds slots; new thresholds are judged against the failures so far)."""
    run = map_run_get(arn=params["mapRunArn"])
    changes: dict[str, Any] = {}
    if params.get("maxConcurrency") is not None:
        changes["max_concurrency"] = params["maxConcurrency"]
    if params.get("toleratedFailurePercentage") is not None:
        pct = params["toleratedFailurePercentage"]
        if not 0 <= pct <= 100:
            raise ValidationException("toleratedFailurePercentage must be between 0 and 100")
        changes["tolerated_failure_percentage"] = pct
    if params.get("toleratedFailureCount") is not None:
        changes["tolerated_failure_count"] = params["toleratedFailureCount"]
    if not changes:
        raise ValidationException("At least one of maxConcurrency, toleratedFailurePercentage or "
                                  "toleratedFailureCount must be given")
    if run.status != "RUNNING":
        raise ValidationException(f"Map Run '{run.arn}' is {run.status}: only a running Map Run can be updated")
    MapRun.objects.filter(pk=run.pk).update(**changes)
    return {}


def child_executions_of(params: dict[str, Any]) -> dict[str, Any]:
    """ListExecutions with a mapRunArn: the run's child executions, newest first, each with the
    number of items it was given (``statusFilter`` and paging as for a state machine's)."""
    run = map_run_get(arn=params["mapRunArn"])
    status = params.get("statusFilter")
    children = selectors.execution_list(map_run=run, status=status)
    rows, token = page_of(params, f"map-run-executions:{run.arn}:{status or ''}", children)
    items = []
    for child in rows:
        item = execution_list_item(child)
        item["itemCount"] = child.item_count or 0
        items.append(item)
    return {"executions": items, "nextToken": token}


ACTIONS = {
    "DescribeMapRun": describe_map_run,
    "ListMapRuns": list_map_runs,
    "UpdateMapRun": update_map_run,
}
