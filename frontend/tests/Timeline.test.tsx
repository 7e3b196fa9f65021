// @vitest-environment jsdom
// The timeline's "Compress idle gaps": the checkbox, the gaps the canvas says it drew, and a
// click on the bars picking through the same scale the bars were drawn with.
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { gapScale, modelGaps, timeToX } from "../src/live/idleGaps";
import { RunModel } from "../src/live/runModel";
import Timeline from "../src/run/Timeline";
import { MAP_ITERATION_STARTED, run, T0, task } from "./timedHistory";

const LABEL = 170; // the row labels' column (run/Timeline.tsx)
const AXIS = 18;
const ROW = 18;

// One Map iteration: T1, an hour's Wait, T2, all on the iteration's row.
function model(): RunModel {
  const m = new RunModel({});
  m.apply(run(
    ...MAP_ITERATION_STARTED,
    ...task("T1", 0.04),
    [0.56, "WaitStateEntered", { name: "W" }],
    [3600.56, "WaitStateExited", { name: "W" }],
    ...task("T2", 3600.57),
    [3601.09, "MapIterationSucceeded", { name: "M", index: 0 }],
    [3601.1, "MapStateSucceeded"],
    [3601.11, "MapStateExited", { name: "M" }],
    [3601.12, "ExecutionSucceeded", {}],
  ));
  return m;
}

/** A 2D context that draws nothing, so the drawing code runs in jsdom. */
function fakeContext(): CanvasRenderingContext2D {
  const target = { measureText: (text: string) => ({ width: text.length * 6 }) } as Record<string, unknown>;
  return new Proxy(target, {
    get: (t, key) => (key in t ? t[key as string] : () => undefined),
    set: (t, key, value) => { t[key as string] = value; return true; },
  }) as unknown as CanvasRenderingContext2D;
}

function click(canvas: HTMLElement, offsetX: number, offsetY: number): void {
  const event = new MouseEvent("click", { bubbles: true });
  Object.defineProperties(event, { offsetX: { value: offsetX }, offsetY: { value: offsetY } });
  canvas.dispatchEvent(event);
}

beforeEach(() => {
  vi.stubGlobal("ResizeObserver", class { observe() {} disconnect() {} });
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockImplementation((() => fakeContext()) as never);
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("the timeline's compressed idle gaps", () => {
  it("draws the hour's Wait as one gap when asked, and says so on the canvas", () => {
    const m = model();
    render(<Timeline model={m} version={1} now={m.lastTime!} />);
    const canvas = screen.getByRole("img", { name: /^Timeline/ });
    const box = screen.getByRole<HTMLInputElement>("checkbox", { name: "Compress idle gaps" });
    expect(box.checked).toBe(false);
    expect(canvas.dataset.gaps).toBe("0");
    fireEvent.click(box);
    expect(box.checked).toBe(true);
    expect(canvas.dataset.gaps).toBe("1");
    expect(canvas.getAttribute("aria-label")).toBe("Timeline: 2 rows, 7 bars, 1 idle gap compressed");
    expect(screen.getByText(/1 idle gap over 3 min 00 s/)).toBeTruthy();
    fireEvent.click(screen.getByRole("checkbox", { name: "Failures only" }));
    expect(canvas.dataset.rows).toBe("0");
    expect(canvas.dataset.gaps).toBe("1"); // the axis is the whole run's
    fireEvent.click(box);
    expect(canvas.dataset.gaps).toBe("0");
  });

  it("picks the entry under the pointer through the compressed scale", () => {
    const m = model();
    const onSelect = vi.fn();
    render(<Timeline model={m} version={1} now={m.lastTime!} onSelect={onSelect} />);
    fireEvent.click(screen.getByRole("checkbox", { name: "Compress idle gaps" }));
    const canvas = screen.getByRole("img", { name: /^Timeline/ });
    // The width is 900 until the ResizeObserver says otherwise; the bars get 900 - LABEL - 20.
    const scale = gapScale(m.firstTime!, m.lastTime!, modelGaps(m), 900 - LABEL - 20);
    const y = AXIS + ROW + ROW / 2; // the iteration's row
    const at = (t: number) => LABEL + timeToX(scale, T0 + t);
    click(canvas, at(1800), y); // the middle of the break
    click(canvas, at(3600.8), y); // just after it, T2's bar
    click(canvas, at(0.3), y);
    expect(onSelect.mock.calls.map(([name]) => name)).toEqual(["W", "T2", "T1"]);
    // A linear axis would put T2 at the far right, 3600 s after T1; here the hour is a break.
    expect(at(3600.8) - at(0.3)).toBeLessThan((900 - LABEL - 20) / 2);
  });
});
