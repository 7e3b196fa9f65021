// Whether a Task failure will be retried, from the state's Retry rules (ASL: the first retrier
// whose ErrorEquals matches decides; it retries while its MaxAttempts, default 3, is not spent).
import { isObject, type Json } from "../asl/types";

export interface Retrier {
  errorEquals: string[];
  maxAttempts: number;
}

/** Whether `errorEquals` names `error` (States.ALL names every error, States.TaskFailed every one
 * but States.Timeout). */
export function errorMatches(errorEquals: readonly string[], error: string): boolean {
  return errorEquals.some((name) => name === error || name === "States.ALL" || (name === "States.TaskFailed" && error !== "States.Timeout"));
}

/** The retrier that matches `error` and whether it retries, given how often each has retried. */
export function retryDecision(retriers: readonly Retrier[], error: string, counts: readonly number[]): { retry: boolean; retrier: number } {
  const index = retriers.findIndex((r) => errorMatches(r.errorEquals, error));
  if (index < 0) return { retry: false, retrier: -1 };
  return { retry: (counts[index] ?? 0) < retriers[index].maxAttempts, retrier: index };
}

/** Each state's Retry rules by state name, over the whole definition (branches and processors too). */
export function retriersByState(definition: Json): Record<string, Retrier[]> {
  const found: Record<string, Retrier[]> = {};
  const visit = (machine: Json) => {
    if (!isObject(machine) || !isObject(machine.States)) return;
    for (const [name, state] of Object.entries(machine.States)) {
      if (!isObject(state)) continue;
      if (Array.isArray(state.Retry)) {
        found[name] = state.Retry.filter(isObject).map((r) => ({
          errorEquals: Array.isArray(r.ErrorEquals) ? r.ErrorEquals.map(String) : [],
          maxAttempts: typeof r.MaxAttempts === "number" ? r.MaxAttempts : 3,
        }));
      }
      if (Array.isArray(state.Branches)) state.Branches.forEach(visit);
      visit(state.ItemProcessor ?? state.Iterator ?? null);
    }
  };
  visit(definition);
  return found;
}
