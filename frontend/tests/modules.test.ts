import { describe, expect, it } from "vitest";
import { definitionDiff, lineDiff } from "../src/asl/diff";
import { graphEdges } from "../src/asl/edges";
import { fieldsFor, queryLanguage, withField } from "../src/asl/fields";
import { aslToGraph } from "../src/asl/graph";
import { importDefinition } from "../src/asl/importText";
import { JsonSyntaxError, parseLocated, spanOf } from "../src/asl/jsonText";
import { actionItems, FLOW, PATTERNS, searchItems } from "../src/asl/templates";
import { STATE_TYPES } from "../src/asl/types";
import { buildFlow, topOf, type StateView } from "../src/canvas/flowModel";
import { commitDefinition, definitionToSave, isDirty, openText, redo, typeCode, undo } from "../src/designer/editor";
import { absoluteBoxes, diagramSvg } from "../src/export/diagram";
import { executionPath, parseRoute } from "../src/router";

const STORED = '{ "StartAt": "A",\n  "States": {"A": {"Type": "Pass", "End": true}} }';

describe("the editor keeps the stored text until an edit", () => {
  it("sends no definition when nothing was edited, or when every edit was undone", () => {
    let state = openText(STORED);
    expect(definitionToSave(state)).toBeUndefined();
    state = commitDefinition(state, { StartAt: "A", States: { A: { Type: "Succeed" } } });
    expect(isDirty(state)).toBe(true);
    expect(definitionToSave(state)).toContain('"Succeed"');
    state = undo(state);
    expect(definitionToSave(state)).toBeUndefined();
    expect(state.codeText).toBe(STORED);
    expect(definitionToSave(redo(state))).toContain('"Succeed"');
  });

  it("keeps the last valid definition while the typed text is not JSON, and says where", () => {
    const state = typeCode(openText(STORED), '{"StartAt": "A",, }');
    expect(state.present.text).toBe(STORED);
    expect(state.codeError?.offset).toBe(16);
    const fixed = typeCode(state, '{"StartAt": "B", "States": {"B": {"Type": "Succeed"}}}');
    expect(fixed.codeError).toBeNull();
    expect(fixed.present.definition.StartAt).toBe("B");
  });
});

describe("JSON text with positions", () => {
  it("finds the span of a pointer's value and of its key", () => {
    const text = '{"States": {"A": {"Next": "X"}}}';
    const { spans } = parseLocated(text);
    const [from, to] = spanOf(spans, "/States/A/Next")!;
    expect(text.slice(from, to)).toBe('"Next"');
    expect(text.slice(...spans.get("/States/A/Next")!)).toBe('"X"');
    expect(spanOf(spans, "/")).toEqual([0, 1]);
  });

  it("keeps key order like JSON.parse and rejects trailing text", () => {
    const text = '{"b": 1, "a": [true, null, -1.5e3, "s\\"q"]}';
    expect(JSON.stringify(parseLocated(text).value)).toBe(JSON.stringify(JSON.parse(text)));
    expect(() => parseLocated("{} x")).toThrow(JsonSyntaxError);
  });
});

describe("diff", () => {
  it("lists removed and added lines around the common ones", () => {
    expect(lineDiff("a\nb\nc", "a\nc\nd").map((l) => `${l.kind[0]}${l.text}`)).toEqual(["sa", "rb", "sc", "ad"]);
  });

  it("ignores formatting differences between definitions", () => {
    expect(definitionDiff('{"a":1}', '{\n  "a": 1\n}').every((l) => l.kind === "same")).toBe(true);
  });
});

describe("the palette", () => {
  it("offers every state type by its ASL name, the Task flavours and the patterns", () => {
    expect(FLOW.map((i) => i.state.Type)).toEqual([...STATE_TYPES]);
    const actions = actionItems(["word-count"], ["minilm"]);
    expect(actions.map((a) => a.key)).toEqual(["lambda:word-count", "model:minilm", "activity", "callback", "http"]);
    expect(String(actions[3].state.Resource)).toMatch(/waitForTaskToken$/);
    expect(PATTERNS).toHaveLength(4);
    expect(searchItems([...FLOW, ...PATTERNS], "backoff").map((i) => i.key)).toEqual(["retry"]);
  });
});

describe("the inspector's fields", () => {
  it("shows JSONata fields for a JSONata state and every other field it has", () => {
    const keys = fieldsFor({ Type: "Task", Resource: "r", Custom: 1 }, true).map((f) => f.key);
    expect(keys).toContain("Arguments");
    expect(keys).not.toContain("InputPath");
    expect(keys).toContain("Custom");
    expect(queryLanguage({}, "JSONata")).toBe("JSONata");
  });

  it("sets Next in place of End, keeping key order", () => {
    expect(JSON.stringify(withField({ Type: "Pass", End: true }, "Next", "B"))).toBe('{"Type":"Pass","Next":"B"}');
  });
});

describe("import", () => {
  it("keeps JSON text as given and turns YAML into JSON", async () => {
    expect((await importDefinition(STORED)).text).toBe(STORED);
    const yaml = await importDefinition("StartAt: A\nStates:\n  A:\n    Type: Succeed\n");
    expect(JSON.parse(yaml.text)).toEqual({ StartAt: "A", States: { A: { Type: "Succeed" } } });
    await expect(importDefinition("just: text")).rejects.toThrow(/no States/);
  });
});

describe("routes", () => {
  it("reads an execution ARN with its colons as it is", () => {
    const arn = "arn:aws:states:us-east-1:123456789012:execution:m:run-1";
    expect(parseRoute(executionPath(arn))).toEqual({ page: "execution", arn });
    expect(parseRoute("/machines/my%20flow")).toEqual({ page: "machine", name: "my flow" });
    expect(parseRoute("/")).toEqual({ page: "start" });
  });
});

describe("the canvas model and the exported picture", () => {
  const definition = {
    StartAt: "P",
    States: { P: { Type: "Parallel", Branches: [{ StartAt: "X", States: { X: { Type: "Pass", End: true } } }], Next: "Bad" }, Bad: { Type: "Fail" } },
  };
  const graph = aslToGraph(definition);
  const flow = buildFlow({ graph, edges: graphEdges(graph), boxes: {}, problems: { "/Bad": ["wrong"] } });

  it("draws a nested state inside its group, its transitions between the group's handles", () => {
    expect(flow.nodes.map((n) => n.id)).toEqual(["^start", "/P", "/Bad", "^end"]);
    const group = flow.nodes.find((n) => n.id === "/P")!.data as unknown as StateView;
    const [branch] = group.containers;
    expect(branch.id).toBe("/P#0");
    expect(branch.states.map((s) => [s.id, s.group])).toEqual([["/P#0/X", "P"]]);
    const start = flow.edges.find((e) => e.target === "/P" && e.targetHandle === "/P#0/X|in")!;
    expect(start.sourceHandle).toBe("/P#0^start|next");
    expect(topOf("/P#0/X")).toBe("/P");
    expect((flow.nodes.find((n) => n.id === "/Bad")!.domAttributes as Record<string, string>)["aria-invalid"]).toBe("true");
  });

  it("draws an SVG with every state's name", () => {
    const svg = diagramSvg(flow.nodes, flow.edges);
    expect(svg).toContain("Parallel · P");
    expect(svg).toContain("Pass · X");
    const boxes = absoluteBoxes(flow.nodes);
    expect(boxes["/P#0/X"].x).toBeGreaterThanOrEqual(boxes["/P"].x);
  });
});
