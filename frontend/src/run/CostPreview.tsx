// What the run would cost on AWS, as a Standard and as an Express workflow (designer/aws_costs.py).
import { useEffect, useState } from "react";
import { getExecutionCost, type ExecutionCost } from "../api/client";

const usd = (value: number) => (value >= 0.01 ? `$${value.toFixed(2)}` : `$${value.toPrecision(3)}`);

export default function CostPreview({ id, ended }: { id: number; ended: boolean }) {
  const [memory, setMemory] = useState(64);
  const [perMonth, setPerMonth] = useState(1_000_000);
  const [cost, setCost] = useState<ExecutionCost | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!ended) return;
    getExecutionCost(id, memory, perMonth).then((c) => { setCost(c); setError(null); }).catch((e: Error) => setError(e.message));
  }, [id, ended, memory, perMonth]);
  if (!ended) return null;
  return (
    <section className="cost" aria-label="Cost on AWS">
      <h2>Cost on AWS</h2>
      {error && <p role="alert" className="error">Could not compute the cost: {error}</p>}
      <label>Runs a month <input type="number" min={1} value={perMonth} onChange={(e) => setPerMonth(Math.max(1, Number(e.target.value) || 1))} /></label>{" "}
      <label>Express memory (MB) <input type="number" min={64} step={64} value={memory} onChange={(e) => setMemory(Math.max(64, Number(e.target.value) || 64))} /></label>
      {cost && (
        <table className="table">
          <thead><tr><th>Workflow type</th><th>One run</th><th>{cost.executions_per_month.toLocaleString()} runs a month</th><th>Billed on</th></tr></thead>
          <tbody>
            <tr data-testid="cost-standard"><td>Standard</td><td>{usd(cost.standard.usd)}</td><td>{usd(cost.standard.usd_per_month)}</td><td>{cost.standard.state_transitions} state transitions</td></tr>
            <tr data-testid="cost-express"><td>Express</td><td>{usd(cost.express.usd)}</td><td>{usd(cost.express.usd_per_month)}</td>
              <td>{cost.express.possible ? `${cost.express.billed_duration_ms} ms at ${cost.express.billed_memory_mb} MB` : `not possible: ${cost.express.why_not.join("; ")}`}</td></tr>
          </tbody>
        </table>
      )}
      {cost && <p className="muted">Prices: {cost.prices.region}, as of {cost.prices.as_of} ({cost.prices.source}); Step Functions' own charges only.</p>}
    </section>
  );
}
