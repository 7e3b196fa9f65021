"""Serve Switchyard: ``python -m config.serve [--host H] [--port P] [--state-workers N]``.

What `make run` runs once the database is migrated. With the Celery runtime it starts,
beside daphne, the state workers (drivers and Task work, queue ``states``) and one
batched inference worker (queue ``inference``), each kept alive by config/supervise.py
and writing history straight to the database; they stop with the server. Tests and
benchmarks start the product through this module too, so they measure what users run.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

from config.runtime_choice import DEFAULT_REDIS_URL, choose_runtime

__all__ = ["commands", "main"]

ROOT = Path(__file__).resolve().parent.parent


def commands(*, host: str, port: int, state_workers: int, inference: bool, runtime: str) -> list[list[str]]:
    """The processes to start, the web server last."""
    python = sys.executable
    # daphne (config/web.py); a line per request only where ACCESS_LOG names a file, or - for stdout
    access_log = os.environ.get("ACCESS_LOG", "")
    daphne = [python, "-m", "config.web", "-b", host, "-p", str(port),
              *(["--access-log", access_log] if access_log else ["-v", "0"]), "config.asgi:application"]
    if runtime != "celery":
        return [daphne]
    celery = [python, "-m", "celery", "-A", "config", "worker", "--loglevel", "WARNING", "--without-gossip",
              "--without-mingle"]
    procs = [[python, "-m", "config.supervise", "states", "--", *celery, "-Q", "states", "-c", str(state_workers),
              "-P", "prefork", "-n", "states@%h"]]
    if inference:
        procs.append([python, "-m", "config.supervise", "inference", "--", *celery, "-Q", "inference", "-P",
                      "threads", "-c", "64", "--prefetch-multiplier", "1", "-n", "inference@%h"])
    return [*procs, daphne]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--state-workers", type=int, default=int(os.environ.get("STATE_WORKERS", "2")))
    parser.add_argument("--no-inference", action="store_true", help="start no inference worker")
    args = parser.parse_args(argv)
    runtime, _why = choose_runtime(os.environ.get("SWITCHYARD_RUNTIME", "auto"),
                                  os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL)
    env = dict(os.environ)
    # The web process resumes the executions a stopped or crashed server left running.
    env["SWITCHYARD_RESUME_ON_START"] = "1"
    if runtime == "celery":
        env.setdefault("SWITCHYARD_SINK", "designer.sink:get_sink")
        env["SWITCHYARD_RUNTIME"] = "celery"  # the web process must agree with the workers
    cmds = commands(host=args.host, port=args.port, state_workers=args.state_workers,
                    inference=not args.no_inference, runtime=runtime)
    procs = [subprocess.Popen(cmd, cwd=ROOT, env=env) for cmd in cmds]
    if runtime == "celery":
        print(f"Celery workers: states (concurrency {args.state_workers}, pid {procs[0].pid})"
              + (f", inference (pid {procs[1].pid})" if len(procs) > 2 else ""), flush=True)

    def stop(signum, _frame):
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    code = procs[-1].wait()  # the web server; the workers go with it
    stop(signal.SIGTERM, None)
    for proc in procs[:-1]:
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
    return code


if __name__ == "__main__":
    sys.exit(main())
