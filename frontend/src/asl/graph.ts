// ASL definition <-> graph. graphToAsl(aslToGraph(d)) equals d, key order included.
import {
  branchId,
  isObject,
  nodeId,
  processorId,
  type Container,
  type Graph,
  type Json,
  type JsonObject,
} from "./types";

/** The field of a Map state that holds its processor, or null. */
export function processorField(state: JsonObject): "ItemProcessor" | "Iterator" | null {
  if (state.Type !== "Map") return null;
  if (isObject(state.ItemProcessor)) return "ItemProcessor";
  if (isObject(state.Iterator)) return "Iterator";
  return null;
}

/** The nested machines of a state: [container id, the machine object, label]. */
export function nestedMachines(id: string, state: JsonObject): [string, JsonObject, string][] {
  if (state.Type === "Parallel" && Array.isArray(state.Branches)) {
    return state.Branches.flatMap((b, i): [string, JsonObject, string][] =>
      isObject(b) ? [[branchId(id, i), b, `Branch ${i + 1}`]] : [],
    );
  }
  const field = processorField(state);
  return field ? [[processorId(id), state[field] as JsonObject, "Item processor"]] : [];
}

function withStates(machine: JsonObject, states: Json): JsonObject {
  const copy: JsonObject = {};
  for (const key of Object.keys(machine)) copy[key] = key === "States" ? states : machine[key];
  return copy;
}

function addContainer(graph: Graph, id: string, owner: string | null, label: string, machine: JsonObject): void {
  const states = machine.States;
  const decomposed = isObject(states);
  const container: Container = {
    id,
    owner,
    label,
    frame: decomposed ? withStates(machine, {}) : machine,
    order: [],
    opaque: {},
    decomposed,
  };
  graph.containers[id] = container;
  if (owner) (graph.owned[owner] ??= []).push(id);
  if (!decomposed) return;
  for (const [name, value] of Object.entries(states)) {
    container.order.push(name);
    if (!isObject(value)) {
      container.opaque[name] = value;
      continue;
    }
    const nid = nodeId(id, name);
    const nested = nestedMachines(nid, value);
    graph.nodes[nid] = { id: nid, name, container: id, state: stripNested(value) };
    for (const [cid, machineObj, childLabel] of nested) addContainer(graph, cid, nid, childLabel, machineObj);
  }
}

/** A copy of the state with each nested machine's States replaced by a placeholder. */
function stripNested(state: JsonObject): JsonObject {
  if (state.Type === "Parallel" && Array.isArray(state.Branches)) {
    const branches = state.Branches.map((b) => (isObject(b) && isObject(b.States) ? withStates(b, {}) : b));
    return { ...state, Branches: branches };
  }
  const field = processorField(state);
  if (field && isObject((state[field] as JsonObject).States)) {
    return { ...state, [field]: withStates(state[field] as JsonObject, {}) };
  }
  return { ...state };
}

export function aslToGraph(definition: JsonObject): Graph {
  const graph: Graph = { containers: {}, nodes: {}, owned: {} };
  addContainer(graph, "", null, "", definition);
  return graph;
}

function buildMachine(graph: Graph, containerId: string): JsonObject {
  const container = graph.containers[containerId];
  if (!container.decomposed) return container.frame;
  const states: JsonObject = {};
  for (const name of container.order) {
    const node = graph.nodes[nodeId(containerId, name)];
    states[name] = node ? buildState(graph, node.id, node.state) : container.opaque[name];
  }
  return withStates(container.frame, states);
}

function buildState(graph: Graph, id: string, state: JsonObject): JsonObject {
  if (state.Type === "Parallel" && Array.isArray(state.Branches)) {
    const branches = state.Branches.map((b, i) => (graph.containers[branchId(id, i)] ? buildMachine(graph, branchId(id, i)) : b));
    return { ...state, Branches: branches };
  }
  const field = processorField(state);
  if (field && graph.containers[processorId(id)]) {
    return { ...state, [field]: buildMachine(graph, processorId(id)) };
  }
  return state;
}

export function graphToAsl(graph: Graph): JsonObject {
  return buildMachine(graph, "");
}

/** The containers inside a state (its branches or its processor), in order. */
export function childContainers(graph: Graph, stateId: string): Container[] {
  return (graph.owned[stateId] ?? []).map((id) => graph.containers[id]);
}

/** The nodes of a container in their States order. */
export function containerNodes(graph: Graph, containerId: string): string[] {
  const container = graph.containers[containerId];
  return container.order.map((n) => nodeId(containerId, n)).filter((id) => id in graph.nodes);
}
