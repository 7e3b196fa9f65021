// "Compress idle gaps" on the timeline: the stretches of a run during which no work runs (a Wait,
// a retry's back-off, a callback waiting for its token, a distant human approval) drawn as short
// fixed-width breaks, everything else keeping its proportional scale. Pure: the canvas maps
// times to x and back with what these functions return, for drawing and hit testing alike.
//
// What counts as work, from the run model (every entry, whatever rows the timeline shows, so the
// axis is the same with "Failures only"):
// - a Task attempt, from when it was scheduled to when it ended (still open: until now). A
//   `.waitForTaskToken` attempt works only until its call went out (TaskSubmitted); after that
//   it waits for its token, and that wait is idle, open or not. A Task's time between attempts
//   (a retry's back-off) is idle; a Task with no attempt yet (preparing its call) works.
// - any other state entry (Pass, Choice, Succeed, Fail, ...) from its entry to its exit;
// - not a Wait state;
// - not a Map or Parallel state: their iterations' and branches' states count instead. A Map with
//   items but no iteration events (a distributed Map: its items run as child executions this
//   history does not show) works from its entry to its exit.
// Idle is the time in [first event, last] covered by no work; an idle stretch longer than
// gapThreshold() is a gap.
import type { RunModel } from "./runModel";
import type { TimeScale } from "./timeline";

export interface Interval {
  start: number; // epoch seconds
  end: number; // Infinity: still running
}

export type Gap = Interval; // both ends finite

/** The shortest stretch that can be a gap, in seconds. */
export const MIN_GAP = 1;
/** A gap's width on the canvas, in pixels, at any zoom. */
export const GAP_PX = 24;

const isCallback = (resource: string | undefined) => !!resource && resource.endsWith(".waitForTaskToken");

/** What runs, entry by entry and attempt by attempt (see the top of the module). O(entries + attempts). */
export function workIntervals(model: RunModel): Interval[] {
  const work: Interval[] = [];
  for (const e of model.entries) {
    const end = e.end ?? Infinity;
    switch (e.stateType) {
      case "Wait":
      case "Parallel":
        continue;
      case "Map":
        if (e.mapLength && !e.iterations?.length) work.push({ start: e.start, end });
        continue;
      case "Task":
        if (!e.attempts.length) work.push({ start: e.start, end });
        for (const a of e.attempts) {
          const over = a.end ?? end; // an attempt the execution's end left open ended with its state
          work.push({ start: a.start, end: isCallback(a.resource) ? Math.min(a.submitted ?? over, over) : over });
        }
        continue;
      default:
        work.push({ start: e.start, end });
    }
  }
  return work;
}

export interface IdleTime {
  stretches: Gap[]; // the idle stretches longer than MIN_GAP before the last work ended, in order
  tailFrom: number; // when the last work ended (Infinity: something still runs); idle from then on
}

/** The idle stretches between `work` from `first` on: a sort, then one sweep, O(n log n). They
 * depend on the model alone, so compute them once per model version; idleGaps() picks the gaps
 * as `now` moves. */
export function idleTime(work: readonly Interval[], first: number): IdleTime {
  const sorted = [...work].sort((a, b) => a.start - b.start);
  const stretches: Gap[] = [];
  let cursor = first;
  for (const w of sorted) {
    if (w.start - cursor > MIN_GAP) stretches.push({ start: cursor, end: w.start });
    if (w.end > cursor) cursor = w.end;
  }
  return { stretches, tailFrom: cursor };
}

/** The shortest idle stretch compressed: max(1 s, 5% of the run's span). */
export function gapThreshold(first: number, last: number): number {
  return Math.max(MIN_GAP, 0.05 * (last - first));
}

/** The gaps of [first, last]: the idle stretches longer than gapThreshold(), the idle tail after
 * the last work included (a run waiting now). Fewer than 20, since each is over 5% of the span. */
export function idleGaps(idle: IdleTime, first: number, last: number): Gap[] {
  const threshold = gapThreshold(first, last);
  const gaps: Gap[] = [];
  for (const s of idle.stretches) {
    const end = Math.min(s.end, last);
    if (end - s.start > threshold) gaps.push({ start: s.start, end });
  }
  if (last - idle.tailFrom > threshold) gaps.push({ start: idle.tailFrom, end: last });
  return gaps;
}

/** The gaps of a model as of `now` (open work runs until then). */
export function modelGaps(model: RunModel, now = model.lastTime ?? 0): Gap[] {
  const first = model.firstTime ?? 0;
  return idleGaps(idleTime(workIntervals(model), first), first, Math.max(model.lastTime ?? 0, now));
}

/** A time scale with gaps: each gap `gapPx` wide, the rest `pxPerSecond`. */
export interface GapScale extends TimeScale {
  gaps: readonly Gap[];
  gapPx: number;
  idleBefore: number[]; // [i]: the seconds of gaps[0, i), gaps.length + 1 of them
  xs: number[]; // [i]: the x where gaps[i] begins
}

/** The scale that fits [first, last], its gaps `gapPx` wide, into `width` pixels, the time
 * outside the gaps times `zoom` (gaps stay `gapPx` wide). No gaps: fitScale(). */
export function gapScale(first: number, last: number, gaps: readonly Gap[], width: number, zoom = 1, gapPx = GAP_PX): GapScale {
  const idleBefore = [0];
  for (const g of gaps) idleBefore.push(idleBefore[idleBefore.length - 1] + (g.end - g.start));
  const busy = Math.max(last - first - idleBefore[gaps.length], 0.001);
  const room = Math.max(width - gaps.length * gapPx, width / 4, 1);
  const pxPerSecond = (room / busy) * zoom;
  const xs = gaps.map((g, i) => (g.start - first - idleBefore[i]) * pxPerSecond + i * gapPx);
  return { t0: first, pxPerSecond, gaps, gapPx, idleBefore, xs };
}

/** How many of `sorted` are at most `value`. */
function countAtMost(sorted: readonly number[], value: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The x of time t (0 at the scale's t0); a time inside a gap lands proportionally inside its break. */
export function timeToX(scale: GapScale, t: number): number {
  const { gaps, gapPx, idleBefore, pxPerSecond } = scale;
  let lo = 0, hi = gaps.length; // lo: how many gaps begin at or before t
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (gaps[mid].start <= t) lo = mid + 1;
    else hi = mid;
  }
  const inside = lo > 0 && t < gaps[lo - 1].end ? gaps[lo - 1] : null;
  if (inside) return scale.xs[lo - 1] + ((t - inside.start) / (inside.end - inside.start)) * gapPx;
  return (t - scale.t0 - idleBefore[lo]) * pxPerSecond + lo * gapPx;
}

/** The index of the gap whose break holds x, or -1. */
export function gapAt(scale: GapScale, x: number): number {
  const i = countAtMost(scale.xs, x) - 1;
  return i >= 0 && x < scale.xs[i] + scale.gapPx ? i : -1;
}

/** The time at x: timeToX's inverse. */
export function xToTime(scale: GapScale, x: number): number {
  const i = gapAt(scale, x);
  if (i >= 0) {
    const g = scale.gaps[i];
    return g.start + ((x - scale.xs[i]) / scale.gapPx) * (g.end - g.start);
  }
  const before = countAtMost(scale.xs, x); // the gaps wholly left of x
  return scale.t0 + scale.idleBefore[before] + (x - before * scale.gapPx) / scale.pxPerSecond;
}

/** An idle duration in a few characters: "45 s", "7 min", "1 h 05 min", "2 d 3 h". */
export function formatIdle(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 59.5) return `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${String(minutes % 60).padStart(2, "0")} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

/** What a gap's break says: "⋯ 59 min idle". */
export function gapLabel(gap: Gap): string {
  return `⋯ ${formatIdle(gap.end - gap.start)} idle`;
}
