// What the palette offers: every state type, the Task flavours, and ready patterns. Pure data.
import type { JsonObject } from "./types";

export interface PaletteItem {
  key: string;
  tab: "Actions" | "Flow" | "Patterns";
  label: string;
  name: string; // the state name it gets (made unique when added)
  hint: string;
  state: JsonObject;
}

const lambda = (fn: string): JsonObject => ({
  Type: "Task",
  Resource: "arn:aws:states:::lambda:invoke",
  Parameters: { FunctionName: fn, "Payload.$": "$" },
  ResultSelector: { "Payload.$": "$.Payload" },
  OutputPath: "$.Payload",
});

const invokeEndpoint = (endpoint: string): JsonObject => ({
  Type: "Task",
  Resource: "arn:aws:states:::sagemaker:invokeEndpoint",
  Parameters: { EndpointName: endpoint, ContentType: "application/json", "Body.$": "$" },
});

export const FLOW: PaletteItem[] = [
  { key: "Pass", tab: "Flow", label: "Pass", name: "Pass", hint: "Pass its input on, or a fixed result", state: { Type: "Pass" } },
  { key: "Task", tab: "Flow", label: "Task", name: "Task", hint: "Call a resource", state: { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", Parameters: { FunctionName: "my-function", "Payload.$": "$" } } },
  { key: "Choice", tab: "Flow", label: "Choice", name: "Choice", hint: "Branch on the input: connect its rules and default", state: { Type: "Choice", Choices: [] } },
  { key: "Wait", tab: "Flow", label: "Wait", name: "Wait", hint: "Wait some seconds or until a time", state: { Type: "Wait", Seconds: 5 } },
  { key: "Succeed", tab: "Flow", label: "Succeed", name: "Succeed", hint: "End successfully", state: { Type: "Succeed" } },
  { key: "Fail", tab: "Flow", label: "Fail", name: "Fail", hint: "End with an error", state: { Type: "Fail", Error: "Failed", Cause: "Something went wrong" } },
  { key: "Parallel", tab: "Flow", label: "Parallel", name: "Parallel", hint: "Run branches at once", state: { Type: "Parallel", Branches: [branch("Branch 1 step"), branch("Branch 2 step")] } },
  { key: "Map", tab: "Flow", label: "Map", name: "Map", hint: "Run steps for each item", state: { Type: "Map", ItemsPath: "$.items", ItemProcessor: { ProcessorConfig: { Mode: "INLINE" }, StartAt: "Process item", States: { "Process item": { Type: "Pass", End: true } } } } },
];

function branch(name: string): JsonObject {
  return { StartAt: name, States: { [name]: { Type: "Pass", End: true } } };
}

export const ACTIONS: PaletteItem[] = [
  { key: "activity", tab: "Actions", label: "Activity", name: "Activity", hint: "A worker polls GetActivityTask", state: { Type: "Task", Resource: "arn:aws:states:us-east-1:123456789012:activity:my-activity", TimeoutSeconds: 300 } },
  { key: "callback", tab: "Actions", label: "Callback (task token)", name: "Wait for callback", hint: "Pause until SendTaskSuccess with $$.Task.Token", state: { Type: "Task", Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken", Parameters: { FunctionName: "my-function", Payload: { "input.$": "$", "token.$": "$$.Task.Token" } }, HeartbeatSeconds: 3600 } },
  { key: "http", tab: "Actions", label: "HTTP invoke", name: "Call API", hint: "Call an HTTPS API", state: { Type: "Task", Resource: "arn:aws:states:::http:invoke", Parameters: { ApiEndpoint: "https://example.com/api", Method: "GET" } } },
];

export const PATTERNS: PaletteItem[] = [
  { key: "fanout", tab: "Patterns", label: "Map fan-out into batched inference", name: "Infer each", hint: "Each item to a local model; the server batches them", state: { Type: "Map", ItemsPath: "$.items", MaxConcurrency: 64, ItemProcessor: { ProcessorConfig: { Mode: "INLINE" }, StartAt: "Infer", States: { Infer: { ...invokeEndpoint("minilm"), End: true } } }, ResultPath: "$.results" } },
  { key: "parallel", tab: "Patterns", label: "Parallel branches", name: "In parallel", hint: "Two branches, results as an array", state: { Type: "Parallel", Branches: [branch("Left"), branch("Right")] } },
  { key: "retry", tab: "Patterns", label: "Retry with backoff", name: "Call with retry", hint: "Retries 3 times, doubling the wait, with jitter", state: { ...lambda("my-function"), Retry: [{ ErrorEquals: ["States.ALL"], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: "FULL" }] } },
  { key: "approval", tab: "Patterns", label: "Human approval (task token)", name: "Await approval", hint: "Waits up to a day for SendTaskSuccess", state: { Type: "Task", Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken", Parameters: { FunctionName: "request-approval", Payload: { "request.$": "$", "token.$": "$$.Task.Token" } }, TimeoutSeconds: 86400 } },
];

/** The Actions tab with the server's own handlers and models first. */
export function actionItems(lambdas: string[], models: string[]): PaletteItem[] {
  const local: PaletteItem[] = [
    ...lambdas.map((fn): PaletteItem => ({ key: `lambda:${fn}`, tab: "Actions", label: `Lambda: ${fn}`, name: fn, hint: "A local Python handler", state: lambda(fn) })),
    ...models.map((m): PaletteItem => ({ key: `model:${m}`, tab: "Actions", label: `SageMaker: ${m}`, name: `Invoke ${m}`, hint: "invokeEndpoint on a local model", state: invokeEndpoint(m) })),
  ];
  return [...local, ...ACTIONS];
}

export function searchItems(items: PaletteItem[], query: string): PaletteItem[] {
  const q = query.trim().toLowerCase();
  return q ? items.filter((i) => `${i.label} ${i.hint}`.toLowerCase().includes(q)) : items;
}

export const BLANK_DEFINITION = `{
  "Comment": "A new state machine",
  "StartAt": "Start",
  "States": {
    "Start": {
      "Type": "Pass",
      "End": true
    }
  }
}`;
