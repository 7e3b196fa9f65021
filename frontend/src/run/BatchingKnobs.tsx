// A model's batcher knobs, turned while a run goes on: the knobs in effect and the figures that show
// their effect, both from the metrics the execution websocket streams (no polling), and a form that
// sets them (PUT /api/inference/models/<model>/batching/) or goes back to the defaults (DELETE).
import { useEffect, useId, useState, type FormEvent } from "react";
import { getModelBatching, putModelBatching, resetModelBatching, type ModelBatching } from "../api/client";
import type { MetricsMessage, ModelMetrics } from "../live/wire";
import {
  batcherConfig, checkBatchingForm, confirmation, effectiveKnobs, errorMessages, formFromKnobs, knobFigures, LATENCY_TARGET_MS, liveFigures, MAX_BATCH_SIZE, MAX_WAIT_MS,
  shortNumber, type BatchingField, type BatchingForm, type ErrorMessages, type Figure,
} from "./batching";

interface Props {
  model: string;
  metrics: MetricsMessage | null;
}

function Figures({ label, figures }: { label: string; figures: Figure[] }) {
  return (
    <dl className="batching-figures" aria-label={label}>
      {figures.map((f) => (
        <div key={f.key} data-figure={f.key}><dt>{f.label}</dt><dd>{f.text}</dd></div>
      ))}
    </dl>
  );
}

const FIELDS: { field: BatchingField; label: string; min: number; max?: number; step: string; hint: string }[] = [
  { field: "max_batch_size", label: "Max batch size", min: MAX_BATCH_SIZE.min, max: MAX_BATCH_SIZE.max, step: "1", hint: `${MAX_BATCH_SIZE.min} to ${MAX_BATCH_SIZE.max}` },
  { field: "max_wait_ms", label: "Max wait (ms)", min: MAX_WAIT_MS.min, max: MAX_WAIT_MS.max, step: "any", hint: `${MAX_WAIT_MS.min} to ${MAX_WAIT_MS.max}` },
  { field: "latency_target_ms", label: "Adaptive latency target (ms)", min: LATENCY_TARGET_MS.min, max: LATENCY_TARGET_MS.max, step: "any",
    hint: `${LATENCY_TARGET_MS.min} to ${LATENCY_TARGET_MS.max}, empty: off` },
];

export default function BatchingKnobs({ model, metrics }: Props) {
  // The latest figures seen for the model: a metrics message without it keeps the last ones on screen.
  const current = metrics?.models?.[model];
  const [seen, setSeen] = useState<ModelMetrics | undefined>(current);
  if (current && current !== seen) setSeen(current);
  const figures = current ?? seen;
  const config = batcherConfig(figures);

  const [server, setServer] = useState<ModelBatching | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    getModelBatching(model)
      .then((b) => { if (live) setServer(b); })
      .catch((e: unknown) => { if (live) setLoadError(errorMessages(e).general.join(" ")); });
    return () => { live = false; };
  }, [model]);

  // Untouched, the form follows the knobs in effect; once edited (or applied) it keeps its own text.
  const [edited, setEdited] = useState<BatchingForm | null>(null);
  const form = edited ?? formFromKnobs(config ?? (server ? effectiveKnobs(server) : null));
  const check = checkBatchingForm(form);
  const [busy, setBusy] = useState<"apply" | "reset" | null>(null);
  const [failed, setFailed] = useState<ErrorMessages | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const ids = useId();

  const edit = (field: BatchingField, text: string) => {
    setEdited({ ...form, [field]: text });
    setFailed(null);
    setDone(null);
  };
  const send = (action: "apply" | "reset") => {
    if (busy || (action === "apply" && !check.body)) return;
    setBusy(action);
    setFailed(null);
    setDone(null);
    (action === "apply" ? putModelBatching(model, check.body!) : resetModelBatching(model))
      .then((b) => {
        setServer(b);
        setEdited(formFromKnobs(effectiveKnobs(b)));
        setDone(confirmation(action, b.applied));
      })
      .catch((e: unknown) => setFailed(errorMessages(e)))
      .finally(() => setBusy(null));
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    send("apply");
  };

  return (
    <section className="batching" aria-label={`Batching of ${model}`} data-model={model}>
      <h3>Batching of <code>{model}</code></h3>
      {config && <Figures label="Current knobs" figures={knobFigures(config)} />}
      {figures ? <Figures label="Live figures" figures={liveFigures(figures)} /> : <p className="muted" data-testid="no-batches">No metrics for {model} yet: no batches yet.</p>}
      {loadError && <p className="muted" data-testid="batching-load-error">Could not read the knobs set: {loadError}</p>}
      <form className="batching-form" aria-label="Batching knobs" noValidate onSubmit={submit}>
        {FIELDS.map(({ field, label, min, max, step, hint }) => {
          const message = edited ? (check.errors[field] ?? failed?.fields[field]) : failed?.fields[field];
          const fallback = server?.defaults[field];
          return (
            <label key={field} className="field">
              <span>{label}</span>
              <input type="number" aria-label={label} name={field} min={min} max={max} step={step} value={form[field]}
                aria-invalid={message ? "true" : "false"} aria-describedby={message ? `${ids}-${field}` : undefined}
                onChange={(e) => edit(field, e.target.value)} />
              <span className="muted">{hint}{fallback !== undefined && <>; default {fallback === null ? "off" : shortNumber(fallback)}</>}</span>
              {message && <span className="field-error" id={`${ids}-${field}`} role="alert">{message}</span>}
            </label>
          );
        })}
        <div className="row">
          <button type="submit" className="primary" disabled={busy !== null || !check.body}>Apply</button>
          <button type="button" disabled={busy !== null} onClick={() => send("reset")}>Reset to defaults</button>
          {busy && <span className="muted" aria-live="polite">{busy === "apply" ? "Applying…" : "Resetting…"}</span>}
        </div>
        {failed && failed.general.length > 0 && <p className="error" role="alert" aria-label="Batching not applied">{failed.general.join(" ")}</p>}
        {done && <p className="batching-done" role="status">{done}</p>}
      </form>
    </section>
  );
}
