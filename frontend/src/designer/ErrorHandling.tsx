// Retry and Catch editors: one row per retrier or catcher, as Workflow Studio lays them out.
import type { ReactNode } from "react";
import { isObject, type Json, type JsonObject } from "../asl/types";

interface ListProps {
  value: Json | undefined;
  onChange: (v: Json | undefined) => void;
}

function rows(value: Json | undefined): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

function update(list: JsonObject[], index: number, key: string, v: Json | undefined): JsonObject[] {
  return list.map((item, i) => {
    if (i !== index) return item;
    const copy: JsonObject = { ...item };
    if (v === undefined || v === "") delete copy[key];
    else copy[key] = v;
    return copy;
  });
}

const errorsText = (item: JsonObject) => (Array.isArray(item.ErrorEquals) ? item.ErrorEquals.join(", ") : "");
const errorsValue = (text: string) => text.split(",").map((s) => s.trim()).filter(Boolean);
const num = (text: string) => (text === "" ? undefined : Number(text));

function Row({ label, children, onRemove }: { label: string; children: ReactNode; onRemove: () => void }) {
  return (
    <fieldset className="rule">
      <legend>{label}</legend>
      {children}
      <button type="button" className="danger" onClick={onRemove} aria-label={`Remove ${label}`}>Remove</button>
    </fieldset>
  );
}

export function RetryEditor({ value, onChange }: ListProps) {
  const list = rows(value);
  const set = (next: JsonObject[]) => onChange(next.length ? next : undefined);
  const numberField = (item: JsonObject, i: number, key: string) => (
    <label key={key}>{key}<input aria-label={`Retrier ${i + 1} ${key}`} inputMode="numeric" defaultValue={item[key] === undefined ? "" : String(item[key])}
      onBlur={(e) => set(update(list, i, key, num(e.target.value)))} /></label>
  );
  return (
    <div className="field">
      <span>Retry</span>
      {list.map((item, i) => (
        <Row key={`${i}-${list.length}`} label={`Retrier ${i + 1}`} onRemove={() => set(list.filter((_, j) => j !== i))}>
          <label>Errors<input aria-label={`Retrier ${i + 1} errors`} defaultValue={errorsText(item)} onBlur={(e) => set(update(list, i, "ErrorEquals", errorsValue(e.target.value)))} /></label>
          <div className="grid2">{["IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds"].map((k) => numberField(item, i, k))}</div>
          <label>Jitter<select aria-label={`Retrier ${i + 1} jitter`} value={String(item.JitterStrategy ?? "")} onChange={(e) => set(update(list, i, "JitterStrategy", e.target.value || undefined))}>
            <option value="">NONE (default)</option><option value="FULL">FULL</option>
          </select></label>
        </Row>
      ))}
      <button type="button" onClick={() => set([...list, { ErrorEquals: ["States.ALL"], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 }])}>Add retrier</button>
    </div>
  );
}

export function CatchEditor({ value, onChange, targets, jsonata }: ListProps & { targets: string[]; jsonata: boolean }) {
  const list = rows(value);
  const set = (next: JsonObject[]) => onChange(next.length ? next : undefined);
  const outputKey = jsonata ? "Output" : "ResultPath";
  return (
    <div className="field">
      <span>Catch</span>
      {list.map((item, i) => (
        <Row key={`${i}-${list.length}`} label={`Catcher ${i + 1}`} onRemove={() => set(list.filter((_, j) => j !== i))}>
          <label>Errors<input aria-label={`Catcher ${i + 1} errors`} defaultValue={errorsText(item)} onBlur={(e) => set(update(list, i, "ErrorEquals", errorsValue(e.target.value)))} /></label>
          <label>Next<select aria-label={`Catcher ${i + 1} next`} value={String(item.Next ?? "")} onChange={(e) => set(update(list, i, "Next", e.target.value || undefined))}>
            <option value="">(choose)</option>
            {targets.map((t) => <option key={t} value={t}>{t}</option>)}
          </select></label>
          <label>{outputKey}<input aria-label={`Catcher ${i + 1} ${outputKey}`} defaultValue={typeof item[outputKey] === "string" ? String(item[outputKey]) : ""} placeholder={jsonata ? "{% $states.errorOutput %}" : "$.error"}
            onBlur={(e) => set(update(list, i, outputKey, e.target.value || undefined))} /></label>
        </Row>
      ))}
      <button type="button" onClick={() => set([...list, { ErrorEquals: ["States.ALL"], Next: targets[0] ?? "" }])}>Add catcher</button>
    </div>
  );
}
