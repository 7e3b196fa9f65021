"""Task tokens: ``$$.Task.Token`` for ``.waitForTaskToken`` resources and activities.

A token is derived from the execution's secret and the interpreter's replay key,
so a driver that resumes an execution hands out the very token the first one did.

The interpreter asks for it (``Hooks.task_token``) before it evaluates the
Task's Parameters, so ``$$.Task.Token`` can be passed to the callback's target.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any, Callable

__all__ = ["is_activity", "make_token_for", "needs_token"]


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
