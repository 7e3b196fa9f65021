// A model's batcher knobs turned while a run goes on (GET/PUT/DELETE /api/inference/models/<model>/batching/):
// the knobs and live figures of a `metrics` message as text, the form's text checked and read back into
// the request body, and an error response turned into messages by field. Pure.
import { ApiError, type BatchingKnobValues, type ModelBatching } from "../api/client";
import type { ModelMetrics } from "../live/wire";

export type BatchingField = "max_batch_size" | "max_wait_ms" | "latency_target_ms";
export const BATCHING_FIELDS: readonly BatchingField[] = ["max_batch_size", "max_wait_ms", "latency_target_ms"];

export const MAX_BATCH_SIZE = { min: 1, max: 4096 };
export const MAX_WAIT_MS = { min: 0, max: 10_000 };
export const LATENCY_TARGET_MS = { min: 0.1, max: 60_000 }; // as the server's serializer takes it

/** The knobs a model's batcher reports in each metrics message (`models[model].config`). */
export interface BatcherConfig {
  max_batch_size?: number;
  max_wait_ms?: number;
  preferred_batch_sizes?: number[];
  queue_capacity?: number;
  full_queue_policy?: string;
  latency_target_ms?: number | null; // null unless adaptive
  adaptive?: boolean;
  adaptive_max_batch_size?: number;
}

/** The form's fields as typed; an empty latency target means adaptive mode off. */
export type BatchingForm = Record<BatchingField, string>;

/** What a PUT sends: every knob of the form (a null latency target switches adaptive mode off). */
export interface BatchingBody {
  max_batch_size: number;
  max_wait_ms: number;
  latency_target_ms: number | null;
}

export type FieldMessages = Partial<Record<BatchingField, string>>;

export interface FormCheck {
  errors: FieldMessages; // by field, for the fields that are not valid
  body: BatchingBody | null; // null while any field is not valid
}

export interface ErrorMessages {
  fields: FieldMessages; // the messages that name a knob, shown beside its field
  general: string[]; // the others (DRF's `detail`, `non_field_errors`, unknown fields)
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const finite = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);

/** The batcher's knobs in a model's metrics, or null when the message has none. */
export function batcherConfig(metrics: ModelMetrics | undefined): BatcherConfig | null {
  return metrics && isRecord(metrics.config) ? (metrics.config as BatcherConfig) : null;
}

/** The knobs in effect by a batching response: the overrides over the defaults. */
export function effectiveKnobs(response: ModelBatching): BatchingKnobValues {
  return { ...response.defaults, ...response.batching };
}

/** A figure short enough to read at a glance: whole above 100, one decimal above 10, else two (no trailing zeros). */
export function shortNumber(value: number): string {
  if (Math.abs(value) >= 100) return String(Math.round(value));
  return String(Number(value.toFixed(Math.abs(value) >= 10 ? 1 : 2)));
}

/** A number as the form shows it (milliseconds times 1000 can carry float noise: 7.000000000000001). */
const fieldText = (value: number | null | undefined) => (finite(value) ? String(Number(value.toFixed(3))) : "");

/** The form pre-filled from knobs (a metrics message's config, or a batching response's knobs in effect). */
export function formFromKnobs(knobs: BatcherConfig | BatchingKnobValues | null | undefined): BatchingForm {
  const adaptive = knobs && "adaptive" in knobs ? knobs.adaptive !== false : true;
  return {
    max_batch_size: fieldText(knobs?.max_batch_size),
    max_wait_ms: fieldText(knobs?.max_wait_ms),
    latency_target_ms: adaptive ? fieldText(knobs?.latency_target_ms) : "",
  };
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** The text of a number field: undefined when empty, NaN when not a number. */
export function parseNumber(text: string): number | undefined {
  const t = text.trim();
  if (t === "") return undefined;
  return NUMBER.test(t) ? Number(t) : Number.NaN;
}

function checkMaxBatchSize(text: string): string | number {
  const { min, max } = MAX_BATCH_SIZE;
  const value = parseNumber(text);
  if (value === undefined) return `Required: a whole number from ${min} to ${max}.`;
  if (!Number.isFinite(value)) return `Not a number: enter a whole number from ${min} to ${max}.`;
  if (!Number.isInteger(value)) return `Must be a whole number (${min} to ${max}).`;
  if (value < min || value > max) return `Must be from ${min} to ${max}.`;
  return value;
}

function checkMaxWait(text: string): string | number {
  const { min, max } = MAX_WAIT_MS;
  const value = parseNumber(text);
  if (value === undefined) return `Required: a number of ms from ${min} to ${max}.`;
  if (!Number.isFinite(value)) return `Not a number: enter ms from ${min} to ${max}.`;
  if (value < min || value > max) return `Must be from ${min} to ${max} ms.`;
  return value;
}

function checkLatencyTarget(text: string): string | number | null {
  const { min, max } = LATENCY_TARGET_MS;
  const value = parseNumber(text);
  if (value === undefined) return null; // adaptive mode off
  if (!Number.isFinite(value)) return `Not a number: enter ms from ${min} to ${max}, or leave empty for off.`;
  if (value < min || value > max) return `Must be from ${min} to ${max} ms (leave empty for off).`;
  return value;
}

/** The form checked: a message by field that is not valid, else the PUT body. */
export function checkBatchingForm(form: BatchingForm): FormCheck {
  const maxBatchSize = checkMaxBatchSize(form.max_batch_size);
  const maxWait = checkMaxWait(form.max_wait_ms);
  const latency = checkLatencyTarget(form.latency_target_ms);
  const errors: FieldMessages = {};
  if (typeof maxBatchSize === "string") errors.max_batch_size = maxBatchSize;
  if (typeof maxWait === "string") errors.max_wait_ms = maxWait;
  if (typeof latency === "string") errors.latency_target_ms = latency;
  if (typeof maxBatchSize === "string" || typeof maxWait === "string" || typeof latency === "string") return { errors, body: null };
  return { errors, body: { max_batch_size: maxBatchSize, max_wait_ms: maxWait, latency_target_ms: latency } };
}

function texts(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value === "string") return value ? [value] : [];
  if (Array.isArray(value)) return value.flatMap(texts);
  if (isRecord(value)) return Object.entries(value).flatMap(([key, v]) => texts(v).map((t) => `${key}: ${t}`));
  return [String(value)];
}

const GENERAL_KEYS = new Set(["detail", "non_field_errors", "message", "error"]);

/** A 400 body as DRF sends it (`{"max_wait_ms": ["Ensure this value is ..."]}` or `{"detail": "..."}`) as messages. */
export function serverMessages(body: unknown): ErrorMessages {
  const fields: FieldMessages = {};
  const general: string[] = [];
  if (!isRecord(body)) return { fields, general: texts(body) };
  for (const [key, value] of Object.entries(body)) {
    const messages = texts(value);
    if (!messages.length) continue;
    if ((BATCHING_FIELDS as readonly string[]).includes(key)) fields[key as BatchingField] = messages.join(" ");
    else if (GENERAL_KEYS.has(key)) general.push(...messages);
    else general.push(`${key}: ${messages.join(" ")}`);
  }
  return { fields, general };
}

/** What a failed request says: a 400's messages by field, else the server's message or the failure's. */
export function errorMessages(error: unknown): ErrorMessages {
  if (error instanceof ApiError) {
    const found = error.status === 400 ? serverMessages(error.body) : { fields: {}, general: [] };
    if (!found.general.length && !Object.keys(found.fields).length) found.general.push(`${error.status === 404 ? "Not found" : `HTTP ${error.status}`}: ${error.detail}`);
    return found;
  }
  return { fields: {}, general: [error instanceof Error ? error.message : String(error)] };
}

/** The confirmation after a successful Apply or Reset, naming where it took effect (the response's `applied`). */
export function confirmation(action: "apply" | "reset", applied: string | undefined): string {
  const where = applied || "the inference workers";
  return action === "apply"
    ? `Applied to ${where}; figures update within a second.`
    : `Defaults restored in ${where}; figures update within a second.`;
}

export interface Figure {
  key: string;
  label: string;
  text: string;
}

const DASH = "—";
const ms = (value: unknown) => (finite(value) ? `${shortNumber(value)} ms` : DASH);

/** The knobs now in effect, as a metrics message reports them. */
export function knobFigures(config: BatcherConfig): Figure[] {
  const mode = config.adaptive
    ? `adaptive, latency target ${ms(config.latency_target_ms)}${finite(config.adaptive_max_batch_size) ? ` (batches up to ${config.adaptive_max_batch_size})` : ""}`
    : "fixed";
  return [
    { key: "max_batch_size", label: "Max batch size", text: finite(config.max_batch_size) ? String(config.max_batch_size) : DASH },
    { key: "max_wait_ms", label: "Max wait", text: ms(config.max_wait_ms) },
    { key: "mode", label: "Mode", text: mode },
  ];
}

/** The figures that show the knobs' effect, from a model's metrics (a dash for one not measured yet). */
export function liveFigures(metrics: ModelMetrics): Figure[] {
  const wait = metrics.queue_wait_ms ?? {};
  const number = (value: unknown) => (finite(value) ? shortNumber(value) : DASH);
  return [
    { key: "batch_size_mean", label: "Mean batch size", text: number(metrics.batch_size_mean) },
    { key: "fill_ratio", label: "Fill ratio", text: finite(metrics.fill_ratio) ? `${Math.round(metrics.fill_ratio * 100)}%` : DASH },
    { key: "queue_wait_ms", label: "Queue wait p50 / p99", text: `${ms(wait.p50)} / ${ms(wait.p99)}` },
    { key: "items_per_s", label: "Items/s", text: number(metrics.items_per_s) },
    { key: "queue_depth", label: "Queue depth", text: finite(metrics.queue_depth) ? String(metrics.queue_depth) : DASH },
  ];
}
