// The designer's dialogs: start an execution, import a definition. Render only.
import { useState, type ReactNode } from "react";

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

export function RunDialog({ machine, onStart, onClose }: { machine: string; onStart: (input: string) => Promise<void>; onClose: () => void }) {
  const [input, setInput] = useState(() => localStorage.getItem(inputKey(machine)) ?? "{}");
  const [error, setError] = useState<string | null>(null);
  const start = async () => {
    try {
      JSON.parse(input);
    } catch (e) {
      return setError(`The input is not JSON: ${(e as Error).message}`);
    }
    localStorage.setItem(inputKey(machine), input);
    try {
      await onStart(input);
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
