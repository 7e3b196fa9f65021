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


@pytest.mark.model
def test_the_distributed_notes_example_embeds_notes_64_at_a_time_into_the_embeddings_bucket(
        sfn, local_buckets, monkeypatch):
    """The example as the README runs it, on 200 notes rather than its 10,000 (the same Map, four
    children instead of 157): 64 notes a child, one call to the real all-MiniLM-L6-v2 each."""
    from examples.notes_setup import write_notes
    from executor.inference import service
    from tests.api.conftest import wait_for_end

    monkeypatch.setenv("SWITCHYARD_DEVICE", "cpu")
    call_command("load_examples", stdout=StringIO())
    write_notes(200, local_buckets)
    arn = StateMachine.objects.get(name="distributed-notes").arn
    try:
        execution_arn = sfn.start_execution(stateMachineArn=arn, input='{"prefix": "inbox/"}')["executionArn"]
        described = wait_for_end(sfn, execution_arn, timeout=300)
    finally:
        service.shutdown_workers()
    assert described["status"] == "SUCCEEDED", described
    key = json.loads(described["output"])["ResultWriterDetails"]["Key"]
    manifest = json.loads((local_buckets / "notes-embeddings" / key).read_text())
    lines = [json.loads(line) for f in manifest["ResultFiles"]["SUCCEEDED"]
             for line in (local_buckets / "notes-embeddings" / f["Key"]).read_text().splitlines()]
    assert sorted(line["key"] for line in lines) == [f"inbox/note-{i:05d}.txt" for i in range(200)]
    vectors = {line["key"]: line["vector"] for line in lines}
    assert all(len(v) == 384 and abs(sum(x * x for x in v) - 1) < 0.01 for v in vectors.values())

    def cosine(a: int, b: int) -> float:
        return sum(x * y for x, y in zip(vectors[f"inbox/note-{a:05d}.txt"], vectors[f"inbox/note-{b:05d}.txt"]))

    # notes 0 and 64 say the same thing (checkout page timed out); note 9 is about another subject
    assert cosine(0, 64) > cosine(0, 9) + 0.1
    (run,) = sfn.list_map_runs(executionArn=execution_arn)["mapRuns"]
    children = sfn.list_executions(mapRunArn=run["mapRunArn"])["executions"]
    assert sorted(c["itemCount"] for c in children) == [8, 64, 64, 64]
    for child in children:
        events = sfn.get_execution_history(executionArn=child["executionArn"], maxResults=1000)["events"]
        calls = [json.loads(e["taskScheduledEventDetails"]["parameters"]) for e in events
                 if e["type"] == "TaskScheduled" and e["taskScheduledEventDetails"]["resource"] == "invokeEndpoint"]
        assert [len(call["Body"]["inputs"]) for call in calls] == [child["itemCount"]]

