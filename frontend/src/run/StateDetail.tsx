// A state's entries in the run: input, output, error and cause, and each attempt's timing.
import { useState } from "react";
import { formatDuration } from "../live/nodeInfo";
import type { RunModel } from "../live/runModel";
import { prettyJson } from "./format";
import InjectedTag from "./InjectedTag";

interface Props {
  model: RunModel;
  name: string;
  seq: number | null;
  onClose: () => void;
  // Offered on a finished run: re-run from `rerunFrom` (this state, or the top-level state holding it),
  // with the input of the entry shown when that is a top-level entry of this state.
  rerunFrom?: string;
  onRerun?: (input: string | undefined) => void;
}

export default function StateDetail({ model, name, seq, onClose, rerunFrom, onRerun }: Props) {
  const entries = model.entries.filter((e) => e.name === name);
  const [pick, setPick] = useState<number | null>(null);
  const chosen = pick !== null ? entries[pick] : seq !== null ? entries.find((e) => e.seq === seq) : entries.at(-1);
  const start = model.execution.start ?? model.firstTime ?? 0;
  return (
    <aside className="state-detail" aria-label={`State ${name}`}>
      <div className="row"><h2>{name}</h2><button aria-label="Close the state panel" onClick={onClose}>✕</button></div>
      {onRerun && rerunFrom && (
        <button onClick={() => onRerun(rerunFrom === name && chosen?.scope.parent === null ? chosen.input : undefined)}>
          ↻ {rerunFrom === name ? "Run again from here" : `Run again from ${rerunFrom}`}
        </button>
      )}
      {entries.length === 0 && <p className="muted">Not run.</p>}
      {entries.length > 1 && (
        <label>Entry <input type="number" aria-label="Entry number" min={1} max={entries.length} value={(chosen ? entries.indexOf(chosen) : entries.length - 1) + 1}
          onChange={(e) => setPick(Math.min(entries.length, Math.max(1, Number(e.target.value))) - 1)} /> of {entries.length}</label>
      )}
      {chosen && (
        <>
          <p><span className={`badge status-${chosen.status.toLowerCase()}`} data-detail-status={chosen.status}>{chosen.status}</span>
            {chosen.scope.iteration && <> in {chosen.scope.iteration.map.name} #{chosen.scope.iteration.index}</>}
            {" "}· entered +{formatDuration(Math.max(0, chosen.start - start))}{chosen.end !== null && <> · took {formatDuration(chosen.end - chosen.start)}</>}</p>
          <h3>Input</h3><pre aria-label="State input">{prettyJson(chosen.input ?? "")}</pre>
          <h3>Output</h3><pre aria-label="State output">{prettyJson(chosen.output ?? "")}</pre>
          {chosen.error && <><h3>Error</h3><p className="error" aria-label="State error">{chosen.error}<InjectedTag cause={chosen.cause} /></p></>}
          {chosen.cause && <><h3>Cause</h3><pre aria-label="State cause">{prettyJson(chosen.cause)}</pre></>}
          {chosen.attempts.length > 0 && (
            <table className="table attempts" aria-label="Attempts">
              <thead><tr><th>Attempt</th><th>Status</th><th>Scheduled</th><th>Duration</th><th>Error</th></tr></thead>
              <tbody>
                {chosen.attempts.map((a) => (
                  <tr key={a.number} className={a.status === "FAILED" ? "row-failed" : undefined}>
                    <td>{a.number}</td><td>{a.status}</td><td>+{formatDuration(Math.max(0, a.start - start))}</td>
                    <td>{a.end !== null ? formatDuration(a.end - a.start) : "running"}</td><td>{a.error ?? ""}<InjectedTag cause={a.cause} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </aside>
  );
}
