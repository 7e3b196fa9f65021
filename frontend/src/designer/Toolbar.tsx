// The designer's toolbar: history, view, import and export, versions, save and run. Render only.
import { navigate } from "../router";

export type Dialog = "run" | "import" | "versions" | null;

interface Props {
  name: string;
  dirty: boolean;
  canUndo: boolean;
  canRedo: boolean;
  on: {
    undo: () => void;
    redo: () => void;
    fit: () => void;
    layout: () => void;
    save: () => void;
    dialog: (d: Dialog) => void;
    exportJson: () => void;
    exportSvg: () => void;
    exportPng: () => void;
  };
}

export default function Toolbar({ name, dirty, canUndo, canRedo, on }: Props) {
  return (
    <header className="toolbar" role="toolbar" aria-label="Designer actions">
      <a href="/" className="brand" onClick={(e) => { e.preventDefault(); navigate("/"); }}>Switchyard</a>
      <h1 className="machine-name">{name}</h1>
      <span className={`save-state ${dirty ? "unsaved" : ""}`} aria-live="polite">{dirty ? "Unsaved changes" : "Saved"}</span>
      <span className="spacer" />
      <button onClick={on.undo} disabled={!canUndo} aria-label="Undo" title="Undo (Ctrl+Z)">↶ Undo</button>
      <button onClick={on.redo} disabled={!canRedo} aria-label="Redo" title="Redo (Ctrl+Shift+Z)">↷ Redo</button>
      <button onClick={on.fit} aria-label="Zoom to fit" title="Zoom to fit (F)">Fit</button>
      <button onClick={on.layout} title="Lay out again, forgetting moved positions (L)">Auto-layout</button>
      <button onClick={() => on.dialog("import")}>Import</button>
      <details className="menu">
        <summary aria-label="Export">Export</summary>
        <div className="menu-items" onClick={(e) => e.currentTarget.closest("details")?.removeAttribute("open")}>
          <button onClick={on.exportJson}>ASL JSON (as saved)</button>
          <button onClick={on.exportSvg}>Diagram as SVG</button>
          <button onClick={on.exportPng}>Diagram as PNG</button>
          <a href={`/api/state-machines/${encodeURIComponent(name)}/export/?format=sam`} download
             title="The saved definition, its local bindings as parameters, least-privilege policies">AWS SAM template (as saved)</a>
          <a href={`/api/state-machines/${encodeURIComponent(name)}/export/?format=cloudformation`} download>CloudFormation template (as saved)</a>
        </div>
      </details>
      <button onClick={() => on.dialog("versions")}>Versions</button>
      <button onClick={on.save} className={dirty ? "primary" : ""} title="Save (Ctrl+S)">Save</button>
      <button className="run" onClick={() => on.dialog("run")}>▶ Run</button>
    </header>
  );
}
