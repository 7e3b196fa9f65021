import { useEffect, useState } from "react";
import {
  listExecutions,
  listStateMachines,
  type ExecutionSummary,
  type StateMachineSummary,
} from "./api/client";

// A placeholder until the designer canvas lands: what exists, and what ran.
export default function App() {
  const [machines, setMachines] = useState<StateMachineSummary[]>([]);
  const [executions, setExecutions] = useState<ExecutionSummary[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const load = () =>
      Promise.all([listStateMachines(), listExecutions()])
        .then(([m, e]) => {
          setMachines(m);
          setExecutions(e);
          setError(null);
        })
        .catch((e: unknown) => setError(String(e)));
    load();
    const timer = setInterval(load, 2000);
    return () => clearInterval(timer);
  }, []);

  return (
    <main style={{ fontFamily: "system-ui, sans-serif", margin: "2rem", maxWidth: 960 }}>
      <h1>Switchyard</h1>
      <p>
        A local AWS Step Functions endpoint: point boto3 or the AWS CLI at <code>{window.location.origin}</code>.
      </p>
      {error && <p role="alert">Could not load: {error}</p>}
      <h2>State machines</h2>
      <table>
        <thead>
          <tr><th>Name</th><th>Type</th><th>ARN</th></tr>
        </thead>
        <tbody>
          {machines.map((m) => (
            <tr key={m.arn}><td>{m.name}</td><td>{m.type}</td><td><code>{m.arn}</code></td></tr>
          ))}
        </tbody>
      </table>
      <h2>Executions</h2>
      <table>
        <thead>
          <tr><th>Name</th><th>State machine</th><th>Status</th><th>Started</th></tr>
        </thead>
        <tbody>
          {executions.map((e) => (
            <tr key={e.arn}>
              <td>{e.name}</td><td>{e.state_machine}</td><td>{e.status}</td>
              <td>{new Date(e.start_date).toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
