// The REST API client (designer/rest). Pure: no React.
import type { Clock, LocalSettings } from "../designer/localTesting";

export interface StateMachineSummary {
  name: string;
  arn: string;
  type: "STANDARD" | "EXPRESS";
  created: string;
  updated: string;
}

export interface StateMachineDetail extends StateMachineSummary {
  definition: string;
  role_arn: string;
  layout: Layout;
  tags: Record<string, string>;
}

export interface Layout {
  positions?: Record<string, { x: number; y: number }>;
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

/** Where a re-run came from: the execution it re-runs and the state it started at. */
export interface RerunOf {
  id: number;
  arn: string;
  name: string;
  state: string;
  variables?: Record<string, unknown> | null;
}

export interface Rerun extends RerunOf {
  status: string;
}

export interface ExecutionDetail extends ExecutionSummary {
  input: string;
  output: string | null;
  error: string | null;
  cause: string | null;
  definition: string;
  rerun_of: RerunOf | null;
  reruns: Rerun[]; // the latest executions that re-run this one, newest first
  events: { event_id: number; previous_event_id: number; type: string; timestamp: string; details: Record<string, unknown> }[];
}

export interface Problem {
  path: string;
  message: string;
  code?: string;
  severity?: string;
}

export interface Example {
  name: string;
  comment: string;
  definition: string;
}

export interface Resources {
  lambdas: string[];
  models: string[];
  endpoints: Record<string, string>;
}

export interface Version {
  version: number;
  arn?: string;
  definition?: string;
  description?: string;
  created?: string;
}

interface Page<T> {
  count: number;
  results: T[];
}

export class ApiError extends Error {
  /** `detail`: the server's own message (a ValidationException's, say), without the method and URL;
   * `body`: the error response's JSON as sent (a 400's messages by field, say), undefined when not JSON. */
  constructor(message: string, readonly status: number, readonly detail: string = message, readonly body?: unknown) {
    super(message);
  }
}

function csrfToken(): string {
  const match = /(?:^|; )csrftoken=([^;]+)/.exec(document.cookie);
  return match ? decodeURIComponent(match[1]) : "";
}

async function request<T>(method: string, url: string, body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    // Every unsafe method carries the CSRF token (a DELETE has no body but needs it too).
    headers: {
      Accept: "application/json",
      ...(method !== "GET" && method !== "HEAD" ? { "X-CSRFToken": csrfToken() } : {}),
      ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) {
    let detail = `HTTP ${response.status}`;
    let message: string | undefined;
    let body: unknown;
    try {
      const data = await response.json();
      body = data;
      detail = typeof data === "object" ? Object.values(data).flat().join(" ") || detail : String(data);
      if (data && typeof data.message === "string") message = data.message;
    } catch {
      /* not JSON: keep the status */
    }
    throw new ApiError(`${method} ${url}: ${detail}`, response.status, message ?? detail, body);
  }
  return response.status === 204 ? (undefined as T) : ((await response.json()) as T);
}

const machineUrl = (name: string) => `/api/state-machines/${encodeURIComponent(name)}/`;

export const listStateMachines = async () => (await request<Page<StateMachineSummary>>("GET", "/api/state-machines/?limit=1000")).results;
export const getStateMachine = (name: string) => request<StateMachineDetail>("GET", machineUrl(name));
export const createStateMachine = (body: { name: string; definition: string; layout?: Layout; type?: string }) =>
  request<StateMachineDetail>("POST", "/api/state-machines/", body);
/** A PATCH's fields, any of them; `tags` replaces all the tags. */
export interface StateMachinePatch {
  definition?: string;
  role_arn?: string;
  layout?: Layout;
  tags?: Record<string, string>;
}
export const updateStateMachine = (name: string, body: StateMachinePatch) => request<StateMachineDetail>("PATCH", machineUrl(name), body);
export const deleteStateMachine = (name: string) => request<void>("DELETE", machineUrl(name));

export const listExecutions = async (machine?: string) =>
  (await request<Page<ExecutionSummary>>("GET", `/api/executions/?limit=50${machine ? `&state_machine=${encodeURIComponent(machine)}` : ""}`)).results;
/** Start an execution; `test_case` names a mock test case (SFN_MOCK_CONFIG) to run it with. */
export const startExecution = (name: string, input: string, local: { test_case?: string } = {}) =>
  request<ExecutionSummary>("POST", `${machineUrl(name)}executions/`, { input, ...local });
/** The fault plan and virtual clock kept beside the definition (docs/testing.md). */
export const getLocalSettings = (name: string) => request<LocalSettings>("GET", `${machineUrl(name)}local-settings/`);
export const putLocalSettings = (name: string, body: { faults: LocalSettings["faults"]; clock: Clock }) =>
  request<LocalSettings>("PUT", `${machineUrl(name)}local-settings/`, body);
/** The mock test cases the state machine can start with; `configured` is false without SFN_MOCK_CONFIG. */
export const listTestCases = (name: string) => request<{ configured: boolean; test_cases: string[] }>("GET", `${machineUrl(name)}test-cases/`);
export const getExecutionByArn = (arn: string) => request<ExecutionDetail>("GET", `/api/executions/by-arn/?arn=${encodeURIComponent(arn)}`);
/** The execution without its history (the run page streams that over the websocket). */
export const getExecutionSummary = (arn: string) =>
  request<Omit<ExecutionDetail, "events">>("GET", `/api/executions/by-arn/?arn=${encodeURIComponent(arn)}&events=0`);
/** What an execution like this one would cost on AWS, as a Standard and as an Express workflow. */
export interface ExecutionCost {
  prices: { source: string; region: string; as_of: string; currency: string };
  standard: { state_transitions: number; usd: number; usd_per_month: number };
  express: { billed_duration_ms: number; billed_memory_mb: number; usd: number; usd_per_month: number; possible: boolean; why_not: string[] };
  executions_per_month: number;
}
export const getExecutionCost = (id: number, memoryMb: number, perMonth: number) =>
  request<ExecutionCost>("GET", `/api/executions/${id}/cost/?memory_mb=${memoryMb}&executions_per_month=${perMonth}`);
/** A new execution re-running the finished execution `id` from its top-level `state` with `input` (JSON text)
 * and, when given, `variables` (a JSON object's text) in scope there. */
export const rerunExecution = (id: number, state: string, input: string, variables?: string) =>
  request<ExecutionSummary>("POST", `/api/executions/${id}/rerun/`, { state, input, ...(variables !== undefined ? { variables } : {}) });
export const stopExecution = (id: number) => request<ExecutionSummary>("POST", `/api/executions/${id}/stop/`, {});

export const validateDefinition = async (definition: string) =>
  (await request<{ problems: Problem[] }>("POST", "/api/validate/", { definition })).problems;
/** A model's batcher knobs set at run time (docs: the inference batcher): the overrides and the defaults. */
export interface BatchingKnobValues {
  max_batch_size?: number;
  max_wait_ms?: number;
  latency_target_ms?: number | null; // null: adaptive mode off
}
export interface ModelBatching {
  model: string; // the canonical name
  batching: BatchingKnobValues; // the overrides now set (none: the defaults apply)
  defaults: { max_batch_size: number; max_wait_ms: number; latency_target_ms: number | null };
  applied?: string; // after a PUT or DELETE, where it took effect: "this process" or "the inference workers"
}
const batchingUrl = (model: string) => `/api/inference/models/${encodeURIComponent(model)}/batching/`;
export const getModelBatching = (model: string) => request<ModelBatching>("GET", batchingUrl(model));
export const putModelBatching = (model: string, body: BatchingKnobValues) => request<ModelBatching>("PUT", batchingUrl(model), body);
/** Back to the defaults: every override removed. */
export const resetModelBatching = (model: string) => request<ModelBatching>("DELETE", batchingUrl(model));
export const getResources = () => request<Resources>("GET", "/api/designer/resources/");
export const listExamples = () => request<Example[]>("GET", "/api/examples/");

export async function listVersions(name: string): Promise<Version[]> {
  const data = await request<Version[] | Page<Version> | { versions: Version[] }>("GET", `${machineUrl(name)}versions/`);
  if (Array.isArray(data)) return data;
  return "results" in data ? data.results : data.versions;
}
export const publishVersion = (name: string, description: string) => request<Version>("POST", `${machineUrl(name)}versions/`, { description });
export const getVersion = (name: string, version: number) => request<Version>("GET", `${machineUrl(name)}versions/${version}/`);
