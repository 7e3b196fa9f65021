"""No web page the user visits can drive Switchyard from their browser.

The REST API checks CSRF (cookie + X-CSRFToken header, and the Origin) on every unsafe
request without the API token, from loopback too; the AWS endpoint refuses what a
cross-site form or a no-cors fetch can send.
"""
from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from designer.models import Execution, StateMachine
from tests.api.conftest import ROLE_ARN, pass_definition

pytestmark = pytest.mark.django_db(transaction=True)

EVIL = "https://evil.example"
SITE = "http://testserver"


@pytest.fixture
def browser() -> Client:
    """A client that, like a browser, gets Django's CSRF checks."""
    return Client(enforce_csrf_checks=True)


def _running_execution() -> Execution:
    sm = StateMachine.objects.create(name="m", arn="arn:aws:states:us-east-1:123456789012:stateMachine:m",
                                     definition=pass_definition(), role_arn="arn:aws:iam::123456789012:role/r")
    return Execution.objects.create(arn=f"{sm.arn}:x", name="x", state_machine=sm, definition=sm.definition,
                                    start_date=timezone.now())


def test_a_cross_site_form_post_to_the_rest_api_fails_even_from_loopback(browser):
    body = {"name": "evil", "definition": pass_definition()}
    response = browser.post("/api/state-machines/", body, HTTP_ORIGIN=EVIL)
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not StateMachine.objects.exists()


def test_a_cross_site_form_cannot_stop_an_execution(browser):
    execution = _running_execution()
    for origin in ({"HTTP_ORIGIN": EVIL}, {}):
        response = browser.post(f"/api/executions/{execution.pk}/stop/", **origin)
        assert response.status_code == 403
    execution.refresh_from_db()
    assert execution.status == "RUNNING"


def test_a_json_post_without_the_csrf_token_is_refused(browser):
    response = browser.post("/api/state-machines/", json.dumps({"name": "a", "definition": pass_definition()}),
                            content_type="application/json")
    assert response.status_code == 403


def test_the_front_end_gets_the_cookie_and_posts_with_its_token(browser):
    page = browser.get("/", HTTP_ACCEPT="text/html")
    token = page.cookies["csrftoken"].value
    assert browser.get("/api/state-machines/").cookies["csrftoken"].value
    response = browser.post("/api/state-machines/", json.dumps({"name": "ok", "definition": pass_definition()}),
                            content_type="application/json", HTTP_X_CSRFTOKEN=token, HTTP_ORIGIN=SITE)
    assert response.status_code == 201, response.content


def test_the_csrf_token_from_another_origin_is_still_refused(browser):
    token = browser.get("/api/state-machines/").cookies["csrftoken"].value
    response = browser.post("/api/state-machines/", json.dumps({"name": "x", "definition": pass_definition()}),
                            content_type="application/json", HTTP_X_CSRFTOKEN=token, HTTP_ORIGIN=EVIL)
    assert response.status_code == 403


def test_a_script_with_the_api_token_needs_no_csrf_token(browser, settings):
    settings.SWITCHYARD_API_TOKEN = "s3cret"
    response = browser.post("/api/state-machines/", json.dumps({"name": "t", "definition": pass_definition()}),
                            content_type="application/json", HTTP_AUTHORIZATION="Bearer s3cret")
    assert response.status_code == 201
    response = browser.post("/api/state-machines/", json.dumps({"name": "u", "definition": pass_definition()}),
                            content_type="application/json", HTTP_AUTHORIZATION="Bearer guess")
    assert response.status_code == 403


def _aws_post(client, content_type: str, target: bool = True, **headers):
    extra = {"HTTP_X_AMZ_TARGET": "AWSStepFunctions.CreateStateMachine"} if target else {}
    body = json.dumps({"name": "evil", "definition": pass_definition(), "roleArn": ROLE_ARN})
    return client.post("/", body, content_type=content_type, **extra, **headers)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x"])
def test_the_aws_endpoint_refuses_what_a_plain_form_can_send(browser, content_type):
    for target in (False, True):
        response = _aws_post(browser, content_type, target=target)
        assert response.status_code == 403
        assert json.loads(response.content)["__type"]
    assert not StateMachine.objects.exists()


@pytest.mark.parametrize("headers", [{"HTTP_ORIGIN": EVIL}, {"HTTP_ORIGIN": "null"},
                                     {"HTTP_SEC_FETCH_SITE": "cross-site"}, {"HTTP_SEC_FETCH_SITE": "same-site"}])
def test_the_aws_endpoint_refuses_requests_from_other_origins(browser, headers):
    response = _aws_post(browser, "application/x-amz-json-1.0", **headers)
    assert response.status_code == 403
    assert json.loads(response.content)["__type"].endswith("#AccessDeniedException")
    assert not StateMachine.objects.exists()


def test_the_aws_endpoint_serves_sdk_clients_and_same_origin_pages(browser):
    assert _aws_post(browser, "application/x-amz-json-1.0").status_code == 200
    response = browser.post("/", "{}", content_type="application/x-amz-json-1.0", HTTP_ORIGIN=SITE,
                            HTTP_SEC_FETCH_SITE="same-origin", HTTP_X_AMZ_TARGET="AWSStepFunctions.ListStateMachines")
    assert response.status_code == 200
