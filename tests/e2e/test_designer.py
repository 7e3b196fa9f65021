"""The designer in a real Chromium against a real server: build, save, run, export, validate."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def drag_from_palette(page, key: str, x: float, y: float) -> None:
    pane = page.locator(".react-flow__pane")
    page.drag_and_drop(f'[data-palette="{key}"]', ".react-flow__pane", target_position={"x": x, "y": y})
    assert pane.is_visible()


_PLACES = """() => [...document.querySelectorAll('[data-state]')].map(el => {
    const r = el.getBoundingClientRect(); return `${el.dataset.state}:${r.x},${r.y},${r.width},${r.height}`;
}).join('|')"""


def settle(page, timeout_ms: int = 5000) -> None:
    """Wait until the layout (in a web worker) has stopped moving the states: a drag that starts
    where a state was before the layout landed misses it."""
    places = page.evaluate(_PLACES)
    for _ in range(timeout_ms // 250):
        page.wait_for_timeout(250)
        again = page.evaluate(_PLACES)
        if again == places:
            return
        places = again


def connect(page, source: str, handle: str, target: str) -> None:
    """Drag from a state's source handle to another state's input handle, as a user does."""
    settle(page)
    start = page.locator(f'[data-state="{source}"] .react-flow__handle[data-handleid="{handle}"]').bounding_box()
    end = page.locator(f'[data-state="{target}"] .react-flow__handle[data-handleid="in"]').bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=12)
    page.mouse.up()
    time.sleep(0.3)  # the layout that follows the new edge


def state_names(machine: dict) -> list[str]:
    names = []
    for name, state in machine.get("States", {}).items():
        names.append(name)
        for branch in state.get("Branches", []):
            names += state_names(branch)
        for field in ("ItemProcessor", "Iterator"):
            if field in state:
                names += state_names(state[field])
    return names


def saved(page) -> None:
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_selector(".save-state:not(.unsaved)")


def test_a_workflow_dragged_from_the_palette_and_connected_saves_runs_and_exports_its_json(page, api):
    page.goto("/")
    page.get_by_label("New state machine name").fill("built-by-hand")
    page.get_by_role("button", name="Create").click()
    page.wait_for_selector('[data-state="Start"]')
    pane = page.locator(".react-flow__pane").bounding_box()
    drag_from_palette(page, "Wait", pane["width"] * 0.2, pane["height"] * 0.55)
    page.wait_for_selector('[data-state="Wait"]')
    drag_from_palette(page, "Succeed", pane["width"] * 0.5, pane["height"] * 0.7)
    page.wait_for_selector('[data-state="Succeed"]')
    page.get_by_role("button", name="Zoom to fit").click()
    time.sleep(0.4)
    connect(page, "Start", "next", "Wait")
    connect(page, "Wait", "next", "Succeed")
    page.wait_for_function("document.querySelectorAll('.react-flow__edge').length >= 4")
    page.locator('[data-state="Wait"]').click()
    page.get_by_label("Seconds", exact=True).fill("0")
    page.get_by_label("Seconds", exact=True).press("Enter")
    saved(page)

    status, machine = api.call("GET", "/api/state-machines/built-by-hand/")
    definition = json.loads(machine["definition"])
    assert definition["States"] == {
        "Start": {"Type": "Pass", "Next": "Wait"},
        "Wait": {"Type": "Wait", "Seconds": 0, "Next": "Succeed"},
        "Succeed": {"Type": "Succeed"},
    }
    assert "positions" in machine["layout"] and "Layout" not in machine["definition"]

    page.get_by_label("Export").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="ASL JSON (as saved)").click()
    assert Path(download.value.path()).read_text(encoding="utf-8") == machine["definition"]

    page.get_by_role("button", name="▶ Run").click()
    page.get_by_label("Execution input").fill('{"hello": "world"}')
    page.get_by_role("button", name="Start execution").click()
    page.wait_for_url("**/executions/arn:aws:states:*")
    page.wait_for_selector(".badge.status-succeeded")
    assert json.loads(page.get_by_label("Execution output").inner_text()) == {"hello": "world"}
    page.wait_for_selector('[data-state="Wait"][data-status="SUCCEEDED"]')
    page.reload()
    page.wait_for_selector(".badge.status-succeeded")
    first_run = page.url
    page.get_by_role("button", name="▶ New execution (same input)").click()
    page.wait_for_function("url => window.location.href !== url", arg=first_run)
    page.wait_for_selector(".badge.status-succeeded")
    assert json.loads(page.get_by_label("Execution output").inner_text()) == {"hello": "world"}


def test_every_example_opens_with_one_element_per_state(page):
    for path in sorted((REPO / "examples").glob("*.asl.json")):
        page.goto("/")
        name = path.name[: -len(".asl.json")]
        page.get_by_role("button", name=f"Open example {name}").click()
        names = state_names(json.loads(path.read_text()))
        page.wait_for_selector(f'[data-state="{names[0]}"]')
        for state in names:
            assert page.locator(f'[data-state="{state}"]').count() == names.count(state), (name, state)


def test_a_nested_state_is_drawn_inside_its_group_and_names_it(page):
    page.goto("/")
    page.get_by_role("button", name="Open example document-pipeline").click()
    page.wait_for_selector('[data-state="EachDocument"] [data-state="CountWords"][data-group="EachDocument"]')
    page.locator('[data-state="Classify"]').click()
    page.get_by_label("Fields of Classify").wait_for()
    page.keyboard.press("Delete")
    page.wait_for_selector('[data-state="Classify"]', state="detached")
    assert page.locator('[data-state="EachDocument"]').count() == 1


def test_saving_without_an_edit_leaves_the_definition_byte_for_byte(page, api):
    text = '{"StartAt":"A",\n   "States": {"A": {"Type": "Pass", "End": true}}}\n'
    api.call("POST", "/api/state-machines/", {"name": "untouched", "definition": text})
    page.goto("/machines/untouched")
    page.wait_for_selector('[data-state="A"]')
    page.locator('[data-state="A"]').click()
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_selector("text=definition unchanged")
    _, machine = api.call("GET", "/api/state-machines/untouched/")
    assert machine["definition"] == text


def test_a_validation_error_shows_on_the_state_it_belongs_to(page, api):
    api.create("to-break",
        {"StartAt": "First", "States": {"First": {"Type": "Pass", "Next": "Second"}, "Second": {"Type": "Succeed"}}})
    page.goto("/machines/to-break")
    page.wait_for_selector('[data-state="First"]')
    page.get_by_role("button", name="Import").click()
    page.get_by_label("Definition to import").fill(
        "StartAt: First\nStates:\n  First:\n    Type: Pass\n    Next: Nowhere\n  Second:\n    Type: Succeed\n")
    page.get_by_role("dialog").get_by_role("button", name="Import").click()
    broken = page.locator('[data-state="First"][aria-invalid="true"]')
    broken.wait_for()
    assert "Nowhere" in broken.inner_text()
    assert page.locator('[data-state="Second"]').get_attribute("aria-invalid") == "false"
    page.get_by_role("tab", name="Definition").click()
    page.wait_for_selector(".cm-lintRange-error")


def test_invalid_json_in_the_code_view_keeps_the_last_valid_graph(page, api):
    api.create("typing",
        {"StartAt": "Only", "States": {"Only": {"Type": "Succeed"}}})
    page.goto("/machines/typing")
    page.wait_for_selector('[data-state="Only"]')
    page.get_by_role("tab", name="Definition").click()
    editor = page.get_by_label("Definition (ASL JSON)")
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(",,")
    page.wait_for_selector("text=The code has a syntax error")
    assert page.locator('[data-state="Only"]').count() == 1
    page.wait_for_selector(".cm-lintRange-error")


def test_the_palette_works_from_the_keyboard(page, api):
    api.create("keys",
        {"StartAt": "One", "States": {"One": {"Type": "Pass", "End": True}}})
    page.goto("/machines/keys")
    page.wait_for_selector('[data-state="One"]')
    page.locator('[data-state="One"]').focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Add Wait").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector('[data-state="Wait"]')
    page.keyboard.press("Control+z")
    page.wait_for_selector('[data-state="Wait"]', state="detached")
    page.keyboard.press("Control+Shift+z")
    page.wait_for_selector('[data-state="Wait"]')


def test_a_published_version_is_listed_and_diffed_with_the_current_definition(page, api):
    status, _ = api.call("GET", "/api/state-machines/hello-world/versions/")
    api.create("versioned",
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})
    status, _ = api.call("GET", "/api/state-machines/versioned/versions/")
    if status == 404:
        pytest.skip("the server has no versions endpoint (GET /api/state-machines/<name>/versions/ is 404)")
    page.goto("/machines/versioned")
    page.wait_for_selector('[data-state="A"]')
    page.get_by_role("button", name="Versions").click()
    page.get_by_label("Version description").fill("first")
    page.get_by_role("button", name="Publish version").click()
    page.wait_for_selector('[data-version="1"]')
    page.get_by_role("button", name="Close").click()
    api.call("PATCH", "/api/state-machines/versioned/", {"definition": json.dumps(
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": 2, "End": True}}})})
    page.reload()
    page.wait_for_selector('[data-state="A"]')
    page.get_by_role("button", name="Versions").click()
    page.get_by_label("Compare from").select_option("1")
    diff = page.get_by_label("Differences")
    diff.wait_for()
    added = [line for line in diff.inner_text().splitlines() if line.startswith("+")]
    assert len(added) == 1 and '"Result": 2' in added[0]
