"""Bedrock InvokeModel Tasks: local embedding models in Titan and Cohere shapes, an OpenAI-compatible
server behind the Anthropic Messages shape, Python handlers, folder buckets and AWS's errors."""
from __future__ import annotations

import json
import math

import pytest

from executor.inference import registry, service
from executor.inference.models import TorchModel
from executor.resources import InvocationContext, ResourceFailure, invoke

from .servers import LocalServer, free_port, json_reply

ARN = "arn:aws:states:::bedrock:invokeModel"
CONTEXT = InvocationContext(execution_arn="arn:aws:states:us-east-1:123456789012:execution:m:e", state_name="Ask")
TITAN = "amazon.titan-embed-text-v2:0"
CLAUDE = "anthropic.claude-3-haiku-20240307-v1:0"


class CountModel(TorchModel):
    """Embeds a text as [its length, its number of words]."""

    tasks = ("embed",)

    def embed(self, inputs, parameters):
        return [[float(len(text)), float(len(text.split()))] for text in inputs]


@pytest.fixture(autouse=True)
def setup(monkeypatch, tmp_path):
    monkeypatch.setenv("SWITCHYARD_DEVICE", "cpu")
    monkeypatch.setenv("SWITCHYARD_BATCH_MAX_WAIT_MS", "1")
    monkeypatch.setenv("SWITCHYARD_BEDROCK_MODELS", str(tmp_path / "none.json"))
    monkeypatch.setenv("SWITCHYARD_BUCKETS_DIR", str(tmp_path / "buckets"))
    registry.register_model("count", CountModel)
    yield
    service.shutdown_workers()


@pytest.fixture
def bind(monkeypatch, tmp_path):
    def write(bindings: dict) -> None:
        path = tmp_path / "bedrock-models.json"
        path.write_text(json.dumps(bindings))
        monkeypatch.setenv("SWITCHYARD_BEDROCK_MODELS", str(path))
    return write


async def call(parameters):
    return await invoke(ARN, parameters, CONTEXT)


async def failure(parameters) -> ResourceFailure:
    with pytest.raises(ResourceFailure) as info:
        await call(parameters)
    return info.value


async def test_a_titan_embedding_request_gets_titans_response_shape_from_a_local_model(bind):
    bind({TITAN: {"local": "count"}})
    result = await call({"ModelId": TITAN, "Body": {"inputText": "three short words"}})
    assert result == {"Body": {"embedding": [17.0, 3.0], "inputTextTokenCount": 3}, "ContentType": "application/json"}


async def test_a_cohere_embedding_request_embeds_every_text_in_one_call(bind):
    bind({"cohere.embed-english-v3": {"local": "count"}})
    body = (await call({"ModelId": "cohere.embed-english-v3",
                        "Body": json.dumps({"texts": ["a b", "c"], "input_type": "search_document"})}))["Body"]
    assert body["embeddings"] == [[3.0, 2.0], [1.0, 1.0]]
    assert body["response_type"] == "embeddings_floats" and body["texts"] == ["a b", "c"]


async def test_a_foundation_model_arn_or_an_inference_profile_finds_the_binding(bind):
    bind({TITAN: {"local": "count"}})
    for model_id in (f"arn:aws:bedrock:us-east-1::foundation-model/{TITAN}", f"us.{TITAN}"):
        assert (await call({"ModelId": model_id, "Body": {"inputText": "x"}}))["Body"]["embedding"] == [1.0, 1.0]


@pytest.mark.model
async def test_titan_embeddings_are_served_by_minilm_without_any_binding():
    body = (await call({"ModelId": TITAN, "Body": {"inputText": "The invoice is overdue."}}))["Body"]
    assert len(body["embedding"]) == 384
    assert math.isclose(sum(v * v for v in body["embedding"]), 1.0, rel_tol=1e-3)
    assert body["inputTextTokenCount"] == 5


async def test_an_unbound_model_fails_as_an_invalid_model_id_naming_the_setting():
    error = await failure({"ModelId": CLAUDE, "Body": {"messages": []}})
    assert error.error == "Bedrock.ValidationException"
    assert "SWITCHYARD_BEDROCK_MODELS" in error.cause and CLAUDE in error.cause


def completion(request):
    asked = request.json()
    text = " | ".join(f"{m['role']}:{m['content']}" for m in asked["messages"])
    return json_reply(200, {"id": "chatcmpl-42", "object": "chat.completion", "model": asked["model"],
                            "choices": [{"index": 0, "finish_reason": "length",
                                         "message": {"role": "assistant", "content": text}}],
                            "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}})


async def test_an_anthropic_messages_request_goes_to_an_openai_compatible_server_and_back(bind):
    with LocalServer(completion) as server:
        bind({CLAUDE: {"openai": f"{server.url}/v1", "model": "local-llm", "api_key": "k"}})
        result = await call({"ModelId": CLAUDE, "Body": {
            "anthropic_version": "bedrock-2023-05-31", "max_tokens": 64, "temperature": 0.2,
            "system": "Classify the document.",
            "messages": [{"role": "user", "content": [{"type": "text", "text": "Invoice #12"}]}]}})
    seen = server.requests[0]
    assert seen.path == "/v1/chat/completions" and seen.headers["authorization"] == "Bearer k"
    assert seen.json() == {"model": "local-llm", "max_tokens": 64, "temperature": 0.2, "messages": [
        {"role": "system", "content": "Classify the document."}, {"role": "user", "content": "Invoice #12"}]}
    assert result["Body"] == {
        "id": "msg_42", "type": "message", "role": "assistant", "model": CLAUDE,
        "content": [{"type": "text", "text": "system:Classify the document. | user:Invoice #12"}],
        "stop_reason": "max_tokens", "stop_sequence": None, "usage": {"input_tokens": 11, "output_tokens": 7}}


async def test_server_failures_carry_bedrocks_error_names(bind):
    with LocalServer(lambda r: json_reply(500, {"error": "boom"})) as server:
        bind({CLAUDE: {"openai": server.url}})
        error = await failure({"ModelId": CLAUDE, "Body": {"messages": [{"role": "user", "content": "hi"}]}})
    assert error.error == "Bedrock.ModelErrorException" and "boom" in error.cause
    bind({CLAUDE: {"openai": f"http://127.0.0.1:{free_port()}"}})
    error = await failure({"ModelId": CLAUDE, "Body": {"messages": [{"role": "user", "content": "hi"}]}})
    assert error.error == "Bedrock.ServiceUnavailableException"


def echo_handler(body, model_id):
    return {"model": model_id, "got": body}


async def test_a_python_handler_answers_a_model_id(bind):
    bind({"acme.ranker-v1": {"handler": f"{__name__}:echo_handler"}})
    result = await call({"ModelId": "acme.ranker-v1", "Body": {"q": 1}})
    assert result["Body"] == {"model": "acme.ranker-v1", "got": {"q": 1}}


async def test_the_body_is_read_from_and_the_answer_written_to_local_folder_buckets(bind, tmp_path):
    bind({TITAN: {"local": "count"}})
    request = tmp_path / "buckets" / "docs" / "in" / "req.json"
    request.parent.mkdir(parents=True)
    request.write_text(json.dumps({"inputText": "from a bucket"}))
    result = await call({"ModelId": TITAN, "Input": {"S3Uri": "s3://docs/in/req.json"},
                         "Output": {"S3Uri": "s3://results/out/emb.json"}})
    assert "Body" not in result
    written = json.loads((tmp_path / "buckets" / "results" / "out" / "emb.json").read_text())
    assert written == {"embedding": [13.0, 3.0], "inputTextTokenCount": 3}
    missing = await failure({"ModelId": TITAN, "Input": {"S3Uri": "s3://docs/nope.json"}})
    assert missing.error == "S3.NoSuchKeyException"
    escape = await failure({"ModelId": TITAN, "Input": {"S3Uri": "s3://docs/../../etc/passwd"}})
    assert escape.error == "States.Runtime"
