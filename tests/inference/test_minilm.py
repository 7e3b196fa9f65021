"""The real all-MiniLM-L6-v2 model, on the CPU (and on the GPU where there is one)."""
from __future__ import annotations

import json

import pytest

from executor.inference import service, tuning
from executor.inference.batcher import Call
from executor.resources import InvocationContext, invoke

pytestmark = pytest.mark.model

SENTENCE = "The quick brown fox jumps over the lazy dog."
# The first 8 of 384 values, computed once with transformers in float64 (mean pooling
# over the attention mask, then L2 normalisation), and agreeing with
# sentence-transformers' own encode() in float32 to 1e-7.
REFERENCE = [0.0439335, 0.0589344, 0.0481784, 0.0775481, 0.0267444, -0.0376296, -0.0026051, -0.0599430]


@pytest.fixture(scope="module")
def worker():
    """One loaded model for the whole module (loading takes seconds)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SWITCHYARD_DEVICE", "cpu")
        yield service.get_worker("minilm")
    service.shutdown_workers()


def test_the_embedding_of_a_known_sentence_matches_the_reference_to_1e_4(worker):
    (vector,) = worker.submit(Call("embed", [SENTENCE])).result(30)
    assert len(vector) == 384
    assert vector[:8] == pytest.approx(REFERENCE, abs=1e-4)
    assert sum(value * value for value in vector) == pytest.approx(1.0, abs=1e-5)


def test_a_text_embeds_the_same_alone_and_padded_in_a_batch_with_longer_ones(worker):
    (alone,) = worker.model.run([Call("embed", [SENTENCE])])
    (batched,) = worker.model.run([Call("embed", [SENTENCE, "a much longer text " * 20])])
    assert batched[0] == pytest.approx(alone[0], abs=1e-5)


def test_classify_ranks_the_label_closest_in_meaning_first(worker):
    call = Call("classify", ["The striker scored twice in the final minutes of the match."],
                {"candidate_labels": ["cooking", "football", "finance"]})
    (result,) = worker.submit(call).result(30)
    assert result["labels"][0] == "football"
    assert result["scores"] == sorted(result["scores"], reverse=True)


@pytest.mark.asyncio
async def test_an_invoke_endpoint_task_answers_with_the_reference_embedding(worker):
    context = InvocationContext(execution_arn="arn:aws:states:us-east-1:123456789012:execution:sm:e1",
                                state_name="Embed")
    result = await invoke("arn:aws:states:::sagemaker:invokeEndpoint",
                          {"EndpointName": "all-MiniLM-L6-v2", "ContentType": "application/json",
                           "Body": json.dumps({"inputs": [SENTENCE, "second"]})}, context)
    vectors = json.loads(result["Body"])
    assert len(vectors) == 2 and vectors[0][:8] == pytest.approx(REFERENCE, abs=1e-4)


def test_a_short_sweep_of_the_real_model_writes_a_plot_and_a_table(worker, tmp_path):
    report = tuning.tune("minilm", batch_sizes=(1, 4), out_dir=tmp_path, min_seconds=0.1, model=worker.model)
    assert [row.batch_size for row in report.rows] == [1, 4]
    assert report.plot_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert report.rows[0].peak_memory_mb > 100


@pytest.mark.gpu
def test_on_the_chosen_device_half_precision_stays_within_1e_2_of_the_reference():
    from executor.inference.device import choose_device
    from executor.inference.models import MiniLM

    model = MiniLM()
    model.load(choose_device(half_safe=True))
    (vectors,) = model.run([Call("embed", [SENTENCE])])
    tolerance = 1e-2 if model.device.half else 1e-4
    assert vectors[0][:8] == pytest.approx(REFERENCE, abs=tolerance)
