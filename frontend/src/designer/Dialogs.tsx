// The designer's dialogs: start an execution (with a mock test case and the virtual clock), import a
// definition. Render only.
import { useEffect, useState, type ReactNode } from "react";
import { ApiError, listTestCases } from "../api/client";
import { clockMode, clockValue, typed, type Clock, type ClockMode } from "./localTesting";

export function Dialog({ title, children, onClose }: { title: string; children: ReactNode; onClose: () => void }) {
  return (
    <div className="dialog-backdrop" onKeyDown={(e) => e.key === "Escape" && onClose()}>
      <div className="dialog" role="dialog" aria-modal="true" aria-label={title}>
        <h2>{title}</h2>
        {children}
      </div>
    </div>
  );
}

export const inputKey = (machine: string) => `switchyard:last-input:${machine}`;

/** What a run from the designer starts with, besides its input. */
export interface RunChoice {
  testCase?: string;
  clock: Clock;
}

/** The mock test cases of SFN_MOCK_CONFIG for the machine, or why there are none. */
function useTestCases(machine: string): { cases: string[]; note: string | null } {
  const [found, setFound] = useState<{ cases: string[]; note: string | null }>({ cases: [], note: null });
  useEffect(() => {
    let live = true;
    listTestCases(machine)
      .then((t) => live && setFound({ cases: t.test_cases, note: t.configured ? (t.test_cases.length ? null : "The mock configuration has no test case for this state machine.") : "No mock configuration (set SFN_MOCK_CONFIG to use test cases)." }))
      .catch((e: Error) => live && setFound({ cases: [], note: e instanceof ApiError ? e.detail : e.message }));
    return () => {
      live = false;
    };
  }, [machine]);
  return found;
}

function ClockField({ mode, factor, onMode, onFactor }: { mode: ClockMode; factor: string; onMode: (m: ClockMode) => void; onFactor: (f: string) => void }) {
  return (
    <div className="field">
      <label className="field">
        <span>Virtual clock (kept for later runs)</span>
        <select aria-label="Virtual clock" value={mode} onChange={(e) => onMode(e.target.value as ClockMode)}>
          <option value="real">Real time</option>
          <option value="skip">Skip waiting (Waits, back-offs and latency take no time)</option>
          <option value="scaled">Scaled</option>
        </select>
      </label>
      {mode === "scaled" && (
        <label className="field">
          <span>Real seconds per virtual second</span>
          <input aria-label="Clock factor" inputMode="decimal" value={factor} onChange={(e) => onFactor(e.target.value)} />
        </label>
      )}
    </div>
  );
}

export function RunDialog({ machine, clock, onStart, onClose }: { machine: string; clock: Clock; onStart: (input: string, choice: RunChoice) => Promise<void>; onClose: () => void }) {
  const [input, setInput] = useState(() => localStorage.getItem(inputKey(machine)) ?? "{}");
  const [error, setError] = useState<string | null>(null);
  const [testCase, setTestCase] = useState("");
  const initial = clockMode(clock);
  const [mode, setMode] = useState<ClockMode>(initial.mode);
  const [factor, setFactor] = useState(String(initial.mode === "scaled" ? initial.factor : 0.01));
  const { cases, note } = useTestCases(machine);
  const start = async () => {
    try {
      JSON.parse(input);
    } catch (e) {
      return setError(`The input is not JSON: ${(e as Error).message}`);
    }
    let chosen: Clock;
    try {
      chosen = clockValue(mode, typed(factor));
    } catch (e) {
      return setError((e as Error).message);
    }
    localStorage.setItem(inputKey(machine), input);
    try {
      await onStart(input, { testCase: testCase || undefined, clock: chosen });
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <Dialog title="Start an execution" onClose={onClose}>
      <label className="field">
        <span>Input (JSON)</span>
        <textarea aria-label="Execution input" rows={10} value={input} onChange={(e) => setInput(e.target.value)} spellCheck={false} autoFocus />
      </label>
      <label className="field">
        <span>Mock test case</span>
        <select aria-label="Mock test case" value={testCase} onChange={(e) => setTestCase(e.target.value)} disabled={cases.length === 0}>
          <option value="">None: every state runs for real</option>
          {cases.map((c) => <option key={c} value={c}>{c}</option>)}
        </select>
        {note && <span className="muted" aria-label="Test cases note">{note}</span>}
      </label>
      <ClockField mode={mode} factor={factor} onMode={setMode} onFactor={setFactor} />
      {error && <p role="alert" className="error">{error}</p>}
      <div className="dialog-actions">
        <button onClick={onClose}>Cancel</button>
        <button className="primary" onClick={start}>Start execution</button>
      </div>
    </Dialog>
  );
}

export function ImportDialog({ onImport, onClose }: { onImport: (text: string) => Promise<void>; onClose: () => void }) {
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    try {
      await onImport(text);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <Dialog title="Import a definition" onClose={onClose}>
      <p className="muted">Paste ASL as JSON or YAML (as the AWS console exports it), or choose a file.</p>
      <input type="file" aria-label="Definition file" accept=".json,.yaml,.yml,.asl" onChange={async (e) => setText(await e.target.files![0].text())} />
      <textarea aria-label="Definition to import" rows={14} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} />
      {error && <p role="alert" className="error">{error}</p>}
      <div className="dialog-actions">
        <button onClick={onClose}>Cancel</button>
        <button className="primary" onClick={submit} disabled={!text.trim()}>Import</button>
      </div>
    </Dialog>
  );
}
