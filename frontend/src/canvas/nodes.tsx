// One component per kind of canvas node, registered in one place (nodeTypes). Render only.
import { Handle, Position, type NodeProps } from "@xyflow/react";
import type { StateData } from "./flowModel";

const CATCHES = new Set(["Task", "Parallel", "Map"]);

function SourceHandles({ data }: { data: StateData }) {
  if (data.stateType === "Choice") {
    return (
      <>
        <Handle type="source" id="choice" position={Position.Bottom} style={{ left: "35%" }} aria-label={`Add a rule of ${data.name}`} title="Drag to add a Choice rule" />
        <Handle type="source" id="default" position={Position.Bottom} style={{ left: "70%" }} className="handle-default" aria-label={`Default of ${data.name}`} title="Drag to set the Default" />
      </>
    );
  }
  const terminal = data.stateType === "Succeed" || data.stateType === "Fail";
  return (
    <>
      <Handle type="source" id="next" position={Position.Bottom} isConnectable={!terminal} className={terminal ? "handle-hidden" : undefined} aria-label={`Next of ${data.name}`} title="Drag to set Next" />
      {CATCHES.has(data.stateType) && (
        <Handle type="source" id="catch" position={Position.Right} className="handle-catch" aria-label={`Catch of ${data.name}`} title="Drag to add a Catch" />
      )}
    </>
  );
}

function Problems({ problems }: { problems: string[] }) {
  if (problems.length === 0) return null;
  return (
    <div className="node-problems" role="alert">
      {problems.map((p, i) => (
        <div key={i}>⚠ {p}</div>
      ))}
    </div>
  );
}

export function StateNode({ data, selected }: NodeProps) {
  const d = data as StateData;
  return (
    <div className={`state-node type-${d.stateType}${selected ? " selected" : ""}${d.problems.length ? " invalid" : ""}${d.status ? ` status-${d.status}` : ""}`}>
      <Handle type="target" id="in" position={Position.Top} aria-label={`Into ${d.name}`} />
      <div className="node-type">{d.stateType}</div>
      <div className="node-name">{d.name}</div>
      {d.detail && <div className="node-detail">{d.detail}</div>}
      <Problems problems={d.problems} />
      <SourceHandles data={d} />
    </div>
  );
}

export function GroupNode({ data, selected }: NodeProps) {
  const d = data as StateData;
  return (
    <div className={`group-node type-${d.stateType}${selected ? " selected" : ""}${d.problems.length ? " invalid" : ""}${d.status ? ` status-${d.status}` : ""}`}>
      <Handle type="target" id="in" position={Position.Top} aria-label={`Into ${d.name}`} />
      <div className="group-header">
        <span className="node-type">{d.stateType}</span> <span className="node-name">{d.name}</span>
      </div>
      <Problems problems={d.problems} />
      <SourceHandles data={d} />
    </div>
  );
}

export function BranchNode({ data }: NodeProps) {
  return <div className="branch-node"><span className="branch-label">{String(data.label)}</span></div>;
}

export function MarkerNode({ data }: NodeProps) {
  const start = data.label === "Start";
  return (
    <div className={`marker-node ${start ? "marker-start" : "marker-end"}`} title={String(data.label)}>
      {!start && <Handle type="target" id="in" position={Position.Top} isConnectable={false} />}
      {start && <Handle type="source" id="next" position={Position.Bottom} aria-label="Start: drag to set StartAt" />}
    </div>
  );
}

export const nodeTypes = { state: StateNode, stategroup: GroupNode, branch: BranchNode, marker: MarkerNode };
