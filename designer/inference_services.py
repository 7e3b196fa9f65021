"""Batching knobs of the local models, turned while pipelines run (executor/inference/knobs.py).

Where the models run in the web process (the embedded runtime), a change reaches the batcher at
once; where they run in inference workers (the Celery runtime, or SWITCHYARD_INFERENCE_MODE=celery),
it goes through Redis to every one of them. Either way the live view's metrics show the new knobs
(``config``) and their effect within a second.
"""
from __future__ import annotations

from typing import Any

from django.conf import settings

from designer.errors import ResourceNotFound, ValidationException
from designer.runtime import get_runtime, inference_runs_apart
from executor.inference import knobs, registry
from executor.runtime.celery_runtime import CeleryRuntime
from executor.runtime.store import sync_client

__all__ = ["batching_get", "batching_set", "batching_reset"]

HERE = "this process"
WORKERS = "the inference workers"


def _client():
    runtime = get_runtime()
    return runtime.client if isinstance(runtime, CeleryRuntime) else sync_client(settings.REDIS_URL)


def _model(model: str) -> tuple[str, knobs.BatchConfig]:
    try:
        return registry.canonical_name(model), knobs.defaults_for(model)
    except registry.UnknownModel:
        known = ", ".join(registry.model_names())
        raise ResourceNotFound(f"No local model is named '{model}' (the models: {known})") from None


def _current(name: str) -> dict[str, Any]:
    return knobs.stored(_client(), name).get(name, {}) if inference_runs_apart() else knobs.overrides(name)


def _answer(name: str, defaults: knobs.BatchConfig, changes: dict[str, Any], applied: str | None = None) -> dict:
    answer = {"model": name, "batching": changes, "defaults": knobs.described(defaults)}
    if applied is not None:
        answer["applied"] = applied
    return answer


def batching_get(*, model: str) -> dict[str, Any]:
    """The knobs a user set for ``model`` (``batching``) over its ``defaults``. Raises ResourceNotFound."""
    name, defaults = _model(model)
    return _answer(name, defaults, _current(name))


def batching_set(*, model: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Turn some of ``model``'s knobs (the others keep what a user set before); ``applied`` says
    where. Raises ResourceNotFound, and ValidationException for a knob out of bounds."""
    name, defaults = _model(model)
    merged = {**_current(name), **changes}
    try:
        merged = knobs.validated(merged)
        knobs.config_with(defaults, merged)  # the whole config must hold together
    except ValueError as exc:
        raise ValidationException(str(exc)) from None
    return _apply(name, defaults, merged)


def batching_reset(*, model: str) -> dict[str, Any]:
    """Back to ``model``'s defaults. Raises ResourceNotFound."""
    name, defaults = _model(model)
    return _apply(name, defaults, {})


def _apply(name: str, defaults: knobs.BatchConfig, changes: dict[str, Any]) -> dict[str, Any]:
    if inference_runs_apart():
        knobs.publish(_client(), name, changes or None)
        return _answer(name, defaults, changes, WORKERS)
    knobs.apply_here(name, changes or None)
    return _answer(name, defaults, changes, HERE)
