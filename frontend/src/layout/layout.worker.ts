// Runs ELK off the main thread: receives an ELK graph, answers with the laid-out graph.
import ELK from "elkjs/lib/elk.bundled.js";

const elk = new ELK();

self.onmessage = async (event: MessageEvent<{ id: number; graph: object }>) => {
  const { id, graph } = event.data;
  try {
    const laidOut = await elk.layout(graph as never);
    self.postMessage({ id, graph: laidOut });
  } catch (error) {
    self.postMessage({ id, error: String(error) });
  }
};
