"""The batch queue and the worker, with a fake model and a fake clock."""
from __future__ import annotations

import asyncio
import threading

import pytest

from executor.inference.adaptive import AdaptiveTuner, fit_linear
from executor.inference.batcher import BatchConfig, BatchQueue, Call, QueueFullError
from executor.inference.metrics import ModelMetrics
from executor.inference.service import ModelWorker


def echo(*items) -> Call:
    return Call("echo", list(items))


def make_worker(model, clock, **knobs) -> ModelWorker:
    return ModelWorker(model, config=BatchConfig(**knobs), clock=clock, metrics=ModelMetrics("fake", clock=clock))


def test_requests_leave_in_arrival_order_and_each_gets_its_own_outputs(model, clock):
    worker = make_worker(model, clock, max_batch_size=8, max_wait_s=0.01)
    futures = [worker.submit(echo(f"a{i}", f"b{i}")) for i in range(3)]
    clock.advance(0.01)
    assert worker.run_once()
    assert model.batches == [[["a0", "b0"], ["a1", "b1"], ["a2", "b2"]]]
    assert [f.result(0) for f in futures] == [["a0!", "b0!"], ["a1!", "b1!"], ["a2!", "b2!"]]


def test_a_short_queue_waits_for_max_wait_before_its_batch_leaves(model, clock):
    worker = make_worker(model, clock, max_batch_size=8, max_wait_s=0.010)
    worker.submit(echo("x"))
    clock.advance(0.009)
    assert not worker.run_once()
    assert worker.queue.next_deadline() == pytest.approx(clock.now + 0.001)
    clock.advance(0.001)
    assert worker.run_once()
    assert model.batches == [[["x"]]]


def test_a_full_batch_leaves_at_once_without_waiting(model, clock):
    worker = make_worker(model, clock, max_batch_size=4, max_wait_s=10.0)
    for i in range(4):
        worker.submit(echo(i))
    assert worker.run_once()
    assert model.batches == [[[0], [1], [2], [3]]]


def test_a_batch_never_exceeds_max_batch_size_and_never_splits_a_request(model, clock):
    worker = make_worker(model, clock, max_batch_size=5, max_wait_s=0.0)
    for size in (2, 2, 2, 1):
        worker.submit(Call("echo", list(range(size))))
    while worker.run_once():
        pass
    assert [[len(call) for call in batch] for batch in model.batches] == [[2, 2], [2, 1]]


def test_preferred_batch_sizes_cut_the_batch_to_the_largest_one_the_queue_fills(model, clock):
    worker = make_worker(model, clock, max_batch_size=16, max_wait_s=0.0, preferred_batch_sizes=(4, 8))
    for i in range(11):
        worker.submit(echo(i))
    while worker.run_once():
        pass
    assert [sum(len(call) for call in batch) for batch in model.batches] == [8, 3]


def test_a_request_larger_than_a_batch_runs_alone_in_batch_sized_pieces(model, clock):
    worker = make_worker(model, clock, max_batch_size=4, max_wait_s=0.0)
    big = worker.submit(Call("echo", list(range(10))))
    small = worker.submit(echo("after"))
    worker.run_once()
    assert [len(batch[0]) for batch in model.batches] == [4, 4, 2]
    assert big.result(0) == [f"{i}!" for i in range(10)]
    assert not small.done()


def test_a_full_queue_with_the_reject_policy_raises_an_error_that_says_what_to_change(model, clock):
    worker = make_worker(model, clock, queue_capacity=3, full_queue_policy="reject", max_wait_s=1.0)
    worker.submit(echo(1, 2))
    with pytest.raises(QueueFullError, match="SWITCHYARD_BATCH_QUEUE_CAPACITY") as raised:
        worker.submit(echo(3, 4))
    assert "2 of 3 items" in str(raised.value)
    assert worker.metrics.rejected == 1


def test_an_empty_queue_takes_a_request_larger_than_its_capacity():
    queue = BatchQueue(BatchConfig(queue_capacity=2))
    queue.put(echo(1, 2, 3))
    assert queue.depth == 3


def test_a_full_queue_with_the_block_policy_holds_the_caller_until_a_batch_leaves(model, clock):
    worker = make_worker(model, clock, queue_capacity=2, max_batch_size=2, max_wait_s=0.0)
    worker.submit(echo(1, 2))
    admitted = threading.Event()
    blocked = threading.Thread(target=lambda: (worker.submit(echo(3)), admitted.set()))
    blocked.start()
    assert not admitted.wait(0.1)
    worker.run_once()
    assert admitted.wait(2.0)
    blocked.join()
    assert worker.queue.depth == 1


@pytest.mark.asyncio
async def test_a_full_queue_with_the_block_policy_makes_asyncio_callers_wait_without_a_thread(model, clock):
    worker = make_worker(model, clock, queue_capacity=1, max_batch_size=1, max_wait_s=0.0)
    first = worker.submit(echo("first"))
    second = asyncio.ensure_future(worker.asubmit(echo("second")))
    await asyncio.sleep(0.01)
    assert worker.queue.depth == 1 and not second.done()
    worker.run_once()  # room for "second"
    await asyncio.sleep(0.01)
    worker.run_once()
    assert first.result(0) == ["first!"]
    assert await asyncio.wait_for(second, 1.0) == ["second!"]


def test_blocking_gives_up_with_queue_full_after_the_block_timeout(model, clock):
    worker = make_worker(model, clock, queue_capacity=1, block_timeout_s=0.0)
    worker.submit(echo(1))
    with pytest.raises(QueueFullError, match="gave up"):
        worker.submit(echo(2))


def test_cancelled_requests_are_skipped_and_never_reach_the_model(model, clock):
    worker = make_worker(model, clock, max_batch_size=8, max_wait_s=0.0)
    stopped = {"flag": False}
    kept = worker.submit(echo("kept"))
    withdrawn = worker.submit(echo("withdrawn"))
    of_stopped_execution = worker.submit(echo("stopped"), is_cancelled=lambda: stopped["flag"])
    withdrawn.cancel()
    stopped["flag"] = True
    worker.run_once()
    assert model.batches == [[["kept"]]]
    assert kept.result(0) == ["kept!"]
    assert of_stopped_execution.cancelled()
    assert worker.metrics.cancelled == 2


@pytest.mark.asyncio
async def test_cancelling_the_awaiting_task_withdraws_its_request(model, clock):
    worker = make_worker(model, clock, max_wait_s=1.0)
    task = asyncio.ensure_future(worker.asubmit(echo("gone")))
    await asyncio.sleep(0.01)
    task.cancel()
    await asyncio.sleep(0.01)
    clock.advance(1.0)
    assert not worker.run_once()
    assert model.batches == []


def test_a_request_already_running_is_not_withdrawn_by_a_late_cancel(model, clock):
    queue = BatchQueue(BatchConfig(max_wait_s=0.0), clock=clock)
    request = queue.put(echo(1))
    assert queue.take() == [request]
    assert not request.future.cancel()


def test_a_model_failure_reaches_every_request_of_its_batch(model, clock):
    worker = make_worker(model, clock, max_wait_s=0.0)
    futures = [worker.submit(Call("explode", [1])), worker.submit(echo(2))]
    worker.run_once()
    for future in futures:
        with pytest.raises(RuntimeError, match="blew up"):
            future.result(0)
    assert worker.metrics.errors == 2


def test_changed_knobs_apply_to_the_next_batch(model, clock):
    worker = make_worker(model, clock, max_batch_size=2, max_wait_s=5.0)
    for i in range(6):
        worker.submit(echo(i))
    worker.run_once()
    worker.reconfigure(max_batch_size=4)
    worker.run_once()
    assert [len(batch) for batch in model.batches] == [2, 4]
    worker.submit(echo("late"))
    assert not worker.run_once()
    worker.reconfigure(max_wait_s=0.0)
    assert worker.run_once()
    assert worker.metrics.as_dict()["config"]["max_wait_ms"] == 0.0


def test_a_bad_knob_is_refused_and_the_old_config_stays(model, clock):
    worker = make_worker(model, clock, max_batch_size=2)
    with pytest.raises(ValueError, match="max_batch_size must be at least 1"):
        worker.reconfigure(max_batch_size=0)
    assert worker.config.max_batch_size == 2


def test_a_config_lists_every_problem_at_once():
    with pytest.raises(ValueError) as raised:
        BatchConfig(max_batch_size=0, max_wait_s=-1, full_queue_policy="drop")
    assert all(word in str(raised.value) for word in ("max_batch_size", "max_wait_s", "full_queue_policy"))


def test_adaptive_mode_settles_on_the_largest_batch_that_meets_the_latency_target(model, clock):
    # Compute costs 2 ms + 1 ms/item: 2*c(n) <= 50 ms allows n <= 23, so 16 among powers of two.
    worker = make_worker(model, clock, max_batch_size=1, max_wait_s=0.0, latency_target_s=0.050)
    for _ in range(40):
        for i in range(64):
            worker.submit(echo(i))
        while worker.run_once():
            pass
    assert worker.config.max_batch_size == 16
    assert worker.config.max_wait_s == pytest.approx(0.050 - 2 * 0.018, abs=1e-6)
    assert sum(len(call) for call in model.batches[-1]) == 16


def test_adaptive_mode_never_grows_more_than_twofold_past_what_it_has_measured():
    tuner = AdaptiveTuner()
    tuner.observe(4, 0.004)
    assert tuner.suggest(latency_target_s=10.0, ceiling=256) == (8, 0.008)


def test_a_line_fitted_to_one_batch_size_passes_through_the_origin():
    assert fit_linear([(4, 0.008), (4, 0.008)]) == (0.0, 0.002)
    a, b = fit_linear([(1, 0.003), (10, 0.012)])
    assert (a, b) == (pytest.approx(0.002), pytest.approx(0.001))


def test_metrics_report_batch_sizes_fill_waits_and_compute_times(model, clock):
    worker = make_worker(model, clock, max_batch_size=4, max_wait_s=0.010)
    for i in range(4):
        worker.submit(echo(i))
    worker.run_once()
    worker.submit(echo("alone"))
    clock.advance(0.010)
    worker.run_once()
    stats = worker.metrics.as_dict()
    assert stats["batches"] == 2 and stats["items"] == 5 and stats["requests"] == 5
    assert stats["batch_size_histogram"] == {"1": 1, "4": 1}
    assert stats["batch_size_mean"] == 2.5
    assert stats["fill_ratio"] == pytest.approx((1.0 + 0.25) / 2)
    assert stats["queue_wait_ms"]["p99"] == pytest.approx(10.0)
    assert stats["compute_ms"]["p50"] == pytest.approx(3.0)
    assert stats["items_per_s"] > 0
    assert stats["memory"]["kind"] == "rss"


@pytest.mark.asyncio
async def test_the_worker_thread_batches_thousands_of_concurrent_asyncio_requests():
    import time

    from tests.inference.conftest import FakeModel

    model = FakeModel(clock=type("NoClock", (), {"advance": lambda self, s: None})())
    worker = ModelWorker(model, config=BatchConfig(max_batch_size=64, max_wait_s=0.002),
                         clock=time.monotonic, metrics=ModelMetrics("fake")).start()
    try:
        results = await asyncio.gather(*(worker.asubmit(echo(i)) for i in range(2000)))
    finally:
        worker.stop()
    assert results == [[f"{i}!"] for i in range(2000)]
    assert len(model.batches) < 200
