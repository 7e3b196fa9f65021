"""Retry and Catch: which error a retrier or catcher matches, and the wait
before the next attempt (IntervalSeconds, BackoffRate, MaxDelaySeconds,
JitterStrategy)."""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from .errors import NOT_CAUGHT_BY_ALL, STATES_ALL, STATES_TASK_FAILED, STATES_TIMEOUT

__all__ = ["Retrier", "Catcher", "error_matches"]


def error_matches(error_equals: tuple[str, ...], error: str | None) -> bool:
    """Whether ``error`` is named by ``error_equals`` (with States.ALL and States.TaskFailed)."""
    error = error or ""
    if error in error_equals:
        return True
    if STATES_ALL in error_equals and error not in NOT_CAUGHT_BY_ALL:
        return True
    if STATES_TASK_FAILED in error_equals and not error.startswith("States.") and error != STATES_TIMEOUT:
        return True
    return False


@dataclass(frozen=True)
class Retrier:
    error_equals: tuple[str, ...]
    interval_seconds: float = 1
    max_attempts: int = 3
    backoff_rate: float = 2.0
    max_delay_seconds: float | None = None
    jitter_strategy: str = "NONE"

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait before retry number ``attempt + 1`` (``attempt`` counts from 0)."""
        delay = self.interval_seconds * (self.backoff_rate ** attempt)
        if self.max_delay_seconds is not None:
            delay = min(delay, self.max_delay_seconds)
        if self.jitter_strategy == "FULL":
            delay = (rng or random).uniform(0, delay)
        return delay


@dataclass(frozen=True)
class Catcher:
    error_equals: tuple[str, ...]
    next: str
    result_path: Any = "$"  # a compiled JsonPath, or None to discard
    raw_result_path: str | None = "$"
    assign: Any = None
    output: Any = None
