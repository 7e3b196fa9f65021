"""Fault injection per Task state, kept beside the definition (never in it).

A fault plan is JSON::

    {"seed": 7,
     "states": {"Charge": [
         {"type": "error", "error": "Lambda.ServiceException", "cause": "boom", "probability": 0.5},
         {"type": "latency", "seconds": 2},
         {"type": "latency", "distribution": {"uniform": [0.5, 1.5]}, "probability": 0.2},
         {"type": "timeout", "probability": 0.1},
         {"type": "heartbeat"}]}}

Every draw comes from a random source seeded by the plan's seed, the Task's position in the
execution (its thread, visit and retry attempt) and the fault's index, so the same seed makes
the same faults on every run, whatever order branches and iterations run in.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

__all__ = ["FaultPlanError", "Fault", "check_fault_plan", "faults_for", "INJECTED"]

INJECTED = "Injected fault"
KINDS = ("error", "latency", "timeout", "heartbeat")
DISTRIBUTIONS = ("uniform", "normal", "exponential")


class FaultPlanError(ValueError):
    """A fault plan that is not well formed."""


@dataclass(frozen=True)
class Fault:
    """One fault that fires for one Task invocation."""

    type: str
    error: str | None = None
    cause: str | None = None
    seconds: float = 0.0


def _check_fault(where: str, fault: Any) -> None:
    if not isinstance(fault, dict) or fault.get("type") not in KINDS:
        raise FaultPlanError(f"{where}: a fault is an object whose type is one of {', '.join(KINDS)}")
    probability = fault.get("probability", 1)
    if isinstance(probability, bool) or not isinstance(probability, (int, float)) or not 0 <= probability <= 1:
        raise FaultPlanError(f"{where}.probability must be a number from 0 to 1")
    if fault["type"] == "error" and not isinstance(fault.get("error"), str):
        raise FaultPlanError(f"{where}: an error fault needs an error name (\"error\")")
    if fault["type"] == "latency":
        seconds, dist = fault.get("seconds"), fault.get("distribution")
        if (seconds is None) == (dist is None):
            raise FaultPlanError(f"{where}: a latency fault has either seconds or a distribution")
        if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, (int, float))
                                    or seconds < 0):
            raise FaultPlanError(f"{where}.seconds must be a non-negative number")
        if dist is not None:
            if not isinstance(dist, dict) or len(dist) != 1 or next(iter(dist)) not in DISTRIBUTIONS:
                raise FaultPlanError(f"{where}.distribution is one of {{\"uniform\": [low, high]}}, "
                                     "{\"normal\": [mean, stddev]}, {\"exponential\": mean}")
            _check_distribution(f"{where}.distribution", *next(iter(dist.items())))


def _number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float))


def _check_distribution(where: str, kind: str, args: Any) -> None:
    """A distribution's arguments, checked here so that a bad one is refused when the plan is set
    rather than failing the Task it would delay."""
    if kind == "exponential":
        if not _number(args) or args <= 0:
            raise FaultPlanError(f"{where}.exponential is the mean in seconds, a number above 0")
        return
    pair = isinstance(args, list) and len(args) == 2 and all(_number(a) for a in args)
    if kind == "uniform" and not (pair and 0 <= args[0] <= args[1]):
        raise FaultPlanError(f"{where}.uniform is [low, high] in seconds, with 0 <= low <= high")
    if kind == "normal" and not (pair and args[0] >= 0 and args[1] >= 0):
        raise FaultPlanError(f"{where}.normal is [mean, stddev] in seconds, neither below 0")


def check_fault_plan(plan: Any) -> dict:
    """Return ``plan`` when it is well formed; raise FaultPlanError naming the first problem."""
    if not isinstance(plan, dict):
        raise FaultPlanError("A fault plan is an object with \"states\" (and an optional \"seed\")")
    seed = plan.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, (int, str)):
        raise FaultPlanError("seed must be an integer or a string")
    states = plan.get("states", {})
    if not isinstance(states, dict):
        raise FaultPlanError("states must map state names to lists of faults")
    for state, faults in states.items():
        if not isinstance(faults, list):
            raise FaultPlanError(f"states.{state} must be a list of faults")
        for index, fault in enumerate(faults):
            _check_fault(f"states.{state}[{index}]", fault)
    return plan


def _latency(spec: dict, rng: random.Random) -> float:
    if spec.get("seconds") is not None:
        return float(spec["seconds"])
    (kind, args), = spec["distribution"].items()
    if kind == "uniform":
        return rng.uniform(*args)
    if kind == "normal":
        return max(0.0, rng.gauss(*args))
    return rng.expovariate(1.0 / float(args))


def faults_for(plan: dict | None, state_name: str, position: str) -> list[Fault]:
    """The faults that fire for the Task invocation at ``position`` (the interpreter's replay key),
    in the plan's order."""
    if not plan:
        return []
    fired = []
    for index, spec in enumerate(plan.get("states", {}).get(state_name, ())):
        rng = random.Random(f"{plan.get('seed', 0)}|{position}|{index}")
        if rng.random() >= spec.get("probability", 1):
            continue
        kind = spec["type"]
        if kind == "error":
            cause = spec.get("cause") or f"{INJECTED}: {spec['error']}"
            fired.append(Fault("error", spec["error"], cause if cause.startswith(INJECTED)
                               else f"{INJECTED}: {cause}"))
        elif kind == "latency":
            fired.append(Fault("latency", seconds=_latency(spec, rng)))
        else:
            fired.append(Fault(kind))
    return fired
