// "Run again from here": the input the state received, editable, checked as JSON as it is typed
// (with the line and column of a mistake), and, where the definition assigns variables, the
// variables to have in scope; Start makes the new execution. Render only.
import { useState } from "react";
import { Dialog } from "../designer/Dialogs";
import { checkInput, checkVariables, type RerunTarget } from "./rerun";

interface Props {
  target: RerunTarget;
  initialInput: string;
  // Offer the variables field (the definition assigns variables).
  withVariables: boolean;
  onStart: (input: string, variables: string | undefined) => Promise<void>;
  onClose: () => void;
}

export default function RerunDialog({ target, initialInput, withVariables, onStart, onClose }: Props) {
  const [input, setInput] = useState(initialInput);
  const [variables, setVariables] = useState("{}");
  const [failure, setFailure] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const check = checkInput(input);
  const varsCheck = withVariables ? checkVariables(variables) : ({ ok: true } as const);
  const start = async () => {
    if (!check.ok || !varsCheck.ok) return;
    setStarting(true);
    setFailure(null);
    try {
      await onStart(input, withVariables ? variables : undefined);
    } catch (e) {
      setFailure((e as Error).message);
      setStarting(false);
    }
  };
  return (
    <Dialog title={`Run again from ${target.state}`} onClose={onClose}>
      <p className="muted">
        A new execution of the definition this run used starts at <strong>{target.state}</strong> with this input; the states
        before it do not run, and this run stays as it is.
        {target.inside && <> <strong>{target.inside}</strong> runs inside {target.state}, so the re-run starts there.</>}
      </p>
      <label className="field">
        <span>Input of {target.state} (JSON)</span>
        <textarea aria-label="Re-run input" rows={12} value={input} onChange={(e) => setInput(e.target.value)} spellCheck={false} autoFocus
          aria-invalid={!check.ok} />
      </label>
      {!check.ok && <p role="alert" className="error" data-testid="rerun-input-error">{check.message}</p>}
      {withVariables && (
        <>
          <label className="field">
            <span>Variables in scope at {target.state} (JSON object: what the states before it would have assigned)</span>
            <textarea aria-label="Re-run variables" rows={4} value={variables} onChange={(e) => setVariables(e.target.value)} spellCheck={false}
              aria-invalid={!varsCheck.ok} />
          </label>
          {!varsCheck.ok && <p role="alert" className="error" data-testid="rerun-variables-error">{varsCheck.message}</p>}
        </>
      )}
      {failure && <p role="alert" className="error">{failure}</p>}
      <div className="dialog-actions">
        <button onClick={onClose}>Cancel</button>
        <button className="primary" onClick={start} disabled={!check.ok || !varsCheck.ok || starting}>Start</button>
      </div>
    </Dialog>
  );
}
