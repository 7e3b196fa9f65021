// Runs ELK off the main thread: receives an ELK graph, answers with the laid-out graph.
import ELK from "elkjs/lib/elk.bundled.js";

const elk = new ELK();
// A first small layout while the page still loads: ELK's first run is several times slower.
void elk.layout({ id: "warm", layoutOptions: { "elk.algorithm": "layered" }, children: [{ id: "a", width: 10, height: 10 }, { id: "b", width: 10, height: 10 }], edges: [{ id: "e", sources: ["a"], targets: ["b"] }] });

self.onmessage = async (event: MessageEvent<{ id: number; graph: object }>) => {
  const { id, graph } = event.data;
  try {
    const laidOut = await elk.layout(graph as never);
    self.postMessage({ id, graph: laidOut });
  } catch (error) {
    self.postMessage({ id, error: String(error) });
  }
};
