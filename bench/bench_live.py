"""Benchmark of the live view: from an event being written to it reaching a websocket client.

    .venv/bin/python -m bench.bench_live [--rate 1000] [--seconds 10]

Runs the real parts: a daphne process serving config.asgi, the Redis pub/sub channel layer
(BENCH_REDIS_URL, default redis://127.0.0.1:6379/6), a SQLite file under var/, and a writer
process that hands events to the Django sink at ``--rate`` events/s for ``--seconds`` s, as a
runtime does (the sink writes them, then publishes what it committed). The client here
records when each event arrives; each event carries its write time as its timestamp.

Then the floor, in the same run: FLOOR_MESSAGES messages of one event each sent straight to
the channel layer (no sink, no database, no coalescing), 20 a second, as the coalesced
messages go: what Redis, daphne and the consumer cost by themselves.

Prints ``name: value unit`` lines: latency p50/p99/max, events lost or repeated, the rate
sustained, websocket messages/s (the coalescing), p99 as a ratio of the 100 ms limit, the
part of the latency the sink's database commit takes (p50/p99), and the floor's p50/p99.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
DB_FILE = ROOT / "var" / "bench-live.sqlite3"
DAPHNE_LOG = ROOT / "var" / "bench-live-daphne.log"
LIMIT_P99_MS = 100.0
FLOOR_MESSAGES = 200


def out(name: str, value: float, unit: str) -> None:
    print(f"{name}: {value:.4g} {unit}", flush=True)


def environment() -> dict[str, str]:
    return dict(os.environ, DATABASE_URL=f"sqlite:///{DB_FILE}", SWITCHYARD_CHANNEL_LAYER="redis",
                SWITCHYARD_CHANNEL_REDIS_URL=URL, REDIS_URL=URL, SWITCHYARD_RUNTIME="embedded",
                DJANGO_SETTINGS_MODULE="config.settings", PYTHONPATH=str(ROOT), LOG_LEVEL="WARNING")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_daphne(port: int) -> subprocess.Popen:
    log = open(DAPHNE_LOG, "wb")  # a file, not a pipe: a full pipe would stall daphne
    proc = subprocess.Popen([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
                             "config.asgi:application"], cwd=ROOT, env=environment(),
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"daphne exited; see {DAPHNE_LOG}") from None
            time.sleep(0.1)
    raise SystemExit("daphne did not start within 60 s")


# --- the writer process: Django, the sink, events at a steady rate


def write(rate: float, seconds: float) -> None:
    import django

    django.setup()
    from django.utils import timezone

    from designer import arns
    from designer.models import Execution, StateMachine
    from designer.sink import DjangoExecutionSink

    name = f"bench-{os.getpid()}"
    machine = StateMachine.objects.create(name=name, arn=arns.state_machine_arn(name), role_arn="r",
                                          definition='{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}')
    execution = Execution.objects.create(arn=arns.execution_arn(name, "run"), name="run", state_machine=machine,
                                         definition=machine.definition, start_date=timezone.now())
    committed = watch_commits()
    print(execution.arn, flush=True)
    sys.stdin.readline()  # the client is connected
    sink, total = DjangoExecutionSink(), int(rate * seconds)
    start = time.monotonic()
    for i in range(1, total + 1):
        delay = start + (i - 1) / rate - time.monotonic()
        if delay > 0.001:
            time.sleep(delay)
        sink.append_events(execution.arn, [{
            "id": i, "previousEventId": i - 1, "timestamp": time.time(), "type": "TaskStateEntered",
            "stateEnteredEventDetails": {"name": f"State{i % 50}", "input": '{"item": 1}'}}])
    elapsed = time.monotonic() - start
    sink.flush(timeout=60)
    asyncio.run(send_floor(execution.arn, total))
    print(json.dumps({"written": total, "seconds": elapsed, "committed_ms": committed}), flush=True)


def watch_commits() -> list[float]:
    """Record, for each event, how long the sink took to commit it (the part of the latency that
    is the database's), by wrapping the sink's call to the publisher."""
    import designer.sink

    delays: list[float] = []
    publish = designer.sink.publish_batch

    def timed(batch: list[tuple], *rest) -> None:
        now = time.time()
        delays.extend((now - e["timestamp"]) * 1000 for kind, _, events in batch if kind == "events"
                      for e in events)
        publish(batch, *rest)

    designer.sink.publish_batch = timed
    return delays


async def send_floor(arn: str, after: int) -> None:
    from channels.layers import get_channel_layer

    from designer.live.groups import execution_group
    from designer.live.publisher import MESSAGE_TYPE

    await asyncio.sleep(1)  # the last coalesced messages are out of the way
    layer = get_channel_layer()
    for k in range(1, FLOOR_MESSAGES + 1):
        event = {"id": after + k, "previousEventId": after + k - 1, "timestamp": time.time(), "type": "Floor"}
        await layer.group_send(execution_group(arn), {"type": MESSAGE_TYPE, "events": [event], "statuses": []})
        await asyncio.sleep(0.05)


# --- the client: this process


async def measure(port: int, rate: float, seconds: float) -> None:
    import websockets

    writer = subprocess.Popen([sys.executable, "-m", "bench.bench_live", "--write", "--rate", str(rate),
                               "--seconds", str(seconds)], cwd=ROOT, env=environment(), stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    arn = (await asyncio.to_thread(writer.stdout.readline)).strip()
    latencies: list[float] = []
    floor: list[float] = []
    ids: list[int] = []
    frames = 0
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws/executions/{arn}?metrics=0", max_size=None) as ws:
        json.loads(await ws.recv())  # the RUNNING status: subscribed and caught up
        writer.stdin.write("go\n")
        writer.stdin.flush()
        total = int(rate * seconds)
        deadline = time.monotonic() + seconds + 60
        while len(ids) < total + FLOOR_MESSAGES and time.monotonic() < deadline:
            try:
                message = json.loads(await asyncio.wait_for(ws.recv(), timeout=max(deadline - time.monotonic(), 0)))
            except asyncio.TimeoutError:
                break
            now = time.time()
            events = [message["event"]] if message["type"] == "event" else message.get("events", [])
            frames += bool(events) and events[0]["id"] <= total
            for event in events:
                ids.append(event["id"])
                (latencies if event["id"] <= total else floor).append((now - event["timestamp"]) * 1000)
    report = json.loads(await asyncio.to_thread(writer.stdout.readline))
    writer.wait(30)
    p99 = percentile(latencies, 99)
    out("live_events_written", report["written"], "events")
    out("live_write_rate", report["written"] / report["seconds"], "events/s")
    out("live_latency_p50", percentile(latencies, 50), "ms")
    out("live_latency_p99", p99, "ms")
    out("live_latency_max", max(latencies, default=float("nan")), "ms")
    lost = sorted(set(range(1, total + FLOOR_MESSAGES + 1)) - set(ids))
    if lost:
        print(f"# lost ids: {lost[:5]} ... {lost[-5:]}", file=sys.stderr)
    out("live_events_lost", len(lost), "events")
    out("live_events_repeated", len(ids) - len(set(ids)), "events")
    out("live_events_out_of_order", sum(b < a for a, b in zip(ids, ids[1:])), "events")
    out("live_websocket_messages_per_s", frames / report["seconds"], "messages/s")
    out("live_p99_vs_limit", p99 / LIMIT_P99_MS, f"x (limit {LIMIT_P99_MS:.0f} ms; under 1 passes)")
    out("sink_commit_p50", percentile(report["committed_ms"], 50), "ms")
    out("sink_commit_p99", percentile(report["committed_ms"], 99), "ms")
    out("floor_layer_to_websocket_p50", percentile(floor, 50), "ms")
    out("floor_layer_to_websocket_p99", percentile(floor, 99), "ms")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(max(int(q / 100 * len(ordered) + 0.5) - 1, 0), len(ordered) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--write", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write:
        return write(args.rate, args.seconds)
    DB_FILE.parent.mkdir(exist_ok=True)
    DB_FILE.unlink(missing_ok=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=environment(),
                   check=True)
    port = free_port()
    daphne = start_daphne(port)
    try:
        asyncio.run(measure(port, args.rate, args.seconds))
    finally:
        daphne.terminate()
        daphne.wait(10)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DB_FILE}{suffix}").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
