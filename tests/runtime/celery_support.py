"""Real Celery workers for the runtime tests: subprocesses on a dedicated Redis database.

Every wait is bounded, and every worker started here is stopped in teardown.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import redis
from celery import Celery

from config.celery import celery_settings
from executor.runtime.base import ExecutionRequest

ROOT = Path(__file__).resolve().parents[2]
TEST_REDIS_URL = os.environ.get("SWITCHYARD_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
ACCOUNT, REGION = "123456789012", "us-east-1"
LAMBDA = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:"


def redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


def make_app(url: str) -> Celery:
    """A Celery app configured exactly as config/celery.py configures the workers', for ``url``."""
    app = Celery(f"switchyard-test-{uuid.uuid4().hex[:6]}")
    app.conf.update(celery_settings({"REDIS_URL": url}))
    return app


def worker_env(url: str, **extra: str) -> dict:
    env = dict(os.environ)
    env.update({
        "REDIS_URL": url, "SWITCHYARD_HANDLERS": "tests.runtime.celery_handlers", "SWITCHYARD_SINK": "",
        "SWITCHYARD_LOCK_TTL_S": "5", "SWITCHYARD_VISIBILITY_TIMEOUT": "30", "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    })
    env.pop("SWITCHYARD_STORE_URL", None)
    env.pop("CELERY_BROKER_URL", None)
    env.pop("CELERY_RESULT_BACKEND", None)
    env.update(extra)
    return env


class Workers:
    """``celery -A config worker`` processes, each named ``wN-<run>@host``."""

    def __init__(self, url: str, *, log_dir: Path, **env: str):
        self.url = url
        self.env = worker_env(url, **env)
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen] = []
        self.names: list[str] = []
        self.run = uuid.uuid4().hex[:6]

    def start(self, count: int = 1, concurrency: int = 2, queues: str = "states", timeout: float = 40,
              supervised: bool = False) -> None:
        """Start ``count`` workers; ``supervised`` runs each as `make run` does, restarted when it dies."""
        for _ in range(count):
            name = f"w{len(self.procs) + 1}-{self.run}"
            log = open(self.log_dir / f"{name}.log", "ab")
            wrapper = [sys.executable, "-m", "config.supervise", name, "--"] if supervised else []
            proc = subprocess.Popen(
                [*wrapper, sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queues,
                 "-c", str(concurrency), "-P", "prefork", "--without-heartbeat", "--without-gossip",
                 "--without-mingle", "-n", f"{name}@%h", "-l", "info"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            self.procs.append(proc)
            self.names.append(name)
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 40) -> None:
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            alive = [client.exists(f"sy:wk:{n}@{os.uname().nodename}:alive") for n in self.names]
            if all(alive):
                return
            for proc in self.procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"a worker exited with {proc.returncode}; see {self.log_dir}")
            time.sleep(0.1)
        raise TimeoutError(f"workers not ready after {timeout}s; see {self.log_dir}")

    def children(self) -> list[int]:
        """Pids of the pool processes of every worker."""
        pids = []
        for proc in self.procs:
            out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(proc.pid)], capture_output=True, text=True)
            pids.extend(int(p) for p in out.stdout.split())
        return pids

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 10
        for proc in self.procs:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(5)
        self.procs.clear()


def request(definition: dict, input_value=None, name: str | None = None, type: str = "STANDARD"
            ) -> ExecutionRequest:
    name = name or uuid.uuid4().hex
    return ExecutionRequest(
        execution_arn=f"arn:aws:states:{REGION}:{ACCOUNT}:execution:test:{name}",
        state_machine_arn=f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:test", state_machine_name="test",
        name=name, definition=json.dumps(definition), input=json.dumps(input_value if input_value is not None else {}),
        role_arn=f"arn:aws:iam::{ACCOUNT}:role/test", start_time=time.time(), type=type)


def wait_for(predicate, timeout: float, interval: float = 0.02, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"{what} not met within {timeout}s")
