"""Writes: creating, changing and deleting state machines; starting and stopping executions.

Every function takes keyword-only arguments and raises a ``designer.errors.ServiceError``
subclass (named like AWS's error) when the request cannot be honoured.
"""
from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from designer import arns, selectors, version_selectors
from designer.definitions import definition_check
from designer.errors import (
    ExecutionAlreadyExists,
    InvalidArn,
    InvalidExecutionInput,
    InvalidName,
    StateMachineAlreadyExists,
    StateMachineTypeNotSupported,
    TooManyTags,
    ValidationException,
)
from designer.history import all_events, last_event_id
from designer.models import (
    Execution,
    ExecutionStatus,
    HistoryEvent,
    MapRun,
    StateMachine,
    StateMachineAlias,
    StateMachineType,
    StateMachineVersion,
)
from designer.runtime import get_runtime
from designer.sink import get_sink
from designer.storable import escape_unstorable, first_unstorable
from executor.runtime.base import ExecutionRequest, ExecutionResult

logger = logging.getLogger(__name__)

__all__ = [
    "executions_resume",
    "executions_settle",
    "state_machine_create",
    "state_machine_update",
    "state_machine_delete",
    "state_machine_tag",
    "state_machine_untag",
    "execution_start",
    "execution_start_sync",
    "execution_stop",
    "execution_fail_unrecorded",
    "MAX_INPUT_BYTES",
    "MAX_TAGS",
]

# AWS's quotas on an execution's input and on the tags of one resource.
MAX_INPUT_BYTES = 256 * 1024
MAX_TAGS = 50
_STOP_WAIT_S = 5.0


def _check_name(name: str) -> None:
    if not arns.is_valid_name(name):
        raise InvalidName(f"Invalid Name: '{escape_unstorable(name)}'")


def _check_role_arn(role_arn: str) -> None:
    if not arns.ROLE_ARN_RE.match(role_arn) or first_unstorable(role_arn):
        raise InvalidArn(f"Invalid Arn: 'Invalid ARN prefix: {escape_unstorable(role_arn)}'")


def _check_storable(value: object, field: str) -> None:
    problem = first_unstorable(value, field)
    if problem:
        raise ValidationException(f"1 validation error detected: Value at '{field}' failed to satisfy constraint: "
                                  f"Member must not contain {problem}")


_TAG_SYMBOLS = frozenset("_.:/=+-@")
_TAG_PATTERN = r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$"


def _tag_text_ok(text: str) -> bool:
    """AWS: tags hold only Unicode letters, digits, white space and ``_ . : / = + - @``."""
    return all(c.isalpha() or c.isnumeric() or c.isspace() or c in _TAG_SYMBOLS for c in text)


def _check_tags(arn: str, tags: dict[str, str]) -> None:
    _check_storable(tags, "tags")
    for i, (key, value) in enumerate(tags.items(), start=1):
        for part, text, low, high in (("key", key, 1, 128), ("value", value, 0, 256)):
            if not low <= len(text) <= high:
                bound = f"greater than or equal to {low}" if len(text) < low else f"less than or equal to {high}"
                raise ValidationException(f"1 validation error detected: Value at 'tags.{i}.member.{part}' failed "
                                          f"to satisfy constraint: Member must have length {bound}")
            if part == "key" and text.lower().startswith("aws:"):
                raise ValidationException(f"1 validation error detected: Value at 'tags.{i}.member.key' failed to "
                                          f"satisfy constraint: the prefix 'aws:' is reserved for AWS")
            if not _tag_text_ok(text):
                raise ValidationException(f"1 validation error detected: Value at 'tags.{i}.member.{part}' failed "
                                          f"to satisfy constraint: Member must satisfy regular expression pattern: "
                                          f"{_TAG_PATTERN}")
    if len(tags) > MAX_TAGS:
        raise TooManyTags(f"Too many tags: '{arn}' would have {len(tags)} tags; the limit is {MAX_TAGS}")


def state_machine_create(
    *,
    name: str,
    definition: str,
    role_arn: str,
    type: str = StateMachineType.STANDARD,
    tags: dict[str, str] | None = None,
    layout: dict | None = None,
) -> tuple[StateMachine, bool]:
    """Create a state machine; return ``(state_machine, created)``.

    Like AWS, asking again with the same name, definition, role and type returns the existing
    one (``created`` False); any difference raises StateMachineAlreadyExists. Also raises
    InvalidName, InvalidArn, InvalidDefinition and ValidationException.
    """
    _check_name(name)
    _check_role_arn(role_arn)
    if type not in StateMachineType.values:
        raise ValidationException(f"Value '{type}' at 'type' failed to satisfy constraint")
    definition_check(definition, machine_type=type)
    arn = arns.state_machine_arn(name)
    _check_tags(arn, dict(tags or {}))
    _check_storable(layout or {}, "layout")
    existing = StateMachine.objects.filter(name=name).first()
    if existing is None:
        try:
            with transaction.atomic():
                created = StateMachine.objects.create(
                    name=name, arn=arn, definition=definition, role_arn=role_arn, type=type,
                    tags=dict(tags or {}), layout=layout or {},
                )
            return created, True
        except IntegrityError:  # created by a concurrent request in between
            existing = StateMachine.objects.get(name=name)
    if (existing.definition, existing.role_arn, existing.type) == (definition, role_arn, type):
        return existing, False
    raise StateMachineAlreadyExists(f"State Machine Already Exists: '{arn}'")


def state_machine_update(
    *,
    state_machine: StateMachine,
    definition: str | None = None,
    role_arn: str | None = None,
    layout: dict | None = None,
    tags: dict[str, str] | None = None,
) -> StateMachine:
    """Change the definition, role, layout or tags (``tags`` replaces them all); return the saved
    state machine.

    Raises InvalidDefinition, InvalidArn, ValidationException and TooManyTags; running executions
    keep the definition they started with. A changed definition or role makes a new revision
    (``revision_id``), as on AWS.
    """
    if tags is not None:  # checked before anything changes
        _check_tags(state_machine.arn, tags)
    fields = ["updated"]
    if definition is not None:
        definition_check(definition, machine_type=state_machine.type)
        if definition != state_machine.definition:
            state_machine.definition = definition
            fields.append("definition")
    if role_arn is not None:
        _check_role_arn(role_arn)
        if role_arn != state_machine.role_arn:
            state_machine.role_arn = role_arn
            fields.append("role_arn")
    if "definition" in fields or "role_arn" in fields:
        # AWS's revision covers what an execution runs with: the definition and the role.
        state_machine.revision_id = uuid.uuid4().hex
        fields.append("revision_id")
    if layout is not None:
        _check_storable(layout, "layout")
        state_machine.layout = layout
        fields.append("layout")
    if tags is not None:
        state_machine.tags = dict(tags)
        fields.append("tags")
    state_machine.save(update_fields=fields)
    return state_machine


def state_machine_delete(*, state_machine: StateMachine) -> None:
    """Stop the state machine's running executions, then delete it with its executions, versions and aliases."""
    # A Distributed Map's children stop with their parent.
    for execution in state_machine.executions.filter(status=ExecutionStatus.RUNNING, map_run__isnull=True):
        execution_stop(execution=execution, error="States.Aborted", cause="The state machine was deleted")
    state_machine.delete()


def state_machine_tag(*, state_machine: StateMachine, tags: dict[str, str]) -> StateMachine:
    """Add or replace tags; return the state machine. Raises TooManyTags past AWS's 50."""
    merged = {**state_machine.tags, **tags}
    _check_tags(state_machine.arn, merged)
    state_machine.tags = merged
    state_machine.save(update_fields=["tags", "updated"])
    return state_machine


def state_machine_untag(*, state_machine: StateMachine, keys: list[str]) -> StateMachine:
    """Remove the tags named in ``keys`` (absent ones are ignored); return the state machine."""
    state_machine.tags = {k: v for k, v in state_machine.tags.items() if k not in set(keys)}
    state_machine.save(update_fields=["tags", "updated"])
    return state_machine


def _check_input(input: str | None) -> str:
    text = "{}" if input is None else input
    if len(text.encode("utf-8", "surrogatepass")) > MAX_INPUT_BYTES:
        raise ValidationException(
            "1 validation error detected: Value at 'input' failed to satisfy constraint: "
            f"Member must have length less than or equal to {MAX_INPUT_BYTES}"
        )
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InvalidExecutionInput(f"Invalid State Machine Execution Input: '{exc}'") from exc
    problem = first_unstorable(value)
    if problem:
        raise InvalidExecutionInput(f"Invalid State Machine Execution Input: 'The input holds {problem}, "
                                    "which Switchyard does not accept'")
    return text


def _new_execution(
    *, state_machine: StateMachine, name: str | None, input: str, trace_header: str,
    version: StateMachineVersion | None = None, alias: StateMachineAlias | None = None, local: dict | None = None,
) -> Execution:
    """Return an unsaved execution of the state machine, or of ``version`` / a version ``alias`` picks."""
    name = name if name is not None else str(uuid.uuid4())
    _check_name(name)
    _check_storable(trace_header or "", "traceHeader")
    if alias is not None:
        version = version_selectors.alias_route_pick(alias=alias)
    if state_machine.type == StateMachineType.EXPRESS:
        arn = arns.express_execution_arn(state_machine.name, name, str(uuid.uuid4()))
    else:
        arn = arns.execution_arn(state_machine.name, name)
    return Execution(
        arn=arn, name=name, state_machine=state_machine,
        definition=version.definition if version is not None else state_machine.definition,
        input=input, trace_header=trace_header or "", start_date=timezone.now(),
        status=ExecutionStatus.RUNNING,
        state_machine_version_arn=version.arn if version is not None else "",
        state_machine_alias_arn=alias.arn if alias is not None else "", local=local or {},
    )


def _request(execution: Execution, redrive: dict | None = None) -> ExecutionRequest:
    sm = execution.state_machine
    role_arn = sm.role_arn
    if execution.state_machine_version_arn:  # a version runs with the role it was published with
        role_arn = sm.versions.filter(arn=execution.state_machine_version_arn).values_list(
            "role_arn", flat=True).first() or role_arn
    return ExecutionRequest(
        execution_arn=execution.arn, state_machine_arn=sm.arn, state_machine_name=sm.name,
        name=execution.name, definition=execution.definition, input=execution.input,
        role_arn=role_arn, start_time=execution.start_date.timestamp(), type=sm.type, local=execution.local or None,
        redrive=redrive, start_state=execution.rerun_state or None, start_variables=execution.rerun_variables,
    )


def execution_start(
    *, state_machine: StateMachine, name: str | None = None, input: str | None = None, trace_header: str = "",
    version: StateMachineVersion | None = None, alias: StateMachineAlias | None = None, local: dict | None = None,
) -> tuple[Execution, bool]:
    """Start an execution in the background; return ``(execution, started)``.

    It runs the state machine's definition, or that of ``version``, or that of the version
    ``alias`` picks by weight (the execution records the version's and alias's ARNs).
    ``local`` holds local-test settings (``designer.testing_services.local_settings_for``).
    Like AWS, the same name and input as a RUNNING execution returns that execution
    (``started`` False); a name already used otherwise raises ExecutionAlreadyExists.
    Also raises InvalidName, InvalidExecutionInput and ValidationException.
    """
    text = _check_input(input)
    execution = _new_execution(state_machine=state_machine, name=name, input=text, trace_header=trace_header,
                               version=version, alias=alias, local=local)
    try:
        _save_and_start(execution)
    except IntegrityError:
        existing = Execution.objects.get(arn=execution.arn)
        if existing.status == ExecutionStatus.RUNNING and existing.input == text:
            return existing, False
        raise ExecutionAlreadyExists(f"Execution Already Exists: '{execution.arn}'") from None
    return execution, True


def _save_and_start(execution: Execution) -> None:
    """Save the new ``execution`` and hand it to the runtime once committed; raises IntegrityError
    when its ARN is taken."""
    runtime = get_runtime()
    execution.runtime = runtime.name
    with transaction.atomic():
        execution.save()
        request = _request(execution)
        # After commit, so the runtime's first event finds the row.
        transaction.on_commit(lambda: _start_in_runtime(runtime, request, execution))


def _start_in_runtime(runtime, request: ExecutionRequest, execution: Execution | None = None) -> None:
    sink = get_sink()
    try:
        if execution is not None:
            sink.keep(execution)  # while it runs: DescribeExecution answers from it
        else:
            sink.forget(request.execution_arn)  # a redrive: the execution held since its start is out of date
        runtime.start_execution(request, sink)
    except Exception as exc:  # a runtime that cannot start fails the execution, not the request
        sink.forget(request.execution_arn)
        logger.exception("The %s runtime could not start %s", runtime.name, request.execution_arn)
        _fail_without_runtime(request.execution_arn, error="States.Runtime", cause=f"{type(exc).__name__}: {exc}")


def execution_start_sync(
    *, state_machine: StateMachine, name: str | None = None, input: str | None = None, trace_header: str = "",
    version: StateMachineVersion | None = None, alias: StateMachineAlias | None = None, local: dict | None = None,
) -> tuple[Execution, ExecutionResult]:
    """Run an EXPRESS execution (of ``version`` or ``alias`` as in execution_start) to its end;
    return the saved execution and the runtime's result.

    Raises StateMachineTypeNotSupported for a STANDARD state machine, and what execution_start raises.
    """
    if state_machine.type != StateMachineType.EXPRESS:
        raise StateMachineTypeNotSupported("This operation is not supported by this type of state machine")
    text = _check_input(input)
    execution = _new_execution(state_machine=state_machine, name=name, input=text, trace_header=trace_header,
                               version=version, alias=alias, local=local)
    runtime = get_runtime()
    execution.runtime = runtime.name
    execution.save()
    return execution, _run_sync(runtime, execution)


def _run_sync(runtime, execution: Execution) -> ExecutionResult:
    from django.conf import settings

    sink = get_sink()
    result = runtime.run_sync(_request(execution), sink, timeout=settings.SWITCHYARD_SYNC_TIMEOUT_S)
    _drain(runtime)
    execution.refresh_from_db()
    if execution.status == ExecutionStatus.RUNNING:
        # A runtime that returned without reporting through the sink: record its answer.
        sink.execution_finished(execution.arn, result)
        sink.flush()
        execution.refresh_from_db()
    return result


def _drain(runtime) -> None:
    """Wait until what the runtime has produced so far is in the database."""
    runtime.flush()
    get_sink().flush()


def executions_resume() -> int:
    """Resume, in this process's runtime, every RUNNING execution that runtime ran and no longer
    holds: after a server restart or crash, each goes on from its persisted history (Tasks that
    were running run again: at least once, as on AWS). Returns how many were resumed.

    The embedded runtime resumes the executions it ran. The Celery runtime's workers resume theirs
    from Redis by themselves; here it adopts those Redis does not know: executions the embedded
    runtime ran (the server now finds Redis), or whose records Redis lost. The embedded runtime
    leaves the Celery runtime's executions alone: Redis may only be away for a while.
    """
    runtime = get_runtime()
    resume = getattr(runtime, "resume_execution", None)
    if resume is None:
        return 0
    sink = get_sink()
    count = 0
    # A Distributed Map's children run again inside their resumed parent, under the same names.
    stranded = Execution.objects.filter(status=ExecutionStatus.RUNNING, map_run__isnull=True)
    if runtime.name == "embedded":
        stranded = stranded.filter(runtime=runtime.name)
    for execution in stranded.select_related("state_machine").order_by("start_date").iterator(chunk_size=200):
        if runtime.is_running(execution.arn):
            continue
        persisted = [
            {"id": row.event_id, "previousEventId": row.previous_event_id, "timestamp": row.timestamp.timestamp(),
             "type": row.type, **row.details}
            for row in all_events(execution)
        ]
        redrive = None
        if execution.redrive_count:  # a redriven run goes on from its ExecutionRedriven, as it began
            after = max((e["id"] for e in persisted if e["type"] == "ExecutionRedriven"), default=0)
            persisted = [e for e in persisted if e["id"] >= after]
            redrive = {"count": execution.redrive_count, "after": after, "checkpoints": execution.checkpoints or {}}
        try:
            if resume(_request(execution, redrive), persisted, sink) is None:
                continue  # the runtime has it already
            if execution.runtime != runtime.name:
                Execution.objects.filter(pk=execution.pk).update(runtime=runtime.name)
        except Exception as exc:  # one that cannot be resumed ends loudly; the others go on
            logger.exception("Could not resume %s", execution.arn)
            _fail_without_runtime(execution.arn, error="States.Runtime",
                                  cause=f"It could not be resumed after a restart: {type(exc).__name__}: {exc}")
            continue
        count += 1
    return count


#: How long after its recorded end an execution is left to the process that writes its history
#: before :func:`executions_settle` writes it instead.
SETTLE_AFTER_S = 30.0


def executions_settle(*, after_s: float = SETTLE_AFTER_S) -> int:
    """Write the end, and the events missing before it, of every execution the database still has
    RUNNING though the runtime recorded its end over ``after_s`` seconds ago: the process that was
    to write them (a state worker, or the web process that ran the execution itself) died in
    between. Nothing else would: the runtime no longer runs it. Returns how many were settled.

    Where the runtime's record lives in the process that writes the history (the embedded runtime),
    there is nothing to settle.
    """
    runtime = get_runtime()
    if runtime.in_process:
        return 0
    sink = get_sink()
    settled = 0
    running = (Execution.objects.filter(status=ExecutionStatus.RUNNING, map_run__isnull=True, runtime=runtime.name)
               .values_list("arn", "id"))
    ids = dict(running.iterator(chunk_size=500))
    arns = list(ids)
    for start in range(0, len(arns), 500):
        chunk = arns[start:start + 500]
        # One that ended more recently is left to its writer, which may still be at it.
        ended = runtime.recorded_ends(chunk, ended_before=time.time() - after_s)
        for arn, (result, events) in ended.items():
            stored = {row.event_id for row in all_events(ids[arn])}
            missing = [event for event in events if int(event["id"]) not in stored]
            logger.warning("%s ended %s in the runtime, but its end was never written: writing it and %d events",
                           arn, result.status, len(missing))
            if missing:
                sink.append_events(arn, missing)
            sink.execution_finished(arn, result)
            settled += 1
    if settled:
        sink.flush()
    return settled


def execution_stop(*, execution: Execution, error: str | None = None, cause: str | None = None) -> Execution:
    """Abort a RUNNING execution (others are returned unchanged); return it refreshed.

    The runtime that holds the execution records ExecutionAborted; one that does not hold it
    (the server restarted, say) leaves the history to be closed here.
    """
    _check_storable({"error": error or "", "cause": cause or ""}, "$")
    if execution.status == ExecutionStatus.RUNNING and get_sink().ended(execution.arn) is not None:
        execution = selectors.execution_get(arn=execution.arn)  # it has ended: its end is being written
    if execution.status != ExecutionStatus.RUNNING:
        return execution
    held = False
    runtime = get_runtime()
    try:
        if execution.map_run_id is not None:  # a Distributed Map's child: its parent's runtime holds it
            parent = MapRun.objects.filter(id=execution.map_run_id).values_list("execution__arn", flat=True).get()
            held = runtime.stop_map_child(parent, execution.arn, error, cause)
        else:
            held = runtime.stop_execution(execution.arn, error, cause)
    except Exception:
        logger.exception("The runtime failed to stop %s", execution.arn)
    deadline = time.monotonic() + _STOP_WAIT_S
    while held and time.monotonic() < deadline:
        _drain(runtime)
        execution.refresh_from_db()
        if execution.status != ExecutionStatus.RUNNING:
            return execution
        time.sleep(0.02)
    _drain(runtime)
    _abort_without_runtime(execution.arn, error=error, cause=cause)
    execution.refresh_from_db()
    return execution


def _close_history(arn: str, *, status: str, event_type: str, details_key: str, details: dict[str, Any]) -> None:
    """Append the terminal event and set the status, for an execution no runtime will finish."""
    now = timezone.now()
    with transaction.atomic():
        execution = Execution.objects.select_for_update().filter(arn=arn, status=ExecutionStatus.RUNNING).first()
        if execution is None:
            return
        last = last_event_id(execution)
        HistoryEvent.objects.create(
            execution=execution, event_id=last + 1, previous_event_id=last, type=event_type,
            timestamp=now, details={details_key: {k: v for k, v in details.items() if v is not None}},
        )
        execution.status = status
        execution.error = details.get("error")
        execution.cause = details.get("cause")
        execution.stop_date = now
        execution.save(update_fields=["status", "error", "cause", "stop_date"])


def _abort_without_runtime(arn: str, *, error: str | None, cause: str | None) -> None:
    _close_history(arn, status=ExecutionStatus.ABORTED, event_type="ExecutionAborted",
                   details_key="executionAbortedEventDetails", details={"error": error, "cause": cause})


def _fail_without_runtime(arn: str, *, error: str, cause: str) -> None:
    _close_history(arn, status=ExecutionStatus.FAILED, event_type="ExecutionFailed",
                   details_key="executionFailedEventDetails", details={"error": error, "cause": cause})


def execution_fail_unrecorded(*, arn: str, problem: str) -> None:
    """Fail a RUNNING execution whose history could not be written, loudly and in order.

    For the sink, when an event or a result cannot be stored: the runtime is told to stop
    the execution, and its history is closed with ExecutionFailed (States.Runtime) right
    after the last stored event, so the status never lags behind the history. Events that
    the runtime sends afterwards must be dropped (the execution is no longer RUNNING).
    """
    cause = f"Switchyard could not store this execution's history: {problem}"
    try:
        get_runtime().stop_execution(arn, "States.Runtime", cause)
    except Exception:
        logger.exception("The runtime failed to stop %s", arn)
    logger.error("Failing %s: %s", arn, cause)
    _fail_without_runtime(arn, error="States.Runtime", cause=cause)
