// Run histories with explicit times, for the timeline's tests: events as the live view receives them.
import type { WireEvent } from "../src/live/wire";

export const T0 = 1_700_000_000;

export type Spec = [number, string, Record<string, unknown>?, number?];

/** A history: [seconds after T0, type, details?, previous event id?] per event. */
export function run(...specs: Spec[]): WireEvent[] {
  return specs.map(([at, type, details, previous], i) => {
    const key = type.endsWith("StateEntered") ? "stateEnteredEventDetails" : type.endsWith("StateExited") ? "stateExitedEventDetails" : `${type[0].toLowerCase()}${type.slice(1)}EventDetails`;
    return { id: i + 1, previousEventId: previous ?? i, timestamp: T0 + at, type, ...(details ? { [key]: details } : {}) };
  });
}

/** A short Task named `name` from `at`: entered, scheduled, started, succeeded `seconds` later, exited. */
export const task = (name: string, at: number, seconds = 0.5): Spec[] => [
  [at, "TaskStateEntered", { name }],
  [at + 0.01, "TaskScheduled", { resource: "invoke", resourceType: "lambda" }],
  [at + 0.02, "TaskStarted", {}],
  [at + seconds, "TaskSucceeded", { output: "{}" }],
  [at + seconds + 0.01, "TaskStateExited", { name }],
];

/** The start of a run whose Map "M" has begun its one iteration. */
export const MAP_ITERATION_STARTED: Spec[] = [
  [0, "ExecutionStarted", {}],
  [0.01, "MapStateEntered", { name: "M" }],
  [0.02, "MapStateStarted", { length: 1 }],
  [0.03, "MapIterationStarted", { name: "M", index: 0 }],
];
