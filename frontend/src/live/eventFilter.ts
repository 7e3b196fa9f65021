// The event history table's filter: text (over type, state name, resource and details), event
// type, failures only. Pure; the table filters only new events as they arrive.
import { eventDetails, isFailureType, type WireEvent } from "./wire";

export interface EventFilter {
  text: string;
  type: string; // "" for every type
  failuresOnly: boolean;
}

export const NO_FILTER: EventFilter = { text: "", type: "", failuresOnly: false };

export const isNoFilter = (f: EventFilter) => !f.text && !f.type && !f.failuresOnly;

export function eventMatches(event: WireEvent, filter: EventFilter): boolean {
  if (filter.type && event.type !== filter.type) return false;
  if (filter.failuresOnly && !isFailureType(event.type)) return false;
  if (!filter.text) return true;
  const needle = filter.text.toLowerCase();
  if (event.type.toLowerCase().includes(needle) || String(event.id) === needle) return true;
  return JSON.stringify(eventDetails(event)).toLowerCase().includes(needle);
}

/** Indices of the matching events among events[from...], appended to `into`. */
export function filterEvents(events: readonly WireEvent[], filter: EventFilter, from = 0, into: number[] = []): number[] {
  for (let i = from; i < events.length; i++) if (eventMatches(events[i], filter)) into.push(i);
  return into;
}

/** The distinct event types, sorted, for the type menu. */
export function eventTypes(events: readonly WireEvent[]): string[] {
  return [...new Set(events.map((e) => e.type))].sort();
}
