// Lays out a graph off the main thread after each change; the old boxes stay meanwhile.
import { useEffect, useRef, useState } from "react";
import type { Edge, Graph } from "../asl/types";
import { fromElk, toElk, type Positions } from "./elkGraph";
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
    runLayout(toElk(graph, edges))
      .then((laidOut) => {
        if (mine !== run.current) return;
        setBoxes(fromElk(laidOut));
        setMs(Math.round(performance.now() - started));
        setError(null);
      })
      .catch((e: Error) => setError(`Layout failed: ${e.message}`));
  }, [graph, edges]);
  return { boxes, ms, error };
}
