// Edits of a definition, each returning a new definition: add, insert, delete, rename, connect.
import { machineAt, splitNodeId, stateAt } from "./paths";
import { isObject, type Json, type JsonObject } from "./types";

function edit(definition: JsonObject, fn: (copy: JsonObject) => void): JsonObject {
  const copy = structuredClone(definition);
  fn(copy);
  return copy;
}

function statesOf(machine: JsonObject): JsonObject {
  if (!isObject(machine.States)) machine.States = {};
  return machine.States as JsonObject;
}

/** A name not yet used in that container: base, base 2, base 3... */
export function uniqueName(definition: JsonObject, container: string, base: string): string {
  const states = machineAt(definition, container)?.States;
  const taken = isObject(states) ? states : {};
  if (!(base in taken)) return base;
  for (let i = 2; ; i++) if (!(`${base} ${i}`in taken)) return `${base} ${i}`;
}

const TERMINAL = new Set(["Succeed", "Fail", "Choice"]);

/** Add `state` named `name` to a container; after `afterId` (inserted into its Next), or alone. */
export function addState(definition: JsonObject, container: string, name: string, state: JsonObject, afterId?: string): JsonObject {
  return edit(definition, (copy) => {
    const machine = machineAt(copy, container);
    if (!machine) throw new Error(`No container ${container}`);
    const states = statesOf(machine);
    const added = structuredClone(state);
    const after = afterId ? stateAt(copy, afterId) : null;
    if (after && !TERMINAL.has(String(added.Type)) && after.Type !== "Choice") {
      delete added.End;
      delete added.Next;
      if (typeof after.Next === "string") added.Next = after.Next;
      else added.End = true;
      delete after.End;
      after.Next = name;
    } else if (!TERMINAL.has(String(added.Type)) && added.Next === undefined) {
      added.End = true;
    }
    states[name] = added;
    if (typeof machine.StartAt !== "string" || !(machine.StartAt in states)) machine.StartAt = name;
  });
}

function redirect(states: JsonObject, from: string, to: string | null): void {
  for (const value of Object.values(states)) {
    if (!isObject(value)) continue;
    if (value.Next === from) {
      if (to) value.Next = to;
      else {
        delete value.Next;
        value.End = true;
      }
    }
    if (value.Default === from) {
      if (to) value.Default = to;
      else delete value.Default;
    }
    for (const list of [value.Choices, value.Catch]) {
      if (!Array.isArray(list)) continue;
      for (const item of list) if (isObject(item) && item.Next === from && to) item.Next = to;
    }
  }
}

/** Delete a state; whatever went to it goes on to its Next (or ends). */
export function deleteState(definition: JsonObject, id: string): JsonObject {
  const { container, name } = splitNodeId(id);
  return edit(definition, (copy) => {
    const machine = machineAt(copy, container);
    if (!machine || !isObject(machine.States)) return;
    const states = machine.States;
    const gone = states[name];
    const next = isObject(gone) && typeof gone.Next === "string" ? gone.Next : null;
    delete states[name];
    redirect(states, name, next);
    if (machine.StartAt === name) machine.StartAt = next ?? Object.keys(states)[0] ?? "";
  });
}

function renameKey(object: JsonObject, from: string, to: string): void {
  const entries = Object.entries(object);
  for (const key of Object.keys(object)) delete object[key];
  for (const [key, value] of entries) object[key === from ? to : key] = value;
}

/** Rename a state, keeping its place in States and every transition to it. */
export function renameState(definition: JsonObject, id: string, to: string): JsonObject {
  const { container, name } = splitNodeId(id);
  if (!to || to === name) return definition;
  return edit(definition, (copy) => {
    const machine = machineAt(copy, container);
    if (!machine || !isObject(machine.States) || to in machine.States) throw new Error(`A state named "${to}" exists`);
    renameKey(machine.States, name, to);
    redirect(machine.States, name, to);
    if (machine.StartAt === name) machine.StartAt = to;
  });
}

/** What a connection from a source handle sets. */
export type Port = "next" | "default" | `choice:${number}` | "choice:new" | `catch:${number}` | "catch:new";

function newRule(state: JsonObject, machine: JsonObject, definition: JsonObject, target: string): JsonObject {
  const jsonata = (state.QueryLanguage ?? machine.QueryLanguage ?? definition.QueryLanguage) === "JSONata";
  return jsonata ? { Condition: "{% true %}", Next: target } : { Variable: "$.value", IsPresent: true, Next: target };
}

/** Point a state's port at `targetId` (both in the same container). */
export function connect(definition: JsonObject, sourceId: string, port: Port, targetId: string): JsonObject {
  const source = splitNodeId(sourceId);
  const target = splitNodeId(targetId);
  if (source.container !== target.container) throw new Error("Connect states of the same branch");
  return edit(definition, (copy) => {
    const machine = machineAt(copy, source.container)!;
    const state = stateAt(copy, sourceId);
    if (!state) return;
    const name = target.name;
    const [kind, index] = port.split(":");
    if (kind === "next") {
      if (state.Type === "Choice") {
        state.Default = name;
        return;
      }
      delete state.End;
      state.Next = name;
    } else if (kind === "default") state.Default = name;
    else if (kind === "choice") setListNext(state, "Choices", index, name, () => newRule(state, machine, copy, name));
    else setListNext(state, "Catch", index, name, () => ({ ErrorEquals: ["States.ALL"], Next: name }));
  });
}

function setListNext(state: JsonObject, field: string, index: string, name: string, make: () => JsonObject): void {
  if (!Array.isArray(state[field])) state[field] = [];
  const list = state[field] as Json[];
  const item = index === "new" ? undefined : list[Number(index)];
  if (isObject(item)) item.Next = name;
  else list.push(make());
}

/** Replace one state's JSON (from the inspector or the code view). */
export function replaceState(definition: JsonObject, id: string, state: JsonObject): JsonObject {
  const { container, name } = splitNodeId(id);
  return edit(definition, (copy) => {
    const states = machineAt(copy, container)?.States;
    if (isObject(states)) states[name] = structuredClone(state);
  });
}

/** Add a branch (one Pass state) to a Parallel state. */
export function addBranch(definition: JsonObject, parallelId: string): JsonObject {
  return edit(definition, (copy) => {
    const state = stateAt(copy, parallelId);
    if (!state) return;
    if (!Array.isArray(state.Branches)) state.Branches = [];
    const n = state.Branches.length + 1;
    state.Branches.push({ StartAt: `Branch ${n} step`, States: { [`Branch ${n} step`]: { Type: "Pass", End: true } } });
  });
}

/** Make `name` the first state of a container. */
export function setStartAt(definition: JsonObject, container: string, name: string): JsonObject {
  return edit(definition, (copy) => {
    const machine = machineAt(copy, container);
    if (machine) machine.StartAt = name;
  });
}

/** Remove one transition: a Next (the state then ends), a Default, a Choice rule or a catcher. */
export function disconnect(definition: JsonObject, sourceId: string, kind: string, index: number): JsonObject {
  return edit(definition, (copy) => {
    const state = stateAt(copy, sourceId);
    if (!state) return;
    if (kind === "next") {
      delete state.Next;
      state.End = true;
    } else if (kind === "default") delete state.Default;
    else if (kind === "choice" && Array.isArray(state.Choices)) state.Choices.splice(index, 1);
    else if (kind === "catch" && Array.isArray(state.Catch)) {
      state.Catch.splice(index, 1);
      if (state.Catch.length === 0) delete state.Catch;
    }
  });
}

/** A copy of a state to paste: renamed if taken, ending its machine. */
export function pasteState(definition: JsonObject, container: string, name: string, state: JsonObject, afterId?: string): JsonObject {
  const copy = structuredClone(state);
  delete copy.Next;
  delete copy.Default;
  if (copy.Type !== "Succeed" && copy.Type !== "Fail" && copy.Type !== "Choice") copy.End = true;
  return addState(definition, container, uniqueName(definition, container, name), copy, afterId);
}
