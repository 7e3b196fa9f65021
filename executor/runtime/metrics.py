"""Worker and queue metrics, read from Redis: cheap enough to poll every second.

Workers keep their own records (Celery signals): ``sy:wk:{node}`` is a hash of
pool process id -> the task it runs now, and ``sy:wk:{node}:alive`` a key that
the worker's main process refreshes every few seconds. A worker that died
stops being listed when that key lapses; a pool process that died is cleared
by its worker's main process.
"""
from __future__ import annotations

import json
import os
import socket
import threading
import time
from typing import Any

import redis

from .store import holder_is_dead, keys, sync_client

__all__ = ["runtime_metrics", "connect_worker_signals", "QUEUES", "total_slots"]

QUEUES = ("states", "inference")
_ALIVE_TTL_S = 10
_WORKERS = "sy:workers"
_slots = 1
_connected = False
_node: str | None = None


def runtime_metrics(client: redis.Redis | None = None, queues: tuple[str, ...] = QUEUES) -> dict[str, Any]:
    """Return ``{"time", "queues": {name: depth}, "unacked", "executions_running",
    "workers": {node: {"running": n, "concurrency": n, "tasks": {task name: n}}},
    "hosts": {driver host: executions held}}`` (four round trips)."""
    client = client or sync_client()
    pipe = client.pipeline(transaction=False)
    for queue in queues:
        pipe.llen(queue)
    pipe.hlen("unacked")
    pipe.scard(keys.RUNNING)
    pipe.smembers(_WORKERS)
    out = pipe.execute()
    depths = dict(zip(queues, out[: len(queues)]))
    unacked, running, members = out[len(queues):]
    known = sorted(m.decode() for m in members)
    alive = client.mget([f"sy:wk:{node}:alive" for node in known]) if known else []
    nodes = [node for node, flag in zip(known, alive) if flag is not None]
    slots = {node: flag for node, flag in zip(known, alive) if flag is not None}
    workers: dict[str, Any] = {}
    if nodes:
        pipe = client.pipeline(transaction=False)
        for node in nodes:
            pipe.hgetall(f"sy:wk:{node}")
        for node, busy in zip(nodes, pipe.execute()):
            tasks: dict[str, int] = {}
            for name in busy.values():
                tasks[name.decode()] = tasks.get(name.decode(), 0) + 1
            workers[node] = {"running": len(busy), "tasks": tasks, "concurrency": int(slots[node])}
    return {"time": time.time(), "queues": depths, "unacked": unacked, "executions_running": running,
            "workers": workers, "hosts": _hosts(client)}


def _hosts(client: redis.Redis) -> dict[str, int]:
    """Executions held by each live driver host (a host that stopped reporting is dropped)."""
    now, out, gone = time.time(), {}, []
    for owner, raw in client.hgetall(keys.HOSTS).items():
        record = json.loads(raw)
        if now - record["at"] > _ALIVE_TTL_S:
            gone.append(owner)
        else:
            out[owner.decode()] = record["held"]
    if gone:
        client.hdel(keys.HOSTS, *gone)
    return out


def total_slots(client: redis.Redis) -> int:
    """How many pool processes the live workers have in all (0 when none is known)."""
    known = [m.decode() for m in client.smembers(_WORKERS)]
    values = client.mget([f"sy:wk:{node}:alive" for node in known]) if known else []
    return sum(int(v) for v in values if v is not None and v.isdigit())


def connect_worker_signals() -> None:
    """Keep the per-worker records up to date (called when the tasks module is imported)."""
    global _connected
    if _connected:
        return
    _connected = True
    from celery import signals

    signals.worker_ready.connect(_on_worker_ready, weak=False)
    signals.worker_shutdown.connect(_on_worker_shutdown, weak=False)
    signals.task_prerun.connect(_on_prerun, weak=False)
    signals.task_postrun.connect(_on_postrun, weak=False)


def _node_name(sender: Any = None) -> str:
    global _node
    if _node is None:
        hostname = getattr(getattr(sender, "request", None), "hostname", None)
        _node = hostname or os.environ.get("SWITCHYARD_WORKER_NAME") or f"worker@{os.uname().nodename}"
    return _node


def _on_worker_ready(sender=None, **_):
    global _node, _slots
    _node = getattr(sender, "hostname", None) or _node_name()
    controller = getattr(sender, "controller", None)
    _slots = int(getattr(controller, "concurrency", 0) or getattr(getattr(sender, "pool", None), "num_processes", 0)
                 or 1)
    os.environ["SWITCHYARD_WORKER_NAME"] = _node  # pool processes forked later inherit it
    client = sync_client()
    client.delete(f"sy:wk:{_node}")
    client.sadd(_WORKERS, _node)
    threading.Thread(target=_keep_alive, args=(_node,), name="sy-metrics", daemon=True).start()


def _keep_alive(node: str) -> None:
    while True:
        try:
            client = sync_client()
            client.set(f"sy:wk:{node}:alive", _slots, ex=_ALIVE_TTL_S)
            for pid, _task in client.hgetall(f"sy:wk:{node}").items():
                if holder_is_dead(f"{socket.gethostname()}:{pid.decode()}:x"):
                    client.hdel(f"sy:wk:{node}", pid)
        except redis.RedisError:
            pass
        time.sleep(_ALIVE_TTL_S / 3)


def _on_worker_shutdown(**_):
    try:
        sync_client().delete(f"sy:wk:{_node_name()}:alive", f"sy:wk:{_node_name()}")
    except redis.RedisError:
        pass


def _on_prerun(task=None, **_):
    try:
        sync_client().hset(f"sy:wk:{_node_name(task)}", str(os.getpid()), task.name if task else "?")
    except redis.RedisError:
        pass


def _on_postrun(task=None, **_):
    try:
        sync_client().hdel(f"sy:wk:{_node_name(task)}", str(os.getpid()))
    except redis.RedisError:
        pass
