"""Fakes for the batcher tests: a clock moved by hand and a model that advances it."""
from __future__ import annotations

import pytest

from executor.inference.models import InferenceModel


def pytest_configure(config):
    config.addinivalue_line("markers", "model: loads the real all-MiniLM-L6-v2 model (seconds)")
    config.addinivalue_line("markers", "gpu: exercises the GPU path; runs on the CPU where there is no GPU")


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self, start: float = 1000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeModel(InferenceModel):
    """Echoes its inputs; each batch costs ``fixed_s + per_item_s * items`` of fake time."""

    name = "fake"
    tasks = ("echo", "explode")

    def __init__(self, clock: FakeClock, *, fixed_s: float = 0.002, per_item_s: float = 0.001):
        self.clock = clock
        self.fixed_s, self.per_item_s = fixed_s, per_item_s
        self.batches: list[list[list]] = []  # the inputs of every call of every batch run

    def run(self, calls):
        self.batches.append([list(call.inputs) for call in calls])
        self.clock.advance(self.fixed_s + self.per_item_s * sum(len(call.inputs) for call in calls))
        if any(call.task == "explode" for call in calls):
            raise RuntimeError("the model blew up")
        return [[f"{item}!" for item in call.inputs] for call in calls]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def model(clock) -> FakeModel:
    return FakeModel(clock)
