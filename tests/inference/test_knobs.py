"""Batching knobs turned while a model runs: in this process, and through Redis as the inference
workers get them (a real Redis; the listener runs here as it runs in a worker)."""
from __future__ import annotations

import time

import pytest
import redis

from executor.inference import knobs, registry, service
from executor.inference.batcher import BatchConfig
from tests.inference.test_sagemaker import LengthModel

REDIS = "redis://127.0.0.1:6379/13"


@pytest.fixture(autouse=True)
def length_model(monkeypatch):
    monkeypatch.setenv("SWITCHYARD_DEVICE", "cpu")
    monkeypatch.setenv("SWITCHYARD_BATCH_MAX_WAIT_MS", "3")
    registry.register_model("knob-length", LengthModel)
    yield
    knobs.apply_here("knob-length", None)
    service.shutdown_workers()


def test_knobs_out_of_bounds_or_unknown_are_refused_naming_the_knob():
    assert knobs.validated({"max_batch_size": 8, "max_wait_ms": 2.5, "latency_target_ms": None}) == {
        "max_batch_size": 8, "max_wait_ms": 2.5, "latency_target_ms": None}
    for bad, named in [({"max_batch_size": 0}, "max_batch_size"), ({"max_batch_size": 2.5}, "max_batch_size"),
                       ({"max_batch_size": True}, "max_batch_size"), ({"max_wait_ms": -1}, "max_wait_ms"),
                       ({"max_wait_ms": "5"}, "max_wait_ms"), ({"latency_target_ms": 0}, "latency_target_ms"),
                       ({"queue_capacity": 5}, "queue_capacity")]:
        with pytest.raises(ValueError, match=f"^{named}: "):
            knobs.validated(bad)


def test_a_knob_set_by_hand_takes_the_batcher_off_adaptive_mode():
    adaptive = BatchConfig(max_batch_size=32, max_wait_s=0.004, latency_target_s=0.05)
    assert knobs.config_with(adaptive, {"max_batch_size": 4}) == BatchConfig(max_batch_size=4, max_wait_s=0.004)
    kept = knobs.config_with(adaptive, {"max_wait_ms": 1, "latency_target_ms": 80})
    assert (kept.max_wait_s, kept.latency_target_s, kept.max_batch_size) == (0.001, 0.08, 32)
    assert knobs.config_with(adaptive, {}) == adaptive


def test_knobs_reach_a_running_batcher_and_one_loaded_later_and_reset_to_the_defaults():
    defaults = knobs.defaults_for("knob-length")
    assert defaults.max_wait_s == 0.003  # the setting over the model's own

    assert knobs.apply_here("knob-length", {"max_batch_size": 2, "max_wait_ms": 2000}) is None  # not loaded: kept
    worker = service.get_worker("knob-length")
    assert (worker.config.max_batch_size, worker.config.max_wait_s) == (2, 2.0)
    assert worker.metrics.as_dict()["config"]["max_batch_size"] == 2, "the live view shows the knobs"

    # A batch leaves when 2 items wait (never by the long wait): ten one-item calls make five batches.
    calls = [worker.submit(_call(i)) for i in range(10)]
    assert [future.result(10) for future in calls] == [[[float(i)]] for i in range(10)]
    assert worker.metrics.batches == 5

    assert worker.metrics.as_dict()["batch_size_mean"] == 2
    config = knobs.apply_here("knob-length", {"max_batch_size": 16, "max_wait_ms": 40})
    assert (config.max_batch_size, config.max_wait_s) == (16, 0.04) and worker.config == config
    figures = worker.metrics.as_dict()
    assert figures["batch_size_mean"] is None and figures["batches"] == 5, "recent figures afresh, counters on"
    assert knobs.apply_here("knob-length", None) == defaults
    assert knobs.overrides("knob-length") == {}


def test_knobs_kept_in_redis_reach_the_listening_process_and_survive_a_new_load():
    client = redis.Redis.from_url(REDIS)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    client.delete(knobs.KEY)
    worker = service.get_worker("knob-length")
    knobs.listen(REDIS)
    _until(lambda: _subscribed(client), "the listener subscribed")

    knobs.publish(client, "knob-length", {"max_batch_size": 3, "max_wait_ms": 7})
    _until(lambda: worker.config.max_batch_size == 3, "the knobs applied")
    assert worker.config.max_wait_s == 0.007
    assert knobs.stored(client) == {"knob-length": {"max_batch_size": 3, "max_wait_ms": 7}}

    service.shutdown_workers()  # a worker that loads the model again starts with them
    assert service.get_worker("knob-length").config.max_batch_size == 3

    knobs.publish(client, "knob-length", None)
    _until(lambda: service.running_worker("knob-length").config == knobs.defaults_for("knob-length"),
           "back to the defaults")
    assert client.hget(knobs.KEY, "knob-length") is None


def _call(i: int):
    from executor.inference.batcher import Call

    return Call("embed", ["x" * i])


def _subscribed(client) -> bool:
    return any(count for _, count in client.pubsub_numsub(knobs.CHANNEL))


def _until(predicate, what: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.01)
