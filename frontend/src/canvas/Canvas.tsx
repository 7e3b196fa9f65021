// The diagram: @xyflow/react over the flow model. Edits go back through the callbacks.
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  applyNodeChanges,
  useReactFlow,
  useUpdateNodeInternals,
  type Connection,
  type Edge as FlowEdge,
  type Node as FlowNode,
  type NodeChange,
} from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from "react";
import { splitNodeId } from "../asl/paths";
import { isNested } from "./flowModel";
import { CanvasActions, nodeTypes } from "./nodes";

export interface DropTarget {
  container: string;
  afterId?: string;
  position: { x: number; y: number }; // relative to the container
}

interface Props {
  nodes: FlowNode[];
  edges: FlowEdge[];
  readOnly?: boolean;
  selected?: string | null;
  onSelect?: (id: string | null) => void;
  onConnect?: (c: Connection) => void;
  onMoved?: (id: string, x: number, y: number) => void;
  onDeleteNodes?: (ids: string[]) => void;
  onDeleteEdges?: (edges: FlowEdge[]) => void;
  onDropItem?: (key: string, target: DropTarget) => void;
}

export const PALETTE_MIME = "application/x-switchyard-state";

export default function Canvas(props: Props) {
  const [nodes, setNodes] = useState<FlowNode[]>(props.nodes);
  const flow = useReactFlow();
  useEffect(() => {
    setNodes((current) => {
      const selected = new Set(current.filter((n) => n.selected).map((n) => n.id));
      return props.nodes.map((n) => (selected.has(n.id) ? { ...n, selected: true } : n));
    });
  }, [props.nodes]);

  const { onMoved } = props;
  // Nested handles move with the layout even when their group keeps its size: measure them
  // again, all groups in one update (one per group would re-render the canvas each time).
  const updateNodeInternals = useUpdateNodeInternals();
  useEffect(() => {
    const groups = props.nodes.filter((n) => n.type === "stategroup").map((n) => n.id);
    if (groups.length === 0) return;
    const frame = requestAnimationFrame(() => updateNodeInternals(groups));
    return () => cancelAnimationFrame(frame);
  }, [props.nodes, updateNodeInternals]);

  // A nested state selected: no xyflow node stays selected, so Delete cannot reach its group.
  useEffect(() => {
    if (props.selected && isNested(props.selected)) setNodes((current) => current.map((n) => (n.selected ? { ...n, selected: false } : n)));
  }, [props.selected]);

  const onNodesChange = useCallback((changes: NodeChange[]) => {
    setNodes((current) => applyNodeChanges(changes.filter((c) => c.type !== "remove"), current));
    // A move that has ended (a drag let go, or arrow keys on a selected state) is the user's choice.
    for (const c of changes) if (c.type === "position" && c.position && c.dragging === false) onMoved?.(c.id, c.position.x, c.position.y);
  }, [onMoved]);

  const onDrop = useCallback(
    (event: DragEvent) => {
      event.preventDefault();
      const key = event.dataTransfer.getData(PALETTE_MIME);
      if (!key || !props.onDropItem) return;
      const point = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      props.onDropItem(key, edgeTarget(props.edges, event) ?? dropTarget(event, point));
    },
    [flow, props],
  );

  const { onSelect, onDeleteNodes } = props;
  // xyflow knows only the top-level selection; a nested state selected stays so until another
  // choice (a node, or a click on the empty canvas).
  const selectedRef = useRef(props.selected);
  selectedRef.current = props.selected;
  const onSelectionChange = useCallback(({ nodes: chosen }: { nodes: FlowNode[] }) => {
    if (chosen.length) onSelect?.(chosen[0].id);
    else if (selectedRef.current && !isNested(selectedRef.current)) onSelect?.(null);
  }, [onSelect]);
  const actions = useMemo(() => ({
    selected: props.selected ?? null,
    select: (id: string) => onSelect?.(id),
    remove: (id: string) => (props.readOnly ? undefined : onDeleteNodes?.([id])),
  }), [props.selected, props.readOnly, onSelect, onDeleteNodes]);

  return (
    <CanvasActions.Provider value={actions}>
    <div className="canvas" onDrop={onDrop} onDragOver={(e) => { e.preventDefault(); e.dataTransfer.dropEffect = "move"; }}>
      <ReactFlow
        nodes={nodes}
        edges={props.edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onConnect={props.readOnly ? undefined : props.onConnect}
        onSelectionChange={onSelectionChange}
        onPaneClick={() => onSelect?.(null)}
        onNodesDelete={(deleted) => props.onDeleteNodes?.(deleted.map((n) => n.id))}
        onEdgesDelete={(deleted) => props.onDeleteEdges?.(deleted)}
        fitView={props.readOnly}
        nodesDraggable={!props.readOnly}
        nodesConnectable={!props.readOnly}
        deleteKeyCode={props.readOnly ? null : ["Delete", "Backspace"]}
        minZoom={0.05}
        onlyRenderVisibleElements
        proOptions={{ hideAttribution: true }}
        aria-label="State machine diagram"
      >
        <Background gap={16} size={1} />
        <Controls aria-label="Zoom controls" />
        {!props.readOnly && <MiniMap pannable zoomable ariaLabel="Overview of the diagram" />}
      </ReactFlow>
    </div>
    </CanvasActions.Provider>
  );
}

/** Dropped on a Next edge: insert between its two states. */
function edgeTarget(edges: FlowEdge[], event: DragEvent): DropTarget | null {
  const hit = document.elementsFromPoint(event.clientX, event.clientY).map((el) => el.closest(".react-flow__edge")).find(Boolean);
  const id = hit?.getAttribute("data-id");
  const data = edges.find((e) => e.id === id)?.data as { kind?: string; source?: string } | undefined;
  if (data?.kind !== "next" || !data.source) return null;
  return { container: splitNodeId(data.source).container, afterId: data.source, position: { x: 0, y: 0 } };
}

/** The innermost branch or processor under the point, and the state it falls on, if any. */
function dropTarget(event: DragEvent, point: { x: number; y: number }): DropTarget {
  const hits = document.elementsFromPoint(event.clientX, event.clientY);
  const stateEl = hits.map((el) => el.closest("[data-state-id]")).find(Boolean);
  const containerEl = hits.map((el) => el.closest("[data-container-id]")).find(Boolean);
  // The innermost of the two wins: a state inside the branch, or the branch inside a group state.
  if (stateEl && (!containerEl || containerEl.contains(stateEl))) {
    const id = stateEl.getAttribute("data-state-id")!;
    return { container: splitNodeId(id).container, afterId: id, position: point };
  }
  if (containerEl) return { container: containerEl.getAttribute("data-container-id")!, position: point };
  return { container: "", position: point };
}
