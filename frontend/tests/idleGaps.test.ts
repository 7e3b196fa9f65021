// "Compress idle gaps" on the timeline: what is idle in a run, the gaps among the idle stretches,
// the time <-> x mapping with gaps, and the gap's label.
import { describe, expect, it } from "vitest";
import {
  formatIdle, GAP_PX, gapAt, gapLabel, gapScale, gapThreshold, idleGaps, idleTime, modelGaps, timeToX, workIntervals, xToTime,
} from "../src/live/idleGaps";
import { RunModel } from "../src/live/runModel";
import { entryAt, fitScale, tickLabel, timelineBars } from "../src/live/timeline";
import type { WireEvent } from "../src/live/wire";
import { MAP_ITERATION_STARTED, run, T0, task } from "./timedHistory";

/** Gaps as [start, end] in seconds after T0, to the millisecond (epoch seconds are doubles). */
const spans = (gaps: { start: number; end: number }[]) => gaps.map((g) => [g.start, g.end].map((t) => Math.round((t - T0) * 1000) / 1000));

const fold = (events: WireEvent[]) => {
  const model = new RunModel({});
  model.apply(events);
  return model;
};

// Two short Tasks an hour's Wait apart.
const WAIT_HOUR = run(
  [0, "ExecutionStarted", {}],
  ...task("A", 0.01),
  [0.53, "WaitStateEntered", { name: "Pause" }],
  [3600.53, "WaitStateExited", { name: "Pause" }],
  ...task("B", 3600.54),
  [3601.06, "ExecutionSucceeded", { output: "{}" }],
);

// A Task whose first attempt fails after a second and whose retry follows a 30 s back-off.
const BACK_OFF = run(
  [0, "ExecutionStarted", {}],
  [0.01, "TaskStateEntered", { name: "Flaky" }],
  [0.02, "TaskScheduled", { resource: "invoke" }],
  [0.03, "TaskStarted", {}],
  [1, "TaskFailed", { error: "Boom" }],
  [31, "TaskScheduled", { resource: "invoke" }],
  [31.01, "TaskStarted", {}],
  [32, "TaskSucceeded", {}],
  [32.01, "TaskStateExited", { name: "Flaky" }],
  [32.02, "ExecutionSucceeded", {}],
);

describe("idle gaps", () => {
  it("finds exactly one gap of about an hour in an hour's Wait between two short Tasks", () => {
    const gaps = modelGaps(fold(WAIT_HOUR));
    expect(gaps).toHaveLength(1);
    expect(gaps[0].start - T0).toBeCloseTo(0.51, 6); // A's attempt ended
    expect(gaps[0].end - T0).toBeCloseTo(3600.55, 6); // B's attempt was scheduled
    expect(gapLabel(gaps[0])).toBe("⋯ 1 h idle");
  });

  it("counts a retry's back-off longer than the threshold as a gap, but not the attempts", () => {
    const model = fold(BACK_OFF);
    expect(gapThreshold(T0, T0 + 32.02)).toBeCloseTo(1.601, 6);
    const gaps = modelGaps(model);
    expect(spans(gaps)).toEqual([[1, 31]]);
    expect(gapLabel(gaps[0])).toBe("⋯ 30 s idle");
  });

  it("finds no gap while a Parallel branch works through the other's Wait", () => {
    const model = fold(run(
      [0, "ExecutionStarted", {}],
      [0.01, "ParallelStateEntered", { name: "Both" }, 1],
      [0.02, "ParallelStateStarted", undefined, 2],
      [0.03, "TaskStateEntered", { name: "Long" }, 3],
      [0.03, "WaitStateEntered", { name: "Nap" }, 3],
      [0.04, "TaskScheduled", { resource: "invoke" }, 4],
      [60, "TaskSucceeded", {}, 6],
      [60.01, "TaskStateExited", { name: "Long" }, 7],
      [30, "WaitStateExited", { name: "Nap" }, 5],
      [30.01, "TaskStateEntered", { name: "Short" }, 9],
      [30.02, "TaskScheduled", { resource: "invoke" }, 10],
      [59, "TaskSucceeded", {}, 11],
      [59.01, "TaskStateExited", { name: "Short" }, 12],
      [60.02, "ParallelStateSucceeded", undefined, 13],
      [60.03, "ParallelStateExited", { name: "Both" }, 14],
      [60.04, "ExecutionSucceeded", {}, 15],
    ));
    expect(model.entries.map((e) => [e.name, e.scope.parent?.name ?? null])).toEqual([["Both", null], ["Long", "Both"], ["Nap", "Both"], ["Short", "Both"]]);
    expect(modelGaps(model)).toEqual([]);
  });

  it("counts neither a Parallel nor a Map as work of its own: their states do", () => {
    const model = fold(run(
      ...MAP_ITERATION_STARTED,
      [0.04, "WaitStateEntered", { name: "W" }],
      [100, "WaitStateExited", { name: "W" }],
      [100.01, "MapIterationSucceeded", { name: "M", index: 0 }],
      [100.02, "MapStateSucceeded"],
      [100.03, "MapStateExited", { name: "M" }],
      [100.04, "ExecutionSucceeded", {}],
    ));
    expect(spans(modelGaps(model))).toEqual([[0, 100.04]]);
  });

  it("counts a distributed Map's items, which have no iteration events here, as work", () => {
    const model = fold(run(
      [0, "ExecutionStarted", {}],
      [0.01, "MapStateEntered", { name: "D" }],
      [0.02, "MapStateStarted", { length: 500 }],
      [0.03, "MapRunStarted", { mapRunArn: "arn:run" }],
      [300, "MapRunSucceeded"],
      [300.01, "MapStateSucceeded"],
      [300.02, "MapStateExited", { name: "D" }],
      [300.03, "ExecutionSucceeded", {}],
    ));
    expect(modelGaps(model)).toEqual([]);
  });

  it("counts a callback Task's wait for its token as idle, open or answered, but not a .sync job", () => {
    const callback = (resource: string) => [
      [0, "ExecutionStarted", {}],
      [0.01, "TaskStateEntered", { name: "Approve" }],
      [0.02, "TaskScheduled", { resource, resourceType: "sqs" }],
      [0.03, "TaskStarted", {}],
      [0.5, "TaskSubmitted", { output: "{}" }],
    ] as [number, string, Record<string, unknown>?][];
    const waiting = fold(run(...callback("sendMessage.waitForTaskToken")));
    expect(waiting.entries[0].attempts[0].submitted).toBe(T0 + 0.5);
    expect(spans(modelGaps(waiting, T0 + 600))).toEqual([[0.5, 600]]);
    expect(modelGaps(fold(run(...callback("startExecution.sync"))), T0 + 600)).toEqual([]);

    const answered = fold(run(...callback("sendMessage.waitForTaskToken"),
      [600, "TaskSucceeded", {}], [600.01, "TaskStateExited", { name: "Approve" }], ...task("Ship", 600.02), [601, "ExecutionSucceeded", {}]));
    expect(spans(modelGaps(answered))).toEqual([[0.5, 600.03]]);
  });

  it("compresses a run's idle tail up to now, and nothing of a run still working", () => {
    const events = WAIT_HOUR.slice(0, 7); // A done, Pause entered
    const model = fold(events);
    expect(spans(modelGaps(model, T0 + 1800))).toEqual([[0.51, 1800]]);
    const working = fold(WAIT_HOUR.slice(0, 3)); // A scheduled
    expect(modelGaps(working, T0 + 1800)).toEqual([]);
  });

  it("ends an attempt left open by the execution's end with its state", () => {
    const model = fold(run(
      [0, "ExecutionStarted", {}],
      [0.01, "TaskStateEntered", { name: "A" }],
      [0.02, "TaskScheduled", { resource: "invoke" }],
      [5, "ExecutionAborted", {}],
    ));
    expect(model.entries[0].attempts[0].end).toBeNull();
    expect(workIntervals(model)).toEqual([{ start: T0 + 0.02, end: T0 + 5 }]);
    expect(modelGaps(model, T0 + 600)).toHaveLength(1);
  });

  it("keeps only the stretches over max(1 s, 5% of the span)", () => {
    const idle = idleTime([{ start: 11, end: 20 }, { start: 15, end: 30 }, { start: 30.5, end: 40 }, { start: 45, end: 50 }, { start: 100, end: 200 }], 0);
    expect(idle.stretches).toEqual([{ start: 0, end: 11 }, { start: 40, end: 45 }, { start: 50, end: 100 }]);
    expect(idle.tailFrom).toBe(200);
    expect(idleGaps(idle, 0, 200)).toEqual([{ start: 0, end: 11 }, { start: 50, end: 100 }]); // over 10 s
    expect(idleGaps(idle, 0, 300)).toEqual([{ start: 50, end: 100 }, { start: 200, end: 300 }]); // over 15 s
    expect(idleTime([{ start: 5, end: Infinity }], 0).tailFrom).toBe(Infinity);
  });

  it("computes the gaps of 10,000 iterations fast", () => {
    const events: WireEvent[] = [];
    let id = 0;
    const add = (at: number, type: string, details?: Record<string, unknown>, prev = id) => {
      const key = type.endsWith("StateEntered") ? "stateEnteredEventDetails" : type.endsWith("StateExited") ? "stateExitedEventDetails" : `${type[0].toLowerCase()}${type.slice(1)}EventDetails`;
      events.push({ id: ++id, previousEventId: prev, timestamp: T0 + at, type, ...(details ? { [key]: details } : {}) });
      return id;
    };
    add(0, "ExecutionStarted", {});
    const entered = add(0, "MapStateEntered", { name: "M" });
    const started = add(0, "MapStateStarted", { length: 10000 }, entered);
    for (let i = 0; i < 10000; i++) {
      const at = i < 5000 ? i / 1000 : 3600 + i / 1000; // half, an hour's pause, the other half
      const it = add(at, "MapIterationStarted", { name: "M", index: i }, started);
      const e = add(at, "TaskStateEntered", { name: "T" }, it);
      const s = add(at + 0.0001, "TaskScheduled", { resource: "r" }, e);
      const done = add(at + 0.0005, "TaskSucceeded", {}, s);
      const x = add(at + 0.0006, "TaskStateExited", { name: "T" }, done);
      add(at + 0.0007, "MapIterationSucceeded", { name: "M", index: i }, x);
    }
    const model = fold(events);
    const t = performance.now();
    const gaps = modelGaps(model);
    expect(performance.now() - t).toBeLessThan(500);
    expect(gaps).toHaveLength(1);
    expect(gaps[0].end - gaps[0].start).toBeCloseTo(3600.0003, 3);
  });
});

describe("time and x with gaps", () => {
  const first = T0, last = T0 + 100;
  const gaps = [{ start: T0 + 10, end: T0 + 40 }, { start: T0 + 50, end: T0 + 90 }];
  const scale = gapScale(first, last, gaps, 1000);

  it("fits the time outside the gaps into the width, each gap GAP_PX wide", () => {
    expect(scale.pxPerSecond).toBeCloseTo((1000 - 2 * GAP_PX) / 30, 9);
    expect(timeToX(scale, last)).toBeCloseTo(1000, 6);
    for (const g of gaps) expect(timeToX(scale, g.end) - timeToX(scale, g.start)).toBeCloseTo(GAP_PX, 9);
    expect(gapScale(first, last, gaps, 1000, 4).pxPerSecond).toBeCloseTo(scale.pxPerSecond * 4, 9);
    expect(timeToX(gapScale(first, last, gaps, 1000, 4), gaps[0].end) - timeToX(gapScale(first, last, gaps, 1000, 4), gaps[0].start)).toBeCloseTo(GAP_PX, 9);
  });

  it("is the plain fitted scale without gaps", () => {
    const plain = gapScale(10, 20, [], 1000, 2);
    expect(plain.pxPerSecond).toBe(fitScale(10, 20, 1000, 2).pxPerSecond);
    expect(timeToX(plain, 15)).toBe(1000);
    expect(xToTime(plain, 1000)).toBe(15);
  });

  it("round-trips time -> x -> time outside the gaps, and x -> time -> x everywhere", () => {
    for (const dt of [0, 3, 9.99, 10, 40, 41.5, 49, 50, 90, 95, 100, 120]) {
      expect(xToTime(scale, timeToX(scale, T0 + dt)) - T0).toBeCloseTo(dt, 5);
    }
    let previous = -Infinity;
    for (let x = -50; x <= 1050; x += 7) {
      expect(timeToX(scale, xToTime(scale, x))).toBeCloseTo(x, 4);
      const t = xToTime(scale, x);
      expect(t).toBeGreaterThan(previous);
      previous = t;
    }
  });

  it("says which gap's break holds an x", () => {
    const x0 = timeToX(scale, gaps[1].start);
    expect([gapAt(scale, x0 - 1), gapAt(scale, x0), gapAt(scale, x0 + GAP_PX / 2), gapAt(scale, x0 + GAP_PX)]).toEqual([-1, 1, 1, -1]);
    expect(gapAt(scale, timeToX(scale, gaps[0].start) + 1)).toBe(0);
  });

  it("shortens a bar that spans a gap by the gap's time, less the break's width", () => {
    const model = fold(BACK_OFF);
    const found = modelGaps(model);
    const s = gapScale(model.firstTime!, model.lastTime!, found, 800);
    const bars = timelineBars(model);
    const state = bars.find((b) => b.kind === "state")!; // across the back-off
    const gap = found[0].end - found[0].start;
    expect(timeToX(s, state.end) - timeToX(s, state.start)).toBeCloseTo((state.end - state.start - gap) * s.pxPerSecond + GAP_PX, 4);
    const attempt = bars.find((b) => b.kind === "attempt")!; // outside the gap: its proportional width
    expect(timeToX(s, attempt.end) - timeToX(s, attempt.start)).toBeCloseTo((attempt.end - attempt.start) * s.pxPerSecond, 4);
    // A Wait wholly inside its gap is drawn within the break.
    const hour = fold(WAIT_HOUR);
    const h = gapScale(hour.firstTime!, hour.lastTime!, modelGaps(hour), 800);
    const wait = timelineBars(hour).find((b) => b.label === "Pause")!;
    expect(timeToX(h, wait.end) - timeToX(h, wait.start)).toBeLessThanOrEqual(GAP_PX);
  });
});

describe("a click on an iteration's row", () => {
  it("picks the entry under the time clicked", () => {
    const model = fold(run(
      ...MAP_ITERATION_STARTED,
      ...task("T1", 0.04),
      [0.56, "WaitStateEntered", { name: "W" }],
      [100, "WaitStateExited", { name: "W" }],
      ...task("T2", 100.01),
      [100.53, "MapIterationSucceeded", { name: "M", index: 0 }],
    ));
    const row = model.rows[1];
    expect([0, 0.3, 50, 100.2, 200].map((dt) => entryAt(row, T0 + dt)?.name)).toEqual(["T1", "T1", "W", "T2", "T2"]);
    expect(entryAt(model.rows[0], T0 + 50)?.name).toBe("M");
  });
});

describe("the gap's label", () => {
  it("says the idle time in a few characters", () => {
    expect([0.5, 1, 45.4, 59.6, 90, 3540, 3600, 3900, 86400, 97200].map(formatIdle)).toEqual([
      "500 ms", "1 s", "45 s", "1 min", "2 min", "59 min", "1 h", "1 h 05 min", "1 d", "1 d 3 h",
    ]);
    expect(gapLabel({ start: 0, end: 3540 })).toBe("⋯ 59 min idle");
  });
});

describe("the time axis's labels", () => {
  it("are as precise as the ticks are close, so that neighbours never read the same", () => {
    expect([3.005, 3.01, 3.015].map((t) => tickLabel(t, 0.005))).toEqual(["3.005 s", "3.010 s", "3.015 s"]);
    expect([0.25, 0.5].map((t) => tickLabel(t, 0.25))).toEqual(["250 ms", "500 ms"]);
    expect(tickLabel(0.0015, 0.0005)).toBe("1.5 ms");
    expect([3600.05, 3600.1].map((t) => tickLabel(t, 0.05))).toEqual(["60 min 00.05 s", "60 min 00.10 s"]);
    expect([2, 4, 125].map((t) => tickLabel(t, 2))).toEqual(["2.0 s", "4.0 s", "2 min 05 s"]); // as before
  });
});
