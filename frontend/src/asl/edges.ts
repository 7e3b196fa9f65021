// The transitions of a graph, read from the states' own fields (Next, Default, Choices, Catch).
import { nodeId, isObject, type Edge, type Graph, type JsonObject } from "./types";

export const START_SUFFIX = "^start";
export const END_SUFFIX = "^end";

function choiceLabel(rule: JsonObject, index: number): string {
  if (typeof rule.Condition === "string") return rule.Condition.replace(/^\{%\s*|\s*%\}$/g, "");
  const variable = typeof rule.Variable === "string" ? rule.Variable : "";
  const op = Object.keys(rule).find((k) => k !== "Variable" && k !== "Next" && k !== "Assign" && k !== "Output");
  if (variable && op) return `${variable} ${op} ${JSON.stringify(rule[op])}`.slice(0, 40);
  return `Rule ${index + 1}`;
}

/** Every edge of the graph. Targets that name no state in the same container are left out. */
export function graphEdges(graph: Graph): Edge[] {
  const edges: Edge[] = [];
  const add = (source: string, container: string, target: unknown, kind: Edge["kind"], index: number, label: string) => {
    if (typeof target !== "string") return;
    const tid = nodeId(container, target);
    if (!(tid in graph.nodes)) return;
    edges.push({ id: `${source}->${kind}${index}->${tid}`, source, target: tid, kind, index, label });
  };
  for (const container of Object.values(graph.containers)) {
    if (container.decomposed) add(container.id + START_SUFFIX, container.id, container.frame.StartAt, "start", 0, "");
  }
  for (const node of Object.values(graph.nodes)) {
    const { state, container, id } = node;
    add(id, container, state.Next, "next", 0, "");
    add(id, container, state.Default, "default", 0, "Default");
    if (Array.isArray(state.Choices)) {
      state.Choices.forEach((rule, i) => isObject(rule) && add(id, container, rule.Next, "choice", i, choiceLabel(rule, i)));
    }
    if (Array.isArray(state.Catch)) {
      state.Catch.forEach((c, i) => {
        if (!isObject(c)) return;
        const errors = Array.isArray(c.ErrorEquals) ? c.ErrorEquals.join(", ") : "Catch";
        add(id, container, c.Next, "catch", i, `Catch ${errors}`);
      });
    }
  }
  return edges;
}

/** Whether a state ends its machine (End, Succeed, Fail). */
export function isTerminal(state: JsonObject): boolean {
  return state.End === true || state.Type === "Succeed" || state.Type === "Fail";
}
