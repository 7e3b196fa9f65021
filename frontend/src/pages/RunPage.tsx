// One execution, live: the summary and actions, the graph coloured by each state's status with
// its figures, a state's detail, and three views of the history (events, table, timeline), plus
// replay of a finished run. The definition comes over REST; the history streams over the
// execution websocket (fetch, then stream), folded once per animation frame.
import { ReactFlowProvider } from "@xyflow/react";
import { useEffect, useMemo, useState } from "react";
import { graphEdges } from "../asl/edges";
import { aslToGraph } from "../asl/graph";
import { isObject, type Graph, type Json } from "../asl/types";
import BatchingKnobs from "../run/BatchingKnobs";
import CostPreview from "../run/CostPreview";
import InjectedTag from "../run/InjectedTag";
import { getExecutionSummary, getResources, rerunExecution, startExecution, stopExecution, type ExecutionDetail } from "../api/client";
import Canvas from "../canvas/Canvas";
import { buildFlow } from "../canvas/flowModel";
import { download } from "../export/diagram";
import { bindingsByState, type Binding } from "../live/metricsBinding";
import { formatDuration, nodeInfo, nodeStatuses } from "../live/nodeInfo";
import { retriersByState } from "../live/retry";
import type { RunModel } from "../live/runModel";
import type { MetricsMessage } from "../live/wire";
import { useLayout } from "../layout/useLayout";
import { executionPath, machinePath, navigate } from "../router";
import EntriesTable from "../run/EntriesTable";
import EventsTable from "../run/EventsTable";
import { prettyJson } from "../run/format";
import RerunDialog from "../run/RerunDialog";
import RerunLinks from "../run/RerunLinks";
import { assignsVariables, editableJson, offeredInput, rerunTarget, type RerunTarget } from "../run/rerun";
import StateDetail from "../run/StateDetail";
import Timeline from "../run/Timeline";
import { useLiveRun } from "../run/useLiveRun";
import { useReplay } from "../run/useReplay";
import { StatusBadge } from "./StartPage";

type Execution = Omit<ExecutionDetail, "events">;
type View = "events" | "table" | "timeline";

interface GraphProps {
  graph: Graph;
  names: string[];
  model: RunModel;
  version: number;
  now: number;
  bindings: Record<string, Binding>;
  metrics: MetricsMessage | null;
  selected: string | null;
  onSelect: (name: string | null) => void;
}

function RunGraph({ graph, names, model, version, now, bindings, metrics, selected, onSelect }: GraphProps) {
  const edges = useMemo(() => graphEdges(graph), [graph]);
  const { boxes, ms } = useLayout(graph, edges);
  const statuses = useMemo(() => nodeStatuses(model, names), [model, names, version]);
  const live = useMemo(() => nodeInfo(model, names, now, bindings, metrics), [model, names, now, bindings, metrics, version]);
  const flow = useMemo(() => buildFlow({ graph, edges, boxes, problems: {}, statuses, live }), [graph, edges, boxes, statuses, live]);
  const idOf = useMemo(() => new Map(Object.values(graph.nodes).map((n) => [n.id, n.name])), [graph]);
  const selectedId = useMemo(() => Object.values(graph.nodes).find((n) => n.name === selected)?.id ?? null, [graph, selected]);
  if (ms === null) return <p className="muted laying-out">Laying out…</p>;
  return (
    <ReactFlowProvider>
      <Canvas nodes={flow.nodes} edges={flow.edges} readOnly selected={selectedId} onSelect={(id) => onSelect(id ? (idOf.get(id) ?? null) : null)} />
    </ReactFlowProvider>
  );
}

function stateNames(graph: Graph): string[] {
  return [...new Set(Object.values(graph.nodes).map((n) => n.name))];
}

const epochText = (t: number | null | undefined) => (t ? new Date(t * 1000).toLocaleString() : "—");

function ReplayBar({ replay, first, last }: { replay: ReturnType<typeof useReplay>; first: number; last: number }) {
  const step = Math.max((last - first) / 1000, 0.001);
  return (
    <div className="row replay" role="group" aria-label="Replay">
      <button onClick={replay.playing ? replay.pause : replay.play}>{replay.playing ? "⏸ Pause" : "▶ Replay"}</button>
      <input type="range" aria-label="Replay time" min={first} max={last} step={step} value={replay.t} onChange={(e) => replay.seek(Number(e.target.value))} />
      <span className="muted" aria-live="off">{replay.active ? `+${formatDuration(Math.max(0, replay.t - first))} of ${formatDuration(last - first)}` : "the end"}</span>
      {replay.active && <button onClick={replay.exit}>Back to the end</button>}
    </div>
  );
}

export default function RunPage({ arn }: { arn: string }) {
  const [execution, setExecution] = useState<Execution | null>(null);
  const [bindings, setBindings] = useState<Record<string, Binding>>({});
  const [error, setError] = useState<string | null>(null);
  const [view, setView] = useState<View>("events");
  const [selected, setSelected] = useState<{ name: string; seq: number | null } | null>(null);
  const [stopping, setStopping] = useState(false);
  const [rerun, setRerun] = useState<{ target: RerunTarget; input: string } | null>(null);

  useEffect(() => {
    getExecutionSummary(arn).then(setExecution).catch((e: Error) => setError(e.message));
  }, [arn]);
  const definition = useMemo<Json | null>(() => (execution ? (JSON.parse(execution.definition) as Json) : null), [execution]);
  const graph = useMemo(() => (isObject(definition) ? aslToGraph(definition) : null), [definition]);
  const names = useMemo(() => (graph ? stateNames(graph) : []), [graph]);
  const retriers = useMemo(() => (definition ? retriersByState(definition) : null), [definition]);
  const withVariables = useMemo(() => (definition ? assignsVariables(definition) : false), [definition]);
  useEffect(() => {
    if (!definition) return;
    getResources().then((r) => setBindings(bindingsByState(definition, r))).catch(() => setBindings({}));
  }, [definition]);

  const live = useLiveRun(arn, retriers, retriers !== null);
  const status = live.status?.status ?? (live.model.execution.status !== "RUNNING" ? live.model.execution.status : execution?.status) ?? "RUNNING";
  const running = status === "RUNNING";
  const [clock, setClock] = useState(() => Date.now() / 1000);
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setClock(Date.now() / 1000), 500);
    return () => clearInterval(timer);
  }, [running]);

  const first = live.model.firstTime ?? 0;
  const last = live.model.lastTime ?? 0;
  const replay = useReplay(live.model.events, retriers, first, last);
  const shown = replay.model ?? live.model;
  const version = replay.model ? -replay.version : live.version;
  const now = replay.model ? replay.t : running ? Math.max(clock, last) : last;

  if (error && !execution) return <main className="page"><p role="alert">Could not load the execution: {error}</p><a href="/">Back</a></main>;
  if (!execution || !graph) return <main className="page"><p>Loading…</p></main>;

  const start = live.status?.startDate ?? live.model.execution.start ?? Date.parse(execution.start_date) / 1000;
  const stop = live.status?.stopDate ?? live.model.execution.end ?? (execution.stop_date ? Date.parse(execution.stop_date) / 1000 : null);
  const output = live.status?.output ?? live.model.execution.output ?? execution.output;
  const failure = live.status?.error ?? live.model.execution.error ?? execution.error;
  const cause = live.status?.cause ?? live.model.execution.cause ?? execution.cause;
  const transitions = live.model.entries.length;

  const target = selected && definition && !running ? rerunTarget(definition, selected.name) : null;
  const servedBy = selected ? bindings[selected.name] : undefined; // a model's state gets its batcher's knobs
  const openRerun = (input: string | undefined) => {
    if (target) setRerun({ target, input: input !== undefined ? editableJson(input) : offeredInput(live.model, target.state) });
  };
  const startRerun = async (input: string, variables: string | undefined) => {
    const created = await rerunExecution(execution.id, rerun!.target.state, input, variables);
    navigate(executionPath(created.arn));
  };
  const stop_ = () => {
    setStopping(true);
    stopExecution(execution.id).catch((e: Error) => setError(e.message)).finally(() => setStopping(false));
  };
  return (
    <main className="page run" data-execution-status={status}>
      <nav><a href="/" onClick={(e) => { e.preventDefault(); navigate("/"); }}>Switchyard</a> / <a href={machinePath(execution.state_machine)} onClick={(e) => { e.preventDefault(); navigate(machinePath(execution.state_machine)); }}>{execution.state_machine}</a></nav>
      <h1>{execution.name} <StatusBadge status={status} /> <span className={`connection connection-${live.connection}`} title="live connection">{live.connection === "open" ? "● live" : live.connection}</span></h1>
      <RerunLinks rerunOf={execution.rerun_of} reruns={execution.reruns} />
      {(error || live.error) && <p role="alert" className="error">{error ?? live.error}</p>}
      <div className="row" role="toolbar" aria-label="Execution actions">
        {running && <button className="danger" disabled={stopping} onClick={stop_}>■ Stop</button>}
        <button onClick={() => startExecution(execution.state_machine, execution.input).then((e) => navigate(executionPath(e.arn))).catch((e: Error) => setError(e.message))}>
          ▶ New execution (same input)
        </button>
        <button onClick={() => navigate(machinePath(execution.state_machine))}>Open in the designer</button>
        <button onClick={() => download(`${execution.name}-history.json`, JSON.stringify({ events: live.model.events }, null, 2))}>Export history (JSON)</button>
      </div>
      <dl className="summary">
        <dt>Status</dt><dd>{status}</dd>
        <dt>ARN</dt><dd><code>{execution.arn}</code></dd>
        <dt>Started</dt><dd>{epochText(start)}</dd>
        <dt>Stopped</dt><dd>{epochText(stop)}</dd>
        <dt>Duration</dt><dd>{stop ? formatDuration(stop - start) : `running, ${formatDuration(Math.max(0, now - start))}`}</dd>
        <dt>State transitions</dt><dd data-testid="transitions">{transitions}</dd>
        {failure && <><dt>Error</dt><dd className="error" aria-label="Execution error">{failure}{cause ? `: ${cause}` : ""}<InjectedTag cause={cause} /></dd></>}
      </dl>
      <div className="io">
        <section aria-label="Input"><h2>Input</h2><pre aria-label="Execution input">{prettyJson(execution.input)}</pre></section>
        <section aria-label="Output"><h2>Output</h2><pre aria-label="Execution output">{prettyJson(output)}</pre></section>
      </div>
      <CostPreview id={execution.id} ended={!running} />
      {!running && live.model.events.length > 1 && <ReplayBar replay={replay} first={first} last={last} />}
      <div className="run-main">
        <section className="run-graph" aria-label="Graph">
          <RunGraph graph={graph} names={names} model={shown} version={version} now={now} bindings={bindings} metrics={live.metrics}
            selected={selected?.name ?? null} onSelect={(name) => setSelected(name ? { name, seq: null } : null)} />
        </section>
        {selected && (
          <div className="run-side">
            <StateDetail key={`${selected.name}:${selected.seq}`} model={shown} name={selected.name} seq={selected.seq} onClose={() => setSelected(null)}
              rerunFrom={target?.state} onRerun={target ? openRerun : undefined} />
            {servedBy?.model && <BatchingKnobs key={servedBy.model} model={servedBy.model} metrics={live.metrics} />}
          </div>
        )}
      </div>
      <div role="tablist" aria-label="Views of the history" className="tabs">
        {(["events", "table", "timeline"] as const).map((v) => (
          <button key={v} role="tab" aria-selected={view === v} onClick={() => setView(v)}>{{ events: "Events", table: "Table", timeline: "Timeline" }[v]}</button>
        ))}
      </div>
      {view === "events" && <EventsTable model={shown} version={version} />}
      {view === "table" && <EntriesTable model={shown} version={version} now={now} onSelect={(name, seq) => setSelected({ name, seq })} />}
      {view === "timeline" && <Timeline model={shown} version={version} now={now} onSelect={(name, seq) => setSelected({ name, seq })} />}
      {rerun && <RerunDialog target={rerun.target} initialInput={rerun.input} withVariables={withVariables} onStart={startRerun} onClose={() => setRerun(null)} />}
    </main>
  );
}
