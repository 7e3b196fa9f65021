"""Batch-size tuning: sweep a model over batch sizes, measure, plot, recommend.

``python manage.py tune_batch MODEL`` is a thin shell over :func:`tune`. The
model is called directly (no queue), so the figures are the model's own: items
per second, the latency of one batch (p50/p99), and peak memory (CUDA
allocator peak on a GPU, peak RSS on the CPU).

The recommendation applies the rule adaptive mode uses: a request may wait for
the batch in flight and then run in its own, so a batch size ``n`` meets a
latency target ``T`` when ``2 * p99(n) <= T``. Among those it picks the
highest throughput (bigger is not always faster: medium texts on the CPU slow
down above 32), and a wait of at most one batch's compute time.
"""
from __future__ import annotations

import csv
import math
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

from .batcher import Call
from .metrics import device_memory, percentile
from .models import InferenceModel

__all__ = ["SweepRow", "Recommendation", "TuningReport", "sample_texts", "sweep", "recommend", "tune",
           "write_csv", "write_plot", "format_table"]

DEFAULT_BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128)
Progress = Callable[[int, int, str], None]  # (done, total, message)

_WORDS = ("the quarterly report shows steady growth in northern markets while costs rose and the team "
          "plans new hires for support sales research and operations next spring").split()


def sample_texts(count: int, *, words: int = 17) -> list[str]:
    """``count`` distinct English-like sentences of about ``words + 3`` tokens each."""
    return [f"Item {i}: " + " ".join(_WORDS[(i * 7 + k) % len(_WORDS)] for k in range(words)) + "."
            for i in range(count)]


@dataclass(frozen=True)
class SweepRow:
    batch_size: int
    items_per_s: float
    latency_p50_ms: float
    latency_p99_ms: float
    peak_memory_mb: float | None
    batches: int


@dataclass(frozen=True)
class Recommendation:
    batch_size: int
    max_wait_ms: float
    items_per_s: float
    reason: str


@dataclass(frozen=True)
class TuningReport:
    model: str
    device: dict[str, Any]
    rows: list[SweepRow]
    recommendation: Recommendation
    csv_path: Path
    plot_path: Path


def _reset_peak_memory(device_type: str) -> None:
    if device_type == "cuda":
        import torch

        torch.cuda.reset_peak_memory_stats()
        return
    try:  # Linux: writing 5 resets the peak RSS (VmHWM) to the current RSS
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass  # elsewhere the peak is the process's peak so far: an upper bound


def _synchronize(device_type: str) -> None:
    if device_type == "cuda":
        import torch

        torch.cuda.synchronize()


def measure(model: InferenceModel, batch_size: int, *, task: str, inputs: list[Any], parameters: dict | None = None,
            min_batches: int = 3, min_seconds: float = 1.0) -> SweepRow:
    """Time ``model`` on batches of ``batch_size`` (after one warm-up batch); returns a SweepRow."""
    device_type = model.device.type if model.device else "cpu"
    parameters = parameters or {}

    def batch(index: int) -> Call:
        start = (index * batch_size) % len(inputs)
        return Call(task, [inputs[(start + k) % len(inputs)] for k in range(batch_size)], parameters)

    model.run([batch(0)])  # warm-up: first-call allocations are not the steady state
    _synchronize(device_type)
    _reset_peak_memory(device_type)
    latencies: list[float] = []
    began = time.perf_counter()
    while len(latencies) < min_batches or time.perf_counter() - began < min_seconds:
        started = time.perf_counter()
        model.run([batch(len(latencies) + 1)])
        _synchronize(device_type)
        latencies.append(time.perf_counter() - started)
    elapsed = time.perf_counter() - began
    return SweepRow(
        batch_size=batch_size,
        items_per_s=batch_size * len(latencies) / elapsed,
        latency_p50_ms=percentile(latencies, 50) * 1000.0,
        latency_p99_ms=percentile(latencies, 99) * 1000.0,
        peak_memory_mb=device_memory(device_type).get("peak_mb"),
        batches=len(latencies),
    )


def sweep(model: InferenceModel, batch_sizes: tuple[int, ...] = DEFAULT_BATCH_SIZES, *, task: str | None = None,
          inputs: list[Any] | None = None, parameters: dict | None = None, min_seconds: float = 1.0,
          progress: Progress | None = None) -> list[SweepRow]:
    """Measure every batch size in turn; returns one row per size, in the order given."""
    task = task or model.default_task
    inputs = inputs or sample_texts(max(max(batch_sizes) * 4, 256))
    rows: list[SweepRow] = []
    for done, size in enumerate(batch_sizes):
        if progress:
            progress(done, len(batch_sizes), f"batch {size}")
        rows.append(measure(model, size, task=task, inputs=inputs, parameters=parameters, min_seconds=min_seconds))
        if progress:
            progress(done + 1, len(batch_sizes), f"batch {size}: {rows[-1].items_per_s:.0f} items/s")
    return rows


def recommend(rows: list[SweepRow], latency_target_ms: float | None = None) -> Recommendation:
    """The batch size and wait to use; see the module docstring for the rule. Raises ValueError on no rows."""
    if not rows:
        raise ValueError("no measurements to recommend from")
    fastest = max(rows, key=lambda row: row.items_per_s)
    if latency_target_ms is None:
        return Recommendation(fastest.batch_size, round(fastest.latency_p50_ms, 1), fastest.items_per_s,
                              "highest throughput (no latency target given)")
    meeting = [row for row in rows if 2 * row.latency_p99_ms <= latency_target_ms]
    if not meeting:
        smallest = min(rows, key=lambda row: row.batch_size)
        return Recommendation(smallest.batch_size, 0.0, smallest.items_per_s,
                              f"no batch size meets {latency_target_ms:g} ms (2 x p99 of batch "
                              f"{smallest.batch_size} is {2 * smallest.latency_p99_ms:.1f} ms); smallest measured")
    best = max(meeting, key=lambda row: row.items_per_s)
    wait = min(latency_target_ms - 2 * best.latency_p99_ms, best.latency_p50_ms)
    return Recommendation(best.batch_size, round(max(wait, 0.0), 1), best.items_per_s,
                          f"highest throughput with 2 x p99 latency within {latency_target_ms:g} ms "
                          f"({best.items_per_s / fastest.items_per_s:.0%} of the best overall)")


def write_csv(rows: list[SweepRow], path: Path) -> Path:
    with open(path, "w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(asdict(rows[0])))
        writer.writeheader()
        writer.writerows(asdict(row) for row in rows)
    return path


def write_plot(rows: list[SweepRow], path: Path, *, title: str, recommendation: Recommendation,
               latency_target_ms: float | None = None) -> Path:
    """Throughput and latency against batch size (log2 axis), as a PNG."""
    import matplotlib

    matplotlib.use("Agg")  # no display on a server; must precede pyplot
    import matplotlib.pyplot as plt

    sizes = [row.batch_size for row in rows]
    figure, throughput_axis = plt.subplots(figsize=(8, 4.5), dpi=100)
    throughput_axis.plot(sizes, [row.items_per_s for row in rows], "o-", color="tab:blue", label="items/s")
    throughput_axis.set_xscale("log", base=2)
    throughput_axis.set_xticks(sizes, [str(size) for size in sizes])  # "16" reads better than "2^4"
    throughput_axis.set_xlabel("batch size")
    throughput_axis.set_ylabel("items per second", color="tab:blue")
    latency_axis = throughput_axis.twinx()
    latency_axis.plot(sizes, [row.latency_p50_ms for row in rows], "s--", color="tab:orange", label="p50 ms")
    latency_axis.plot(sizes, [row.latency_p99_ms for row in rows], "^:", color="tab:red", label="p99 ms")
    latency_axis.set_ylabel("batch latency (ms)", color="tab:red")
    if latency_target_ms is not None:
        latency_axis.axhline(latency_target_ms / 2, color="grey", linewidth=0.8,
                             label=f"target/2 = {latency_target_ms / 2:g} ms")
    throughput_axis.axvline(recommendation.batch_size, color="green", linewidth=1.2,
                            label=f"recommended: {recommendation.batch_size}")
    handles = [h for axis in (throughput_axis, latency_axis) for h in axis.get_legend_handles_labels()[0]]
    throughput_axis.legend(handles, [h.get_label() for h in handles], loc="upper left", fontsize="small")
    throughput_axis.set_title(title)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


def format_table(rows: list[SweepRow]) -> str:
    """The sweep as a fixed-width text table."""
    lines = [f"{'batch':>6} {'items/s':>10} {'p50 ms':>9} {'p99 ms':>9} {'peak MB':>9}"]
    for row in rows:
        memory = "-" if row.peak_memory_mb is None or math.isnan(row.peak_memory_mb) else f"{row.peak_memory_mb:.0f}"
        lines.append(f"{row.batch_size:>6} {row.items_per_s:>10.1f} {row.latency_p50_ms:>9.1f} "
                     f"{row.latency_p99_ms:>9.1f} {memory:>9}")
    return "\n".join(lines)


def tune(model_name: str, *, batch_sizes: tuple[int, ...] = DEFAULT_BATCH_SIZES, latency_target_ms: float | None = None,
         out_dir: str | os.PathLike = ".", task: str | None = None, min_seconds: float = 1.0,
         progress: Progress | None = None, model: InferenceModel | None = None) -> TuningReport:
    """Load ``model_name`` (or use ``model``, already loaded), sweep, write ``<model>-batch.csv``
    and ``<model>-batch.png`` into ``out_dir``; returns the report. Raises UnknownModel."""
    from . import registry
    from .device import choose_device

    if model is None:
        model = registry.create_model(model_name)
        model.load(choose_device(half_safe=model.half_safe))
    rows = sweep(model, tuple(batch_sizes), task=task, min_seconds=min_seconds, progress=progress)
    recommendation = recommend(rows, latency_target_ms)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    device = model.device.as_dict() if model.device else {}
    csv_path = write_csv(rows, out / f"{model.name}-batch.csv")
    plot_path = write_plot(rows, out / f"{model.name}-batch.png", recommendation=recommendation,
                           latency_target_ms=latency_target_ms,
                           title=f"{model.name} on {device.get('name', 'cpu')} ({device.get('dtype', 'float32')})")
    return TuningReport(model.name, device, rows, recommendation, csv_path, plot_path)
