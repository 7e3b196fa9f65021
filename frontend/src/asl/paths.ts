// Where a graph id points in the definition, and the JSON pointer of a node.
import { isObject, unescapeName, type JsonObject } from "./types";

interface Segment {
  name: string;
  machine: string | null; // "p" for a Map processor, a branch index, or null for the state itself
}

function segments(id: string): Segment[] {
  if (id === "") return [];
  return id
    .slice(1)
    .split("/")
    .map((raw) => {
      const hash = raw.indexOf("#");
      return hash < 0
        ? { name: unescapeName(raw), machine: null }
        : { name: unescapeName(raw.slice(0, hash)), machine: raw.slice(hash + 1) };
    });
}

function nestedMachine(state: JsonObject, machine: string): JsonObject | null {
  if (machine === "p") {
    const processor = state.ItemProcessor ?? state.Iterator;
    return isObject(processor) ? processor : null;
  }
  const branches = state.Branches;
  const branch = Array.isArray(branches) ? branches[Number(machine)] : undefined;
  return isObject(branch) ? branch : null;
}

/** The machine object (top level, branch or processor) a container id names, or null. */
export function machineAt(definition: JsonObject, containerId: string): JsonObject | null {
  let machine: JsonObject | null = definition;
  for (const seg of segments(containerId)) {
    const states: unknown = machine?.States;
    const state = isObject(states) ? states[seg.name] : undefined;
    if (!isObject(state) || seg.machine === null) return null;
    machine = nestedMachine(state, seg.machine);
  }
  return machine;
}

/** The container id and name of a node id. */
export function splitNodeId(id: string): { container: string; name: string } {
  const cut = id.lastIndexOf("/");
  return { container: id.slice(0, cut), name: unescapeName(id.slice(cut + 1)) };
}

export function stateAt(definition: JsonObject, id: string): JsonObject | null {
  const { container, name } = splitNodeId(id);
  const states = machineAt(definition, container)?.States;
  const state = isObject(states) ? states[name] : undefined;
  return isObject(state) ? state : null;
}

const escapePointer = (s: string) => s.replace(/~/g, "~0").replace(/\//g, "~1");

/** The JSON pointer of a container or node id ("/States/P/Branches/0/States/A"). */
export function pointerOf(id: string): string {
  return segments(id)
    .map((seg) => {
      const base = `/States/${escapePointer(seg.name)}`;
      if (seg.machine === null) return base;
      return seg.machine === "p" ? `${base}/ItemProcessor` : `${base}/Branches/${seg.machine}`;
    })
    .join("");
}

/** The deepest node id a JSON pointer falls in, among the given ids, or null for the machine itself. */
export function nodeOfPointer(pointer: string, ids: Iterable<string>): string | null {
  const normalized = pointer.replace(/\/Iterator(\/|$)/g, "/ItemProcessor$1");
  let best: string | null = null;
  let bestLength = -1;
  for (const id of ids) {
    const p = pointerOf(id);
    if ((normalized === p || normalized.startsWith(p + "/")) && p.length > bestLength) {
      best = id;
      bestLength = p.length;
    }
  }
  return best;
}
