import { describe, expect, it } from "vitest";
import { graphEdges } from "../src/asl/edges";
import { aslToGraph } from "../src/asl/graph";
import { addBranch, addState, connect, deleteState, renameState, uniqueName } from "../src/asl/ops";
import { nodeOfPointer, pointerOf } from "../src/asl/paths";
import type { JsonObject } from "../src/asl/types";

const two = (): JsonObject => ({
  StartAt: "A",
  States: { A: { Type: "Pass", Next: "B" }, B: { Type: "Pass", End: true } },
});
const parallel = (): JsonObject => ({
  StartAt: "P",
  States: {
    P: { Type: "Parallel", Branches: [{ StartAt: "X", States: { X: { Type: "Pass", End: true } } }], End: true },
  },
});

describe("graph operations", () => {
  it("inserts a state after another, between it and its Next", () => {
    const d = addState(two(), "", "Middle", { Type: "Pass" }, "/A");
    expect(d.States).toEqual({ A: { Type: "Pass", Next: "Middle" }, B: { Type: "Pass", End: true }, Middle: { Type: "Pass", Next: "B" } });
  });

  it("adds a state alone as the end of its machine, and as StartAt of an empty one", () => {
    expect((addState(two(), "", "C", { Type: "Wait", Seconds: 1 }).States as JsonObject).C).toEqual({ Type: "Wait", Seconds: 1, End: true });
    const empty = addState({ StartAt: "", States: {} }, "", "First", { Type: "Succeed" });
    expect(empty.StartAt).toBe("First");
  });

  it("deletes a state and sends its predecessors on to its Next", () => {
    const d = deleteState({ StartAt: "A", States: { A: { Type: "Pass", Next: "B" }, B: { Type: "Pass", Next: "C" }, C: { Type: "Succeed" } } }, "/B");
    expect(d.States).toEqual({ A: { Type: "Pass", Next: "C" }, C: { Type: "Succeed" } });
  });

  it("renames a state in place, with every transition to it", () => {
    const d = renameState(two(), "/B", "Bee");
    expect(JSON.stringify(d)).toBe(JSON.stringify({ StartAt: "A", States: { A: { Type: "Pass", Next: "Bee" }, Bee: { Type: "Pass", End: true } } }));
  });

  it("connects Next, a new Choice rule, a Default and a Catch", () => {
    let d: JsonObject = { StartAt: "C", States: { C: { Type: "Choice", Choices: [] }, T: { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", End: true }, F: { Type: "Fail" } } };
    d = connect(d, "/C", "choice:new", "/T");
    d = connect(d, "/C", "default", "/F");
    d = connect(d, "/T", "catch:new", "/F");
    const edges = graphEdges(aslToGraph(d)).map((e) => `${e.source} ${e.kind} ${e.target}`);
    expect(edges).toEqual(["^start start /C", "/C default /F", "/C choice /T", "/T catch /F"]);
  });

  it("refuses to connect states of different branches", () => {
    expect(() => connect(parallel(), "/P", "next", "/P#0/X")).toThrow(/same branch/);
  });

  it("draws Parallel branches as containers and adds one", () => {
    const d = addBranch(parallel(), "/P");
    const graph = aslToGraph(d);
    expect(Object.keys(graph.containers)).toEqual(["", "/P#0", "/P#1"]);
    expect(graph.nodes["/P#1/Branch 2 step"].container).toBe("/P#1");
  });

  it("finds unique names and the node a JSON pointer falls in", () => {
    expect(uniqueName(two(), "", "A")).toBe("A 2");
    const ids = Object.keys(aslToGraph(parallel()).nodes);
    expect(pointerOf("/P#0/X")).toBe("/States/P/Branches/0/States/X");
    expect(nodeOfPointer("/States/P/Branches/0/States/X/Next", ids)).toBe("/P#0/X");
    expect(nodeOfPointer("/StartAt", ids)).toBeNull();
  });
});
