"""Adaptive mode: choose the batch size and the wait from measured latency.

The worker reports every batch's size and compute time. From them the tuner
fits compute time as ``c(n) = a + b*n`` and picks, against a latency target
``T``, the largest batch size ``n`` with ``2*c(n) <= T``: in the worst case a
request arrives just after a batch has started, waits for it, then runs in its
own. The spare budget, at most ``c(n)``, becomes the wait, since waiting
longer than one batch's compute time rarely gathers more than it costs.

It grows the batch size at most twofold past the largest batch it has seen,
so one extrapolation never commits it to a size it has not measured.
"""
from __future__ import annotations

from collections import deque

__all__ = ["AdaptiveTuner", "fit_linear"]


def fit_linear(samples: list[tuple[int, float]]) -> tuple[float, float]:
    """Least-squares ``seconds = a + b*size`` over ``samples``; returns ``(a, b)``.

    With one distinct size the line goes through the origin (per-item cost is
    then over-estimated for larger sizes, which errs on the safe side). Both
    coefficients are clamped at zero. Raises ValueError on no samples.
    """
    if not samples:
        raise ValueError("no samples to fit")
    n = len(samples)
    mean_x = sum(size for size, _ in samples) / n
    mean_y = sum(seconds for _, seconds in samples) / n
    var_x = sum((size - mean_x) ** 2 for size, _ in samples)
    if var_x == 0:
        return 0.0, mean_y / mean_x
    b = sum((size - mean_x) * (seconds - mean_y) for size, seconds in samples) / var_x
    b = max(b, 0.0)
    a = max(mean_y - b * mean_x, 0.0)
    return a, b


class AdaptiveTuner:
    """Recent (batch size, compute seconds) samples and the knobs they suggest."""

    def __init__(self, *, window: int = 64):
        self._samples: deque[tuple[int, float]] = deque(maxlen=window)

    def observe(self, size: int, compute_s: float) -> None:
        if size > 0:
            self._samples.append((size, compute_s))

    def estimate(self, size: int) -> float | None:
        """Predicted compute seconds for a batch of ``size``; None before any sample."""
        if not self._samples:
            return None
        a, b = fit_linear(list(self._samples))
        return a + b * size

    def suggest(
        self,
        *,
        latency_target_s: float,
        ceiling: int,
        preferred_batch_sizes: tuple[int, ...] = (),
    ) -> tuple[int, float] | None:
        """Returns ``(max_batch_size, max_wait_s)`` for the target, or None before any sample."""
        if not self._samples:
            return None
        largest_seen = max(size for size, _ in self._samples)
        limit = min(ceiling, 2 * largest_seen)
        candidates = [size for size in (preferred_batch_sizes or _powers_of_two(limit)) if size <= limit]
        if limit not in candidates and not preferred_batch_sizes:
            candidates.append(limit)
        chosen = 1
        for size in sorted(candidates):
            if 2 * self.estimate(size) <= latency_target_s:
                chosen = size
        compute = self.estimate(chosen)
        wait = min(max(latency_target_s - 2 * compute, 0.0), compute)
        return chosen, wait


def _powers_of_two(limit: int) -> list[int]:
    sizes, size = [], 1
    while size <= limit:
        sizes.append(size)
        size *= 2
    return sizes
