"""Task tokens: ``$$.Task.Token`` for ``.waitForTaskToken`` resources and activities.

A token is derived from the execution's secret and the interpreter's replay key,
so a driver that resumes an execution hands out the very token the first one did.

The interpreter evaluates Parameters before it calls the runtime, so the token
must be in the context object by then. Until the interpreter offers that
itself, :class:`TokenExecution` puts it there (see docs/runtime.md,
"Interpreter change").
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any, Callable

from executor.asl import Execution

__all__ = ["TokenExecution", "is_activity", "make_token_for", "needs_token"]


def is_activity(resource: str) -> bool:
    """``arn:aws:states:REGION:ACCOUNT:activity:NAME``."""
    parts = resource.split(":")
    return len(parts) >= 7 and parts[2] == "states" and parts[5] == "activity"


def needs_token(resource: Any) -> bool:
    return isinstance(resource, str) and (resource.endswith(".waitForTaskToken") or is_activity(resource))


def make_token_for(secret: str, execution_arn: str) -> Callable[[str], str]:
    """Return ``token_for(replay_key)``: unguessable without the secret, stable across replays."""
    key = f"{secret}|{execution_arn}".encode()

    def token_for(replay_key: str) -> str:
        digest = hmac.new(key, replay_key.encode(), hashlib.sha256).digest()
        return "SY1" + base64.urlsafe_b64encode(digest).decode().rstrip("=")

    return token_for


class TokenExecution(Execution):
    """An Execution whose Task states that wait for a token see it at ``$$.Task.Token``."""

    def __init__(self, machine, info, hooks, token_for: Callable[[str], str]):
        super().__init__(machine, info, hooks)
        self._token_for = token_for

    def _parameters(self, state, effective, scope):
        if needs_token(getattr(state, "resource", None)):
            # The interpreter's replay key for this attempt (Execution._task builds the same one).
            key = f"{scope.frame.path}/{state.name}@{scope.visit}:{scope.retry_count}"
            scope.extra = {**(scope.extra or {}), "Task": {"Token": self._token_for(key)}}
            scope._context = None
        return super()._parameters(state, effective, scope)
