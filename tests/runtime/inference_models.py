"""A model the product's inference worker loads in the tests (SWITCHYARD_MODELS names this module)."""
from __future__ import annotations

from executor.inference.models import InferenceModel
from executor.inference.registry import register_model


@register_model("text-length")
class TextLength(InferenceModel):
    """Answers every text with its length: a model that costs nothing, so the test sees the pipeline."""

    tasks = ("classify", "embed")

    def run(self, calls):
        return [[len(str(text)) for text in call.inputs] for call in calls]
