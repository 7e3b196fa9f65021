"""What an execution would cost on AWS Step Functions, read from its history.

Standard workflows are billed per state transition; Express workflows per request and per
GB-second of duration (rounded up to 100 ms, memory rounded up to 64 MB). The prices are in one
file, ``designer/aws_prices.json`` (``SWITCHYARD_AWS_PRICES`` names another); docs/integrations.md
says where they come from. Only Step Functions' own charges are counted: the Lambda functions,
models and services a workflow calls bill separately.
"""
from __future__ import annotations

import datetime
import json
import math
import os
from pathlib import Path
from typing import Any, Iterable

__all__ = ["PRICES_SETTING", "load_prices", "state_transitions", "execution_cost"]

PRICES_SETTING = "SWITCHYARD_AWS_PRICES"
DEFAULT_PRICES = Path(__file__).with_name("aws_prices.json")
_SCHEDULED = ("TaskScheduled", "LambdaFunctionScheduled", "ActivityScheduled")
_CALLBACK_HINTS = (".waitForTaskToken", ".sync")


def load_prices(path: str | None = None) -> dict:
    return json.loads(Path(path or os.environ.get(PRICES_SETTING) or DEFAULT_PRICES).read_text())


def _seconds(value: Any) -> float:
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    return float(value)


def state_transitions(types: Iterable[str]) -> int:
    """States entered, plus each retry of a Task (each one more Scheduled event), as AWS counts them."""
    types = list(types)
    entered = sum(1 for t in types if t.endswith("StateEntered"))
    task_entries = sum(1 for t in types if t == "TaskStateEntered")
    scheduled = sum(1 for t in types if t in _SCHEDULED)
    # A retried Map or Parallel starts again within one entry.
    group_entries = sum(1 for t in types if t in ("MapStateEntered", "ParallelStateEntered"))
    group_starts = sum(1 for t in types if t in ("MapStateStarted", "ParallelStateStarted"))
    return entered + max(0, scheduled - task_entries) + max(0, group_starts - group_entries)


def _duration_cost(gb_seconds: float, tiers: list[dict]) -> float:
    """GB-seconds priced through the tiers (each tier's bound is cumulative GB-hours)."""
    cost, done = 0.0, 0.0
    for tier in tiers:
        bound = math.inf if tier["up_to_gb_hours"] is None else tier["up_to_gb_hours"] * 3600
        portion = max(0.0, min(gb_seconds, bound) - done)
        cost += portion * tier["per_gb_second"]
        done += portion
        if done >= gb_seconds:
            break
    return cost


def execution_cost(*, events: list[dict], definition: str = "", memory_mb: int = 64,
                   executions_per_month: int = 1_000_000, prices: dict | None = None) -> dict:
    """The cost of one execution like this one, and of ``executions_per_month`` of them, per type.

    ``events`` are history events with ``type`` and ``timestamp`` (epoch seconds or datetimes).
    """
    prices = prices or load_prices()
    standard, express = prices["standard"], prices["express"]
    types = [e["type"] for e in events]
    transitions = state_transitions(types)
    times = [_seconds(e["timestamp"]) for e in events]
    duration_ms = max(0.0, (max(times) - min(times)) * 1000) if times else 0.0
    increment = express["billing_increment_ms"]
    billed_ms = max(increment, math.ceil(duration_ms / increment) * increment)
    billed_mb = max(express["memory_increment_mb"],
                    math.ceil(memory_mb / express["memory_increment_mb"]) * express["memory_increment_mb"])
    gb_seconds = billed_mb / 1024 * billed_ms / 1000
    month_transitions = transitions * executions_per_month
    express_reasons = []
    if any(hint in definition for hint in _CALLBACK_HINTS):
        express_reasons.append("it waits for a callback or a .sync job, which Express workflows do not support")
    if duration_ms > express["max_duration_s"] * 1000:
        express_reasons.append(f"it ran longer than Express's {express['max_duration_s'] // 60} minutes")
    return {
        "prices": {k: prices[k] for k in ("source", "region", "as_of", "currency")},
        "standard": {
            "state_transitions": transitions,
            "usd": transitions * standard["per_state_transition"],
            "usd_per_month": max(0, month_transitions - standard["free_transitions_per_month"])
            * standard["per_state_transition"],
        },
        "express": {
            "requests": 1,
            "duration_ms": round(duration_ms, 3),
            "billed_duration_ms": billed_ms,
            "memory_mb": memory_mb,
            "billed_memory_mb": billed_mb,
            "gb_seconds": gb_seconds,
            "usd": express["per_request"] + _duration_cost(gb_seconds, express["duration_tiers"]),
            "usd_per_month": executions_per_month * express["per_request"]
            + _duration_cost(gb_seconds * executions_per_month, express["duration_tiers"]),
            "possible": not express_reasons,
            "why_not": express_reasons,
        },
        "executions_per_month": executions_per_month,
    }
