"""Batching knobs turned while a pipeline runs: a model's max batch size, max wait and adaptive
latency target, as a user sets them over its defaults (the model's own, then SWITCHYARD_BATCH_*).

Where the model runs in this process (the embedded runtime), a change reaches its batcher at once
(:func:`apply_here`). Where it runs in inference workers (the Celery runtime), the change is kept
in Redis (``KEY``: a hash, model -> JSON) and announced on ``CHANNEL``; each inference worker
listens (:func:`listen`, started with the worker) and applies it, and one that starts later finds
it in the hash. Removing a model's entry takes it back to its defaults.

A change is a dict of any of ``max_batch_size``, ``max_wait_ms`` and ``latency_target_ms`` (None:
adaptive mode off). Setting the batch size or the wait by hand, without a latency target, takes
the batcher off adaptive mode, which would otherwise move them again at the next batch. The
model's recent figures (mean batch size, fill ratio, waits, items/s) start afresh with each change,
so that they show what the new knobs do; its counters go on.
"""
from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import replace
from typing import Any

from . import registry, settings
from .batcher import BatchConfig

__all__ = ["KEY", "CHANNEL", "LIMITS", "validated", "config_with", "defaults_for", "described", "overrides",
           "apply_here", "publish", "stored", "listen"]

log = logging.getLogger("switchyard.inference")

KEY = "sy:inference:knobs"
CHANNEL = "sy:inference:knobs"
#: the knobs a user may turn, with their bounds
LIMITS: dict[str, tuple[float, float]] = {
    "max_batch_size": (1, 4096),
    "max_wait_ms": (0, 10_000),
    "latency_target_ms": (0.1, 60_000),
}

_overrides: dict[str, dict[str, Any]] = {}  # this process's, by canonical model name
_lock = threading.Lock()


def validated(changes: dict[str, Any]) -> dict[str, Any]:
    """``changes`` checked knob by knob; raises ValueError naming the first bad one."""
    out: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in LIMITS:
            raise ValueError(f"{name}: not a batching knob (one of {', '.join(LIMITS)})")
        if value is None and name == "latency_target_ms":
            out[name] = None
            continue
        whole = name == "max_batch_size"
        if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)):
            raise ValueError(f"{name}: must be {'a whole number' if whole else 'a number'}, not {value!r}")
        low, high = LIMITS[name]
        if not low <= value <= high:
            raise ValueError(f"{name}: must be between {low:g} and {high:g}, not {value!r}")
        out[name] = value
    return out


def config_with(defaults: BatchConfig, changes: dict[str, Any]) -> BatchConfig:
    """``defaults`` with ``changes`` (validated) applied."""
    fields: dict[str, Any] = {}
    if "max_batch_size" in changes:
        fields["max_batch_size"] = changes["max_batch_size"]
    if "max_wait_ms" in changes:
        fields["max_wait_s"] = changes["max_wait_ms"] / 1000.0
    if "latency_target_ms" in changes:
        target = changes["latency_target_ms"]
        fields["latency_target_s"] = None if target is None else target / 1000.0
    elif fields:
        fields["latency_target_s"] = None  # set by hand: adaptive mode would undo it
    return replace(defaults, **fields)


def defaults_for(model: str) -> BatchConfig:
    """The model's knobs before any change: its own defaults, then SWITCHYARD_BATCH_*. Loads nothing.
    Raises UnknownModel."""
    return settings.batch_config(**registry.create_model(model).batch_defaults)


def described(config: BatchConfig) -> dict[str, Any]:
    """The turnable knobs of ``config``, as a change would name them."""
    return {"max_batch_size": config.max_batch_size, "max_wait_ms": config.max_wait_s * 1000.0,
            "latency_target_ms": None if config.latency_target_s is None else config.latency_target_s * 1000.0}


def overrides(model: str) -> dict[str, Any]:
    """This process's changes to ``model``'s knobs (a copy)."""
    with _lock:
        return dict(_overrides.get(registry.canonical_name(model), {}))


def apply_here(model: str, changes: dict[str, Any] | None) -> BatchConfig | None:
    """Make ``changes`` (None: none, back to the defaults) this process's for ``model`` and apply
    them to its batcher if it runs here; returns the batcher's new config, or None when the model
    is not loaded in this process (it gets them when it loads). Raises ValueError, UnknownModel."""
    from . import service  # it reads overrides() when it loads a model

    name = registry.canonical_name(model)
    wanted = validated(changes or {})
    worker = service.running_worker(name)
    config = config_with(worker.defaults if worker is not None else defaults_for(name), wanted)
    with _lock:
        if wanted:
            _overrides[name] = wanted
        else:
            _overrides.pop(name, None)
    if worker is None:
        return None
    config = worker.reconfigure(max_batch_size=config.max_batch_size, max_wait_s=config.max_wait_s,
                                latency_target_s=config.latency_target_s)
    worker.metrics.new_window()  # the figures from now on show what the new knobs do
    return config


# -- across processes, through Redis -------------------------------------------------------------

def publish(client: Any, model: str, changes: dict[str, Any] | None) -> None:
    """Keep ``changes`` (None: remove them) for ``model`` in Redis and tell the inference workers."""
    name = registry.canonical_name(model)
    pipe = client.pipeline(transaction=True)
    if changes:
        pipe.hset(KEY, name, json.dumps(validated(changes)))
    else:
        pipe.hdel(KEY, name)
    pipe.publish(CHANNEL, name)
    pipe.execute()


def stored(client: Any, model: str | None = None) -> dict[str, dict[str, Any]]:
    """The changes kept in Redis, by model (only ``model``'s when given)."""
    if model is not None:
        name = registry.canonical_name(model)
        raw = client.hget(KEY, name)
        return {name: json.loads(raw)} if raw else {}
    return {key.decode(): json.loads(value) for key, value in client.hgetall(KEY).items()}


_listening: tuple[int, threading.Thread] | None = None


def listen(redis_url: str) -> threading.Thread:
    """Apply the changes kept in Redis now, and each one announced from now on, in this process (an
    inference worker); a thread that reconnects when Redis goes away. One per process."""
    global _listening
    with _lock:
        if _listening is not None and _listening[0] == os.getpid() and _listening[1].is_alive():
            return _listening[1]
        thread = threading.Thread(target=_listen, args=(redis_url,), name="sy-knobs", daemon=True)
        _listening = (os.getpid(), thread)
    thread.start()
    return thread


def _listen(redis_url: str) -> None:
    import redis

    away = False
    while True:
        try:
            client = redis.Redis.from_url(redis_url, socket_connect_timeout=2, health_check_interval=10)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            pubsub.subscribe(CHANNEL)
            _sync(stored(client))  # after subscribing: nothing announced from now on is missed
            if away:
                log.info("inference: knobs: Redis is back")
                away = False
            for message in pubsub.listen():
                name = message["data"].decode()
                _apply_logged(name, stored(client, name).get(name))
        except (redis.RedisError, OSError) as exc:
            if not away:
                log.warning("inference: knobs: Redis is away (%s); the knobs stay as they are until it is back", exc)
                away = True
            time.sleep(1.0)
        except Exception:  # a record this version cannot read: said, and listening goes on
            log.exception("inference: knobs: listening failed; listening again")
            time.sleep(1.0)


def _sync(kept: dict[str, dict[str, Any]]) -> None:
    with _lock:
        dropped = [name for name in _overrides if name not in kept]
    for name in dropped:
        _apply_logged(name, None)
    for name, changes in kept.items():
        _apply_logged(name, changes)


def _apply_logged(name: str, changes: dict[str, Any] | None) -> None:
    try:
        config = apply_here(name, changes)
    except (ValueError, registry.UnknownModel) as exc:
        log.error("inference: knobs for %s not applied: %s", name, exc)
        return
    log.info("inference: knobs for %s: %s%s", name, changes or "defaults",
             f" -> {config.as_dict()}" if config is not None else " (applied when it loads)")
