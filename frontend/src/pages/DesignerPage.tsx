// The designer for one state machine: palette, canvas, inspector and code, with the toolbar.
import { ReactFlowProvider, useReactFlow } from "@xyflow/react";
import { useEffect, useMemo, useState } from "react";
import { importDefinition } from "../asl/importText";
import { splitNodeId } from "../asl/paths";
import { startExecution } from "../api/client";
import Canvas from "../canvas/Canvas";
import { buildFlow } from "../canvas/flowModel";
import CodeView from "../designer/CodeView";
import ConfigPanel from "../designer/ConfigPanel";
import { ImportDialog, RunDialog, type RunChoice } from "../designer/Dialogs";
import Inspector from "../designer/Inspector";
import Palette, { usePaletteItems } from "../designer/Palette";
import { useDesigner } from "../designer/useDesigner";
import { useEditActions } from "../designer/useEditActions";
import { useLocalSettings } from "../designer/useLocalSettings";
import { useShortcuts } from "../designer/useShortcuts";
import VersionsPanel from "../designer/VersionsPanel";
import { diagramSvg, download, svgToPng } from "../export/diagram";
import { executionPath, navigate } from "../router";

import Toolbar, { type Dialog } from "../designer/Toolbar";

const READABLE_ZOOM = 0.4;

/** Fit the whole diagram when it stays readable; else show its top (where it starts) at a readable zoom. */
function initialView(flow: ReturnType<typeof useReactFlow>): void {
  const bounds = flow.getNodesBounds(flow.getNodes().filter((n) => !n.parentId));
  const pane = document.querySelector(".react-flow")?.getBoundingClientRect();
  if (!pane || bounds.width === 0) return void flow.fitView({ padding: 0.1 });
  const zoom = Math.min(pane.width / bounds.width, pane.height / bounds.height) * 0.9;
  if (zoom >= READABLE_ZOOM) return void flow.fitView({ padding: 0.1, maxZoom: 1.2 });
  const z = 0.7;
  flow.setViewport({ x: pane.width / 2 - (bounds.x + bounds.width / 2) * z, y: 20 - bounds.y * z, zoom: z });
}

function Designer({ name }: { name: string }) {
  const d = useDesigner(name);
  const { items, lambdas, endpoints } = usePaletteItems();
  const actions = useEditActions(d, items);
  const testing = useLocalSettings(name);
  const flow = useReactFlow();
  const [dialog, setDialog] = useState<Dialog>(null);
  const [side, setSide] = useState<"form" | "code" | "config">("form");
  // The code view is made when first shown: a hidden CodeMirror still tracks every DOM change.
  const [codeShown, setCodeShown] = useState(false);
  useEffect(() => {
    if (side === "code") setCodeShown(true);
  }, [side]);

  const model = useMemo(
    () => (d.graph ? buildFlow({ graph: d.graph, edges: d.edges, boxes: d.boxes, problems: d.problemsByNode, faults: testing.badges }) : { nodes: [], edges: [] }),
    [d.graph, d.edges, d.boxes, d.problemsByNode, testing.badges],
  );
  const fit = () => flow.fitView({ padding: 0.1, duration: 200 });
  // Fit once, when the first layout arrives; later edits keep the user's zoom.
  const laidOut = d.layoutMs !== null;
  useEffect(() => {
    if (!laidOut) return;
    const timer = setTimeout(() => initialView(flow), 50);
    return () => clearTimeout(timer);
  }, [laidOut, flow]);
  // Leaving with unsaved changes asks first, as editors do.
  useEffect(() => {
    if (!d.dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [d.dirty]);
  useShortcuts({ undo: d.undo, redo: d.redo, copy: actions.copy, paste: actions.paste, save: d.save, fit, layout: d.autoLayout });

  if (d.loadError) return <main className="page"><p role="alert">Could not open {name}: {d.loadError}</p><a href="/">Back to the start page</a></main>;
  if (!d.editor || !d.graph) return <main className="page"><p>Loading {name}…</p></main>;
  const editor = d.editor;
  const rootProblems = d.problems.filter((p) => !Object.values(d.problemsByNode).flat().includes(p.message));

  const run = async (input: string, choice: RunChoice) => {
    if (d.dirty && !(await d.save())) throw new Error("Fix the definition or the configuration and save before running");
    // The faults being edited and the clock chosen are what this run (and the next) starts with.
    const clockChanged = JSON.stringify(choice.clock) !== JSON.stringify(testing.saved.clock ?? null);
    const refused = testing.dirty || clockChanged ? await testing.save({ clock: choice.clock }) : null;
    if (refused) throw new Error(`Local-test settings ${refused[0].toLowerCase()}${refused.slice(1)}`);
    const execution = await startExecution(name, input, choice.testCase ? { test_case: choice.testCase } : {});
    navigate(executionPath(execution.arn));
  };
  const exportSvg = () => download(`${name}.svg`, diagramSvg(model.nodes, model.edges), "image/svg+xml");
  const exportPng = async () => download(`${name}.png`, await svgToPng(diagramSvg(model.nodes, model.edges)));

  return (
    <div className="designer">
      <Toolbar name={name} dirty={d.dirty} canUndo={editor.past.length > 0} canRedo={editor.future.length > 0}
        on={{ undo: d.undo, redo: d.redo, fit, layout: d.autoLayout, save: d.save, dialog: setDialog,
          exportJson: () => download(`${name}.asl.json`, d.machine!.definition), exportSvg, exportPng }} />
      <div className="workspace">
        <Palette items={items} onAdd={(item) => actions.addItem(item)} />
        <section className="canvas-pane" aria-label="Canvas">
          {(rootProblems.length > 0 || editor.codeError) && (
            <div className="banner" role="status" aria-label="Definition problems">
              {editor.codeError && <div>⚠ The code has a syntax error ({editor.codeError.message}); the canvas shows the last valid definition.</div>}
              {rootProblems.map((p, i) => <div key={i}>⚠ {p.message} <code>{p.path}</code></div>)}
            </div>
          )}
          {!laidOut && <div className="laying-out" role="status">Laying out {Object.keys(d.graph.nodes).length === 1 ? "1 state" : `${Object.keys(d.graph.nodes).length} states`}…</div>}
          <Canvas nodes={laidOut ? model.nodes : []} edges={model.edges} selected={d.selected} onSelect={d.setSelected} onConnect={actions.onConnect} onMoved={d.pin}
            onDeleteNodes={actions.onDeleteNodes} onDeleteEdges={actions.onDeleteEdges} onDropItem={actions.onDropItem} />
          <div className="statusbar" aria-live="polite">
            {Object.keys(d.graph.nodes).length} states · {d.problems.length} problem(s){d.layoutMs !== null ? ` · layout ${d.layoutMs} ms (${d.layoutEngine})` : ""} {d.status && `· ${d.status}`} {d.layoutError && `· ${d.layoutError}`}
          </div>
        </section>
        <aside className="side" aria-label="Inspector">
          <div role="tablist" className="tabs">
            <button role="tab" aria-selected={side === "form"} onClick={() => setSide("form")}>Form</button>
            <button role="tab" aria-selected={side === "code"} onClick={() => setSide("code")}>Definition</button>
            <button role="tab" aria-selected={side === "config"} onClick={() => setSide("config")}>Config</button>
          </div>
          <div className="side-body" hidden={side !== "form"}>
            <Inspector definition={editor.present.definition} selected={d.selected} problems={d.selected ? d.problemsByNode[d.selected] ?? [] : []}
              lambdas={lambdas} models={endpoints} onReplace={actions.replace} onAddBranch={actions.addBranch} testing={testing}
              onRename={(id, to) => actions.rename(id, to) && testing.rename(splitNodeId(id).name, to)}
              onMachine={(definition) => d.apply(() => definition)} />
          </div>
          <div className="side-body code" hidden={side !== "code"}>
            {codeShown && <CodeView text={editor.codeText} problems={d.problems} syntaxError={editor.codeError} selected={d.selected} onChange={d.typeCode} />}
          </div>
          <div className="side-body" hidden={side !== "config"}>
            {d.machine && d.config && <ConfigPanel machine={d.machine} config={d.config} refused={d.configRefused} onChange={d.editConfig} />}
          </div>
        </aside>
      </div>
      {dialog === "run" && <RunDialog machine={name} clock={testing.saved.clock} onStart={run} onClose={() => setDialog(null)} />}
      {dialog === "import" && (
        <ImportDialog onClose={() => setDialog(null)} onImport={async (source) => {
          const imported = await importDefinition(source);
          d.typeCode(imported.text);
          setDialog(null);
        }} />
      )}
      {dialog === "versions" && <VersionsPanel machine={name} current={d.machine!.definition} onClose={() => setDialog(null)} />}
    </div>
  );
}

export default function DesignerPage({ name }: { name: string }) {
  return (
    <ReactFlowProvider>
      <Designer name={name} />
    </ReactFlowProvider>
  );
}
