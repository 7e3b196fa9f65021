// Running a finished execution again from one of its states (docs/testing.md, "Run again from a
// state"): the top-level state the re-run starts at, the input offered for it, and the check of
// the edited input, located by line and column. Pure.
import { JsonSyntaxError, parseLocated } from "../asl/jsonText";
import { isObject, type Json } from "../asl/types";
import type { RunModel } from "../live/runModel";
import { prettyJson } from "./format";

/** Where a re-run "from `name`" starts: `name` itself at the top level (`inside` null), or the top-level
 * Map or Parallel state that holds it (`state`, with `inside` the nested name). */
export interface RerunTarget {
  state: string;
  inside: string | null;
}

const children = (state: Json): Json[] => {
  if (!isObject(state)) return [];
  const branches = Array.isArray(state.Branches) ? state.Branches : [];
  const processor = state.ItemProcessor ?? state.Iterator;
  return processor !== undefined ? [...branches, processor] : branches;
};

const holds = (machine: Json, name: string): boolean =>
  isObject(machine) && isObject(machine.States) &&
  Object.entries(machine.States).some(([n, state]) => n === name || children(state).some((m) => holds(m, name)));

/** The top-level state a re-run from `name` starts at; null when `name` is not in `definition`. */
export function rerunTarget(definition: Json, name: string): RerunTarget | null {
  if (!isObject(definition) || !isObject(definition.States)) return null;
  if (name in definition.States) return { state: name, inside: null };
  for (const [top, state] of Object.entries(definition.States)) {
    if (children(state).some((m) => holds(m, name))) return { state: top, inside: name };
  }
  return null;
}

/** Whether any state of `definition`, nested ones included, assigns variables (a re-run is then offered
 * a place to give the variables the states before it would have assigned). */
export function assignsVariables(definition: Json): boolean {
  if (!isObject(definition) || !isObject(definition.States)) return false;
  return Object.values(definition.States).some((state) => (isObject(state) && "Assign" in state) || children(state).some(assignsVariables));
}

/** Recorded JSON text to edit: indented when that keeps every value, else as recorded (a number past
 * 2^53, or one JavaScript writes differently, such as 1.0, would change if parsed and written again). */
export function editableJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text)) === text ? prettyJson(text) : text;
  } catch {
    return text;
  }
}

/** The input the top-level state `state` last received in the run, to edit; "{}" when it never ran. */
export function offeredInput(model: RunModel, state: string): string {
  const entries = model.entries.filter((e) => e.name === state && e.scope.parent === null && e.input !== undefined);
  return entries.length ? editableJson(entries[entries.length - 1].input!) : "{}";
}

export type InputCheck = { ok: true; value: Json } | { ok: false; message: string; line: number; column: number };

/** Whether `text` is a JSON object (the variables of a re-run), with the line and column of a mistake. */
export function checkVariables(text: string): InputCheck {
  const check = checkInput(text);
  if (check.ok && !isObject(check.value)) return { ok: false, message: "The variables must be a JSON object of names and values", line: 1, column: 1 };
  return check;
}

/** Whether `text` is JSON; if not, why and where (1-based line and column). */
export function checkInput(text: string): InputCheck {
  try {
    return { ok: true, value: JSON.parse(text) as Json };
  } catch (e) {
    let reason = (e as Error).message;
    let offset = 0;
    try {
      parseLocated(text);
    } catch (located) {
      if (located instanceof JsonSyntaxError) ({ reason, offset } = located);
    }
    const before = text.slice(0, offset);
    const line = before.split("\n").length;
    const column = offset - before.lastIndexOf("\n");
    return { ok: false, message: `Line ${line}, column ${column}: ${reason}`, line, column };
  }
}
