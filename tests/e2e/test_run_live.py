"""The run page in a real Chromium: an execution streamed over the websocket, its states changing
status live, a state's input and output, the final picture (statuses, Map counts, table,
timeline, events), replay, export, and Stop."""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from tests.e2e import harness

FLAKY = "arn:aws:lambda:us-east-1:123456789012:function:e2e-flaky"
SLEEP = "arn:aws:lambda:us-east-1:123456789012:function:e2e-sleep"
ITEMS = 3
# Each item's Work fails twice, then succeeds under Retry (1 s apart); the Wait first lets the
# page connect before the Map starts.
RETRIED_MAP = {
    "StartAt": "Prep",
    "States": {
        "Prep": {"Type": "Wait", "Seconds": 3, "Next": "Each"},
        "Each": {
            "Type": "Map", "ItemsPath": "$.items",
            "ItemProcessor": {"StartAt": "Work", "States": {"Work": {
                "Type": "Task", "Resource": FLAKY,
                "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "BackoffRate": 1, "MaxAttempts": 3}],
                "End": True}}},
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Rejected"}],
            "End": True,
        },
        "Rejected": {"Type": "Pass", "End": True},
    },
}
LONG = {"StartAt": "Nap", "States": {"Nap": {"Type": "Task", "Resource": SLEEP, "Next": "Hold"},
                                     "Hold": {"Type": "Wait", "Seconds": 600, "End": True}}}

# Records every status each state's element shows, frame by frame, from the page's first frame.
RECORD_STATUSES = """
window.__statusLog = {};
(function watch() {
  for (const el of document.querySelectorAll('[data-state][data-status]')) {
    const log = (window.__statusLog[el.dataset.state] ??= []);
    if (log[log.length - 1] !== el.dataset.status) log.push(el.dataset.status);
  }
  requestAnimationFrame(watch);
})();
"""


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    def env(workdir: Path) -> dict[str, str]:
        return {"SWITCHYARD_HANDLERS": "examples.handlers,tests.e2e.live_handlers",
                "SWITCHYARD_E2E_FLAKY_DIR": str(workdir / "attempts"), "SWITCHYARD_CHANNEL_LAYER": "memory"}

    with harness.module_server(tmp_path_factory, "e2e-live", env) as url:
        yield url


def shot(page, name: str) -> Path:
    return harness.shot(page, f"run-live-{name}")


def start(api, machine: str, body: dict) -> str:
    status, execution = api.call("POST", f"/api/state-machines/{machine}/executions/", {"input": json.dumps(body)})
    assert status == 201, execution
    return execution["arn"]


def status_of(page, state: str) -> str:
    return page.locator(f'[data-state="{state}"]').first.get_attribute("data-status")


def test_a_retried_map_run_streams_into_the_page_and_ends_fully_drawn(page, api):
    api.create("live-retried-map", RETRIED_MAP)
    page.add_init_script(RECORD_STATUSES)
    arn = start(api, "live-retried-map", {"items": [{"id": i} for i in range(ITEMS)]})
    page.goto(f"/executions/{arn}")
    page.wait_for_selector('[data-state="Prep"][data-status="RUNNING"]')
    page.wait_for_selector('[data-state="Work"][data-status="RETRYING"]', timeout=20000)
    shot(page, "retrying")
    page.wait_for_selector(".badge.status-succeeded", timeout=30000)
    page.wait_for_selector('[data-state="Work"][data-status="SUCCEEDED"]')

    log = page.evaluate("window.__statusLog")
    work = log["Work"]
    assert work[-1] == "SUCCEEDED" and "RUNNING" in work and "RETRYING" in work, work
    assert work.index("RUNNING") < work.index("RETRYING") < work.index("SUCCEEDED"), work
    assert log["Each"][0] in ("NOT_RUN", "RUNNING") and log["Each"][-1] == "SUCCEEDED", log["Each"]
    assert {name: status_of(page, name) for name in ("Prep", "Each", "Work", "Rejected")} == {
        "Prep": "SUCCEEDED", "Each": "SUCCEEDED", "Work": "SUCCEEDED", "Rejected": "NOT_RUN"}

    counts = page.locator('[data-state="Each"] .map-counts').first
    figures = {c: counts.locator(f'[data-count="{c}"]').inner_text().split()[-1]
               for c in ("pending", "running", "succeeded", "failed")}
    assert figures == {"pending": "0", "running": "0", "succeeded": str(ITEMS), "failed": "0"}
    assert "attempt 3" in page.locator('[data-state="Work"] .node-live').first.inner_text()
    output = json.loads(page.get_by_label("Execution output").inner_text())
    assert output == [{"id": i, "ok": True, "attempts": 3} for i in range(ITEMS)]
    assert page.get_by_test_id("transitions").inner_text() == str(2 + ITEMS)
    # What it would cost on AWS: Standard bills every retry as a transition too.
    standard = page.get_by_test_id("cost-standard").inner_text()
    billed = int(re.search(r"(\d+) state transitions", standard).group(1))
    assert billed >= 2 + 3 * ITEMS and "$" in standard, standard
    assert "ms at 64 MB" in page.get_by_test_id("cost-express").inner_text()

    # A state's input, output, and each attempt.
    page.locator('[data-state="Work"]').first.click()
    panel = page.get_by_role("complementary", name="State Work")
    item = json.loads(panel.get_by_label("State input").inner_text())["id"]
    assert json.loads(panel.get_by_label("State output").inner_text()) == {"id": item, "ok": True, "attempts": 3}
    attempts = panel.get_by_role("table", name="Attempts").locator("tbody tr")
    assert attempts.count() == 3
    assert [attempts.nth(i).locator("td").nth(1).inner_text() for i in range(3)] == ["FAILED", "FAILED", "SUCCEEDED"]
    assert "Flaky" in attempts.nth(0).inner_text()
    shot(page, "final")

    # The events: every one, and the failures alone.
    _, history = api.call("GET", f"/api/executions/by-arn/?arn={arn}")
    events = page.get_by_role("table", name="Event history")
    assert events.get_attribute("aria-rowcount") == str(len(history["events"]))
    page.get_by_label("Failures only").check()
    assert events.get_attribute("aria-rowcount") == str(2 * ITEMS)
    page.get_by_label("Details of event", exact=False).first.click()
    assert "Flaky" in page.locator(".event-details").inner_text()
    page.get_by_label("Failures only").uncheck()
    page.get_by_label("Search events").fill("attempt 2 of item 1 fails")
    assert events.get_attribute("aria-rowcount") == "1"

    # The table: one row per state entry.
    page.get_by_role("tab", name="Table").click()
    entries = page.get_by_role("table", name="State entries")
    assert entries.get_attribute("aria-rowcount") == str(2 + ITEMS)
    statuses = page.locator("[data-entry-status]").evaluate_all("els => els.map(e => e.dataset.entryStatus)")
    assert statuses == ["SUCCEEDED"] * (2 + ITEMS)

    # The timeline: a bar per state entry, per iteration, per attempt.
    page.get_by_role("tab", name="Timeline").click()
    canvas = page.get_by_role("img", name="Timeline", exact=False)
    assert canvas.get_attribute("data-bars") == str(2 + ITEMS + ITEMS + 3 * ITEMS)
    assert canvas.get_attribute("data-rows") == str(2 + ITEMS)
    page.get_by_role("button", name="Zoom the timeline in").click()
    page.get_by_label("Failures only").check()
    assert canvas.get_attribute("data-rows") == str(ITEMS)  # the iterations whose attempts failed
    canvas.click(position={"x": 300, "y": 18 + 18 + 9})  # below the time axis, the second row
    assert "in Each #1" in page.get_by_role("complementary", name="State Work").inner_text()
    shot(page, "timeline")

    # Replay: one second in, Prep waits and nothing else has run; back at the end, all done again.
    page.get_by_label("Replay time").evaluate(
        "(el) => { const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;"
        " set.call(el, String(Number(el.min) + 1)); el.dispatchEvent(new Event('input', { bubbles: true })); }")
    page.wait_for_selector('[data-state="Work"][data-status="NOT_RUN"]')
    assert status_of(page, "Prep") == "RUNNING"
    page.get_by_role("button", name="Back to the end").click()
    page.wait_for_selector('[data-state="Work"][data-status="SUCCEEDED"]')

    with page.expect_download() as download:
        page.get_by_role("button", name="Export history (JSON)").click()
    exported = json.loads(Path(download.value.path()).read_text())
    assert [e["id"] for e in exported["events"]] == list(range(1, len(history["events"]) + 1))


def test_stop_on_the_page_aborts_a_running_execution(page, api):
    api.create("live-long", LONG)
    arn = start(api, "live-long", {"seconds": 0.5})
    page.goto(f"/executions/{arn}")
    page.wait_for_selector('[data-state="Hold"][data-status="RUNNING"]', timeout=20000)
    assert status_of(page, "Nap") == "SUCCEEDED"
    page.get_by_role("button", name="■ Stop").click()
    page.wait_for_selector(".badge.status-aborted")
    page.wait_for_selector('[data-state="Hold"][data-status="ABORTED"]')
    _, execution = api.call("GET", f"/api/executions/by-arn/?arn={arn}&events=0")
    assert execution["status"] == "ABORTED"
    assert page.get_by_role("button", name="■ Stop").count() == 0
    time.sleep(0.2)
    shot(page, "stopped")


def test_the_timeline_compresses_the_idle_gap_of_a_wait(page, api):
    """A 3 s Wait between two quick states: with "Compress idle gaps" the timeline draws it as
    one break, and a click on the state after the break still opens that state."""
    api.create("live-idle-gap", {"StartAt": "Before", "States": {
        "Before": {"Type": "Pass", "Next": "Nap"}, "Nap": {"Type": "Wait", "Seconds": 3, "Next": "After"},
        "After": {"Type": "Pass", "End": True}}})
    arn = start(api, "live-idle-gap", {})
    page.goto(f"/executions/{arn}")
    page.wait_for_selector(".badge.status-succeeded", timeout=30000)
    page.get_by_role("tab", name="Timeline").click()
    canvas = page.get_by_role("img", name="Timeline", exact=False)
    assert canvas.get_attribute("data-gaps") == "0"
    page.get_by_label("Compress idle gaps").check()
    assert canvas.get_attribute("data-gaps") == "1"
    assert "1 idle gap" in canvas.get_attribute("aria-label")
    shot(page, "idle-gap")
    page.get_by_label("Compress idle gaps").uncheck()
    assert canvas.get_attribute("data-gaps") == "0"
