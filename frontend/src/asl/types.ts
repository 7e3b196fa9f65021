// The ASL model the designer edits. Pure: no React, no DOM.

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

export const STATE_TYPES = ["Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"] as const;
export type StateType = (typeof STATE_TYPES)[number];

/** One state of the definition. Its nested machines (Parallel branches, Map processor) are
 * kept as containers of their own; `state` holds an empty placeholder where their States were. */
export interface StateNode {
  id: string; // unique: the container id, "/", then the escaped name
  name: string;
  container: string; // the id of the container it is in ("" for the top level)
  state: JsonObject;
}

/** A machine (the top level, one Parallel branch or one Map processor): its own fields in their
 * order, with `States` as a placeholder, and the names of its states in order. */
export interface Container {
  id: string;
  owner: string | null; // the id of the Parallel or Map state it belongs to
  label: string; // "Branch 1", "Item processor"
  frame: JsonObject;
  order: string[]; // state names in their order in States
  opaque: Record<string, Json>; // entries of States that are not objects, kept as they were
  decomposed: boolean; // false when States was not an object: the frame then holds it as it was
}

export interface Graph {
  containers: Record<string, Container>;
  nodes: Record<string, StateNode>;
  owned: Record<string, string[]>; // Parallel/Map state id -> the ids of its containers, in order
}

export type EdgeKind = "next" | "default" | "choice" | "catch" | "start";

export interface Edge {
  id: string;
  source: string; // node id, or the container id for a start edge
  target: string;
  kind: EdgeKind;
  index: number; // the Choice rule or Catch index; 0 otherwise
  label: string;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function escapeName(name: string): string {
  return name.replace(/~/g, "~0").replace(/\//g, "~1").replace(/#/g, "~2");
}

export function unescapeName(segment: string): string {
  return segment.replace(/~2/g, "#").replace(/~1/g, "/").replace(/~0/g, "~");
}

export function nodeId(container: string, name: string): string {
  return `${container}/${escapeName(name)}`;
}

/** Container ids: a Parallel branch is `<state id>#<index>`, a Map processor `<state id>#p`. */
export function branchId(stateId: string, index: number): string {
  return `${stateId}#${index}`;
}

export function processorId(stateId: string): string {
  return `${stateId}#p`;
}
