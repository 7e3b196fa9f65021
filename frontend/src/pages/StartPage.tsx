// The start page: state machines (create, rename, duplicate, delete), examples, recent runs.
import { useCallback, useEffect, useState } from "react";
import { BLANK_DEFINITION } from "../asl/templates";
import {
  createStateMachine, deleteStateMachine, getStateMachine, listExamples, listExecutions, listStateMachines, startExecution,
  type Example, type ExecutionSummary, type StateMachineSummary,
} from "../api/client";
import { executionPath, machinePath, navigate } from "../router";

function exampleInput(comment: string): string {
  const match = /Try (\{.*\})\.?\s*$/.exec(comment);
  return match ? match[1] : "{}";
}

async function copyMachine(from: string, to: string): Promise<void> {
  const m = await getStateMachine(from);
  await createStateMachine({ name: to, definition: m.definition, layout: m.layout, type: m.type });
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge status-${status.toLowerCase()}`}>{status}</span>;
}

export default function StartPage() {
  const [machines, setMachines] = useState<StateMachineSummary[]>([]);
  const [examples, setExamples] = useState<Example[]>([]);
  const [executions, setExecutions] = useState<ExecutionSummary[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [newName, setNewName] = useState("");

  const load = useCallback(() => {
    Promise.all([listStateMachines(), listExecutions()])
      .then(([m, e]) => { setMachines(m); setExecutions(e); })
      .catch((e: Error) => setError(e.message));
  }, []);
  useEffect(() => {
    load();
    listExamples().then(setExamples).catch(() => undefined);
  }, [load]);

  const act = (fn: () => Promise<unknown>) => fn().then(load).catch((e: Error) => setError(e.message));
  const create = () => act(async () => {
    await createStateMachine({ name: newName.trim(), definition: BLANK_DEFINITION });
    navigate(machinePath(newName.trim()));
  });
  const rename = (from: string) => {
    const to = window.prompt(`Rename ${from} to (its executions are deleted with the old name):`, from);
    if (to && to !== from) act(async () => { await copyMachine(from, to); await deleteStateMachine(from); });
  };
  const duplicate = (from: string) => {
    const to = window.prompt(`Name of the copy of ${from}:`, `${from}-copy`);
    if (to) act(() => copyMachine(from, to));
  };
  const remove = (name: string) => window.confirm(`Delete ${name} and its executions?`) && act(() => deleteStateMachine(name));
  const ensureExample = async (ex: Example) => {
    if (!machines.some((m) => m.name === ex.name)) await createStateMachine({ name: ex.name, definition: ex.definition });
  };
  const openExample = (ex: Example) => act(async () => { await ensureExample(ex); navigate(machinePath(ex.name)); });
  const runExample = (ex: Example) => act(async () => {
    await ensureExample(ex);
    const execution = await startExecution(ex.name, exampleInput(ex.comment));
    navigate(executionPath(execution.arn));
  });

  return (
    <main className="page start">
      <header className="page-header">
        <h1>Switchyard</h1>
        <p className="muted">Design and run AWS Step Functions state machines locally. boto3 and the AWS CLI talk to <code>{window.location.origin}</code>.</p>
      </header>
      {error && <p role="alert" className="error">{error}</p>}
      <section aria-labelledby="machines-title">
        <h2 id="machines-title">State machines</h2>
        <form className="row" onSubmit={(e) => { e.preventDefault(); if (newName.trim()) create(); }}>
          <input aria-label="New state machine name" placeholder="new-state-machine" value={newName} onChange={(e) => setNewName(e.target.value)} pattern="[A-Za-z0-9_\-]{1,80}" />
          <button className="primary" type="submit">Create</button>
        </form>
        <table className="table">
          <thead><tr><th>Name</th><th>Type</th><th>Updated</th><th><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {machines.map((m) => (
              <tr key={m.arn} data-machine={m.name}>
                <td><a href={machinePath(m.name)} onClick={(e) => { e.preventDefault(); navigate(machinePath(m.name)); }}>{m.name}</a></td>
                <td>{m.type}</td>
                <td>{new Date(m.updated).toLocaleString()}</td>
                <td className="actions">
                  <button onClick={() => rename(m.name)} aria-label={`Rename ${m.name}`}>Rename</button>
                  <button onClick={() => duplicate(m.name)} aria-label={`Duplicate ${m.name}`}>Duplicate</button>
                  <button onClick={() => remove(m.name)} aria-label={`Delete ${m.name}`} className="danger">Delete</button>
                </td>
              </tr>
            ))}
            {machines.length === 0 && <tr><td colSpan={4} className="muted">None yet: create one or open an example.</td></tr>}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="examples-title">
        <h2 id="examples-title">Examples</h2>
        <div className="cards">
          {examples.map((ex) => (
            <article className="card" key={ex.name} data-example={ex.name}>
              <h3>{ex.name}</h3>
              <p className="muted">{ex.comment}</p>
              <div className="row">
                <button onClick={() => openExample(ex)} aria-label={`Open example ${ex.name}`}>Open</button>
                <button className="primary" onClick={() => runExample(ex)} aria-label={`Run example ${ex.name}`}>▶ Run</button>
              </div>
            </article>
          ))}
        </div>
      </section>
      <section aria-labelledby="runs-title">
        <h2 id="runs-title">Recent executions</h2>
        <table className="table">
          <thead><tr><th>Execution</th><th>State machine</th><th>Status</th><th>Started</th></tr></thead>
          <tbody>
            {executions.map((e) => (
              <tr key={e.arn}>
                <td><a href={executionPath(e.arn)} onClick={(ev) => { ev.preventDefault(); navigate(executionPath(e.arn)); }}>{e.name}</a></td>
                <td>{e.state_machine}</td>
                <td><StatusBadge status={e.status} /></td>
                <td>{new Date(e.start_date).toLocaleString()}</td>
              </tr>
            ))}
            {executions.length === 0 && <tr><td colSpan={4} className="muted">No executions yet.</td></tr>}
          </tbody>
        </table>
      </section>
    </main>
  );
}
