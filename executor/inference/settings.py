"""The inference worker's settings, read from the environment.

``executor`` never imports Django, so these are plain environment variables;
``config/settings.py`` and ``.env.example`` list them for users. Every one has
a default that works on a laptop.
"""
from __future__ import annotations

import json
import os

from .batcher import BatchConfig

__all__ = ["torch_threads", "device_preference", "endpoint_bindings", "default_endpoint_model",
           "extra_model_modules", "batch_config", "inference_mode"]


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def torch_threads() -> int:
    """SWITCHYARD_TORCH_THREADS (default 1): torch's intra-op threads. One thread,
    because beside the web server and the workers on few cores two threads make
    the model 2-3x slower (../shared/BASELINES.md)."""
    return max(int(_env("SWITCHYARD_TORCH_THREADS", "1") or 1), 1)


def device_preference() -> str:
    """SWITCHYARD_DEVICE: ``auto`` (default: CUDA when there is one), ``cpu``, ``cuda`` or ``cuda:N``."""
    return _env("SWITCHYARD_DEVICE", "auto") or "auto"


def half_precision_allowed() -> bool:
    """SWITCHYARD_HALF (default 1): allow float16 on CUDA for models that declare it safe."""
    return _env("SWITCHYARD_HALF", "1") not in ("0", "false", "no")


def inference_mode() -> str:
    """SWITCHYARD_INFERENCE_MODE: ``inprocess`` (default; the batcher runs in the
    process that runs the Task) or ``celery`` (Tasks are sent to the ``inference`` queue)."""
    return _env("SWITCHYARD_INFERENCE_MODE", "inprocess") or "inprocess"


def endpoint_bindings() -> dict[str, str]:
    """SWITCHYARD_ENDPOINTS: endpoint name -> ``model`` or ``model:task``.

    Either JSON (``{"doc-embedder": "minilm:embed"}``) or a comma list
    (``doc-embedder=minilm:embed,labeler=minilm:classify``). Raises ValueError
    on a malformed value, naming the setting.
    """
    raw = _env("SWITCHYARD_ENDPOINTS")
    if not raw:
        return {}
    if raw.startswith("{"):
        value = json.loads(raw)
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise ValueError("SWITCHYARD_ENDPOINTS must map endpoint names to model names")
        return dict(value)
    bindings = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        name, sep, model = part.partition("=")
        if not sep or not name.strip() or not model.strip():
            raise ValueError(f"SWITCHYARD_ENDPOINTS: expected endpoint=model, got {part!r}")
        bindings[name.strip()] = model.strip()
    return bindings


def default_endpoint_model() -> str:
    """SWITCHYARD_DEFAULT_ENDPOINT_MODEL (default ``minilm``): the model that answers
    an endpoint bound to nothing. Empty: such an endpoint fails as on AWS."""
    return os.environ.get("SWITCHYARD_DEFAULT_ENDPOINT_MODEL", "minilm").strip()


def extra_model_modules() -> list[str]:
    """SWITCHYARD_MODELS: comma-separated modules that register the user's own models."""
    return [m.strip() for m in _env("SWITCHYARD_MODELS").split(",") if m.strip()]


def batch_config(**defaults) -> BatchConfig:
    """The batcher's knobs: the model's ``defaults`` overridden by SWITCHYARD_BATCH_*.

    Raises ValueError naming the setting when one does not parse.
    """
    knobs = dict(defaults)
    readers = {
        "SWITCHYARD_BATCH_MAX_SIZE": ("max_batch_size", int),
        "SWITCHYARD_BATCH_MAX_WAIT_MS": ("max_wait_s", lambda v: float(v) / 1000.0),
        "SWITCHYARD_BATCH_PREFERRED_SIZES": ("preferred_batch_sizes",
                                             lambda v: tuple(int(s) for s in v.split(",") if s.strip())),
        "SWITCHYARD_BATCH_QUEUE_CAPACITY": ("queue_capacity", int),
        "SWITCHYARD_BATCH_QUEUE_FULL": ("full_queue_policy", str),
        "SWITCHYARD_BATCH_BLOCK_TIMEOUT_S": ("block_timeout_s", float),
        "SWITCHYARD_BATCH_LATENCY_TARGET_MS": ("latency_target_s", lambda v: float(v) / 1000.0),
    }
    for setting, (knob, parse) in readers.items():
        raw = _env(setting)
        if raw:
            try:
                knobs[knob] = parse(raw)
            except ValueError as exc:
                raise ValueError(f"{setting}={raw!r}: {exc}") from None
    return BatchConfig(**knobs)
