"""Resolving a Task state's ``Resource`` to something that runs locally.

A *resource invoker* is registered for a family of resource ARNs. The
interpreter hands it the resource ARN, the state's effective parameters (the
input after InputPath/Parameters) and an :class:`InvocationContext`; it returns
the task result (any JSON value) or raises :class:`ResourceFailure` with the
Error and Cause that AWS would record. An invoker may be a plain function (run
on a worker thread) or an ``async def`` (awaited on the runtime's loop, which
lets thousands of requests wait at once, e.g. for a batcher). A plain function
may also say which of its calls never block (``inline``): those run on the loop
itself, without the round trip through a worker thread.
"""
from __future__ import annotations

import asyncio
import inspect
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = [
    "InvocationContext",
    "ResourceFailure",
    "register_invoker",
    "find_invoker",
    "queue_for",
    "DEFAULT_QUEUE",
    "invoke",
]


class ResourceFailure(Exception):
    """A task failed the way AWS would report it (``error``/``cause`` strings)."""

    def __init__(self, error: str, cause: str | None = None):
        super().__init__(f"{error}: {cause}" if cause else error)
        self.error = error
        self.cause = cause


@dataclass(frozen=True)
class InvocationContext:
    execution_arn: str
    state_name: str
    attempt: int = 0
    task_token: str | None = None
    timeout_seconds: float | None = None
    heartbeat_seconds: float | None = None
    extra: dict = field(default_factory=dict)

    def is_cancelled(self) -> bool:
        return bool(self.extra.get("cancelled") and self.extra["cancelled"]())


Invoker = Callable[[str, Any, InvocationContext], Any]
_INVOKERS: list[tuple[Callable[[str], bool], Invoker]] = []
#: the work queue each invoker declares (the Celery runtime sends its Tasks there)
_QUEUES: dict[Invoker, str] = {}
#: for a plain-function invoker, which of its calls never block: (resource, parameters) -> bool
_INLINE: dict[Invoker, Callable[[str, Any], bool]] = {}
DEFAULT_QUEUE = "states"


def register_invoker(matches: Callable[[str], bool], invoker: Invoker, *, queue: str = DEFAULT_QUEUE,
                     inline: Callable[[str, Any], bool] | None = None) -> None:
    """Register ``invoker`` for every resource ARN for which ``matches(arn)`` is true.

    Later registrations win, so a project can override a built-in one. ``queue`` names the
    worker queue whose processes should run it on the Celery runtime (``inference`` for work a
    batching worker with the models loaded must do); the binding is the one place that says so.
    ``inline(resource, parameters)`` true says that call returns at once without blocking (no I/O,
    no sleep, no lock held by others): it then runs on the runtime's loop, not on a worker thread.
    """
    _load_builtin_invokers()  # the built-in ones first, whenever this is called: a project's override wins
    _INVOKERS.insert(0, (matches, invoker))
    _QUEUES[invoker] = queue
    if inline is not None:
        _INLINE[invoker] = inline


def find_invoker(resource: str) -> Invoker | None:
    _load_builtin_invokers()
    for matches, invoker in _INVOKERS:
        if matches(resource):
            return invoker
    return None


def queue_for(resource: str) -> str:
    """The worker queue the binding of ``resource`` declares (``states`` when none does)."""
    invoker = find_invoker(resource)
    return _QUEUES.get(invoker, DEFAULT_QUEUE) if invoker is not None else DEFAULT_QUEUE


async def invoke(resource: str, parameters: Any, context: InvocationContext) -> Any:
    """Run the invoker bound to ``resource``; raises ResourceFailure on failure."""
    invoker = find_invoker(resource)
    if invoker is None:
        raise ResourceFailure(
            "States.Runtime",
            f"No local binding for the resource '{resource}'. Bind a Python handler "
            "to it (see the README, 'Binding Task resources').",
        )
    if inspect.iscoroutinefunction(invoker):
        return await invoker(resource, parameters, context)
    inline = _INLINE.get(invoker)
    if inline is not None and inline(resource, parameters):
        return invoker(resource, parameters, context)
    return await asyncio.get_running_loop().run_in_executor(None, invoker, resource, parameters, context)


_builtins_loaded = False  # loading began (a module's register() calls back in: it must not load again)
_builtins_ready = False  # loading ended: every built-in invoker is registered
_builtins_lock = threading.RLock()


def _load_builtin_invokers() -> None:
    """Register the built-in invokers once. Other threads wait until all are registered: a Task
    looked up while another thread is half-way through would find no binding (a worker's first
    Tasks after a start run on several threads at once)."""
    global _builtins_loaded, _builtins_ready
    if _builtins_ready:
        return
    with _builtins_lock:
        if _builtins_loaded:  # done meanwhile, or this thread is inside a module's register()
            return
        _builtins_loaded = True
        try:
            _register_builtins()
        except BaseException:
            _builtins_loaded = False
            raise
        _builtins_ready = True


def _register_builtins() -> None:
    import importlib

    # Earlier modules register first, so later ones win: aws_services forwards every aws-sdk ARN, and
    # sagemaker (sagemakerruntime:invokeEndpoint), bedrock and s3_tasks (the folder buckets) answer
    # theirs locally instead.
    for name in ("aws_services", "lambdas", "sagemaker", "http", "bedrock", "s3_tasks"):
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:  # a module not written yet, not a broken one
            if exc.name != f"{__name__}.{name}":
                raise
            continue
        module.register()
