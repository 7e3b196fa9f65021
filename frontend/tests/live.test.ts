// The live view's pure parts: history -> statuses, attempts, Map counts, timeline bars, the
// events filter, replay at a time, metrics on the nodes they belong to.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { filterEvents, eventTypes, NO_FILTER } from "../src/live/eventFilter";
import { bindingsByState, nodeMetrics } from "../src/live/metricsBinding";
import { formatDuration, nodeInfo, nodeStatuses } from "../src/live/nodeInfo";
import { retriersByState } from "../src/live/retry";
import { modelAt, RunModel, summaryStatus } from "../src/live/runModel";
import { barCount, fitScale, timelineBars, visibleRows } from "../src/live/timeline";
import type { MetricsMessage, WireEvent } from "../src/live/wire";

// A real history (the embedded runtime): Prep (Pass), then Map "Each" over two items whose Task
// "Work" fails twice with RuntimeError and succeeds on its third attempt under Retry.
const HISTORY: WireEvent[] = JSON.parse(readFileSync(new URL("./fixtures/map-retry-history.json", import.meta.url), "utf8"));
const DEFINITION = {
  StartAt: "Prep",
  States: {
    Prep: { Type: "Pass", Next: "Each" },
    Each: {
      Type: "Map", ItemsPath: "$.items", End: true,
      ItemProcessor: { StartAt: "Work", States: { Work: { Type: "Task", Resource: "arn:aws:lambda:us-east-1:123456789012:function:flaky", Retry: [{ ErrorEquals: ["RuntimeError"], MaxAttempts: 3 }], End: true } } },
      Catch: [{ ErrorEquals: ["States.ALL"], Next: "Oops" }],
    },
    Oops: { Type: "Pass", End: true },
  },
};
const RETRIERS = retriersByState(DEFINITION);

const fold = (events: WireEvent[], retriers = RETRIERS) => {
  const model = new RunModel(retriers);
  model.apply(events);
  return model;
};
const status = (model: RunModel, name: string) => summaryStatus(model.names.get(name)?.counts ?? { RUNNING: 0, SUCCEEDED: 0, FAILED: 0, CAUGHT: 0, RETRYING: 0, ABORTED: 0, NOT_RUN: 0 });
const upTo = (id: number) => HISTORY.filter((e) => e.id <= id);

/** A small history builder for the cases the fixture lacks. */
function history(...specs: [string, Record<string, unknown>?, number?][]): WireEvent[] {
  return specs.map(([type, details, previous], i) => {
    const key = type.endsWith("StateEntered") ? "stateEnteredEventDetails" : type.endsWith("StateExited") ? "stateExitedEventDetails" : `${type[0].toLowerCase()}${type.slice(1)}EventDetails`;
    return { id: i + 1, previousEventId: previous ?? i, timestamp: 1000 + i, type, ...(details ? { [key]: details } : {}) };
  });
}

describe("state statuses", () => {
  it("ends with every state of a retried Map run succeeded", () => {
    const model = fold(HISTORY);
    expect(status(model, "Prep")).toBe("SUCCEEDED");
    expect(status(model, "Each")).toBe("SUCCEEDED");
    expect(status(model, "Work")).toBe("SUCCEEDED");
    expect(model.names.has("Oops")).toBe(false);
    expect(model.execution.status).toBe("SUCCEEDED");
    expect(model.execution.output).toBe('[{"id":1,"ok":true},{"id":2,"ok":true}]');
  });

  it("shows a state running while its Task is in flight", () => {
    const model = fold(upTo(9));
    expect(status(model, "Work")).toBe("RUNNING");
    expect(status(model, "Each")).toBe("RUNNING");
    expect(status(model, "Prep")).toBe("SUCCEEDED");
  });

  it("shows RETRYING after a failure that a retrier will retry, then RUNNING when the retry is scheduled", () => {
    expect(status(fold(upTo(15)), "Work")).toBe("RETRYING");
    const both = fold(upTo(18));
    expect(both.entries.filter((e) => e.name === "Work").map((e) => e.status)).toEqual(["RUNNING", "RUNNING"]);
  });

  it("shows FAILED, not RETRYING, when the retrier's attempts are spent", () => {
    const spent = retriersByState({ ...DEFINITION, States: { ...DEFINITION.States, Each: { ...DEFINITION.States.Each, ItemProcessor: { StartAt: "Work", States: { Work: { Type: "Task", Resource: "x", Retry: [{ ErrorEquals: ["RuntimeError"], MaxAttempts: 1 }], End: true } } } } } });
    const model = fold(upTo(21), spent);
    expect(model.entries.filter((e) => e.name === "Work").map((e) => e.status)).toEqual(["FAILED", "FAILED"]);
  });

  it("shows CAUGHT for a state whose failure a Catch took, and FAILED for an uncaught one", () => {
    const caught = fold(history(
      ["ExecutionStarted", { input: "{}" }],
      ["TaskStateEntered", { name: "Call", input: "{}" }],
      ["TaskScheduled", { resource: "x" }],
      ["TaskFailed", { error: "Boom", cause: "it broke" }],
      ["TaskStateExited", { name: "Call", output: '{"Error":"Boom"}' }],
      ["PassStateEntered", { name: "Recover" }],
      ["PassStateExited", { name: "Recover" }],
      ["ExecutionSucceeded", { output: "{}" }],
    ), {});
    expect(status(caught, "Call")).toBe("CAUGHT");
    expect(caught.entries[0].error).toBe("Boom");
    expect(caught.entries[0].cause).toBe("it broke");
    expect(status(caught, "Recover")).toBe("SUCCEEDED");

    const failed = fold(history(
      ["ExecutionStarted", {}],
      ["TaskStateEntered", { name: "Call" }],
      ["TaskScheduled", {}],
      ["TaskFailed", { error: "Boom" }],
      ["ExecutionFailed", { error: "Boom" }],
    ), {});
    expect(status(failed, "Call")).toBe("FAILED");
    expect(failed.execution.status).toBe("FAILED");
  });

  it("marks a state left running by a stop ABORTED", () => {
    const model = fold(history(["ExecutionStarted", {}], ["WaitStateEntered", { name: "Pause" }], ["ExecutionAborted", {}]), {});
    expect(status(model, "Pause")).toBe("ABORTED");
    expect(model.execution.status).toBe("ABORTED");
  });

  it("places the states of Parallel branches inside their Parallel state", () => {
    const model = fold(history(
      ["ParallelStateEntered", { name: "Both" }, 0],
      ["ParallelStateStarted", undefined, 1],
      ["PassStateEntered", { name: "A" }, 2],
      ["PassStateEntered", { name: "B" }, 2],
      ["PassStateExited", { name: "A" }, 3],
      ["PassStateExited", { name: "B" }, 4],
      ["ParallelStateSucceeded", undefined, 6],
      ["ParallelStateExited", { name: "Both" }, 7],
    ), {});
    expect(model.entries.map((e) => [e.name, e.status, e.scope.parent?.name ?? null])).toEqual([
      ["Both", "SUCCEEDED", null], ["A", "SUCCEEDED", "Both"], ["B", "SUCCEEDED", "Both"],
    ]);
  });
});

describe("attempts", () => {
  it("records each attempt of each item with its timing, error and number", () => {
    const model = fold(HISTORY);
    const work = model.entries.filter((e) => e.name === "Work");
    expect(work).toHaveLength(2);
    for (const entry of work) {
      expect(entry.attempts.map((a) => [a.number, a.status, a.error ?? null])).toEqual([
        [1, "FAILED", "RuntimeError"], [2, "FAILED", "RuntimeError"], [3, "SUCCEEDED", null],
      ]);
      for (const a of entry.attempts) expect(a.end! >= a.start).toBe(true);
      expect(entry.attempts[0].resource).toBe("arn:aws:lambda:us-east-1:123456789012:function:flaky");
    }
    expect(model.names.get("Work")!.retries).toBe(4);
    expect(work[0].input).toBe('{"id":1}');
    expect(work[0].output).toBe('{"id":1,"ok":true}');
  });
});

describe("Map counts", () => {
  it("counts iterations pending, running, succeeded and failed as they go", () => {
    expect(fold(upTo(5)).maps.get("Each")).toMatchObject({ total: 2, pending: 2, running: 0, succeeded: 0, failed: 0 });
    expect(fold(upTo(6)).maps.get("Each")).toMatchObject({ pending: 1, running: 1 });
    expect(fold(upTo(28)).maps.get("Each")).toMatchObject({ pending: 0, running: 1, succeeded: 1 });
    expect(fold(HISTORY).maps.get("Each")).toMatchObject({ pending: 0, running: 0, succeeded: 2, failed: 0 });
  });

  it("counts a failed iteration and marks its row as a failure", () => {
    const model = fold(history(
      ["MapStateEntered", { name: "M" }, 0],
      ["MapStateStarted", { length: 1 }, 1],
      ["MapIterationStarted", { name: "M", index: 0 }, 2],
      ["TaskStateEntered", { name: "T" }, 3],
      ["TaskFailed", { error: "E" }, 4],
      ["MapIterationFailed", { name: "M", index: 0 }, 5],
      ["MapStateFailed", undefined, 6],
      ["ExecutionFailed", { error: "E" }, 7],
    ), {});
    expect(model.maps.get("M")).toMatchObject({ failed: 1, running: 0, pending: 0 });
    expect(status(model, "T")).toBe("FAILED");
    expect(status(model, "M")).toBe("FAILED");
    expect(visibleRows(model, true).map((r) => r.kind)).toEqual(["state", "iteration"]);
  });
});

describe("a distributed Map", () => {
  it("counts its items succeeded when it ends, having no iteration events of its own", () => {
    const model = fold(history(
      ["MapStateEntered", { name: "D" }, 0],
      ["MapStateStarted", { length: 500 }, 1],
      ["MapRunStarted", { mapRunArn: "arn:run" }, 2],
      ["MapRunSucceeded", undefined, 3],
      ["MapStateSucceeded", undefined, 4],
      ["MapStateExited", { name: "D" }, 5],
    ), {});
    expect(model.maps.get("D")).toMatchObject({ total: 500, pending: 0, succeeded: 500 });
    expect(status(model, "D")).toBe("SUCCEEDED");
  });
});

describe("timeline", () => {
  it("has a bar per state entry, per Map iteration and per attempt", () => {
    const model = fold(HISTORY);
    const bars = timelineBars(model);
    // Prep, Each, 2 iterations, 2 Work entries, 6 attempts.
    expect(bars.filter((b) => b.kind === "state")).toHaveLength(4);
    expect(bars.filter((b) => b.kind === "iteration").map((b) => b.label)).toEqual(["Each #0", "Each #1"]);
    expect(bars.filter((b) => b.kind === "attempt")).toHaveLength(6);
    expect(barCount(model.rows)).toBe(bars.length);
    expect(model.rows).toHaveLength(4);
    for (const bar of bars) expect(bar.end >= bar.start).toBe(true);
  });

  it("keeps only rows with failures when asked (retried attempts are failures)", () => {
    const rows = visibleRows(fold(HISTORY), true);
    expect(rows.map((r) => r.kind)).toEqual(["iteration", "iteration"]);
  });

  it("draws what is still open up to now", () => {
    const model = fold(upTo(9));
    const open = timelineBars(model, { now: 2e9 }).filter((b) => b.open);
    expect(open.length).toBeGreaterThan(0);
    for (const bar of open) expect(bar.end).toBe(2e9);
  });

  it("fits the time span to the width, times the zoom", () => {
    expect(fitScale(10, 20, 1000).pxPerSecond).toBe(100);
    expect(fitScale(10, 20, 1000, 4).pxPerSecond).toBe(400);
  });
});

describe("replay at a time", () => {
  it("shows the state of the run as it was at t", () => {
    const retryAt = HISTORY.find((e) => e.id === 15)!.timestamp;
    const before = modelAt(HISTORY, retryAt, RETRIERS);
    expect(before.events.at(-1)!.id).toBe(15);
    expect(status(before, "Work")).toBe("RETRYING");
    expect(before.execution.status).toBe("RUNNING");
    expect(status(modelAt(HISTORY, HISTORY[0].timestamp - 1), "Prep")).toBe("NOT_RUN");
    expect(modelAt(HISTORY, HISTORY.at(-1)!.timestamp, RETRIERS).execution.status).toBe("SUCCEEDED");
  });

  it("continues forward from where it was, as a replay that plays does", () => {
    const model = new RunModel(RETRIERS);
    const mid = HISTORY[20].timestamp;
    const next = model.applyUntil(HISTORY, 0, mid);
    model.applyUntil(HISTORY, next, Infinity);
    expect(model.events).toHaveLength(HISTORY.length);
    expect(timelineBars(model)).toEqual(timelineBars(fold(HISTORY)));
  });

  it("ignores events it has already folded (a reconnect that overlaps)", () => {
    const model = fold(HISTORY);
    model.apply(HISTORY.slice(10));
    expect(model.events).toHaveLength(HISTORY.length);
  });
});

describe("events filter", () => {
  it("filters by text, type and failures, and only the new events when more arrive", () => {
    expect(filterEvents(HISTORY, { ...NO_FILTER, failuresOnly: true }).map((i) => HISTORY[i].type)).toEqual(Array(4).fill("LambdaFunctionFailed"));
    expect(filterEvents(HISTORY, { ...NO_FILTER, type: "MapIterationStarted" })).toHaveLength(2);
    expect(filterEvents(HISTORY, { ...NO_FILTER, text: "attempt 2 of item 1" }).map((i) => HISTORY[i].id)).toEqual([21]);
    const first = filterEvents(HISTORY.slice(0, 10), { ...NO_FILTER, text: "work" });
    const all = filterEvents(HISTORY, { ...NO_FILTER, text: "work" }, 10, [...first]);
    expect(all).toEqual(filterEvents(HISTORY, { ...NO_FILTER, text: "work" }));
    expect(eventTypes(HISTORY)).toContain("LambdaFunctionScheduled");
  });
});

describe("metrics on nodes", () => {
  it("binds SageMaker endpoints to their model and Lambda tasks to the states queue", () => {
    const definition = { StartAt: "Embed", States: {
      Embed: { Type: "Task", Resource: "arn:aws:states:::sagemaker:invokeEndpoint", Parameters: { EndpointName: "doc-embedder" }, Next: "Other" },
      Other: { Type: "Task", Resource: "arn:aws:states:::sagemaker:invokeEndpoint", Parameters: { EndpointName: "unbound" }, Next: "Count" },
      Count: { Type: "Task", Resource: "arn:aws:lambda:us-east-1:1:function:word-count", End: true },
    } };
    const bindings = bindingsByState(definition, { endpoints: { "doc-embedder": "big:embed" }, models: ["minilm", "big"] });
    expect(bindings).toEqual({ Embed: { queue: "inference", model: "big" }, Other: { queue: "inference", model: "minilm" }, Count: { queue: "states" } });
    const metrics: MetricsMessage = { type: "metrics", time: 1, queues: { inference: 7, states: 2 }, models: { big: { queue_depth: 5, batch_size_mean: 24.5, fill_ratio: 0.77, queue_wait_ms: { p50: 3.1, p99: 9.8 } } } };
    expect(nodeMetrics(bindings.Embed, metrics)).toEqual({ queue: "inference", queueDepth: 7, model: "big", modelQueueDepth: 5, batchSizeMean: 24.5, fillRatio: 0.77, queueWaitP50: 3.1, queueWaitP99: 9.8 });
    expect(nodeMetrics(bindings.Count, metrics)).toEqual({ queue: "states", queueDepth: 2 });
  });
});

describe("a 10,000-item Map", () => {
  it("folds 60,000 events in well under a second and keeps the counts right", () => {
    const events: WireEvent[] = [];
    let id = 0;
    const add = (type: string, details?: Record<string, unknown>, prev = id) => {
      const key = type.endsWith("StateEntered") ? "stateEnteredEventDetails" : type.endsWith("StateExited") ? "stateExitedEventDetails" : `${type[0].toLowerCase()}${type.slice(1)}EventDetails`;
      events.push({ id: ++id, previousEventId: prev, timestamp: 1000 + id / 1000, type, ...(details ? { [key]: details } : {}) });
      return id;
    };
    add("ExecutionStarted", {});
    const entered = add("MapStateEntered", { name: "M" });
    const started = add("MapStateStarted", { length: 10000 }, entered);
    for (let i = 0; i < 10000; i++) {
      const it = add("MapIterationStarted", { name: "M", index: i }, started);
      const e = add("TaskStateEntered", { name: "T" }, it);
      const s = add("TaskScheduled", { resource: "r" }, e);
      const done = add(i % 100 === 0 ? "TaskFailed" : "TaskSucceeded", i % 100 === 0 ? { error: "E" } : {}, s);
      const x = i % 100 === 0 ? done : add("TaskStateExited", { name: "T" }, done);
      add(i % 100 === 0 ? "MapIterationFailed" : "MapIterationSucceeded", { name: "M", index: i }, x);
    }
    const t = performance.now();
    const model = fold(events, {});
    expect(performance.now() - t).toBeLessThan(1000);
    expect(model.maps.get("M")).toMatchObject({ succeeded: 9900, failed: 100, running: 0, pending: 0 });
    expect(model.rows).toHaveLength(10001);
    expect(visibleRows(model, true)).toHaveLength(100);
  });
});

describe("what the nodes show", () => {
  it("gives each named state its status, NOT_RUN for those never entered, and words its figures", () => {
    const model = fold(HISTORY);
    expect(nodeStatuses(model, ["Prep", "Each", "Work", "Oops"])).toEqual({ Prep: "SUCCEEDED", Each: "SUCCEEDED", Work: "SUCCEEDED", Oops: "NOT_RUN" });
    const info = nodeInfo(model, ["Each", "Work", "Oops"], model.lastTime!);
    expect(info.Each.map).toEqual({ pending: 0, running: 0, succeeded: 2, failed: 0 });
    expect(info.Work.lines).toContain("attempt 3");
    expect(info.Work.lines).toContain("2 runs");
    expect(info.Oops).toBeUndefined();
    expect([formatDuration(0.25), formatDuration(12.34), formatDuration(125)]).toEqual(["250 ms", "12.3 s", "2 min 05 s"]);
  });

  it("counts a running state's elapsed time up to now", () => {
    const model = fold(upTo(9));
    const start = model.names.get("Prep")!.firstStart;
    expect(nodeInfo(model, ["Prep"], start + 100).Prep.lines[0]).not.toBe("1 min 40 s"); // Prep has ended
    const work = model.names.get("Work")!;
    expect(nodeInfo(model, ["Work"], work.firstStart + 100).Work.lines[0]).toBe("1 min 40 s");
  });

  it("puts queue and batch figures on the states bound to them", () => {
    const bindings = { Work: { queue: "inference", model: "minilm" } };
    const metrics: MetricsMessage = { type: "metrics", time: 1, queues: { inference: 4 }, models: { minilm: { batch_size_mean: 16, fill_ratio: 0.5, queue_wait_ms: { p50: 2, p99: 7.5 } } } };
    expect(nodeInfo(fold(HISTORY), ["Work"], 0, bindings, metrics).Work.metrics).toEqual(["queue inference 4", "batch 16.0", "fill 50%", "wait p50 2.0 ms", "p99 7.5 ms"]);
  });

  it("leaves out the figures a model has none of yet (null: no batch since it loaded or its knobs changed)", () => {
    const bindings = { Work: { queue: "inference", model: "minilm" } };
    const metrics: MetricsMessage = { type: "metrics", time: 1, queues: { inference: 0 }, models: { minilm: { queue_depth: 0, batch_size_mean: null, fill_ratio: null, queue_wait_ms: { p50: null, p99: null } } } };
    expect(nodeInfo(fold(HISTORY), ["Work"], 0, bindings, metrics).Work.metrics).toEqual(["queue inference 0", "minilm waiting 0"]);
  });
});
