// Which runtime queue and which model each Task state's work goes to, so the `metrics` messages'
// figures (queue depth, batch size, fill ratio, queue wait) can be drawn on the nodes they
// belong to. Pure.
import { isObject, type Json } from "../asl/types";
import type { MetricsMessage } from "./wire";

export interface Binding {
  queue: string; // the runtime's queue: "inference" for models, "states" for Lambda handlers
  model?: string;
}

export interface NodeMetrics {
  queue: string;
  queueDepth?: number;
  model?: string;
  modelQueueDepth?: number;
  batchSizeMean?: number;
  fillRatio?: number;
  queueWaitP50?: number;
  queueWaitP99?: number;
}

export interface BindingResources {
  endpoints: Record<string, string>; // endpoint name -> "model" or "model:task"
  models: string[]; // registered models; the first answers unbound endpoints
}

function taskBinding(state: Record<string, Json>, resources: BindingResources): Binding | null {
  const resource = state.Resource;
  if (typeof resource !== "string") return null;
  const params = isObject(state.Parameters) ? state.Parameters : isObject(state.Arguments) ? state.Arguments : {};
  if (resource.startsWith("arn:aws:states:::sagemaker:invokeEndpoint")) {
    const endpoint = typeof params.EndpointName === "string" ? params.EndpointName : "";
    const bound = resources.endpoints[endpoint];
    const model = bound ? bound.split(":")[0] : resources.models.includes(endpoint) ? endpoint : resources.models[0];
    return { queue: "inference", model };
  }
  if (resource.startsWith("arn:aws:lambda:") || resource.startsWith("arn:aws:states:::lambda:invoke")) return { queue: "states" };
  return null;
}

/** Each Task state's binding by state name, over the whole definition. */
export function bindingsByState(definition: Json, resources: BindingResources): Record<string, Binding> {
  const found: Record<string, Binding> = {};
  const visit = (machine: Json) => {
    if (!isObject(machine) || !isObject(machine.States)) return;
    for (const [name, state] of Object.entries(machine.States)) {
      if (!isObject(state)) continue;
      if (state.Type === "Task") {
        const binding = taskBinding(state, resources);
        if (binding) found[name] = binding;
      }
      if (Array.isArray(state.Branches)) state.Branches.forEach(visit);
      visit(state.ItemProcessor ?? state.Iterator ?? null);
    }
  };
  visit(definition);
  return found;
}

/** The figures of one metrics message for a bound state. */
export function nodeMetrics(binding: Binding, metrics: MetricsMessage): NodeMetrics {
  const result: NodeMetrics = { queue: binding.queue, queueDepth: metrics.queues?.[binding.queue] };
  const model = binding.model ? metrics.models?.[binding.model] : undefined;
  if (binding.model) result.model = binding.model;
  if (model) {
    // null (no batch yet, or none since the knobs changed) is a figure not there, as a missing one
    result.modelQueueDepth = model.queue_depth ?? undefined;
    result.batchSizeMean = model.batch_size_mean ?? undefined;
    result.fillRatio = model.fill_ratio ?? undefined;
    result.queueWaitP50 = model.queue_wait_ms?.p50 ?? undefined;
    result.queueWaitP99 = model.queue_wait_ms?.p99 ?? undefined;
  }
  return result;
}
