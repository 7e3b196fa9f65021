"""The model registry: the docs' own-model example runs as written, and endpoints resolve in order."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from executor.inference import registry, service
from executor.inference.batcher import Call

DOC = Path(__file__).resolve().parents[2] / "docs" / "inference.md"


def test_the_own_model_example_in_the_docs_registers_and_serves_a_batch(monkeypatch):
    monkeypatch.setenv("SWITCHYARD_DEVICE", "cpu")
    example = re.search(r"```python\n(# myproject/models.py.*?)```", DOC.read_text(), re.S).group(1)
    exec(compile(example, "docs/inference.md", "exec"), {})
    try:
        worker = service.get_worker("sentiment-v2")
        (outputs,) = [worker.submit(Call("predict", [[1, 2, 3], [0, 0, 0]])).result(30)]
    finally:
        service.shutdown_workers()
    assert len(outputs) == 2 and all(sum(row) == pytest.approx(1.0) for row in outputs)
    assert worker.config.max_batch_size == 128


def test_a_binding_wins_over_a_model_of_the_same_name_and_the_default(monkeypatch):
    monkeypatch.setenv("SWITCHYARD_ENDPOINTS", '{"minilm": "minilm:classify"}')
    assert registry.resolve_endpoint("minilm") == registry.EndpointBinding("minilm", "classify")
    monkeypatch.delenv("SWITCHYARD_ENDPOINTS")
    assert registry.resolve_endpoint("MiniLM") == registry.EndpointBinding("minilm")
    assert registry.resolve_endpoint("anything-else") == registry.EndpointBinding("minilm")


def test_a_setting_that_names_an_unknown_model_says_which_exist(monkeypatch):
    monkeypatch.setenv("SWITCHYARD_ENDPOINTS", "e=nosuch")
    with pytest.raises(registry.UnknownModel, match="registered: .*minilm"):
        registry.resolve_endpoint("e")


def test_a_malformed_endpoints_setting_is_refused_with_its_name(monkeypatch):
    monkeypatch.setenv("SWITCHYARD_ENDPOINTS", "just-a-name")
    with pytest.raises(ValueError, match="SWITCHYARD_ENDPOINTS"):
        registry.resolve_endpoint("x")
