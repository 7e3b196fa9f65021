// The ELK input for a graph and the positions read back. Pure: no DOM, no ELK import.
import { END_SUFFIX, START_SUFFIX } from "../asl/edges";
import { childContainers, containerNodes } from "../asl/graph";
import type { Edge, Graph } from "../asl/types";

export const NODE_WIDTH = 200;
export const NODE_HEIGHT = 52;
export const MARKER_SIZE = 28;

export interface ElkNode {
  id: string;
  width?: number;
  height?: number;
  x?: number;
  y?: number;
  layoutOptions?: Record<string, string>;
  labels?: { text: string }[];
  children?: ElkNode[];
  edges?: { id: string; sources: string[]; targets: string[] }[];
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
export type Positions = Record<string, Box>;

const LAYERED = {
  "elk.algorithm": "layered",
  "elk.direction": "DOWN",
  "elk.layered.spacing.nodeNodeBetweenLayers": "48",
  "elk.spacing.nodeNode": "32",
  "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
};
const GROUP_PADDING = { "elk.padding": "[top=36,left=16,bottom=16,right=16]" };

function containerElk(graph: Graph, containerId: string, edges: Edge[], top: boolean): ElkNode[] {
  const ids = containerNodes(graph, containerId);
  const children: ElkNode[] = ids.map((id) => stateElk(graph, id, edges));
  if (graph.containers[containerId].decomposed) {
    children.unshift({ id: containerId + START_SUFFIX, width: MARKER_SIZE, height: MARKER_SIZE });
  }
  if (top) children.push({ id: containerId + END_SUFFIX, width: MARKER_SIZE, height: MARKER_SIZE });
  return children;
}

function stateElk(graph: Graph, id: string, edges: Edge[]): ElkNode {
  const containers = childContainers(graph, id);
  if (containers.length === 0) return { id, width: NODE_WIDTH, height: NODE_HEIGHT };
  return {
    id,
    // Branches side by side: one layer of unconnected nodes, kept in one row.
    layoutOptions: { "elk.algorithm": "layered", "elk.direction": "DOWN", "elk.separateConnectedComponents": "false", "elk.spacing.nodeNode": "24", ...GROUP_PADDING },
    children: containers.map((c) => ({
      id: c.id,
      layoutOptions: { ...LAYERED, ...GROUP_PADDING },
      children: containerElk(graph, c.id, edges, false),
      edges: edgesOf(edges, c.id, graph),
    })),
  };
}

function edgesOf(edges: Edge[], containerId: string, graph: Graph): ElkNode["edges"] {
  return edges
    .filter((e) => (e.kind === "start" ? e.source === containerId + START_SUFFIX : graph.nodes[e.source]?.container === containerId))
    .map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] }));
}

// Cheaper phases for large machines: a simple layering and a single crossing-minimisation pass.
const FAST = {
  "elk.layered.thoroughness": "1",
  "elk.layered.crossingMinimization.greedySwitch.type": "OFF",
  "elk.layered.cycleBreaking.strategy": "DEPTH_FIRST",
  "elk.layered.layering.strategy": "LONGEST_PATH",
  "elk.layered.nodePlacement.strategy": "SIMPLE",
};

function withOptions(node: ElkNode, options: Record<string, string>): void {
  if (node.layoutOptions) node.layoutOptions = { ...node.layoutOptions, ...options };
  node.children?.forEach((child) => withOptions(child, options));
}

// Past this many states the cheaper node placement keeps the layout within the time users wait.
export const LARGE = 150;

/** The ELK graph: one compound node per Parallel/Map state, one per branch or processor. */
export function toElk(graph: Graph, edges: Edge[]): ElkNode {
  const large = Object.keys(graph.nodes).length > LARGE;
  const topEdges = edgesOf(edges, "", graph) ?? [];
  for (const node of Object.values(graph.nodes)) {
    if (node.container === "" && terminalAtTop(node.state)) {
      topEdges.push({ id: `${node.id}->end`, sources: [node.id], targets: [END_SUFFIX] });
    }
  }
  const root: ElkNode = { id: "root", layoutOptions: LAYERED, children: containerElk(graph, "", edges, true), edges: topEdges };
  if (large) withOptions(root, FAST);
  return root;
}

function terminalAtTop(state: Graph["nodes"][string]["state"]): boolean {
  return state.End === true || state.Type === "Succeed" || state.Type === "Fail";
}

/** Every node's box relative to its parent, as ELK placed it. */
export function fromElk(root: ElkNode): Positions {
  const positions: Positions = {};
  const visit = (node: ElkNode) => {
    for (const child of node.children ?? []) {
      positions[child.id] = { x: child.x ?? 0, y: child.y ?? 0, width: child.width ?? NODE_WIDTH, height: child.height ?? NODE_HEIGHT };
      visit(child);
    }
  };
  visit(root);
  return positions;
}

/** ELK's boxes with the positions the user set kept (sizes still from ELK). */
export function keepPinned(computed: Positions, pinned: Record<string, { x: number; y: number }>): Positions {
  const result: Positions = { ...computed };
  for (const [id, p] of Object.entries(pinned)) {
    if (result[id]) result[id] = { ...result[id], x: p.x, y: p.y };
  }
  return result;
}
