"""Lambda handlers for the live-view browser test: one that fails the first two attempts of each
item (counted in files under SWITCHYARD_E2E_FLAKY_DIR, so the count survives across attempts),
and one that sleeps."""
from __future__ import annotations

import os
import time
from pathlib import Path

from executor.resources.lambdas import handler


class Flaky(Exception):
    """An attempt that fails on purpose, for Retry to take."""


@handler("e2e-flaky")
def flaky(event, context):
    """Fail the first two attempts of each ``event["id"]``, then return it marked done."""
    counts = Path(os.environ["SWITCHYARD_E2E_FLAKY_DIR"])
    counts.mkdir(parents=True, exist_ok=True)
    path = counts / f"{event['id']}.count"
    attempt = int(path.read_text()) + 1 if path.exists() else 1
    path.write_text(str(attempt))
    time.sleep(float(event.get("sleep", 0.3)))
    if attempt <= 2:
        raise Flaky(f"attempt {attempt} of item {event['id']} fails on purpose")
    return {"id": event["id"], "ok": True, "attempts": attempt}


@handler("e2e-sleep")
def sleep(event, context):
    """Sleep ``event["seconds"]`` and return the event."""
    time.sleep(float(event.get("seconds", 1)))
    return event
