// Lays out a graph after each change: with ELK in its worker (the old boxes stay meanwhile), or,
// past LARGE states, with the linear-time layered layout at once (ELK would take seconds there)
// unless `preferElk` (the user asked for the auto-layout).
import { useEffect, useRef, useState } from "react";
import type { Edge, Graph } from "../asl/types";
import { fromElk, LARGE, toElk, type Positions } from "./elkGraph";
import { fastLayout } from "./fastLayout";
import { runLayout } from "./runLayout";

export type LayoutEngine = "ELK" | "layered";

export function useLayout(graph: Graph | null, edges: Edge[], preferElk = false) {
  const [engine, setEngine] = useState<LayoutEngine | null>(null);
  const [boxes, setBoxes] = useState<Positions>({});
  const [ms, setMs] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = useRef(0);
  useEffect(() => {
    if (!graph) return;
    const mine = ++run.current;
    const started = performance.now();
    performance.mark("switchyard:layout-start");
    if (Object.keys(graph.nodes).length > LARGE && !preferElk) {
      setBoxes(fastLayout(graph, edges));
      setEngine("layered");
      performance.mark("switchyard:layout-done");
      setMs(Math.round(performance.now() - started));
      return;
    }
    runLayout(toElk(graph, edges))
      .then((laidOut) => {
        if (mine !== run.current) return;
        performance.mark("switchyard:layout-done");
        setBoxes(fromElk(laidOut));
        setEngine("ELK");
        setMs(Math.round(performance.now() - started));
        setError(null);
      })
      .catch((e: Error) => setError(`Layout failed: ${e.message}`));
  }, [graph, edges, preferElk]);
  return { boxes, ms, error, engine };
}
