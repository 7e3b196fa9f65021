"""Editing inside groups, copy and paste, and accessible names, in a real Chromium."""
from __future__ import annotations

import json

from tests.e2e.test_designer import connect, saved, settle

ACCESSIBLE_NAME = """() => {
  const unnamed = [];
  const controls = 'button, input, select, textarea, summary, [role=tab], [contenteditable=true]';
  for (const el of document.querySelectorAll(controls)) {
    if (el.closest('[hidden]')) continue;
    const labelled = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.getAttribute('title')
      || (el.labels && el.labels.length) || (el.textContent || '').trim();
    if (!labelled) unnamed.push(el.outerHTML.slice(0, 120));
  }
  return unnamed;
}"""


def open_example(page, name: str, first_state: str) -> None:
    page.goto("/")
    page.get_by_role("button", name=f"Open example {name}").click()
    page.wait_for_selector(f'[data-state="{first_state}"]')


def test_a_state_dropped_into_a_map_lands_in_its_item_processor(page, api):
    open_example(page, "document-pipeline", "CountWords")
    settle(page)
    box = page.locator('[data-state="Rejected"]').bounding_box()
    # Just below Rejected, still inside the Map's item processor.
    processor = page.locator('[data-container-id="/EachDocument#p"]').bounding_box()
    below = min(box["y"] + box["height"] + 8, processor["y"] + processor["height"] - 4)
    target = {"x": box["x"] + box["width"] / 2, "y": below}
    pane = page.locator(".react-flow__pane").bounding_box()
    page.drag_and_drop('[data-palette="Pass"]', ".react-flow__pane",
                       target_position={"x": target["x"] - pane["x"], "y": target["y"] - pane["y"]})
    page.wait_for_selector('[data-state="Pass"][data-group="EachDocument"]')
    saved(page)
    _, machine = api.call("GET", "/api/state-machines/document-pipeline/")
    processor_states = json.loads(machine["definition"])["States"]["EachDocument"]["ItemProcessor"]["States"]
    assert processor_states["Pass"] == {"Type": "Pass", "End": True}


def test_a_copied_state_pastes_under_a_new_name_and_delete_removes_it(page):
    open_example(page, "hello-world", "Greet")
    page.locator('[data-state="Greet"]').click()
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")
    page.wait_for_selector('[data-state="Greet 2"]')
    page.locator('[data-state="Greet 2"]').click()
    page.keyboard.press("Delete")
    page.wait_for_selector('[data-state="Greet 2"]', state="detached")
    assert page.locator('[data-state="Greet"]').count() == 1


def test_every_control_has_an_accessible_name(page):
    page.goto("/")
    page.wait_for_selector("text=Examples")
    assert page.evaluate(ACCESSIBLE_NAME) == []
    open_example(page, "ticket-triage", "Classify")
    page.locator('[data-state="Classify"]').click()
    page.get_by_label("Resource").wait_for()
    assert page.evaluate(ACCESSIBLE_NAME) == []
    page.get_by_role("button", name="▶ Run").click()
    assert page.evaluate(ACCESSIBLE_NAME) == []


def test_the_diagram_exports_as_svg_and_png(page):
    open_example(page, "parallel-greetings", "Greet")
    page.get_by_label("Export").click()
    with page.expect_download() as svg:
        page.get_by_role("button", name="Diagram as SVG").click()
    text = open(svg.value.path(), encoding="utf-8").read()
    assert text.startswith("<svg") and "Parallel · BothAtOnce" in text and "Pass · Shout" in text
    page.get_by_label("Export").click()
    with page.expect_download() as png:
        page.get_by_role("button", name="Diagram as PNG").click()
    assert open(png.value.path(), "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def test_the_start_page_duplicates_renames_and_deletes_a_machine(page, api):
    api.create("original",
        {"StartAt": "A", "States": {"A": {"Type": "Succeed"}}})
    answers = iter(["copied", "renamed"])
    page.on("dialog", lambda dialog: dialog.accept(next(answers, "")) if dialog.type == "prompt" else dialog.accept())
    page.goto("/")
    page.get_by_role("button", name="Duplicate original").click()
    page.wait_for_selector('[data-machine="copied"]')
    page.get_by_role("button", name="Rename copied").click()
    page.wait_for_selector('[data-machine="renamed"]')
    assert page.locator('[data-machine="copied"]').count() == 0
    page.get_by_role("button", name="Delete renamed").click()
    page.wait_for_selector('[data-machine="renamed"]', state="detached")
    status, _ = api.call("GET", "/api/state-machines/original/")
    assert status == 200


def test_a_state_dropped_on_a_transition_is_inserted_into_it(page, api):
    api.create("insert-here",
        {"StartAt": "First", "States": {"First": {"Type": "Pass", "Next": "Last"}, "Last": {"Type": "Succeed"}}})
    page.goto("/machines/insert-here")
    page.wait_for_selector('[data-state="Last"]')
    page.wait_for_timeout(300)  # the first fit of the view
    settle(page)
    first = page.locator('[data-state="First"]').bounding_box()
    last = page.locator('[data-state="Last"]').bounding_box()
    pane = page.locator(".react-flow__pane").bounding_box()
    middle = {"x": first["x"] + first["width"] / 2 - pane["x"],
              "y": (first["y"] + first["height"] + last["y"]) / 2 - pane["y"]}
    page.drag_and_drop('[data-palette="Wait"]', ".react-flow__pane", target_position=middle)
    page.wait_for_selector('[data-state="Wait"]')
    saved(page)
    _, machine = api.call("GET", "/api/state-machines/insert-here/")
    states = json.loads(machine["definition"])["States"]
    assert states["First"]["Next"] == "Wait" and states["Wait"]["Next"] == "Last"


def test_a_state_moved_by_mouse_or_arrow_keys_keeps_its_place_after_saving(page, api):
    api.create("moving",
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Succeed"}}})
    page.goto("/machines/moving")
    node = page.locator('[data-state="B"]')
    node.wait_for()
    settle(page)
    box = node.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 20)
    page.mouse.down()
    page.mouse.move(box["x"] + 220, box["y"] + 60, steps=10)
    page.mouse.up()
    page.locator('[data-state="A"]').focus()
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowRight")
    saved(page)
    _, machine = api.call("GET", "/api/state-machines/moving/")
    assert set(machine["layout"]["positions"]) == {"/A", "/B"}
    assert '"positions"' not in machine["definition"]
    # The node's transform is its place on the canvas, whatever the zoom.
    place = node.evaluate("el => el.style.transform")
    page.reload()
    node.wait_for()
    page.wait_for_timeout(300)
    assert node.evaluate("el => el.style.transform") == place


def test_the_inspector_edits_retry_and_catch_and_the_machine_fields(page, api):
    api.create("errors", {"StartAt": "Call", "States": {
        "Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                 "Parameters": {"FunctionName": "word-count", "Payload.$": "$"}, "End": True},
        "Oops": {"Type": "Fail", "Error": "Oops"}}})
    page.goto("/machines/errors")
    page.get_by_label("Comment").fill("Handles its errors")
    page.get_by_label("Comment").press("Enter")
    page.locator('[data-state="Call"]').click()
    page.get_by_role("button", name="Add retrier").click()
    page.get_by_label("Retrier 1 MaxAttempts").fill("5")
    page.get_by_label("Retrier 1 jitter").select_option("FULL")
    page.get_by_role("button", name="Add catcher").click()
    page.get_by_label("Catcher 1 next").select_option("Oops")
    page.get_by_label("Catcher 1 ResultPath").fill("$.error")
    page.get_by_label("Catcher 1 ResultPath").blur()
    page.wait_for_selector(".react-flow__edge.edge-catch")
    saved(page)
    _, machine = api.call("GET", "/api/state-machines/errors/")
    definition = json.loads(machine["definition"])
    assert definition["Comment"] == "Handles its errors"
    call = definition["States"]["Call"]
    assert call["Retry"] == [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 5, "BackoffRate": 2,
                              "JitterStrategy": "FULL"}]
    assert call["Catch"] == [{"ErrorEquals": ["States.ALL"], "Next": "Oops", "ResultPath": "$.error"}]


def test_handles_set_a_choice_rule_its_default_and_a_catch(page, api):
    api.create("branching", {"StartAt": "Pick", "States": {
        "Pick": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": True, "Next": "Work"}]},
        "Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                 "Parameters": {"FunctionName": "word-count", "Payload.$": "$"}, "End": True},
        "Other": {"Type": "Pass", "End": True},
        "Broken": {"Type": "Fail", "Error": "Broken"}}})
    page.goto("/machines/branching")
    page.wait_for_selector('[data-state="Broken"]')
    connect(page, "Pick", "default", "Other")
    connect(page, "Pick", "choice", "Other")
    connect(page, "Work", "catch", "Broken")
    page.wait_for_selector(".react-flow__edge.edge-catch")
    saved(page)
    _, machine = api.call("GET", "/api/state-machines/branching/")
    states = json.loads(machine["definition"])["States"]
    assert states["Pick"]["Default"] == "Other"
    assert [rule["Next"] for rule in states["Pick"]["Choices"]] == ["Work", "Other"]
    assert states["Work"]["Catch"] == [{"ErrorEquals": ["States.ALL"], "Next": "Broken"}]


def test_a_state_renamed_in_the_inspector_keeps_its_transitions(page, api):
    api.create("renaming", {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Succeed"}}})
    page.goto("/machines/renaming")
    page.locator('[data-state="B"]').click()
    page.get_by_label("Name", exact=True).fill("Finish")
    page.get_by_label("Name", exact=True).press("Enter")
    page.wait_for_selector('[data-state="Finish"]')
    saved(page)
    _, machine = api.call("GET", "/api/state-machines/renaming/")
    assert json.loads(machine["definition"])["States"] == {"A": {"Type": "Pass", "Next": "Finish"},
                                                          "Finish": {"Type": "Succeed"}}


def test_states_inside_a_map_connect_by_their_handles(page, api):
    open_example(page, "document-pipeline", "Classify")
    page.wait_for_timeout(300)
    settle(page)
    start = page.locator('[data-state="Classify"] > .react-flow__handle[data-handleid$="|next"]').bounding_box()
    end = page.locator('[data-state="Rejected"] > .react-flow__handle[data-handleid$="|in"]').bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=12)
    page.mouse.up()
    page.wait_for_selector('.react-flow__edge[data-id="/EachDocument#p/Classify->next0->/EachDocument#p/Rejected"]')
    saved(page)
    _, machine = api.call("GET", "/api/state-machines/document-pipeline/")
    classify = json.loads(machine["definition"])["States"]["EachDocument"]["ItemProcessor"]["States"]["Classify"]
    assert classify["Next"] == "Rejected" and "End" not in classify


def test_the_config_tab_edits_role_and_tags_saved_with_the_definition_untouched(page, api):
    """Workflow Studio's Config mode: the role and the tags, checked as AWS checks them before
    anything is sent, saved by Save beside an unchanged definition, there again after a reload."""
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}
    api.create("configured", definition)
    _, before = api.call("GET", "/api/state-machines/configured/")
    page.goto("/machines/configured")
    page.locator('[data-state="A"]').wait_for()
    inspector = page.get_by_role("complementary", name="Inspector")
    inspector.get_by_role("tab", name="Config").click()
    panel = page.get_by_role("region", name="State machine configuration")
    assert panel.get_by_label("State machine ARN").input_value() == before["arn"]
    assert panel.get_by_label("State machine type").input_value() == "STANDARD"

    panel.get_by_label("Role ARN").fill("not-a-role")
    assert panel.get_by_label("Role ARN").get_attribute("aria-invalid") == "true"
    panel.get_by_label("Role ARN").fill("arn:aws:iam::123456789012:role/pipeline-runner")
    panel.get_by_role("button", name="Add tag").click()
    panel.get_by_label("Tag key 1").fill("aws:owner")
    panel.get_by_label("Tag value 1").fill("ml")
    assert "reserved" in panel.get_by_role("group", name="Tag 1").inner_text()
    page.get_by_role("button", name="Save", exact=True).click()
    assert "Not saved" in page.locator(".statusbar").inner_text()
    assert api.call("GET", "/api/state-machines/configured/")[1]["tags"] == {}, "nothing was sent"

    panel.get_by_label("Tag key 1").fill("team")
    panel.get_by_role("button", name="Add tag").click()
    panel.get_by_label("Tag key 2").fill("stage")
    panel.get_by_label("Tag value 2").fill("dev")
    saved(page)
    _, after = api.call("GET", "/api/state-machines/configured/")
    assert after["role_arn"] == "arn:aws:iam::123456789012:role/pipeline-runner"
    assert after["tags"] == {"team": "ml", "stage": "dev"}
    assert after["definition"] == before["definition"], "the definition byte for byte as it was"

    page.reload()
    page.get_by_role("complementary", name="Inspector").get_by_role("tab", name="Config").click()
    panel = page.get_by_role("region", name="State machine configuration")
    assert panel.get_by_label("Tag value 2").input_value() == "dev"
    assert panel.get_by_label("Role ARN").input_value() == after["role_arn"]
    assert page.evaluate(ACCESSIBLE_NAME) == []
