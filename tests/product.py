"""The whole product, started as `make run` starts it (config/serve.py), for tests and benchmarks.

Its own SQLite file, its own Redis database (emptied first), a free port on 127.0.0.1; every
process it starts is stopped by :meth:`Product.stop`.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
import redis
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[1]
ROLE_ARN = "arn:aws:iam::123456789012:role/test"
TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}

__all__ = ["Product", "free_port", "ROLE_ARN", "TERMINAL"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Product:
    """``python -m config.serve`` with its workers, on a database and a Redis of its own."""

    def __init__(self, workdir: Path, *, redis_url: str, runtime: str = "celery", state_workers: int = 2,
                 inference: bool = False, database_url: str | None = None, **env: str):
        self.workdir = Path(workdir)
        self.redis_url = redis_url
        self.runtime = runtime
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "REDIS_URL": redis_url, "SWITCHYARD_RUNTIME": runtime,
                    "DATABASE_URL": database_url or f"sqlite:///{self.workdir / 'db.sqlite3'}",
                    "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING", **env}
        for name in ("SWITCHYARD_STORE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "SWITCHYARD_SINK"):
            self.env.pop(name, None)
        self.args = ["--state-workers", str(state_workers), *([] if inference else ["--no-inference"])]
        self.proc: subprocess.Popen | None = None
        self.log_path = self.workdir / "product.log"

    def start(self, timeout: float = 60, *, fresh: bool = True) -> Product:
        """Start it; ``fresh`` False starts it again on what the last run left (its database and
        Redis), as `make run` after a crash does."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        if fresh:
            redis.Redis.from_url(self.redis_url).flushdb()
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=self.env,
                       check=True, timeout=120)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "config.serve", "--port", str(self.port), *self.args], cwd=ROOT, env=self.env,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        client = redis.Redis.from_url(self.redis_url)
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the product exited with {self.proc.returncode}; see {self.log_path}")
            web = self._answers()
            workers = self.runtime != "celery" or any(client.scan_iter("sy:wk:states@*:alive"))
            if web and workers:
                return
            time.sleep(0.2)
        raise TimeoutError(f"the product did not start in {timeout}s; see {self.log_path}")

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    def sfn(self, **config):
        return boto3.client(
            "stepfunctions", endpoint_url=self.url, region_name="us-east-1", aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(retries={"max_attempts": 1, "mode": "standard"}, inject_host_prefix=False,
                          read_timeout=60, max_pool_connections=50, **config))

    def pids(self) -> list[int]:
        """Every process of the product (the server, supervisors, workers, pool processes)."""
        out = subprocess.run(["ps", "-o", "pid=", "-g", str(self.proc.pid)], capture_output=True, text=True)
        return [int(p) for p in out.stdout.split()]

    def kill(self) -> None:
        """SIGKILL every process of the product at once, as a crash or an OOM kill of the group would."""
        pids = self.pids()
        os.killpg(self.proc.pid, signal.SIGKILL)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(5)

    def __enter__(self) -> Product:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def wait_all(sfn, arns: list[str], timeout: float) -> dict[str, str]:
    """Poll ListExecutions until every one of ``arns`` has ended; return ARN -> status."""
    deadline = time.monotonic() + timeout
    status: dict[str, str] = {}
    machine = sfn.describe_execution(executionArn=arns[0])["stateMachineArn"]
    while time.monotonic() < deadline:
        status = {}
        for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine):
            status.update({e["executionArn"]: e["status"] for e in page["executions"]})
        if all(status.get(a) in TERMINAL for a in arns):
            return status
        time.sleep(0.2)
    return status
