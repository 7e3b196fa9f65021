"""What every part of the interpreter shares: the hooks to the outside world, the
execution's identity, its outcome, and the frames and scopes states run in."""
from __future__ import annotations

import asyncio
import contextvars
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, Iterator

from .errors import STATES_DATA_LIMIT_EXCEEDED, STATES_RUNTIME, StatesError
from .history import EventLog, dumps
from .states import State

__all__ = ["Hooks", "ExecutionInfo", "Outcome", "Frame", "Scope", "iso_time"]

FATAL = frozenset({STATES_RUNTIME, STATES_DATA_LIMIT_EXCEEDED})
JSONATA = "JSONata"
TRUNC = {"truncated": False}


def iso_time(epoch: float) -> str:
    """``2024-01-02T03:04:05.678Z``: the form AWS uses in the context object."""
    dt = datetime.fromtimestamp(epoch, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


@dataclass
class Hooks:
    """What the interpreter needs from its runtime."""

    invoke: Callable[[str, Any, dict], Awaitable[Any]]  # (resource, parameters, info) -> result
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    # A Wait until a timestamp (epoch seconds); when None, sleep() is given the seconds left. A runtime
    # that resumes a Wait after a restart needs to know which of the two it is.
    sleep_until: Callable[[float], Awaitable[None]] | None = None
    now: Callable[[], float] = time.time
    on_event: Callable[[dict], None] | None = None
    # AWS fails an execution whose history passes 25,000 events; this also ends runaway loops.
    max_events: int = 25000
    # The token a callback or activity task waits on, from its replay key (``$$.Task.Token``).
    task_token: Callable[[str], str] | None = None
    # How many real seconds a timeout of so many seconds lasts (a virtual clock shortens them).
    timeout_seconds: Callable[[float], float] = float
    # Redrive: what an earlier run of this execution completed, by position (None: run it), and
    # where each completed state, iteration and branch is reported as it completes.
    completed: Callable[[str], dict | None] | None = None
    on_checkpoint: Callable[[str, dict], None] | None = None
    # A Distributed Map's ItemReader: (resource, {"Parameters", "ReaderConfig"}) -> an iterator of items,
    # read lazily; it raises StatesError (States.ItemReaderFailed) as it goes.
    read_items: Callable[[str, dict], Iterator[Any]] | None = None
    # A ResultWriter: (resource, {"Parameters", "MapRunArn", "OutputType", "Results"}) -> {"Bucket", "Key"};
    # called on a worker thread.
    write_results: Callable[[str, dict], dict] | None = None
    # A Map Run's record as it changes (DescribeMapRun's fields); returns the settings an UpdateMapRun
    # changed since ({"maxConcurrency", "toleratedFailureCount", "toleratedFailurePercentage"}) or None.
    # Called on a worker thread, at most a few times a second.
    map_run: Callable[[dict], dict | None] | None = None
    # A Distributed Map's child execution, as it starts and as it ends: {"mapRunArn", "executionArn", "name",
    # "stateMachineArn", "status", "input", "itemCount", "startDate", "stopDate", "events"} (+ "output", or
    # "error" and "cause"); "events" are the child's history events since its last report. Called on the
    # event loop: it must only queue the record. None: children are not recorded.
    map_child: Callable[[dict], None] | None = None
    # How many reported children the runtime has not written yet: while it is over
    # map_run.MAX_CHILD_BACKLOG a Map starts no new child, so a slow database holds the Map back
    # instead of letting unwritten histories pile up in memory.
    map_child_backlog: Callable[[], int] | None = None


@dataclass(frozen=True)
class ExecutionInfo:
    execution_arn: str
    name: str
    state_machine_arn: str
    state_machine_name: str
    role_arn: str
    start_time: float
    input: Any
    redrive_count: int = 0
    # A redriven run continues its history after this event (ExecutionRedriven); 0: a fresh run.
    resume_after: int = 0
    # The top-level state to begin at instead of StartAt (a re-run from a state); None: StartAt.
    start_at: str | None = None
    # The variables in scope when the run begins (a re-run from a state); None: none.
    variables: dict | None = None


@dataclass
class Outcome:
    status: str  # SUCCEEDED, FAILED, TIMED_OUT, ABORTED
    output: Any = None
    error: str | None = None
    cause: str | None = None


class Fatal(Exception):
    """Ends the whole execution at once (States.Runtime and friends)."""

    def __init__(self, error: StatesError):
        super().__init__(str(error))
        self.error = error


class Frame:
    """One thread of control: the top level, a branch or an iteration."""

    __slots__ = ("last", "variables", "map_item", "log", "path", "visits", "position", "dumped")

    def __init__(self, last: int, log: EventLog, variables: dict | None = None, map_item: dict | None = None,
                 path: str = "", position: str = ""):
        self.last = last
        self.log = log  # a distributed Map's iterations are child executions with their own history
        self.variables = variables if variables is not None else {}
        self.map_item = map_item
        self.path = path  # where this thread sits: "" at the top, "/Map@1:0[3]", "/Par@1:0#1/Inner@1:0[0]"...
        # The same without retry attempts ("/Map@1[3]"): what a redrive finds completed work by.
        self.position = position
        self.visits: dict[str, int] = {}
        # The last state's output and its JSON text: the next state's input is that same value, so
        # its StateEntered event takes the text rather than writing it again (None after an await).
        self.dumped: tuple[Any, str] | None = None

    def visit(self, state_name: str) -> int:
        """Count entries into ``state_name`` on this thread (a loop enters a state again)."""
        n = self.visits.get(state_name, 0) + 1
        self.visits[state_name] = n
        return n


#: Where a Distributed Map's running child keeps its states' redrive checkpoints (None: report each to
#: ``Hooks.on_checkpoint`` at once). A child that succeeds leaves one checkpoint of its own instead of one
#: per state, so what a Map Run keeps for a redrive grows by an entry a child, not by its states' outputs.
CHILD_CHECKPOINTS: contextvars.ContextVar[dict | None] = contextvars.ContextVar("sy_child_checkpoints",
                                                                               default=None)


def record_checkpoint(hooks: Hooks, position: str, record: dict) -> None:
    """Report a completed state, branch or iteration for a later redrive (held by a running child)."""
    if hooks.on_checkpoint is None:
        return
    held = CHILD_CHECKPOINTS.get()
    if held is not None:
        held[position] = record
    else:
        hooks.on_checkpoint(position, record)


class _StateSeed:
    """The random source of one state, made on first use: most states draw nothing, and seeding a
    generator costs more than the rest of a Pass state."""

    __slots__ = ("seed", "rng")

    def __init__(self, seed: str):
        self.seed = seed
        self.rng: random.Random | None = None


#: The random source of the state being evaluated (see :func:`state_random`).
_STATE_RANDOM: contextvars.ContextVar[_StateSeed | None] = contextvars.ContextVar("sy_state_random", default=None)


def state_random() -> random.Random:
    """The random source for States.UUID, unseeded States.MathRandom, JSONata's $uuid and $random,
    and retry jitter. It is seeded by the execution and the state's position (thread, state, visit,
    retry), so replaying an execution's history draws the very same values, whatever order its
    branches and iterations ran in; two executions still draw different ones."""
    current = _STATE_RANDOM.get()
    if current is None:
        return random.Random()
    if current.rng is None:
        current.rng = random.Random(current.seed)
    return current.rng


def uuid4_from(source: random.Random) -> str:
    """A version-4 UUID drawn from ``source`` (an identifier, not a secret: no system call)."""
    return str(uuid.UUID(int=source.getrandbits(128), version=4))


def state_uuid() -> str:
    """A version-4 UUID drawn from :func:`state_random` (so the same on replay)."""
    return uuid4_from(state_random())


def enter_state_random(execution_arn: str, position: str) -> contextvars.Token:
    """Make ``state_random()`` the source of the state at ``position``; returns the token to reset."""
    return _STATE_RANDOM.set(_StateSeed(f"{execution_arn}|{position}"))


def leave_state_random(token: contextvars.Token) -> None:
    try:
        _STATE_RANDOM.reset(token)
    except ValueError:  # a coroutine closed from elsewhere (the process exits while it waits): nothing to undo
        pass


class Scope:
    """What ``$$`` and ``$name`` see while one state runs; the context object is built on demand."""

    __slots__ = ("execution", "state_name", "entered", "retry_count", "frame", "_context", "extra", "visit",
                 "counts_retries")

    def __init__(self, execution: Any, state_name: str, entered: float, frame: Frame):
        self.execution = execution
        self.state_name = state_name
        self.entered = entered
        self.retry_count = 0
        self.frame = frame
        self._context = None
        self.extra: dict | None = None
        self.visit = 1
        self.counts_retries = False

    @property
    def variables(self) -> dict:
        return self.frame.variables

    @property
    def context(self) -> dict:
        if self._context is None:
            ctx = self.execution.base_context()
            child = getattr(self.frame.log, "context", None)  # a Distributed Map's child execution
            if child is not None:
                ctx.update(child)
            ctx["State"] = {"Name": self.state_name, "EnteredTime": iso_time(self.entered)}
            if self.counts_retries:  # AWS gives RetryCount to the states that can retry
                ctx["State"]["RetryCount"] = self.retry_count
            if self.frame.map_item is not None:
                ctx["Map"] = {"Item": self.frame.map_item}
            if self.extra:
                ctx.update(self.extra)
            self._context = ctx
        return self._context


PREFIX = "An error occurred while executing the state"


def runtime_error(state: State, entered_id: int, message: str) -> StatesError:
    return StatesError(STATES_RUNTIME, f"{PREFIX} '{state.name}' (entered at the event id #{entered_id}). {message}")


def jayway(path_text: str) -> str:
    parts = path_text.lstrip("$").strip(".").split(".")
    return "$" + "".join(f"['{p}']" for p in parts if p)


MAX_VARIABLE_BYTES = 256 * 1024
MAX_ASSIGN_BYTES = 256 * 1024
MAX_ALL_VARIABLES_BYTES = 10 * 1024 * 1024


def assign_variables(frame: Frame, values: dict) -> None:
    """Apply one state's Assign, within AWS's size limits (256 KiB a value and an
    Assign, 10 MiB all variables of a scope); the scope is the frame's own."""
    if not values:
        return
    total = 0
    for name, value in values.items():
        size = len(dumps(value).encode())
        if size > MAX_VARIABLE_BYTES:
            raise StatesError(STATES_RUNTIME, f"The variable '{name}' is {size} bytes, over the limit of "
                                              f"{MAX_VARIABLE_BYTES} bytes for one variable")
        total += size
    if total > MAX_ASSIGN_BYTES:
        raise StatesError(STATES_RUNTIME, f"The Assign field's values total {total} bytes, over the limit of "
                                          f"{MAX_ASSIGN_BYTES} bytes")
    frame.variables.update(values)
    if total > 4096:  # only large assignments can push the whole scope over its limit
        everything = len(dumps(frame.variables).encode())
        if everything > MAX_ALL_VARIABLES_BYTES:
            raise StatesError(STATES_RUNTIME, f"The variables of this scope total {everything} bytes, over the "
                                              f"limit of {MAX_ALL_VARIABLES_BYTES} bytes")


def coerce_number(value: Any, integer: bool) -> int | float | None:
    """A number (numeric strings accepted, as AWS accepts them), or None when it is not one;
    ``integer`` also refuses fractions."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    if integer:
        return int(value) if float(value).is_integer() else None
    return value


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


async def gather_fail_fast(tasks: list[asyncio.Future]) -> list:
    """Await every task; on the first StatesError cancel the rest and raise it."""
    if not tasks:
        return []
    try:
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    except asyncio.CancelledError:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    failed = [t for t in tasks if t.done() and not t.cancelled() and t.exception() is not None]
    if failed:
        for t in pending:
            t.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        raise failed[0].exception()
    return [t.result() for t in tasks]

