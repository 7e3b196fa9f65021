// The canvas model: graph + boxes + problems -> the nodes and edges @xyflow/react draws. Pure.
import type { Edge as FlowEdge, Node as FlowNode } from "@xyflow/react";
import { END_SUFFIX, START_SUFFIX } from "../asl/edges";
import { childContainers, containerNodes } from "../asl/graph";
import type { StateStatus } from "../asl/history";
import type { Edge, Graph, JsonObject } from "../asl/types";
import { MARKER_SIZE, NODE_HEIGHT, NODE_WIDTH, type Positions } from "../layout/elkGraph";

export interface StateData extends Record<string, unknown> {
  name: string;
  stateType: string;
  detail: string;
  problems: string[];
  status?: StateStatus;
  group: boolean;
}

export interface FlowInput {
  graph: Graph;
  edges: Edge[];
  boxes: Positions;
  problems: Record<string, string[]>;
  statuses?: Record<string, StateStatus>;
}

/** A short line under the state's name: what it calls, waits for or ends with. */
export function stateDetail(state: JsonObject): string {
  const params = (state.Parameters ?? state.Arguments) as JsonObject | undefined;
  if (state.Type === "Task" && typeof state.Resource === "string") {
    const name = params && typeof params === "object" ? (params.FunctionName ?? params.EndpointName ?? params.ApiEndpoint) : undefined;
    const service = state.Resource.replace(/^arn:aws:states:[^:]*:[^:]*:/, "").replace(/^arn:aws:lambda:.*:function:/, "lambda ");
    return typeof name === "string" ? `${service} · ${name}` : service;
  }
  if (state.Type === "Wait") return String(state.Seconds ?? state.Timestamp ?? state.SecondsPath ?? state.TimestampPath ?? "");
  if (state.Type === "Fail") return String(state.Error ?? "");
  if (state.Type === "Choice" && Array.isArray(state.Choices)) return `${state.Choices.length} rule(s)`;
  return "";
}

function ownerName(graph: Graph, containerId: string): string | undefined {
  const owner = graph.containers[containerId]?.owner;
  return owner ? graph.nodes[owner]?.name : undefined;
}

export function buildFlow(input: FlowInput): { nodes: FlowNode[]; edges: FlowEdge[] } {
  const { graph, boxes } = input;
  const nodes: FlowNode[] = [];
  const box = (id: string, index: number, size: [number, number]) =>
    boxes[id] ?? { x: 40, y: 40 + index * (NODE_HEIGHT + 40), width: size[0], height: size[1] };

  const addContainer = (containerId: string, parentId: string | undefined, top: boolean) => {
    const container = graph.containers[containerId];
    if (container.decomposed) {
      const b = box(containerId + START_SUFFIX, -1, [MARKER_SIZE, MARKER_SIZE]);
      nodes.push(marker(containerId + START_SUFFIX, "Start", b, parentId));
    }
    containerNodes(graph, containerId).forEach((id, index) => addState(id, index, parentId));
    if (top) nodes.push(marker(END_SUFFIX, "End", box(END_SUFFIX, 0, [MARKER_SIZE, MARKER_SIZE]), parentId));
  };

  const addState = (id: string, index: number, parentId: string | undefined) => {
    const node = graph.nodes[id];
    const children = childContainers(graph, id);
    const b = box(id, index, [NODE_WIDTH, NODE_HEIGHT]);
    const problems = input.problems[id] ?? [];
    const status = input.statuses?.[node.name];
    const data: StateData = { name: node.name, stateType: String(node.state.Type ?? "?"), detail: stateDetail(node.state), problems, status, group: children.length > 0 };
    const group = ownerName(graph, node.container);
    nodes.push({
      id,
      type: children.length ? "stategroup" : "state",
      position: { x: b.x, y: b.y },
      ...(parentId ? { parentId, extent: "parent" as const } : {}),
      data,
      width: b.width,
      height: b.height,
      ariaLabel: `${data.stateType} state ${node.name}${problems.length ? `: ${problems.join("; ")}` : ""}`,
      domAttributes: {
        "data-state": node.name,
        ...(group ? { "data-group": group } : {}),
        ...(status ? { "data-status": status } : {}),
        "aria-invalid": problems.length > 0 ? "true" : "false",
      } as never,
    });
    children.forEach((c, i) => {
      const cb = box(c.id, i, [NODE_WIDTH + 40, NODE_HEIGHT * 2]);
      nodes.push({ id: c.id, type: "branch", position: { x: cb.x, y: cb.y }, parentId: id, data: { label: c.label }, width: cb.width, height: cb.height, draggable: false, selectable: false, ariaLabel: `${c.label} of ${node.name}` });
      addContainer(c.id, c.id, false);
    });
  };

  addContainer("", undefined, true);
  return { nodes, edges: flowEdges(input) };
}

function marker(id: string, label: string, b: { x: number; y: number }, parentId: string | undefined): FlowNode {
  return { id, type: "marker", position: { x: b.x, y: b.y }, ...(parentId ? { parentId } : {}), data: { label }, width: MARKER_SIZE, height: MARKER_SIZE, selectable: label === "Start", draggable: true, deletable: false, ariaLabel: label };
}

const HANDLE: Record<Edge["kind"], string> = { next: "next", start: "next", default: "default", choice: "choice", catch: "catch" };

function flowEdges({ graph, edges }: FlowInput): FlowEdge[] {
  const result: FlowEdge[] = edges.map((e) => ({
    id: e.id,
    source: e.source,
    target: e.target,
    sourceHandle: HANDLE[e.kind],
    targetHandle: "in",
    label: e.label || undefined,
    className: `edge-${e.kind}`,
    type: "smoothstep",
    data: { kind: e.kind, index: e.index },
  }));
  for (const node of Object.values(graph.nodes)) {
    const s = node.state;
    if (node.container === "" && (s.End === true || s.Type === "Succeed" || s.Type === "Fail")) {
      result.push({ id: `${node.id}->end`, source: node.id, target: END_SUFFIX, sourceHandle: "next", targetHandle: "in", className: "edge-end", type: "smoothstep", selectable: false, deletable: false });
    }
  }
  return result;
}
