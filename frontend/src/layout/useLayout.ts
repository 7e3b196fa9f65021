// Lays out a graph after each change: with ELK in its worker (the old boxes stay meanwhile), or,
// past LARGE states, with the linear-time layered layout at once (ELK would take seconds there).
import { useEffect, useRef, useState } from "react";
import type { Edge, Graph } from "../asl/types";
import { fromElk, LARGE, toElk, type Positions } from "./elkGraph";
import { fastLayout } from "./fastLayout";
import { runLayout } from "./runLayout";

export function useLayout(graph: Graph | null, edges: Edge[]) {
  const [boxes, setBoxes] = useState<Positions>({});
  const [ms, setMs] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = useRef(0);
  useEffect(() => {
    if (!graph) return;
    const mine = ++run.current;
    const started = performance.now();
    performance.mark("switchyard:layout-start");
    if (Object.keys(graph.nodes).length > LARGE) {
      setBoxes(fastLayout(graph, edges));
      performance.mark("switchyard:layout-done");
      setMs(Math.round(performance.now() - started));
      return;
    }
    runLayout(toElk(graph, edges))
      .then((laidOut) => {
        if (mine !== run.current) return;
        performance.mark("switchyard:layout-done");
        setBoxes(fromElk(laidOut));
        setMs(Math.round(performance.now() - started));
        setError(null);
      })
      .catch((e: Error) => setError(`Layout failed: ${e.message}`));
  }, [graph, edges]);
  return { boxes, ms, error };
}
