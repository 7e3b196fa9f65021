// The form for the selected state: every field, in the state's query language.
import { useEffect, useState } from "react";
import { fieldsFor, queryLanguage, withField, type Field } from "../asl/fields";
import { splitNodeId, stateAt, machineAt } from "../asl/paths";
import { isObject, type Json, type JsonObject } from "../asl/types";
import { CatchEditor, RetryEditor } from "./ErrorHandling";
import FaultsEditor from "./FaultsEditor";
import { FAULT_STATE_TYPES, faultBadges } from "./localTesting";
import type { LocalTesting } from "./useLocalSettings";

interface Props {
  definition: JsonObject;
  selected: string | null;
  problems: string[];
  lambdas: string[];
  models: string[];
  onReplace: (id: string, state: JsonObject) => void;
  onRename: (id: string, name: string) => void;
  onAddBranch: (id: string) => void;
  onMachine: (definition: JsonObject) => void;
  testing?: LocalTesting;
}

const MACHINE_FIELDS: Field[] = [{ key: "Comment", kind: "text" }, { key: "StartAt", kind: "next" }, { key: "TimeoutSeconds", kind: "number" }, { key: "Version", kind: "text" }];

/** The machine's own fields, shown while no state is selected. */
function MachineForm({ definition, onChange, testing }: { definition: JsonObject; onChange: (d: JsonObject) => void; testing?: LocalTesting }) {
  const names = isObject(definition.States) ? Object.keys(definition.States) : [];
  const set = (key: string, v: Json | undefined) => onChange(withField(definition, key, v));
  return (
    <form className="inspector" aria-label="State machine fields" onSubmit={(e) => e.preventDefault()}>
      <p className="muted">Select a state to edit its fields. Drag states from the left; connect a state's bottom handle to another to set Next.</p>
      <h3>State machine</h3>
      <label className="field">
        <span>Query language</span>
        <select aria-label="Query language of the machine" value={typeof definition.QueryLanguage === "string" ? definition.QueryLanguage : ""} onChange={(e) => set("QueryLanguage", e.target.value || undefined)}>
          <option value="">JSONPath (default)</option>
          <option value="JSONata">JSONata</option>
        </select>
      </label>
      {MACHINE_FIELDS.map((f) => renderField(f, definition, names, set))}
      {testing && <RiggedStates testing={testing} />}
    </form>
  );
}

/** Which states the saved fault plan rigs, for the whole machine at a glance. */
function RiggedStates({ testing }: { testing: LocalTesting }) {
  const rigged = Object.entries(faultBadges(testing.plan));
  return (
    <section className="field" aria-label="Faults of the state machine">
      <span>Faults (local testing)</span>
      {rigged.length === 0 ? <p className="muted">No fault injected. Select a Task state to add one.</p> : (
        <ul className="rigged">{rigged.map(([state, summary]) => <li key={state}><b>{state}</b>: {summary}</li>)}</ul>
      )}
      {testing.dirty && <p className="muted">Not saved yet.</p>}
    </section>
  );
}

function JsonField({ label, value, hint, onCommit }: { label: string; value: Json | undefined; hint?: string; onCommit: (v: Json | undefined) => void }) {
  const initial = value === undefined ? "" : JSON.stringify(value, null, 2);
  const [text, setText] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setText(initial), [initial]);
  const commit = () => {
    if (text === initial) return;
    if (text.trim() === "") return onCommit(undefined);
    try {
      onCommit(JSON.parse(text));
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <label className="field">
      <span>{label}</span>
      <textarea aria-label={label} value={text} placeholder={hint} rows={Math.min(8, Math.max(2, text.split("\n").length))} onChange={(e) => setText(e.target.value)} onBlur={commit} aria-invalid={error ? "true" : "false"} spellCheck={false} />
      {error && <span className="field-error" role="alert">{error}</span>}
    </label>
  );
}

function TextField({ label, value, number, hint, onCommit }: { label: string; value: Json | undefined; number?: boolean; hint?: string; onCommit: (v: Json | undefined) => void }) {
  const initial = value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
  const [text, setText] = useState(initial);
  useEffect(() => setText(initial), [initial]);
  const commit = () => {
    if (text === initial) return;
    if (text === "") return onCommit(undefined);
    onCommit(number && !Number.isNaN(Number(text)) ? Number(text) : text);
  };
  return (
    <label className="field">
      <span>{label}</span>
      <input aria-label={label} value={text} placeholder={hint} inputMode={number ? "numeric" : undefined} onChange={(e) => setText(e.target.value)} onBlur={commit} onKeyDown={(e) => e.key === "Enter" && commit()} />
    </label>
  );
}

function renderField(f: Field, state: JsonObject, siblings: string[], set: (key: string, v: Json | undefined) => void, jsonata = false) {
  const value = state[f.key];
  if (f.kind === "retry") return <RetryEditor key={f.key} value={value} onChange={(v) => set(f.key, v)} />;
  if (f.kind === "catch") return <CatchEditor key={f.key} value={value} targets={siblings} jsonata={jsonata} onChange={(v) => set(f.key, v)} />;
  if (f.kind === "next") {
    return (
      <label className="field" key={f.key}>
        <span>{f.key}</span>
        <select aria-label={f.key} value={typeof value === "string" ? value : ""} onChange={(e) => set(f.key, e.target.value || undefined)}>
          <option value="">(none)</option>
          {siblings.map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
      </label>
    );
  }
  if (f.kind === "boolean") {
    return (
      <label className="field field-check" key={f.key}>
        <input type="checkbox" aria-label={f.key} checked={value === true} onChange={(e) => set(f.key, e.target.checked ? true : undefined)} />
        <span>{f.key}</span>
      </label>
    );
  }
  if (f.kind === "json") return <JsonField key={f.key} label={f.key} value={value} hint={f.hint} onCommit={(v) => set(f.key, v)} />;
  return <TextField key={f.key} label={f.key} value={value} number={f.kind === "number"} hint={f.hint} onCommit={(v) => set(f.key, v)} />;
}

function BindingField({ state, lambdas, models, set }: { state: JsonObject; lambdas: string[]; models: string[]; set: (key: string, v: Json | undefined) => void }) {
  const params = isObject(state.Parameters) ? state.Parameters : isObject(state.Arguments) ? state.Arguments : null;
  const paramsKey = isObject(state.Parameters) ? "Parameters" : "Arguments";
  if (!params || typeof state.Resource !== "string") return null;
  const isLambda = state.Resource.includes(":lambda:invoke") && typeof params.FunctionName === "string";
  const isModel = state.Resource.includes("sagemaker:invokeEndpoint") && typeof params.EndpointName === "string";
  if (!isLambda && !isModel) return null;
  const key = isLambda ? "FunctionName" : "EndpointName";
  const options = isLambda ? lambdas : models;
  const current = String(params[key]);
  return (
    <label className="field">
      <span>{isLambda ? "Local handler" : "Local model"}</span>
      <select aria-label={isLambda ? "Local handler" : "Local model"} value={current} onChange={(e) => set(paramsKey, { ...params, [key]: e.target.value })}>
        {!options.includes(current) && <option value={current}>{current} ({isLambda ? "no handler loaded by that name" : "an endpoint name: bound by SWITCHYARD_ENDPOINTS or the default model"})</option>}
        {options.map((o) => <option key={o} value={o}>{o}</option>)}
      </select>
    </label>
  );
}

export default function Inspector(props: Props) {
  const { definition, selected } = props;
  const state = selected ? stateAt(definition, selected) : null;
  const [name, setName] = useState("");
  useEffect(() => setName(selected ? splitNodeId(selected).name : ""), [selected]);
  if (!selected || !state) return <MachineForm definition={definition} onChange={props.onMachine} testing={props.testing} />;
  const { container } = splitNodeId(selected);
  const machine = machineAt(definition, container);
  const siblings = isObject(machine?.States) ? Object.keys(machine.States).filter((s) => s !== splitNodeId(selected).name) : [];
  const lang = queryLanguage(state, definition.QueryLanguage);
  const set = (key: string, v: Json | undefined) => props.onReplace(selected, withField(state, key, v));
  return (
    <form key={selected} className="inspector" aria-label={`Fields of ${splitNodeId(selected).name}`} onSubmit={(e) => e.preventDefault()}>
      <h3>
        <span className={`type-badge type-${state.Type}`}>{String(state.Type)}</span>
      </h3>
      {props.problems.length > 0 && (
        <ul className="problems" aria-label="Problems of this state">
          {props.problems.map((p, i) => <li key={i}>⚠ {p}</li>)}
        </ul>
      )}
      <label className="field">
        <span>Name</span>
        <input aria-label="Name" value={name} onChange={(e) => setName(e.target.value)} onBlur={() => props.onRename(selected, name)} onKeyDown={(e) => e.key === "Enter" && props.onRename(selected, name)} />
      </label>
      <label className="field">
        <span>Query language</span>
        <select aria-label="Query language" value={typeof state.QueryLanguage === "string" ? state.QueryLanguage : ""} onChange={(e) => set("QueryLanguage", e.target.value || undefined)}>
          <option value="">Inherit ({queryLanguage({}, definition.QueryLanguage)})</option>
          <option value="JSONPath">JSONPath</option>
          <option value="JSONata">JSONata</option>
        </select>
      </label>
      <BindingField state={state} lambdas={props.lambdas} models={props.models} set={set} />
      {fieldsFor(state, lang === "JSONata").map((f) => renderField(f, state, siblings, set, lang === "JSONata"))}
      {state.Type === "Parallel" && <button type="button" onClick={() => props.onAddBranch(selected)}>Add branch</button>}
      {props.testing && FAULT_STATE_TYPES.has(String(state.Type)) && <FaultsEditor state={splitNodeId(selected).name} testing={props.testing} />}
    </form>
  );
}
