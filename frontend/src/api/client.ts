// The REST API client (designer/rest). Pure: no React.

export interface StateMachineSummary {
  name: string;
  arn: string;
  type: "STANDARD" | "EXPRESS";
  created: string;
  updated: string;
}

export interface ExecutionSummary {
  id: number;
  arn: string;
  name: string;
  state_machine: string;
  status: string;
  start_date: string;
  stop_date: string | null;
  runtime: string;
}

interface Page<T> {
  count: number;
  results: T[];
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) {
    throw new Error(`${url}: HTTP ${response.status}`);
  }
  return (await response.json()) as T;
}

export async function listStateMachines(): Promise<StateMachineSummary[]> {
  return (await getJson<Page<StateMachineSummary>>("/api/state-machines/")).results;
}

export async function listExecutions(): Promise<ExecutionSummary[]> {
  return (await getJson<Page<ExecutionSummary>>("/api/executions/?limit=50")).results;
}
