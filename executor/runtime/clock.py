"""A virtual clock for one execution: Waits, retry back-offs and timeouts scaled or skipped.

``{"clock": {"factor": 0.001}}`` in an execution's local-test settings makes every second of
waiting last a millisecond; ``{"clock": {"factor": 0}}`` (or ``"skip"``) makes waiting take no
time at all. Either way the execution's clock (``$$.State.EnteredTime``, Wait ``Timestamp``
arithmetic, the history's timestamps) moves on by the full amount, so a workflow that waits a
day is tested in a second and its history still shows the day. With ``factor`` 0 timeouts keep
real time (a Task still has its TimeoutSeconds to answer); with a factor they shrink with it.
"""
from __future__ import annotations

import asyncio
import time
from typing import Awaitable, Callable

__all__ = ["VirtualClock", "clock_factor"]


def clock_factor(setting: object) -> float | None:
    """The factor a clock setting asks for; None for no virtual clock. Raises ValueError when malformed."""
    if setting in (None, False, {}):
        return None
    if setting in ("skip", True):
        return 0.0
    if isinstance(setting, dict):
        if setting.get("mode") == "skip":
            return 0.0
        factor = setting.get("factor")
        if not isinstance(factor, bool) and isinstance(factor, (int, float)) and 0 <= factor <= 1:
            return float(factor)
    raise ValueError("clock is \"skip\" or {\"factor\": f} with 0 <= f <= 1 (real seconds per virtual second)")


class VirtualClock:
    """``sleep``, ``now`` and ``timeout_seconds`` hooks over a runtime's real ones."""

    def __init__(self, factor: float, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 now: Callable[[], float] = time.time):
        self.factor = factor
        self._sleep, self._now = sleep, now
        self.offset = 0.0  # virtual seconds ahead of the real clock

    def now(self) -> float:
        return self._now() + self.offset

    async def sleep(self, seconds: float) -> None:
        target = self.now() + seconds
        await self._sleep(seconds * self.factor)
        # Two branches waiting a day at once end the same virtual day, not two days later.
        self.offset = max(self.offset, target - self._now())

    def timeout_seconds(self, seconds: float) -> float:
        return seconds * self.factor if self.factor > 0 else float(seconds)
