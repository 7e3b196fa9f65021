// The diagram as a standalone SVG (and PNG through a canvas). The SVG text is built purely.
import type { Edge as FlowEdge, Node as FlowNode } from "@xyflow/react";
import type { ContainerView, StateData } from "../canvas/flowModel";

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

interface Drawn extends Box {
  kind: "state" | "group" | "branch" | "marker";
  label: string;
}

/** Every box to draw, absolute: the flow nodes, and the branches and states drawn inside groups. */
export function absoluteBoxes(nodes: FlowNode[]): Record<string, Drawn> {
  const out: Record<string, Drawn> = {};
  const addContainers = (containers: ContainerView[], origin: { x: number; y: number }, owner: string) => {
    for (const c of containers) {
      const cb = { x: origin.x + c.box.x, y: origin.y + c.box.y, w: c.box.width, h: c.box.height };
      out[c.id] = { ...cb, kind: "branch", label: `${c.label} of ${owner}` };
      if (c.start) out[c.id + "^start"] = { x: cb.x + c.start.x, y: cb.y + c.start.y, w: c.start.width, h: c.start.height, kind: "marker", label: "" };
      for (const s of c.states) {
        out[s.id] = { x: cb.x + s.box.x, y: cb.y + s.box.y, w: s.box.width, h: s.box.height, kind: s.containers.length ? "group" : "state", label: `${s.stateType} · ${s.name}` };
        addContainers(s.containers, out[s.id], s.name);
      }
    }
  };
  for (const n of nodes) {
    const data = n.data as Partial<StateData> & { label?: string };
    const kind = n.type === "marker" ? "marker" : n.type === "stategroup" ? "group" : "state";
    out[n.id] = { x: n.position.x, y: n.position.y, w: n.width ?? 200, h: n.height ?? 52, kind, label: kind === "marker" ? "" : `${data.stateType} · ${data.name}` };
    if (data.containers) addContainers(data.containers, out[n.id], String(data.name));
  }
  return out;
}

const FILL: Record<string, string> = { state: "#ffffff", group: "#f5f7fb", branch: "#fbfcfe", marker: "#4b5563" };

export function diagramSvg(nodes: FlowNode[], edges: FlowEdge[]): string {
  const boxes = absoluteBoxes(nodes);
  const all = Object.values(boxes);
  const pad = 20;
  const minX = Math.min(0, ...all.map((b) => b.x)) - pad;
  const minY = Math.min(0, ...all.map((b) => b.y)) - pad;
  const width = Math.max(...all.map((b) => b.x + b.w)) - minX + pad;
  const height = Math.max(...all.map((b) => b.y + b.h)) - minY + pad;
  const parts: string[] = [];
  for (const b of all) {
    if (b.kind === "marker") {
      parts.push(`<circle cx="${b.x + b.w / 2}" cy="${b.y + b.h / 2}" r="${b.w / 2}" fill="${FILL.marker}"/>`);
      continue;
    }
    const dash = b.kind === "branch" ? ' stroke-dasharray="4 3"' : "";
    parts.push(`<rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="8" fill="${FILL[b.kind]}" stroke="#9aa5b8"${dash}/>`);
    const ty = b.kind === "state" ? b.y + b.h / 2 + 4 : b.y + 16;
    parts.push(`<text x="${b.x + 10}" y="${ty}" font-family="sans-serif" font-size="12" fill="#1f2937">${esc(b.label)}</text>`);
  }
  for (const e of edges) {
    const ends = e.data as { source?: string; target?: string } | undefined;
    const s = boxes[ends?.source ?? e.source];
    const t = boxes[ends?.target ?? e.target];
    if (!s || !t) continue;
    parts.push(`<line x1="${s.x + s.w / 2}" y1="${s.y + s.h}" x2="${t.x + t.w / 2}" y2="${t.y}" stroke="${e.className === "edge-catch" ? "#d97706" : "#64748b"}" stroke-width="1.5" marker-end="url(#arrow)"/>`);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="${minX} ${minY} ${width} ${height}">` +
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#64748b"/></marker></defs>` +
    `<rect x="${minX}" y="${minY}" width="${width}" height="${height}" fill="#ffffff"/>${parts.join("")}</svg>`;
}

export function download(filename: string, content: Blob | string, type = "application/json"): void {
  const blob = typeof content === "string" ? new Blob([content], { type }) : content;
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export async function svgToPng(svg: string): Promise<Blob> {
  const image = new Image();
  const url = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
  await new Promise((resolve, reject) => {
    image.onload = resolve;
    image.onerror = reject;
    image.src = url;
  });
  const canvas = document.createElement("canvas");
  canvas.width = image.width * 2;
  canvas.height = image.height * 2;
  const ctx = canvas.getContext("2d")!;
  ctx.scale(2, 2);
  ctx.drawImage(image, 0, 0);
  URL.revokeObjectURL(url);
  return new Promise((resolve) => canvas.toBlob((b) => resolve(b!), "image/png"));
}
