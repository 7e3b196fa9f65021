// One execution: summary, input and output, the graph coloured by state status, the events.
import { ReactFlowProvider } from "@xyflow/react";
import { useEffect, useMemo, useState } from "react";
import { graphEdges } from "../asl/edges";
import { aslToGraph } from "../asl/graph";
import { eventState, stateStatuses } from "../asl/history";
import { isObject } from "../asl/types";
import { getExecutionByArn, startExecution, type ExecutionDetail } from "../api/client";
import { download } from "../export/diagram";
import Canvas from "../canvas/Canvas";
import { buildFlow } from "../canvas/flowModel";
import { useLayout } from "../layout/useLayout";
import { executionPath, machinePath, navigate } from "../router";
import { StatusBadge } from "./StartPage";

function pretty(text: string | null): string {
  if (text === null) return "";
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function RunGraph({ execution }: { execution: ExecutionDetail }) {
  const graph = useMemo(() => {
    const parsed: unknown = JSON.parse(execution.definition);
    return isObject(parsed) ? aslToGraph(parsed) : null;
  }, [execution.definition]);
  const edges = useMemo(() => (graph ? graphEdges(graph) : []), [graph]);
  const { boxes, ms } = useLayout(graph, edges);
  const statuses = useMemo(() => stateStatuses(execution.events), [execution.events]);
  const model = useMemo(() => (graph ? buildFlow({ graph, edges, boxes, problems: {}, statuses }) : { nodes: [], edges: [] }), [graph, edges, boxes, statuses]);
  if (ms === null) return <p className="muted laying-out">Laying out…</p>;
  return <ReactFlowProvider><Canvas nodes={model.nodes} edges={model.edges} readOnly /></ReactFlowProvider>;
}

function EventsTable({ events }: { events: ExecutionDetail["events"] }) {
  return (
    <section aria-label="Events">
      <h2>Events</h2>
      <table className="table events">
        <thead><tr><th>#</th><th>Type</th><th>State</th><th>Time</th><th>Details</th></tr></thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.event_id} className={/Failed|TimedOut|Aborted/.test(e.type) ? "row-failed" : undefined}>
              <td>{e.event_id}</td><td>{e.type}</td><td>{eventState(e)}</td>
              <td>{new Date(e.timestamp).toLocaleTimeString()}</td>
              <td><code className="details">{JSON.stringify(e.details).slice(0, 300)}</code></td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export default function RunPage({ arn }: { arn: string }) {
  const [execution, setExecution] = useState<ExecutionDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout>;
    const load = () =>
      getExecutionByArn(arn)
        .then((e) => {
          setExecution(e);
          if (e.status === "RUNNING") timer = setTimeout(load, 1000);
        })
        .catch((e: Error) => setError(e.message));
    load();
    return () => clearTimeout(timer);
  }, [arn]);
  if (error) return <main className="page"><p role="alert">Could not load the execution: {error}</p><a href="/">Back</a></main>;
  if (!execution) return <main className="page"><p>Loading…</p></main>;
  const duration = execution.stop_date ? `${((Date.parse(execution.stop_date) - Date.parse(execution.start_date)) / 1000).toFixed(2)} s` : "running";
  const transitions = execution.events.filter((e) => e.type.endsWith("StateEntered")).length;
  return (
    <main className="page run">
      <nav><a href="/" onClick={(e) => { e.preventDefault(); navigate("/"); }}>Switchyard</a> / <a href={machinePath(execution.state_machine)} onClick={(e) => { e.preventDefault(); navigate(machinePath(execution.state_machine)); }}>{execution.state_machine}</a></nav>
      <h1>{execution.name} <StatusBadge status={execution.status} /></h1>
      <div className="row" role="toolbar" aria-label="Execution actions">
        <button onClick={() => startExecution(execution.state_machine, execution.input).then((e) => navigate(executionPath(e.arn))).catch((e: Error) => setError(e.message))}>
          ▶ New execution (same input)
        </button>
        <button onClick={() => navigate(machinePath(execution.state_machine))}>Open in the designer</button>
        <button onClick={() => download(`${execution.name}-history.json`, JSON.stringify(execution.events, null, 2))}>Export history (JSON)</button>
      </div>
      <dl className="summary">
        <dt>ARN</dt><dd><code>{execution.arn}</code></dd>
        <dt>Started</dt><dd>{new Date(execution.start_date).toLocaleString()}</dd>
        <dt>Duration</dt><dd>{duration}</dd>
        <dt>State transitions</dt><dd>{transitions}</dd>
        {execution.error && <><dt>Error</dt><dd className="error">{execution.error}: {execution.cause}</dd></>}
      </dl>
      <div className="io">
        <section aria-label="Input"><h2>Input</h2><pre>{pretty(execution.input)}</pre></section>
        <section aria-label="Output"><h2>Output</h2><pre aria-label="Execution output">{pretty(execution.output)}</pre></section>
      </div>
      <section className="run-graph" aria-label="Graph"><RunGraph execution={execution} /></section>
      <EventsTable events={execution.events} />
    </main>
  );
}
