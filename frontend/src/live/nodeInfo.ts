// What the diagram shows on each state during a run: its status, and the figures under its name
// (elapsed time, attempt and retries, a Map's iteration counts, its queue and batch figures).
// Pure: worded here, drawn by the canvas.
import { nodeMetrics, type Binding } from "./metricsBinding";
import { summaryStatus, type RunModel, type StateStatus } from "./runModel";
import type { MetricsMessage } from "./wire";

export interface LiveInfo {
  lines: string[];
  map?: { pending: number; running: number; succeeded: number; failed: number };
  metrics?: string[];
}

export function formatDuration(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${String(Math.round(seconds - minutes * 60)).padStart(2, "0")} s`;
}

/** Each named state's status; states never entered are NOT_RUN. */
export function nodeStatuses(model: RunModel, names: readonly string[]): Record<string, StateStatus> {
  const result: Record<string, StateStatus> = {};
  for (const name of names) {
    const summary = model.names.get(name);
    result[name] = summary ? summaryStatus(summary.counts) : "NOT_RUN";
  }
  return result;
}

export function nodeInfo(
  model: RunModel,
  names: readonly string[],
  now: number,
  bindings: Record<string, Binding> = {},
  metrics: MetricsMessage | null = null,
): Record<string, LiveInfo> {
  const result: Record<string, LiveInfo> = {};
  for (const name of names) {
    const summary = model.names.get(name);
    const info: LiveInfo = { lines: [] };
    if (summary) {
      const open = summary.counts.RUNNING + summary.counts.RETRYING > 0;
      info.lines.push(formatDuration(Math.max(0, (open ? now : summary.lastEnd) - summary.firstStart)));
      if (summary.entries > 1) info.lines.push(`${summary.entries} runs`);
      const attempts = summary.latest.attempts.length;
      if (attempts > 1) info.lines.push(`attempt ${attempts}`);
      if (summary.retries > 0 && summary.entries > 1) info.lines.push(`${summary.retries} retries`);
    }
    const counts = model.maps.get(name);
    if (counts) info.map = { pending: counts.pending, running: counts.running, succeeded: counts.succeeded, failed: counts.failed + counts.aborted };
    const binding = bindings[name];
    if (binding && metrics) {
      const m = nodeMetrics(binding, metrics);
      const figures: string[] = [];
      if (m.queueDepth !== undefined) figures.push(`queue ${m.queue} ${m.queueDepth}`);
      if (m.modelQueueDepth !== undefined) figures.push(`${m.model} waiting ${m.modelQueueDepth}`);
      if (m.batchSizeMean !== undefined) figures.push(`batch ${m.batchSizeMean.toFixed(1)}`);
      if (m.fillRatio !== undefined) figures.push(`fill ${Math.round(m.fillRatio * 100)}%`);
      if (m.queueWaitP50 !== undefined) figures.push(`wait p50 ${m.queueWaitP50.toFixed(1)} ms`);
      if (m.queueWaitP99 !== undefined) figures.push(`p99 ${m.queueWaitP99.toFixed(1)} ms`);
      info.metrics = figures;
    }
    if (info.lines.length || info.map || info.metrics) result[name] = info;
  }
  return result;
}
