// The diagram: @xyflow/react over the flow model. Edits go back through the callbacks.
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  applyNodeChanges,
  useReactFlow,
  type Connection,
  type Edge as FlowEdge,
  type Node as FlowNode,
  type NodeChange,
} from "@xyflow/react";
import { useCallback, useEffect, useState, type DragEvent } from "react";
import { nodeTypes } from "./nodes";

export interface DropTarget {
  container: string;
  afterId?: string;
  position: { x: number; y: number }; // relative to the container
}

interface Props {
  nodes: FlowNode[];
  edges: FlowEdge[];
  readOnly?: boolean;
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
      props.onDropItem(key, edgeTarget(flow, props.edges, event) ?? dropTarget(flow, point));
    },
    [flow, props],
  );

  return (
    <div className="canvas" onDrop={onDrop} onDragOver={(e) => { e.preventDefault(); e.dataTransfer.dropEffect = "move"; }}>
      <ReactFlow
        nodes={nodes}
        edges={props.edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onConnect={props.readOnly ? undefined : props.onConnect}
        onSelectionChange={({ nodes: s }) => props.onSelect?.(s[0]?.id ?? null)}
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
        <MiniMap pannable zoomable ariaLabel="Overview of the diagram" />
      </ReactFlow>
    </div>
  );
}

type Flow = ReturnType<typeof useReactFlow>;

function absolute(flow: Flow, node: FlowNode) {
  const internal = flow.getInternalNode(node.id);
  const p = internal?.internals.positionAbsolute ?? node.position;
  return { x: p.x, y: p.y, w: node.measured?.width ?? node.width ?? 0, h: node.measured?.height ?? node.height ?? 0 };
}

/** Dropped on a Next edge: insert between its two states. */
function edgeTarget(flow: Flow, edges: FlowEdge[], event: DragEvent): DropTarget | null {
  const hit = document.elementsFromPoint(event.clientX, event.clientY).map((el) => el.closest(".react-flow__edge")).find(Boolean);
  const id = hit?.getAttribute("data-id");
  const edge = edges.find((e) => e.id === id && (e.data as { kind?: string } | undefined)?.kind === "next");
  const source = edge && flow.getNode(edge.source);
  if (!edge || !source) return null;
  return { container: source.parentId ?? "", afterId: edge.source, position: { x: 0, y: 0 } };
}

/** The innermost branch or processor under the point, and the state it falls on, if any. */
function dropTarget(flow: Flow, point: { x: number; y: number }): DropTarget {
  const inside = (n: FlowNode) => {
    const b = absolute(flow, n);
    return point.x >= b.x && point.x <= b.x + b.w && point.y >= b.y && point.y <= b.y + b.h;
  };
  const hits = flow.getNodes().filter(inside);
  const branch = hits.filter((n) => n.type === "branch").sort((a, b) => a.id.length - b.id.length).at(-1);
  const container = branch?.id ?? "";
  const onState = hits.filter((n) => n.type === "state" && (n.parentId ?? "") === (branch?.id ?? "")).at(-1);
  const origin = branch ? absolute(flow, branch) : { x: 0, y: 0 };
  return { container, afterId: onState?.id, position: { x: point.x - origin.x, y: point.y - origin.y } };
}
