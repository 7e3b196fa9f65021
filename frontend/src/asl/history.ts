// An execution's history read as one status per state, for colouring the graph. Pure.
export interface HistoryEvent {
  event_id: number;
  previous_event_id?: number;
  type: string;
  timestamp: string;
  details: Record<string, unknown>;
}

export type StateStatus = "running" | "succeeded" | "failed" | "caught";

function stateName(details: Record<string, unknown>): string | null {
  for (const value of Object.values(details)) {
    if (value && typeof value === "object" && "name" in value && typeof (value as { name: unknown }).name === "string") {
      return (value as { name: string }).name;
    }
  }
  return null;
}

/** The state a failure belongs to: up the previous-event chain to the state that was entered.
 * (Map iterations and Parallel branches interleave, so "the last state entered" can be another.) */
function failedState(event: HistoryEvent, byId: Map<number, HistoryEvent>, fallback: string | null): string | null {
  let current: HistoryEvent | undefined = event;
  for (let hops = 0; current && hops < 50; hops++) {
    const name = stateName(current.details);
    if (name && current.type.endsWith("StateEntered")) return name;
    current = current.previous_event_id ? byId.get(current.previous_event_id) : undefined;
  }
  return fallback;
}

/** The last status of each state name: entered is running, exited succeeded, a failure failed
 * (caught when the state then exits normally). */
export function stateStatuses(events: HistoryEvent[]): Record<string, StateStatus> {
  const byId = new Map(events.map((e) => [e.event_id, e]));
  const statuses: Record<string, StateStatus> = {};
  let current: string | null = null;
  for (const event of events) {
    const name = stateName(event.details);
    if (event.type.endsWith("StateEntered") && name) {
      statuses[name] = "running";
      current = name;
    } else if (event.type.endsWith("StateExited") && name) {
      statuses[name] = statuses[name] === "failed" ? "caught" : "succeeded";
    } else if (/(Failed|TimedOut|Aborted)$/.test(event.type) && !event.type.startsWith("Execution")) {
      const failed = failedState(event, byId, current);
      if (failed) statuses[failed] = "failed";
    } else if (/^Execution(Failed|TimedOut|Aborted)$/.test(event.type) && current && statuses[current] === "running") {
      statuses[current] = "failed";
    }
  }
  return statuses;
}

/** The state an event belongs to, for the events table. */
export function eventState(event: HistoryEvent): string {
  return stateName(event.details) ?? "";
}
