// Published versions of the machine, and a diff of any two (or of one and the current text).
import { useCallback, useEffect, useState } from "react";
import { definitionDiff } from "../asl/diff";
import { ApiError, getVersion, listVersions, publishVersion, type Version } from "../api/client";
import { Dialog } from "./Dialogs";

const CURRENT = "current";

export default function VersionsPanel({ machine, current, onClose }: { machine: string; current: string; onClose: () => void }) {
  const [versions, setVersions] = useState<Version[] | null>(null);
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [description, setDescription] = useState("");
  const [left, setLeft] = useState<string>("");
  const [right, setRight] = useState<string>(CURRENT);
  const [texts, setTexts] = useState<Record<string, string>>({});

  const load = useCallback(() => {
    listVersions(machine)
      .then((v) => setVersions([...v].sort((a, b) => b.version - a.version)))
      .catch((e) => (e instanceof ApiError && e.status === 404 ? setMissing(true) : setError(String(e.message))));
  }, [machine]);
  useEffect(load, [load]);

  const textOf = useCallback(async (key: string) => {
    if (key === CURRENT) return current;
    if (texts[key] !== undefined) return texts[key];
    const v = await getVersion(machine, Number(key));
    setTexts((t) => ({ ...t, [key]: v.definition ?? "" }));
    return v.definition ?? "";
  }, [current, machine, texts]);

  const [diff, setDiff] = useState<ReturnType<typeof definitionDiff> | null>(null);
  useEffect(() => {
    if (!left) return setDiff(null);
    Promise.all([textOf(left), textOf(right)]).then(([a, b]) => setDiff(definitionDiff(a, b))).catch((e) => setError(String(e.message)));
  }, [left, right, textOf]);

  const publish = async () => {
    try {
      await publishVersion(machine, description);
      setDescription("");
      load();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const options = [...(versions ?? []).map((v) => ({ key: String(v.version), label: `Version ${v.version}${v.description ? ` — ${v.description}` : ""}` })), { key: CURRENT, label: "Current (saved) definition" }];
  return (
    <Dialog title="Versions" onClose={onClose}>
      {missing ? (
        <p className="muted">This server has no versions endpoint yet (GET /api/state-machines/{machine}/versions/ answered 404).</p>
      ) : (
        <>
          <div className="row">
            <input aria-label="Version description" placeholder="Description of the version" value={description} onChange={(e) => setDescription(e.target.value)} />
            <button className="primary" onClick={publish}>Publish version</button>
          </div>
          <ul className="versions" aria-label="Published versions">
            {(versions ?? []).map((v) => (
              <li key={v.version} data-version={v.version}>
                <strong>Version {v.version}</strong> {v.description} <span className="muted">{v.created ? new Date(v.created).toLocaleString() : ""}</span>
              </li>
            ))}
            {versions?.length === 0 && <li className="muted">No version published yet.</li>}
          </ul>
          <div className="row">
            <label>Compare <select aria-label="Compare from" value={left} onChange={(e) => setLeft(e.target.value)}>
              <option value="">(choose)</option>
              {options.map((o) => <option key={o.key} value={o.key}>{o.label}</option>)}
            </select></label>
            <label>with <select aria-label="Compare with" value={right} onChange={(e) => setRight(e.target.value)}>
              {options.map((o) => <option key={o.key} value={o.key}>{o.label}</option>)}
            </select></label>
          </div>
          {diff && (
            <pre className="diff" aria-label="Differences">
              {diff.every((d) => d.kind === "same") ? <span className="muted">No differences.</span> :
                diff.map((d, i) => <div key={i} className={`diff-${d.kind}`}>{d.kind === "added" ? "+ " : d.kind === "removed" ? "- " : "  "}{d.text}</div>)}
            </pre>
          )}
        </>
      )}
      {error && <p role="alert" className="error">{error}</p>}
      <div className="dialog-actions"><button onClick={onClose}>Close</button></div>
    </Dialog>
  );
}
