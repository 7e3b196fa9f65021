// The canvas model: graph + boxes + problems -> the nodes and edges @xyflow/react draws. Pure.
// Top-level states are xyflow nodes. A Parallel or Map state carries its branches (or item
// processor) and everything in them as a tree drawn inside its own element, so a nested state's
// element sits inside its group's; nested transitions are edges between handles of that group.
import type { Edge as FlowEdge, Node as FlowNode } from "@xyflow/react";
import { END_SUFFIX, START_SUFFIX } from "../asl/edges";
import { childContainers, containerNodes } from "../asl/graph";
import type { Edge, Graph, JsonObject } from "../asl/types";
import type { LiveInfo } from "../live/nodeInfo";
import { MARKER_SIZE, NODE_HEIGHT, NODE_WIDTH, type Box, type Positions } from "../layout/elkGraph";

export interface StateView {
  id: string;
  name: string;
  stateType: string;
  detail: string;
  problems: string[];
  status?: string; // on a run: RUNNING, SUCCEEDED, FAILED, CAUGHT, RETRYING, ABORTED, NOT_RUN
  live?: LiveInfo; // on a run: the figures drawn on the node
  faults?: string; // in the designer: the faults a local run injects, summarised
  group?: string; // the name of the Parallel or Map state it is inside
  containers: ContainerView[];
}

export interface ContainerView {
  id: string;
  label: string;
  box: Box; // relative to the group state
  start: Box | null; // the Start marker, relative to the container
  states: (StateView & { box: Box })[]; // boxes relative to the container
}

export type StateData = StateView & Record<string, unknown>;

export interface FlowInput {
  graph: Graph;
  edges: Edge[];
  boxes: Positions;
  problems: Record<string, string[]>;
  statuses?: Record<string, string>;
  live?: Record<string, LiveInfo>;
  faults?: Record<string, string>; // by state name
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

/** The top-level state a nested id is drawn inside ("/P#0/X" -> "/P"); top-level ids are themselves. */
export function topOf(id: string): string {
  if (!id.startsWith("/")) return id;
  return "/" + id.slice(1).split(/[/#^]/)[0];
}

export const isNested = (id: string) => topOf(id) !== id;

function fallbackBox(index: number, size: [number, number]): Box {
  return { x: 40, y: 40 + index * (NODE_HEIGHT + 40), width: size[0], height: size[1] };
}

function stateView(input: FlowInput, id: string): StateView {
  const { graph } = input;
  const node = graph.nodes[id];
  const owner = graph.containers[node.container]?.owner;
  return {
    id,
    name: node.name,
    stateType: String(node.state.Type ?? "?"),
    detail: stateDetail(node.state),
    problems: input.problems[id] ?? [],
    status: input.statuses?.[node.name],
    live: input.live?.[node.name],
    ...(input.faults?.[node.name] ? { faults: input.faults[node.name] } : {}),
    ...(owner ? { group: graph.nodes[owner]?.name } : {}),
    containers: childContainers(graph, id).map((c, i) => containerView(input, c.id, c.label, i)),
  };
}

function containerView(input: FlowInput, id: string, label: string, index: number): ContainerView {
  const { graph, boxes } = input;
  return {
    id,
    label,
    box: boxes[id] ?? fallbackBox(index, [NODE_WIDTH + 40, NODE_HEIGHT * 3]),
    start: graph.containers[id].decomposed ? (boxes[id + START_SUFFIX] ?? fallbackBox(-1, [MARKER_SIZE, MARKER_SIZE])) : null,
    states: containerNodes(graph, id).map((sid, i) => ({ ...stateView(input, sid), box: boxes[sid] ?? fallbackBox(i, [NODE_WIDTH, NODE_HEIGHT]) })),
  };
}

export function buildFlow(input: FlowInput): { nodes: FlowNode[]; edges: FlowEdge[] } {
  const { graph, boxes } = input;
  const nodes: FlowNode[] = [];
  if (graph.containers[""].decomposed) nodes.push(marker(START_SUFFIX, "Start", boxes[START_SUFFIX] ?? fallbackBox(-1, [MARKER_SIZE, MARKER_SIZE])));
  containerNodes(graph, "").forEach((id, index) => {
    const view = stateView(input, id);
    const b = boxes[id] ?? fallbackBox(index, [NODE_WIDTH, NODE_HEIGHT]);
    nodes.push({
      id,
      type: view.containers.length ? "stategroup" : "state",
      position: { x: b.x, y: b.y },
      data: view as StateData,
      width: b.width,
      height: b.height,
      ariaLabel: `${view.stateType} state ${view.name}${view.problems.length ? `: ${view.problems.join("; ")}` : ""}`,
      domAttributes: stateAttributes(view) as never,
    });
  });
  const count = containerNodes(graph, "").length;
  nodes.push(marker(END_SUFFIX, "End", boxes[END_SUFFIX] ?? fallbackBox(count, [MARKER_SIZE, MARKER_SIZE])));
  return { nodes, edges: flowEdges(input) };
}

/** The attributes a state's element carries, top-level or nested. */
export function stateAttributes(view: StateView): Record<string, string> {
  return {
    "data-state": view.name,
    "data-state-id": view.id,
    ...(view.group ? { "data-group": view.group } : {}),
    ...(view.status ? { "data-status": view.status } : {}),
    ...(view.faults ? { "data-faults": view.faults } : {}),
    "aria-invalid": view.problems.length > 0 ? "true" : "false",
  };
}

function marker(id: string, label: string, b: { x: number; y: number }): FlowNode {
  return { id, type: "marker", position: { x: b.x, y: b.y }, data: { label }, width: MARKER_SIZE, height: MARKER_SIZE, selectable: label === "Start", draggable: true, deletable: false, ariaLabel: label };
}

const HANDLE: Record<Edge["kind"], string> = { next: "next", start: "next", default: "default", choice: "choice", catch: "catch" };

/** The xyflow end of a transition: the node itself, or its group with a handle named after it. */
function end(id: string, handle: string): { node: string; handle: string } {
  return isNested(id) ? { node: topOf(id), handle: `${id}|${handle}` } : { node: id, handle };
}

function flowEdges({ graph, edges }: FlowInput): FlowEdge[] {
  const result: FlowEdge[] = edges.map((e) => {
    const source = end(e.source, HANDLE[e.kind]);
    const target = end(e.target, "in");
    return {
      id: e.id,
      source: source.node,
      target: target.node,
      sourceHandle: source.handle,
      targetHandle: target.handle,
      label: e.label || undefined,
      className: `edge-${e.kind}`,
      type: "smoothstep",
      // Above the group's background, where nested states are drawn.
      ...(isNested(e.source) ? { zIndex: 1 } : {}),
      data: { kind: e.kind, index: e.index, source: e.source, target: e.target },
    };
  });
  for (const node of Object.values(graph.nodes)) {
    const s = node.state;
    if (node.container === "" && (s.End === true || s.Type === "Succeed" || s.Type === "Fail")) {
      result.push({ id: `${node.id}->end`, source: node.id, target: END_SUFFIX, sourceHandle: "next", targetHandle: "in", className: "edge-end", type: "smoothstep", selectable: false, deletable: false, data: { source: node.id, target: END_SUFFIX } });
    }
  }
  return result;
}
