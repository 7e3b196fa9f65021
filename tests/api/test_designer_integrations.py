"""What the designer's palette learns of the integrations: Bedrock bindings and the AWS endpoint."""
from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db


def test_the_designer_lists_bedrock_bindings_without_their_secrets(client, monkeypatch):
    monkeypatch.setenv("SWITCHYARD_BEDROCK_MODELS", json.dumps(
        {"anthropic.claude-x": {"openai": "http://127.0.0.1:8080/v1", "api_key": "sk-secret"}}))
    monkeypatch.setenv("SWITCHYARD_AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    body = client.get("/api/designer/resources/").json()
    assert body["bedrock_models"]["anthropic.claude-x"] == {"openai": "http://127.0.0.1:8080/v1"}
    assert body["bedrock_models"]["amazon.titan-embed-text-v2:0"] == {"local": "minilm"}
    assert body["aws_endpoint"] == "http://127.0.0.1:4566"
    assert "sk-secret" not in json.dumps(body)
