"""The root serves the front end to browsers, and the examples load idempotently."""
from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from designer.models import StateMachine

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_browser_gets_an_html_page_at_the_root(client):
    response = client.get("/", HTTP_ACCEPT="text/html,application/xhtml+xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"<html" in response.content.lower() or b"<!doctype html" in response.content.lower()


def test_a_program_gets_a_json_note_at_the_root(client):
    response = client.get("/", HTTP_ACCEPT="application/json")
    assert response.json()["service"] == "Switchyard"


def test_every_example_is_valid_json_with_a_start_state():
    files = sorted((Path(settings.BASE_DIR) / "examples").glob("*.asl.json"))
    assert len(files) >= 2
    for path in files:
        definition = json.loads(path.read_text())
        assert definition["StartAt"] in definition["States"]


def test_load_examples_creates_them_once_and_changes_nothing_the_second_time():
    out = StringIO()
    call_command("load_examples", stdout=out)
    count = StateMachine.objects.count()
    assert count >= 2 and "created" in out.getvalue()
    again = StringIO()
    call_command("load_examples", stdout=again)
    assert StateMachine.objects.count() == count
    assert "created" not in again.getvalue() and "unchanged" in again.getvalue()


def test_the_document_pipeline_example_runs_its_local_lambdas(sfn):
    from tests.api.conftest import wait_for_end

    call_command("load_examples", stdout=StringIO())
    arn = StateMachine.objects.get(name="document-pipeline").arn
    documents = [{"id": "a", "text": "one two three"}, {"id": "b", "text": ""}]
    execution_arn = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"documents": documents}))[
        "executionArn"]
    described = wait_for_end(sfn, execution_arn)
    assert described["status"] == "SUCCEEDED", described
    output = json.loads(described["output"])
    assert output["count"] == 2
    assert output["labels"][0] == {"id": "a", "label": "short"}
    assert output["labels"][1]["label"] == "rejected"
    assert output["labels"][1]["reason"] == "EmptyDocument"


def test_the_distributed_notes_example_counts_words_into_the_results_bucket(sfn, local_buckets):
    from tests.api.conftest import wait_for_end

    call_command("load_examples", stdout=StringIO())
    assert (local_buckets / "notes" / "docs" / "a-map.txt").is_file()
    arn = StateMachine.objects.get(name="distributed-notes").arn
    execution_arn = sfn.start_execution(stateMachineArn=arn, input='{"prefix": "docs/"}')["executionArn"]
    described = wait_for_end(sfn, execution_arn)
    assert described["status"] == "SUCCEEDED", described
    key = json.loads(described["output"])["ResultWriterDetails"]["Key"]
    manifest = json.loads((local_buckets / "notes-results" / key).read_text())
    counts = json.loads((local_buckets / "notes-results" / manifest["ResultFiles"]["SUCCEEDED"][0]["Key"]).read_text())
    assert len(counts) == 5
    assert {"key": "docs/a-map.txt", "words": 11} in counts
