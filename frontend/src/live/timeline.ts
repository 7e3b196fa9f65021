// The timeline (Gantt) of a run model: one bar per state entry, per Map iteration and per Task
// attempt. Rows come from the model (a state entry outside any iteration, or an iteration with
// its entries drawn on its row). Pure: the canvas draws what these functions return.
import { formatDuration } from "./nodeInfo";
import type { Entry, RunModel, TimelineRow } from "./runModel";

export interface Bar {
  row: number; // index into the rows shown
  kind: "state" | "iteration" | "attempt";
  label: string;
  start: number; // epoch seconds
  end: number; // the current time for what is still open
  open: boolean;
  status: string;
}

/** The rows shown: all, or only those where something failed. */
export function visibleRows(model: RunModel, failuresOnly: boolean): TimelineRow[] {
  return failuresOnly ? model.rows.filter((r) => r.failed) : model.rows;
}

export function rowLabel(row: TimelineRow): string {
  if (row.iteration) return `${row.iteration.map.name} #${row.iteration.index}`;
  return row.entry ? row.entry.name : "";
}

/** The state entry a click at time t on a row picks: the row's entry; on an iteration's row, the
 * latest of its entries entered by t (the first, when t is before them all). */
export function entryAt(row: TimelineRow, t: number): Entry | undefined {
  if (row.entry) return row.entry;
  const entries = row.iteration?.entries ?? [];
  let hit = entries[0];
  for (const e of entries) if (e.start <= t) hit = e;
  return hit;
}

/** The bars of rows[from, to) (indices into `rows`), with `now` closing what is open. */
export function rowBars(rows: readonly TimelineRow[], from: number, to: number, now: number): Bar[] {
  const bars: Bar[] = [];
  const end = (t: number | null) => (t === null ? Math.max(now, 0) : t);
  for (let row = Math.max(0, from); row < Math.min(rows.length, to); row++) {
    const r = rows[row];
    const entries = r.iteration ? r.iteration.entries : r.entry ? [r.entry] : [];
    if (r.iteration) {
      const it = r.iteration;
      bars.push({ row, kind: "iteration", label: rowLabel(r), start: it.start, end: end(it.end), open: it.end === null, status: it.status });
    }
    for (const e of entries) {
      bars.push({ row, kind: "state", label: e.name, start: e.start, end: end(e.end), open: e.end === null, status: e.status });
      for (const a of e.attempts) {
        bars.push({ row, kind: "attempt", label: `${e.name} attempt ${a.number}`, start: a.start, end: end(a.end), open: a.end === null, status: a.status });
      }
    }
  }
  return bars;
}

/** Every bar of the rows shown. */
export function timelineBars(model: RunModel, opts: { failuresOnly?: boolean; now?: number } = {}): Bar[] {
  const rows = visibleRows(model, !!opts.failuresOnly);
  return rowBars(rows, 0, rows.length, opts.now ?? model.lastTime ?? 0);
}

/** How many bars the rows shown hold, without building them. */
export function barCount(rows: readonly TimelineRow[]): number {
  let n = 0;
  for (const r of rows) {
    if (r.iteration) n++;
    for (const e of r.iteration ? r.iteration.entries : r.entry ? [r.entry] : []) n += 1 + e.attempts.length;
  }
  return n;
}

export interface TimeScale {
  t0: number; // epoch seconds at x = 0
  pxPerSecond: number;
}

/** The scale that fits [first, last] into `width` pixels, times `zoom`. */
export function fitScale(first: number, last: number, width: number, zoom = 1): TimeScale {
  const span = Math.max(last - first, 0.001);
  return { t0: first, pxPerSecond: (Math.max(width, 1) / span) * zoom };
}

/** A time-axis label, ``offset`` seconds after the first event, precise enough that ticks ``step``
 * seconds apart read differently (a zoomed-in axis, or the work after a compressed hour-long gap). */
export function tickLabel(offset: number, step: number): string {
  if (step >= 1) return formatDuration(offset);
  const decimals = Math.min(4, Math.max(1, Math.ceil(-Math.log10(step) - 1e-9)));
  if (offset < 1) return `${(offset * 1000).toFixed(Math.max(0, decimals - 3))} ms`;
  if (offset < 60) return `${offset.toFixed(decimals)} s`;
  const minutes = Math.floor(offset / 60);
  return `${minutes} min ${(offset - minutes * 60).toFixed(decimals).padStart(decimals + 3, "0")} s`;
}
