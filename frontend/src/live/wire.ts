// History events and messages as the execution websocket (docs/live.md) and GetExecutionHistory
// carry them: the AWS JSON 1.0 wire shapes, timestamps in epoch seconds. Pure.

export interface WireEvent {
  id: number;
  previousEventId?: number;
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

export interface StatusMessage {
  type: "status";
  executionArn: string;
  stateMachineArn?: string;
  name?: string;
  status: string;
  startDate?: number;
  stopDate?: number;
  input?: string;
  output?: string;
  error?: string;
  cause?: string;
}

export interface ModelMetrics {
  model?: string;
  queue_depth?: number;
  batch_size_mean?: number | null; // null: no batch yet (or since the knobs changed)
  fill_ratio?: number | null;
  queue_wait_ms?: { p50?: number | null; p99?: number | null };
  compute_ms?: { p50?: number | null; p99?: number | null };
  items_per_s?: number;
  [key: string]: unknown;
}

export interface MetricsMessage {
  type: "metrics";
  time: number;
  runtime?: string;
  queues: Record<string, number>;
  workers?: Record<string, { running?: number; concurrency?: number }>;
  executions_running?: number | null;
  models: Record<string, ModelMetrics>;
  errors?: unknown[];
}

export type LiveMessage =
  | { type: "event"; event: WireEvent }
  | { type: "events"; events: WireEvent[] }
  | StatusMessage
  | MetricsMessage
  | { type: "error"; message: string };

/** The `...EventDetails` member of an event, or an empty object. */
export function eventDetails(event: WireEvent): Record<string, unknown> {
  for (const key in event) {
    if (key.endsWith("EventDetails")) {
      const value = event[key];
      if (value && typeof value === "object") return value as Record<string, unknown>;
    }
  }
  return {};
}

/** The events a message carries, in order (none for other types). */
export function messageEvents(message: LiveMessage): WireEvent[] {
  if (message.type === "event") return [message.event];
  if (message.type === "events") return message.events;
  return [];
}

export const isFailureType = (type: string) => /(Failed|TimedOut|Aborted)$/.test(type);

/** A failure a fault plan injected: executor/resources/faults.py starts its cause with this. */
export const INJECTED_FAULT = "Injected fault";
export const isInjectedFault = (cause: unknown) => typeof cause === "string" && cause.startsWith(INJECTED_FAULT);
