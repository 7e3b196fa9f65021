"""The designer in headless Chromium: a generated definition opens, is laid out and answers a click.

Two sizes, each with nested Map and Parallel states: about 300 states (limit 1.5 s) and about 2,000
(limit 5 s). The time runs from the navigation to /machines/<name> until the layout is on screen
(every state drawn at its computed place) and the inspector shows the state that was clicked.
Also timed, without a limit: pressing Auto-layout, which lays the machine out with ELK.
Uses the e2e harness: the built front end, a daphne server of its own, /usr/bin/chromium.

Prints ``name: value unit`` lines. Usage: ``python -m bench.bench_designer [--runs 3]``.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.e2e import harness

SIZES = {"designer_300_states": (300, 1.5), "designer_2000_states": (2000, 5.0)}


def _chain(prefix: str, n: int) -> dict:
    names = [f"{prefix}{i}" for i in range(n)]
    states = {name: {"Type": "Pass", "Next": names[i + 1]} for i, name in enumerate(names[:-1])}
    states[names[-1]] = {"Type": "Pass", "End": True}
    return {"StartAt": names[0], "States": states}


def generated(total: int) -> dict:
    """A chain of blocks of 20 states: 12 Pass, one Parallel of 2 branches of 2, one Map of 2."""
    blocks = max(1, total // 20)
    states: dict = {}
    order = []
    for b in range(blocks):
        for i in range(12):
            order.append((f"S{b}_{i}", {"Type": "Pass"}))
        order.append((f"Par{b}", {"Type": "Parallel", "Branches": [_chain(f"P{b}a_", 2), _chain(f"P{b}b_", 2)]}))
        order.append((f"Map{b}", {"Type": "Map", "ItemsPath": "$.items",
                                  "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, **_chain(f"M{b}_", 2)}}))
    for (name, state), following in zip(order, order[1:] + [None]):
        states[name] = {**state, **({"Next": following[0]} if following else {"End": True})}
    return {"Comment": f"generated, {total} states", "StartAt": order[0][0], "States": states}


def count_states(machine: dict) -> int:
    n = 0
    for state in machine["States"].values():
        n += 1
        for branch in state.get("Branches", []):
            n += count_states(branch)
        if "ItemProcessor" in state:
            n += count_states(state["ItemProcessor"])
    return n


def _create(base_url: str, name: str, definition: dict) -> None:
    body = json.dumps({"name": name, "definition": json.dumps(definition)}).encode()
    req = urllib.request.Request(f"{base_url}/api/state-machines/", data=body,
                                 headers={"Content-Type": "application/json"}, method="POST")
    urllib.request.urlopen(req, timeout=30).read()


def open_and_click(page, base_url: str, name: str, click_state: str) -> tuple[float, float]:
    """Seconds to the laid-out graph, and to the inspector answering a click after it."""
    started = time.perf_counter()
    page.goto(f"{base_url}/machines/{name}")
    page.wait_for_selector(".statusbar:has-text('layout')", timeout=60000)
    laid_out = time.perf_counter() - started
    page.locator(f'[data-state="{click_state}"]').click(timeout=60000)
    page.wait_for_function(
        "name => document.querySelector('input[aria-label=Name]')?.value === name", arg=click_state, timeout=60000)
    return laid_out, time.perf_counter() - started


def elk_auto_layout(page) -> float:
    """Seconds from pressing Auto-layout to ELK's layout on screen (past 150 states the page
    opens with the linear-time layered layout; Auto-layout asks for ELK, in its worker)."""
    started = time.perf_counter()
    page.get_by_role("button", name="Auto-layout").click()
    page.wait_for_selector(".statusbar:has-text('(ELK)')", timeout=120000)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    problem = harness.frontend_problem() or harness.chromium_problem()
    if problem:
        print(f"skipped: {problem}")
        return 0
    from playwright.sync_api import sync_playwright

    failed = False
    with tempfile.TemporaryDirectory() as work, harness.server(Path(work)) as base_url, sync_playwright() as p:
        browser = harness.launch(p)
        for label, (size, limit) in SIZES.items():
            definition = generated(size)
            _create(base_url, label, definition)
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            open_and_click(page, base_url, label, "S0_0")  # warm the browser's cache of the bundle
            runs = [open_and_click(page, base_url, label, "S0_0") for _ in range(args.runs)]
            elk = elk_auto_layout(page)
            page.close()
            layout = statistics.median(r[0] for r in runs)
            total = statistics.median(r[1] for r in runs)
            print(f"{label}_states: {count_states(definition)} states")
            print(f"{label}_open_and_layout: {layout:.3f} s")
            print(f"{label}_open_layout_click: {total:.3f} s")
            print(f"{label}_ratio_to_limit: {total / limit:.2f} (limit {limit} s)")
            print(f"{label}_elk_auto_layout: {elk:.3f} s")
            failed |= total > limit
        browser.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
