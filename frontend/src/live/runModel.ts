// An execution's history folded, event by event, into what the run page shows: each state entry
// with its status, input, output, error and attempts; each Map iteration; per-state-name
// summaries for the diagram; Map counts; the timeline's rows. Pure and incremental: apply() takes
// the next events (in id order) and costs O(events), so a live stream is folded once.
//
// Events of Map iterations and Parallel branches interleave in the history; each event is placed
// by following previousEventId to the event before it in the same thread of execution.
import { retryDecision, type Retrier } from "./retry";
import { eventDetails, type WireEvent } from "./wire";

export type StateStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "CAUGHT" | "RETRYING" | "ABORTED" | "NOT_RUN";
export type IterationStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "ABORTED";

export interface Attempt {
  number: number; // 1 for the first try
  start: number; // epoch seconds, when scheduled
  started: number | null;
  submitted: number | null; // a callback Task's call went out (TaskSubmitted): from then on it waits for its token
  end: number | null;
  status: "RUNNING" | "SUCCEEDED" | "FAILED";
  resource?: string;
  error?: string;
  cause?: string;
}

export interface Scope {
  parent: Entry | null; // the Map or Parallel entry it runs inside
  iteration: Iteration | null; // the innermost Map iteration it runs in
}

export interface Entry {
  seq: number; // its place in model.entries
  eventId: number;
  name: string;
  stateType: string;
  scope: Scope;
  start: number;
  end: number | null;
  status: StateStatus;
  input?: string;
  output?: string;
  error?: string;
  cause?: string;
  attempts: Attempt[];
  retrierCounts: number[];
  row: number | null; // its timeline row, when it is not inside an iteration
  mapLength?: number;
  iterations?: Iteration[]; // a Map entry's iterations by index
}

export interface Iteration {
  map: Entry;
  index: number;
  start: number;
  end: number | null;
  status: IterationStatus;
  entries: Entry[];
  row: number;
}

export interface TimelineRow {
  kind: "state" | "iteration";
  entry?: Entry; // kind "state": an entry outside any iteration
  iteration?: Iteration; // kind "iteration": the iteration, its entries drawn on its row
  failed: boolean; // something on the row failed (an attempt, a state, the iteration)
}

export interface MapCounts {
  total: number;
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  aborted: number;
}

export interface NameSummary {
  name: string;
  stateType: string;
  entries: number;
  counts: Record<StateStatus, number>;
  retries: number; // attempts after the first, over every entry
  latest: Entry;
  firstStart: number;
  lastEnd: number; // the latest end seen (meaningful when nothing is open)
}

export interface ExecutionSummary {
  status: string;
  start: number | null;
  end: number | null;
  input?: string;
  output?: string;
  error?: string;
  cause?: string;
}

interface Ctx {
  scope: Scope;
  entry: Entry | null; // the state entry the thread is in, if any
}

const ROOT: Scope = { parent: null, iteration: null };
const ATTEMPT = /^(Task|LambdaFunction|Activity)(Scheduled|Started|Submitted|Succeeded|Failed|TimedOut|StartFailed|ScheduleFailed|SubmitFailed)$/;
const STATE_END = /^\w+State(Failed|Aborted)$/;

const emptyCounts = (): Record<StateStatus, number> => ({ RUNNING: 0, SUCCEEDED: 0, FAILED: 0, CAUGHT: 0, RETRYING: 0, ABORTED: 0, NOT_RUN: 0 });

/** The status a state name shows on the diagram, from its entries' statuses: what is happening
 * now wins (retrying, running), then how entries ended (failed, caught, aborted, succeeded). */
export function summaryStatus(counts: Record<StateStatus, number>): StateStatus {
  for (const s of ["RETRYING", "RUNNING", "FAILED", "CAUGHT", "ABORTED", "SUCCEEDED"] as const) if (counts[s] > 0) return s;
  return "NOT_RUN";
}

export class RunModel {
  readonly events: WireEvent[] = [];
  readonly entries: Entry[] = [];
  readonly iterations: Iteration[] = [];
  readonly rows: TimelineRow[] = [];
  readonly names = new Map<string, NameSummary>();
  readonly maps = new Map<string, MapCounts>();
  readonly execution: ExecutionSummary = { status: "RUNNING", start: null, end: null };
  firstTime: number | null = null;
  lastTime: number | null = null;
  private readonly ctx = new Map<number, Ctx>();
  private readonly open = new Set<Entry>();
  private readonly latestOpen = new Map<string, Entry>();

  /** `retriers`: each state's Retry rules by state name, so a failure shows RETRYING only when a
   * retry will follow; without them every Task failure shows RETRYING until the next event. */
  constructor(private readonly retriers: Record<string, Retrier[]> | null = null) {}

  apply(events: readonly WireEvent[]): void {
    for (const event of events) this.applyOne(event);
  }

  /** Applies events[from...] while their timestamp is at most `t`; returns the next index. */
  applyUntil(events: readonly WireEvent[], from: number, t: number): number {
    let i = from;
    for (; i < events.length && events[i].timestamp <= t; i++) this.applyOne(events[i]);
    return i;
  }

  private applyOne(event: WireEvent): void {
    if (this.events.length && event.id <= this.events[this.events.length - 1].id) return; // already folded
    this.events.push(event);
    this.firstTime ??= event.timestamp;
    this.lastTime = Math.max(this.lastTime ?? event.timestamp, event.timestamp);
    const prev = this.ctx.get(event.previousEventId ?? 0) ?? { scope: ROOT, entry: null };
    const details = eventDetails(event);
    const type = event.type;
    let ctx: Ctx = prev;
    if (type.endsWith("StateEntered")) ctx = this.entered(event, details, prev);
    else if (type.endsWith("StateExited")) ctx = this.exited(event, details, prev);
    else if (type.startsWith("MapIteration")) ctx = this.iterationEvent(event, details, prev);
    else if (type.startsWith("Execution")) this.executionEvent(event, details);
    else {
      const entry = prev.entry ?? prev.scope.parent;
      if (entry) ctx = this.stateEvent(event, details, entry, prev);
    }
    this.ctx.set(event.id, ctx);
  }

  private entered(event: WireEvent, details: Record<string, unknown>, prev: Ctx): Ctx {
    const name = String(details.name ?? "");
    const scope = prev.scope;
    const entry: Entry = {
      seq: this.entries.length, eventId: event.id, name, stateType: event.type.slice(0, -"StateEntered".length),
      scope, start: event.timestamp, end: null, status: "RUNNING", input: str(details.input), attempts: [], retrierCounts: [], row: null,
    };
    this.entries.push(entry);
    this.open.add(entry);
    this.latestOpen.set(name, entry);
    if (scope.iteration) scope.iteration.entries.push(entry);
    else {
      entry.row = this.rows.length;
      this.rows.push({ kind: "state", entry, failed: false });
    }
    let summary = this.names.get(name);
    if (!summary) {
      summary = { name, stateType: entry.stateType, entries: 0, counts: emptyCounts(), retries: 0, latest: entry, firstStart: entry.start, lastEnd: entry.start };
      this.names.set(name, summary);
    }
    summary.entries++;
    summary.counts.RUNNING++;
    summary.latest = entry;
    return { scope, entry };
  }

  private exited(event: WireEvent, details: Record<string, unknown>, prev: Ctx): Ctx {
    const entry = this.findOpen(prev, String(details.name ?? ""));
    if (!entry) return prev;
    entry.output = str(details.output);
    // A distributed Map's iterations are child executions, with no events here: its end settles them.
    if (entry.mapLength && !entry.iterations?.length && entry.status === "RUNNING") {
      const counts = this.mapCounts(entry.name);
      counts.pending = Math.max(0, counts.pending - entry.mapLength);
      counts.succeeded += entry.mapLength;
    }
    const failed = entry.status === "FAILED" || entry.status === "RETRYING" || (entry.attempts.at(-1)?.status === "FAILED");
    this.close(entry, event.timestamp, failed ? "CAUGHT" : "SUCCEEDED");
    return { scope: entry.scope, entry: null };
  }

  private iterationEvent(event: WireEvent, details: Record<string, unknown>, prev: Ctx): Ctx {
    const map = this.findOpen(prev, String(details.name ?? ""));
    const index = Number(details.index ?? 0);
    if (!map) return prev;
    const counts = this.mapCounts(map.name);
    map.iterations ??= [];
    let iteration = map.iterations[index];
    if (event.type === "MapIterationStarted") {
      iteration = { map, index, start: event.timestamp, end: null, status: "RUNNING", entries: [], row: this.rows.length };
      map.iterations[index] = iteration;
      this.iterations.push(iteration);
      this.rows.push({ kind: "iteration", iteration, failed: false });
      counts.pending = Math.max(0, counts.pending - 1);
      counts.running++;
      return { scope: { parent: map, iteration }, entry: null };
    }
    if (!iteration || iteration.end !== null) return { scope: { parent: map, iteration: map.scope.iteration }, entry: null };
    const status: IterationStatus = event.type.endsWith("Succeeded") ? "SUCCEEDED" : event.type.endsWith("Aborted") ? "ABORTED" : "FAILED";
    iteration.end = event.timestamp;
    iteration.status = status;
    counts.running = Math.max(0, counts.running - 1);
    if (status === "SUCCEEDED") counts.succeeded++;
    else if (status === "ABORTED") counts.aborted++;
    else {
      counts.failed++;
      this.rows[iteration.row].failed = true;
    }
    for (const entry of iteration.entries) if (entry.end === null) this.close(entry, event.timestamp, endStatus(entry, status));
    return { scope: { parent: map, iteration: map.scope.iteration }, entry: null };
  }

  private stateEvent(event: WireEvent, details: Record<string, unknown>, entry: Entry, prev: Ctx): Ctx {
    const type = event.type;
    const attempt = ATTEMPT.exec(type);
    if (attempt) {
      this.attemptEvent(attempt[2], event.timestamp, details, entry);
      return { scope: entry.scope, entry };
    }
    if (type === "MapStateStarted") {
      entry.mapLength = Number(details.length ?? 0);
      const counts = this.mapCounts(entry.name);
      counts.total += entry.mapLength;
      counts.pending += entry.mapLength;
      return { scope: { parent: entry, iteration: entry.scope.iteration }, entry };
    }
    if (type === "ParallelStateStarted") return { scope: { parent: entry, iteration: entry.scope.iteration }, entry };
    if (STATE_END.test(type) || type === "EvaluationFailed" || type === "MapRunFailed") {
      entry.error = str(details.error) ?? entry.error;
      entry.cause = str(details.cause) ?? entry.cause;
      this.setStatus(entry, type.endsWith("Aborted") ? "ABORTED" : "FAILED");
      this.markRowFailed(entry);
    }
    return prev.entry ? prev : { scope: prev.scope, entry: null };
  }

  private attemptEvent(kind: string, time: number, details: Record<string, unknown>, entry: Entry): void {
    let last = entry.attempts.at(-1);
    if (kind === "Scheduled" || !last || last.end !== null) {
      if (kind !== "Scheduled" && last && last.end !== null && kind !== "Started") return;
      last = { number: entry.attempts.length + 1, start: time, started: null, submitted: null, end: null, status: "RUNNING", resource: str(details.resource) };
      entry.attempts.push(last);
      if (last.number > 1) this.names.get(entry.name)!.retries++;
      if (entry.end === null) this.setStatus(entry, "RUNNING");
      if (kind === "Scheduled") return;
    }
    if (kind === "Started" || kind === "Submitted") {
      last.started ??= time;
      if (kind === "Submitted") last.submitted ??= time;
      return;
    }
    last.end = time;
    if (kind === "Succeeded") {
      last.status = "SUCCEEDED";
      return;
    }
    last.status = "FAILED";
    last.error = kind === "TimedOut" ? (str(details.error) ?? "States.Timeout") : str(details.error);
    last.cause = str(details.cause);
    entry.error = last.error;
    entry.cause = last.cause;
    this.markRowFailed(entry);
    const retries = this.retriers ? (this.retriers[entry.name] ?? []) : null;
    const decision = retries ? retryDecision(retries, last.error ?? "", entry.retrierCounts) : { retry: true, retrier: -1 };
    if (decision.retrier >= 0) entry.retrierCounts[decision.retrier] = (entry.retrierCounts[decision.retrier] ?? 0) + 1;
    if (entry.end === null) this.setStatus(entry, decision.retry ? "RETRYING" : "FAILED");
  }

  private executionEvent(event: WireEvent, details: Record<string, unknown>): void {
    const type = event.type;
    const ex = this.execution;
    if (type === "ExecutionStarted") {
      ex.start = event.timestamp;
      ex.input = str(details.input);
      return;
    }
    const ended = /^Execution(Succeeded|Failed|TimedOut|Aborted)$/.exec(type);
    if (!ended) return;
    ex.status = { Succeeded: "SUCCEEDED", Failed: "FAILED", TimedOut: "TIMED_OUT", Aborted: "ABORTED" }[ended[1]]!;
    ex.end = event.timestamp;
    ex.output = str(details.output);
    ex.error = str(details.error);
    ex.cause = str(details.cause);
    const how: IterationStatus = ended[1] === "Succeeded" ? "SUCCEEDED" : ended[1] === "Aborted" ? "ABORTED" : "FAILED";
    for (const entry of this.open) this.close(entry, event.timestamp, ended[1] === "TimedOut" ? "FAILED" : endStatus(entry, how));
  }

  /** The open entry named `name` that the thread at `ctx` is in, or the latest open one so named. */
  private findOpen(ctx: Ctx, name: string): Entry | null {
    for (let e = ctx.entry ?? ctx.scope.parent; e; e = e.scope.parent) if (e.name === name && e.end === null) return e;
    for (let e = ctx.scope.parent; e; e = e.scope.parent) if (e.name === name) return e; // a Map's late iteration events
    const latest = this.latestOpen.get(name);
    return latest && latest.end === null ? latest : null;
  }

  private mapCounts(name: string): MapCounts {
    let counts = this.maps.get(name);
    if (!counts) this.maps.set(name, (counts = { total: 0, pending: 0, running: 0, succeeded: 0, failed: 0, aborted: 0 }));
    return counts;
  }

  private setStatus(entry: Entry, status: StateStatus): void {
    if (entry.status === status) return;
    const counts = this.names.get(entry.name)!.counts;
    counts[entry.status]--;
    counts[status]++;
    entry.status = status;
  }

  private close(entry: Entry, time: number, status: StateStatus): void {
    entry.end = time;
    this.setStatus(entry, status);
    this.open.delete(entry);
    const summary = this.names.get(entry.name)!;
    summary.lastEnd = Math.max(summary.lastEnd, time);
    if (status === "FAILED" || status === "CAUGHT") this.markRowFailed(entry);
  }

  private markRowFailed(entry: Entry): void {
    const iteration = entry.scope.iteration;
    const row = iteration ? iteration.row : entry.row;
    if (row !== null) this.rows[row].failed = true;
  }

  /** The state entry an event belongs to (its name for the events table), if any. */
  entryOf(eventId: number): Entry | null {
    const ctx = this.ctx.get(eventId);
    return ctx ? (ctx.entry ?? null) : null;
  }

  /** Whether any entry of the state name is still open. */
  isOpen(name: string): boolean {
    const counts = this.names.get(name)?.counts;
    return !!counts && counts.RUNNING + counts.RETRYING > 0;
  }
}

/** How an entry still open ends when its iteration or execution ends `how`: one that failed, or a
 * Fail state, failed; the others were cut short. */
function endStatus(entry: Entry, how: IterationStatus): StateStatus {
  if (how === "SUCCEEDED") return "SUCCEEDED";
  if (how === "ABORTED") return "ABORTED";
  const failed = entry.status === "RETRYING" || entry.status === "FAILED" || entry.attempts.at(-1)?.status === "FAILED" || entry.stateType === "Fail";
  return failed ? "FAILED" : "ABORTED";
}

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/** The model of the history as of time `t` (epoch seconds): the events up to the last one
 * stamped at or before t. */
export function modelAt(events: readonly WireEvent[], t: number, retriers: Record<string, Retrier[]> | null = null): RunModel {
  const model = new RunModel(retriers);
  model.applyUntil(events, 0, t);
  return model;
}
