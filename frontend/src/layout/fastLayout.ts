// A layered layout in linear time, for machines too large to wait for ELK: longest-path layers
// from the start, each layer in the order a depth-first walk meets its states, centred.
// Same output as fromElk (boxes relative to the parent). Pure.
import { END_SUFFIX, START_SUFFIX } from "../asl/edges";
import { childContainers, containerNodes } from "../asl/graph";
import type { Edge, Graph } from "../asl/types";
import { MARKER_SIZE, NODE_HEIGHT, NODE_WIDTH, type Positions } from "./elkGraph";

const LAYER_GAP = 48;
const NODE_GAP = 32;
const BRANCH_GAP = 24;
const PAD = { top: 36, side: 16, bottom: 16 };

interface Size {
  width: number;
  height: number;
}

/** Walk from the start marker, depth first: the preorder, and each node's layer (longest path). */
function layers(items: string[], out: Map<string, string[]>): { order: string[]; layer: Map<string, number> } {
  const layerOf = new Set(items);
  const order: string[] = [];
  const state = new Map<string, "open" | "done">();
  const postorder: string[] = [];
  const backEdges = new Set<string>();
  const visit = (root: string) => {
    const stack: [string, number][] = [[root, 0]];
    state.set(root, "open");
    order.push(root);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const next = (out.get(top[0]) ?? [])[top[1]++];
      if (next === undefined) {
        state.set(top[0], "done");
        postorder.push(top[0]);
        stack.pop();
      } else if (!layerOf.has(next)) {
        continue; // a target outside this container
      } else if (!state.has(next)) {
        state.set(next, "open");
        order.push(next);
        stack.push([next, 0]);
      } else if (state.get(next) === "open") backEdges.add(`${top[0]}\u0000${next}`);
    }
  };
  for (const item of items) if (!state.has(item)) visit(item);
  const layer = new Map<string, number>(items.map((i) => [i, 0]));
  for (const u of postorder.reverse()) {
    for (const v of out.get(u) ?? []) {
      if (layerOf.has(v) && !backEdges.has(`${u}\u0000${v}`)) layer.set(v, Math.max(layer.get(v)!, layer.get(u)! + 1));
    }
  }
  return { order, layer };
}

function layoutContainer(graph: Graph, containerId: string, out: Map<string, string[]>, positions: Positions, top: boolean): Size {
  const ids = containerNodes(graph, containerId);
  const items = [...(graph.containers[containerId].decomposed ? [containerId + START_SUFFIX] : []), ...ids];
  const sizes = new Map<string, Size>();
  for (const item of items) sizes.set(item, item.endsWith(START_SUFFIX) ? { width: MARKER_SIZE, height: MARKER_SIZE } : layoutState(graph, item, out, positions));
  if (top) {
    items.push(END_SUFFIX);
    sizes.set(END_SUFFIX, { width: MARKER_SIZE, height: MARKER_SIZE });
  }
  const { order, layer } = layers(items, out);
  if (top) layer.set(END_SUFFIX, Math.max(0, ...items.slice(0, -1).map((i) => layer.get(i)! + 1)));
  const rows: string[][] = [];
  for (const item of order) (rows[layer.get(item)!] ??= []).push(item);
  const widths = rows.map((row) => row.reduce((w, id) => w + sizes.get(id)!.width, 0) + NODE_GAP * (row.length - 1));
  const width = Math.max(NODE_WIDTH, ...widths);
  const origin = top ? { x: 0, y: 0 } : { x: PAD.side, y: PAD.top };
  let y = 0;
  rows.forEach((row, r) => {
    let x = (width - widths[r]) / 2;
    const height = Math.max(...row.map((id) => sizes.get(id)!.height));
    for (const id of row) {
      const size = sizes.get(id)!;
      positions[id] = { x: origin.x + x, y: origin.y + y, ...size };
      x += size.width + NODE_GAP;
    }
    y += height + LAYER_GAP;
  });
  return { width, height: Math.max(0, y - LAYER_GAP) };
}

function layoutState(graph: Graph, id: string, out: Map<string, string[]>, positions: Positions): Size {
  const containers = childContainers(graph, id);
  if (containers.length === 0) return { width: NODE_WIDTH, height: NODE_HEIGHT };
  let x = PAD.side;
  let height = 0;
  for (const c of containers) {
    const inner = layoutContainer(graph, c.id, out, positions, false);
    const box = { width: inner.width + 2 * PAD.side, height: inner.height + PAD.top + PAD.bottom };
    positions[c.id] = { x, y: PAD.top, ...box };
    x += box.width + BRANCH_GAP;
    height = Math.max(height, box.height);
  }
  return { width: x - BRANCH_GAP + PAD.side, height: height + PAD.top + PAD.bottom };
}

export function fastLayout(graph: Graph, edges: Edge[]): Positions {
  const out = new Map<string, string[]>();
  for (const e of edges) {
    if (!out.has(e.source)) out.set(e.source, []);
    out.get(e.source)!.push(e.target);
  }
  for (const node of Object.values(graph.nodes)) {
    if (node.container === "" && (node.state.End === true || node.state.Type === "Succeed" || node.state.Type === "Fail")) {
      if (!out.has(node.id)) out.set(node.id, []);
      out.get(node.id)!.push(END_SUFFIX);
    }
  }
  const positions: Positions = {};
  layoutContainer(graph, "", out, positions, true);
  return positions;
}
