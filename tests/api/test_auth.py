"""Loopback clients need nothing; others need SWITCHYARD_API_TOKEN or a login."""
from __future__ import annotations

import json

import pytest

from designer.auth import is_loopback

pytestmark = pytest.mark.django_db

TARGET = {"HTTP_X_AMZ_TARGET": "AWSStepFunctions.ListStateMachines"}


def _list(client, **extra):
    return client.post("/", "{}", content_type="application/x-amz-json-1.0", **TARGET, **extra)


@pytest.mark.parametrize("address", ["127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1"])
def test_loopback_addresses_are_recognised(address):
    assert is_loopback(address)


@pytest.mark.parametrize("address", ["10.0.0.5", "192.168.1.2", "::ffff:10.0.0.1", "", "junk"])
def test_other_addresses_are_not_loopback(address):
    assert not is_loopback(address)


def test_a_remote_client_without_a_token_is_refused_in_aws_shape(client, settings):
    settings.SWITCHYARD_API_TOKEN = "s3cret"
    response = _list(client, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 403
    assert json.loads(response.content)["__type"].endswith("#UnrecognizedClientException")


def test_a_remote_client_with_the_token_as_its_aws_access_key_is_let_in(client, settings):
    settings.SWITCHYARD_API_TOKEN = "s3cret"
    signature = "AWS4-HMAC-SHA256 Credential=s3cret/20260101/us-east-1/states/aws4_request, Signature=x"
    assert _list(client, REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION=signature).status_code == 200


def test_a_remote_client_with_the_bearer_token_is_let_in(client, settings):
    settings.SWITCHYARD_API_TOKEN = "s3cret"
    response = client.get("/api/state-machines/", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer s3cret")
    assert response.status_code == 200


def test_a_wrong_token_is_refused(client, settings):
    settings.SWITCHYARD_API_TOKEN = "s3cret"
    assert client.get("/api/state-machines/", REMOTE_ADDR="10.1.2.3",
                      HTTP_AUTHORIZATION="Bearer guess").status_code == 403


def test_without_a_configured_token_remote_clients_are_refused(client, settings):
    settings.SWITCHYARD_API_TOKEN = ""
    assert client.get("/api/state-machines/", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer ").status_code == 403


def test_a_logged_in_user_is_let_in_from_anywhere(client, django_user_model):
    user = django_user_model.objects.create_user("ada", password="pw-long-enough")
    client.force_login(user)
    assert client.get("/api/state-machines/", REMOTE_ADDR="10.1.2.3").status_code == 200


def test_a_loopback_client_needs_nothing(client):
    assert _list(client).status_code == 200
