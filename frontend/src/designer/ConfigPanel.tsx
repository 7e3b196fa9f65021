// The Config tab: the state machine's name, ARN and type, and its role and tags as edited (saved
// with the definition by the toolbar's Save). Render only; the checks are in machineConfig.
import { useEffect, useId, useRef, useState } from "react";
import { MAX_TAGS, roleArnProblem, tagProblems, type ConfigDraft, type ConfigField, type TagRow } from "./machineConfig";

interface Props {
  machine: { name: string; arn: string; type: string };
  config: ConfigDraft;
  /** The field the last save was refused for, with the server's message. */
  refused: { field: ConfigField; message: string } | null;
  onChange: (change: Partial<ConfigDraft>) => void;
}

function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 1500);
    return () => clearTimeout(timer);
  }, [copied]);
  const copy = () => {
    navigator.clipboard?.writeText(text).then(() => setCopied(true), () => undefined);
  };
  return <button type="button" aria-label={label} title={label} onClick={copy}>{copied ? "Copied" : "Copy"}</button>;
}

function TagRows({ rows, onChange }: { rows: TagRow[]; onChange: (rows: TagRow[]) => void }) {
  const id = useId();
  const problems = tagProblems(rows);
  const list = useRef<HTMLDivElement>(null);
  const [focusRow, setFocusRow] = useState<number | null>(null);
  useEffect(() => {
    if (focusRow === null) return;
    list.current?.querySelector<HTMLInputElement>(`[aria-label="Tag key ${focusRow + 1}"]`)?.focus();
    setFocusRow(null);
  }, [focusRow]);
  const set = (i: number, change: Partial<TagRow>) => onChange(rows.map((row, j) => (j === i ? { ...row, ...change } : row)));
  const add = () => {
    onChange([...rows, { key: "", value: "" }]);
    setFocusRow(rows.length);
  };
  return (
    <div ref={list}>
      {rows.length > 0 && <div className="tag-row tag-head" aria-hidden="true"><span>Key</span><span>Value</span></div>}
      {rows.map((row, i) => {
        const n = i + 1;
        const p = problems.rows[i] ?? {};
        return (
          <div className="tag-row" key={i} role="group" aria-label={`Tag ${n}`}>
            <input aria-label={`Tag key ${n}`} value={row.key} placeholder="key" spellCheck={false} onChange={(e) => set(i, { key: e.target.value })}
              aria-invalid={p.key ? "true" : "false"} aria-describedby={p.key ? `${id}-key-${n}` : undefined} />
            <input aria-label={`Tag value ${n}`} value={row.value} placeholder="(empty)" spellCheck={false} onChange={(e) => set(i, { value: e.target.value })}
              aria-invalid={p.value ? "true" : "false"} aria-describedby={p.value ? `${id}-value-${n}` : undefined} />
            <button type="button" className="danger" aria-label={`Remove tag ${n}`} title={`Remove tag ${n}`} onClick={() => onChange(rows.filter((_, j) => j !== i))}>✕</button>
            {p.key && <span className="field-error tag-problem" id={`${id}-key-${n}`}>Key: {p.key}</span>}
            {p.value && <span className="field-error tag-problem" id={`${id}-value-${n}`}>Value: {p.value}</span>}
          </div>
        );
      })}
      {problems.list && <p className="field-error">{problems.list}</p>}
      <div className="row">
        <button type="button" onClick={add} disabled={rows.length >= MAX_TAGS}>Add tag</button>
        <span className="muted">{rows.length} of {MAX_TAGS}</span>
      </div>
    </div>
  );
}

export default function ConfigPanel({ machine, config, refused, onChange }: Props) {
  const id = useId();
  const roleProblem = roleArnProblem(config.roleArn);
  return (
    <section className="inspector config" aria-label="State machine configuration">
      <h3>Configuration</h3>
      <label className="field">
        <span>Name</span>
        <input aria-label="State machine name" value={machine.name} readOnly />
        <span className="muted">Rename it on the start page.</span>
      </label>
      <div className="field">
        <span>ARN</span>
        <div className="config-copy">
          <input className="mono" aria-label="State machine ARN" value={machine.arn} readOnly spellCheck={false} />
          <CopyButton text={machine.arn} label="Copy ARN" />
        </div>
      </div>
      <label className="field">
        <span>Type</span>
        <input aria-label="State machine type" value={machine.type} readOnly />
        <span className="muted">Set when the state machine is created; AWS cannot change it either.</span>
      </label>
      <label className="field">
        <span>Role ARN</span>
        <input className="mono" aria-label="Role ARN" value={config.roleArn} placeholder="arn:aws:iam::123456789012:role/StepFunctionsRole" spellCheck={false}
          onChange={(e) => onChange({ roleArn: e.target.value })} aria-invalid={roleProblem ? "true" : "false"}
          aria-describedby={`${roleProblem ? `${id}-role-problem ` : ""}${id}-role-hint`} />
        {roleProblem && <span className="field-error" id={`${id}-role-problem`}>{roleProblem}</span>}
        {refused?.field === "role_arn" && <span className="field-error" role="alert">Not saved: {refused.message}</span>}
        <span className="muted" id={`${id}-role-hint`}>The execution role on AWS. Here it is recorded (DescribeStateMachine, the execution’s context), not enforced: runs here never assume it.</span>
      </label>
      <section className="field config-tags" aria-label="Tags">
        <span>Tags</span>
        <TagRows rows={config.tags} onChange={(tags) => onChange({ tags })} />
        {refused?.field === "tags" && <p className="field-error" role="alert">Not saved: {refused.message}</p>}
      </section>
      <p className="muted">Logging and X-Ray tracing are set on AWS and not used locally: every run here keeps its full event history on its run page.</p>
      <p className="muted">The role and tags are saved with the definition, by Save (Ctrl+S).</p>
    </section>
  );
}
