// One component per kind of canvas node, registered in one place (nodeTypes). Render only.
// A group (Parallel, Map) draws its branches and their states inside its own element; their
// handles belong to the group's xyflow node, named "<state id>|<port>".
import { Handle, Position, type NodeProps } from "@xyflow/react";
import { createContext, useContext, type CSSProperties, type KeyboardEvent, type MouseEvent } from "react";
import type { Box } from "../layout/elkGraph";
import type { LiveInfo } from "../live/nodeInfo";
import { stateAttributes, type ContainerView, type StateData, type StateView } from "./flowModel";

/** What nested states need from the canvas: which state is selected, and how to select or delete one. */
export const CanvasActions = createContext<{ selected: string | null; select: (id: string) => void; remove: (id: string) => void }>({
  selected: null,
  select: () => undefined,
  remove: () => undefined,
});

const CATCHES = new Set(["Task", "Parallel", "Map"]);

function SourceHandles({ data, prefix = "" }: { data: StateView; prefix?: string }) {
  if (data.stateType === "Choice") {
    return (
      <>
        <Handle type="source" id={`${prefix}choice`} position={Position.Bottom} style={{ left: "35%" }} aria-label={`Add a rule of ${data.name}`} title="Drag to add a Choice rule" />
        <Handle type="source" id={`${prefix}default`} position={Position.Bottom} style={{ left: "70%" }} className="handle-default" aria-label={`Default of ${data.name}`} title="Drag to set the Default" />
      </>
    );
  }
  const terminal = data.stateType === "Succeed" || data.stateType === "Fail";
  return (
    <>
      <Handle type="source" id={`${prefix}next`} position={Position.Bottom} isConnectable={!terminal} className={terminal ? "handle-hidden" : undefined} aria-label={`Next of ${data.name}`} title="Drag to set Next" />
      {CATCHES.has(data.stateType) && (
        <Handle type="source" id={`${prefix}catch`} position={Position.Right} className="handle-catch" aria-label={`Catch of ${data.name}`} title="Drag to add a Catch" />
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

function classes(kind: string, d: StateView, selected: boolean): string {
  return `${kind} type-${d.stateType}${selected ? " selected" : ""}${d.problems.length ? " invalid" : ""}${d.status ? ` status-${d.status.toLowerCase()}` : ""}`;
}

function LeafBody({ d }: { d: StateView }) {
  return (
    <>
      <div className="node-type">{d.stateType}{d.status && <span className="node-status"> · {d.status}</span>}{d.faults && <FaultBadge faults={d.faults} />}</div>
      <div className="node-name">{d.name}</div>
      {d.detail && !d.live && <div className="node-detail">{d.detail}</div>}
      {d.live && <LiveFigures live={d.live} />}
    </>
  );
}

/** The faults a local run injects into the state (saved beside the definition). */
function FaultBadge({ faults }: { faults: string }) {
  const count = faults.split("; ").length;
  return <span className="fault-badge" title={`Faults (local testing): ${faults}`} aria-label={`Faults: ${faults}`}>⚡ {count} fault{count > 1 ? "s" : ""}</span>;
}

/** A run's figures on a node: elapsed time and attempts, a Map's iteration counts, its queue. */
function LiveFigures({ live }: { live: LiveInfo }) {
  return (
    <div className="node-live">
      {live.lines.length > 0 && <div className="live-line">{live.lines.join(" · ")}</div>}
      {live.map && (
        <div className="map-counts" aria-label="Iterations">
          <span data-count="pending">pending {live.map.pending}</span> · <span data-count="running">running {live.map.running}</span>
          {" · "}<span data-count="succeeded" className="count-ok">succeeded {live.map.succeeded}</span> · <span data-count="failed" className={live.map.failed ? "count-failed" : undefined}>failed {live.map.failed}</span>
        </div>
      )}
      {live.metrics && live.metrics.length > 0 && <div className="live-metrics" aria-label="Queue and batch">{live.metrics.join(" · ")}</div>}
    </div>
  );
}

const place = (b: Box): CSSProperties => ({ position: "absolute", left: b.x, top: b.y, width: b.width, height: b.height });

function NestedState({ d }: { d: StateView & { box: Box } }) {
  const actions = useContext(CanvasActions);
  const stop = (e: MouseEvent) => e.stopPropagation();
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Enter" || e.key === " ") actions.select(d.id);
    else if (e.key === "Delete" || e.key === "Backspace") actions.remove(d.id);
    else return;
    e.preventDefault();
    e.stopPropagation();
  };
  const group = d.containers.length > 0;
  return (
    <div
      {...stateAttributes(d)}
      className={`${classes(group ? "group-node" : "state-node", d, actions.selected === d.id)} nested nodrag nopan`}
      style={place(d.box)}
      tabIndex={0}
      role="group"
      aria-label={`${d.stateType} state ${d.name}${d.problems.length ? `: ${d.problems.join("; ")}` : ""}`}
      onMouseDown={stop}
      onClick={(e) => { e.stopPropagation(); actions.select(d.id); }}
      onKeyDown={onKey}
    >
      <Handle type="target" id={`${d.id}|in`} position={Position.Top} aria-label={`Into ${d.name}`} />
      {group ? <GroupHeader d={d} /> : <LeafBody d={d} />}
      <Problems problems={d.problems} />
      <SourceHandles data={d} prefix={`${d.id}|`} />
      {d.containers.map((c) => <Container key={c.id} c={c} owner={d.name} />)}
    </div>
  );
}

function Container({ c, owner }: { c: ContainerView; owner: string }) {
  return (
    <div className="branch-node" data-container-id={c.id} style={place(c.box)} role="group" aria-label={`${c.label} of ${owner}`}>
      <span className="branch-label">{c.label}</span>
      {c.start && (
        <div className="marker-node marker-start nodrag" style={place(c.start)} title="Start">
          <Handle type="source" id={`${c.id}^start|next`} position={Position.Bottom} aria-label={`Start of ${c.label}: drag to set StartAt`} />
        </div>
      )}
      {c.states.map((s) => <NestedState key={s.id} d={s} />)}
    </div>
  );
}

function GroupHeader({ d }: { d: StateView }) {
  return (
    <div className="group-header">
      <span className="node-type">{d.stateType}</span> <span className="node-name">{d.name}</span>
      {d.status && <span className="node-status"> · {d.status}</span>}
      {d.live && <LiveFigures live={d.live} />}
    </div>
  );
}

export function StateNode({ data, selected }: NodeProps) {
  const d = data as StateData;
  return (
    <div className={classes("state-node", d, selected)}>
      <Handle type="target" id="in" position={Position.Top} aria-label={`Into ${d.name}`} />
      <LeafBody d={d} />
      <Problems problems={d.problems} />
      <SourceHandles data={d} />
    </div>
  );
}

export function GroupNode({ data, selected }: NodeProps) {
  const d = data as StateData;
  return (
    <div className={classes("group-node", d, selected)}>
      <Handle type="target" id="in" position={Position.Top} aria-label={`Into ${d.name}`} />
      <GroupHeader d={d} />
      <Problems problems={d.problems} />
      <SourceHandles data={d} />
      {d.containers.map((c) => <Container key={c.id} c={c} owner={d.name} />)}
    </div>
  );
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

export const nodeTypes = { state: StateNode, stategroup: GroupNode, marker: MarkerNode };
