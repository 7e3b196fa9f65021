// Lays out an ELK graph: in a web worker when the browser has one, else on this thread.
import type { ElkNode } from "./elkGraph";

let worker: Worker | null = null;
let nextId = 0;
const pending = new Map<number, { resolve: (g: ElkNode) => void; reject: (e: Error) => void }>();

function getWorker(): Worker | null {
  if (typeof Worker === "undefined") return null;
  if (!worker) {
    worker = new Worker(new URL("./layout.worker.ts", import.meta.url), { type: "module" });
    worker.onmessage = (event: MessageEvent<{ id: number; graph?: ElkNode; error?: string }>) => {
      const entry = pending.get(event.data.id);
      pending.delete(event.data.id);
      if (event.data.error) entry?.reject(new Error(event.data.error));
      else entry?.resolve(event.data.graph!);
    };
  }
  return worker;
}

/** Start the worker (and ELK in it) before the first layout is needed. */
export function prewarm(): void {
  getWorker();
}

export async function runLayout(graph: ElkNode): Promise<ElkNode> {
  const w = getWorker();
  if (!w) {
    const { default: ELK } = await import("elkjs/lib/elk.bundled.js");
    return (await new ELK().layout(graph as never)) as unknown as ElkNode;
  }
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.postMessage({ id, graph });
  });
}
