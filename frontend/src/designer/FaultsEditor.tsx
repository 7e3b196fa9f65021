// The faults a local run injects into the selected state (docs/testing.md, "Fault injection"):
// one row per fault, the plan's seed, and saving beside the definition. Render only.
import type { ReactNode } from "react";
import {
  FAULT_TYPES, faultProblems, latencyKind, newFault, refusedFault, seedProblem, typed, withLatencyKind, withStateFaults,
  type DistributionKind, type Fault, type Typed,
} from "./localTesting";
import type { LocalTesting } from "./useLocalSettings";

const text = (v: Typed | undefined) => (v === undefined ? "" : String(v));

function Problem({ message }: { message?: string }) {
  return message ? <span className="field-error">{message}</span> : null;
}

function NumberInput({ label, value, onChange, hint }: { label: string; value: Typed | undefined; onChange: (v: Typed | undefined) => void; hint?: string }) {
  return <input aria-label={label} inputMode="decimal" value={text(value)} placeholder={hint} onChange={(e) => onChange(typed(e.target.value))} />;
}

function LatencyFields({ fault, name, problems, set }: { fault: Fault; name: string; problems: Record<string, string>; set: (f: Fault) => void }) {
  const kind = latencyKind(fault);
  const dist = fault.distribution as Record<string, Typed | [Typed, Typed]> | undefined;
  const args = dist ? dist[kind] : undefined;
  const pairLabels: Record<string, [string, string]> = { uniform: ["low (s)", "high (s)"], normal: ["mean (s)", "stddev (s)"] };
  const setArg = (i: number, v: Typed | undefined) => {
    const pair = [...(args as [Typed, Typed])] as [Typed, Typed];
    pair[i] = v ?? "";
    set({ ...fault, distribution: { [kind]: pair } as Fault["distribution"] });
  };
  return (
    <>
      <label>Latency<select aria-label={`${name} latency`} value={kind} onChange={(e) => set(withLatencyKind(fault, e.target.value as "fixed" | DistributionKind))}>
        <option value="fixed">Fixed</option><option value="uniform">Uniform</option><option value="normal">Normal</option><option value="exponential">Exponential</option>
      </select></label>
      {kind === "fixed" && (
        <label>Seconds<NumberInput label={`${name} seconds`} value={fault.seconds} onChange={(v) => set({ ...fault, seconds: v ?? "" })} /><Problem message={problems.seconds} /></label>
      )}
      {kind === "exponential" && (
        <label>Mean (s)<NumberInput label={`${name} mean`} value={args as Typed} onChange={(v) => set({ ...fault, distribution: { exponential: v ?? "" } })} /></label>
      )}
      {(kind === "uniform" || kind === "normal") && (
        <div className="grid2">
          {pairLabels[kind].map((l, i) => (
            <label key={l}>{l}<NumberInput label={`${name} ${l.split(" ")[0]}`} value={(args as [Typed, Typed])[i]} onChange={(v) => setArg(i, v)} /></label>
          ))}
        </div>
      )}
      <Problem message={problems.distribution} />
    </>
  );
}

function FaultRow({ fault, index, refused, onChange, onRemove }: { fault: Fault; index: number; refused: boolean; onChange: (f: Fault) => void; onRemove: () => void }) {
  const name = `Fault ${index + 1}`;
  const problems = faultProblems(fault);
  const label = FAULT_TYPES.find((t) => t.type === fault.type)?.label ?? fault.type;
  let fields: ReactNode = null;
  if (fault.type === "error") {
    fields = (
      <>
        <label>Error<input aria-label={`${name} error`} value={fault.error ?? ""} placeholder="Lambda.ServiceException" onChange={(e) => onChange({ ...fault, error: e.target.value })} /><Problem message={problems.error} /></label>
        <label>Cause<input aria-label={`${name} cause`} value={fault.cause ?? ""} placeholder="(the error name)" onChange={(e) => onChange({ ...fault, cause: e.target.value || undefined })} /></label>
      </>
    );
  } else if (fault.type === "latency") {
    fields = <LatencyFields fault={fault} name={name} problems={problems} set={onChange} />;
  }
  return (
    <fieldset className={`rule fault-row${refused ? " refused" : ""}`} aria-invalid={refused || Object.keys(problems).length > 0 ? "true" : "false"}>
      <legend>{name}: {label}</legend>
      {fields}
      <label>Probability (0 to 1)<NumberInput label={`${name} probability`} value={fault.probability} hint="1" onChange={(v) => onChange({ ...fault, probability: v })} /><Problem message={problems.probability} /></label>
      <button type="button" className="danger" onClick={onRemove} aria-label={`Remove ${name}`}>Remove</button>
    </fieldset>
  );
}

/** The Faults section of a Task state's form. */
export default function FaultsEditor({ state, testing }: { state: string; testing: LocalTesting }) {
  const { plan, setPlan } = testing;
  const faults = plan.states[state] ?? [];
  const setFaults = (next: Fault[]) => setPlan((p) => withStateFaults(p, state, next));
  const refused = testing.error ? refusedFault(testing.error) : null;
  const seedError = seedProblem(plan.seed);
  return (
    <section className="field faults" aria-label="Faults (local testing)">
      <span>Faults (local testing)</span>
      <p className="muted">Injected when this state runs here, never exported. Draws follow the seed, so a run repeats exactly.</p>
      {faults.map((f, i) => (
        <FaultRow key={`${i}-${faults.length}`} fault={f} index={i} refused={refused?.state === state && refused.index === i}
          onChange={(next) => setFaults(faults.map((old, j) => (j === i ? next : old)))} onRemove={() => setFaults(faults.filter((_, j) => j !== i))} />
      ))}
      <div className="row fault-add">
        {FAULT_TYPES.map((t) => <button type="button" key={t.type} onClick={() => setFaults([...faults, newFault(t.type)])}>Add {t.label.toLowerCase()}</button>)}
      </div>
      <label className="fault-seed">Seed (all states)<input aria-label="Fault seed" value={text(plan.seed)} onChange={(e) => setPlan((p) => ({ ...p, seed: typed(e.target.value) }))} />
        <Problem message={seedError ?? undefined} /></label>
      {testing.error && <p className="field-error" role="alert" aria-label="Faults not saved">{testing.error}</p>}
      <div className="row">
        <button type="button" className={testing.dirty ? "primary" : ""} onClick={() => void testing.save()} disabled={!testing.dirty}>Save faults</button>
        <span className="muted" aria-live="polite">{testing.dirty ? "Faults not saved yet" : "Faults saved"}</span>
      </div>
    </section>
  );
}
