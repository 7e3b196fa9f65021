import { readFileSync } from "node:fs";
import { join } from "node:path";
import ELK from "elkjs/lib/elk.bundled.js";
import { describe, expect, it } from "vitest";
import { graphEdges } from "../src/asl/edges";
import { aslToGraph } from "../src/asl/graph";
import { fromElk, keepPinned, toElk, type ElkNode } from "../src/layout/elkGraph";
import { REPO } from "./corpus";

const pipeline = JSON.parse(readFileSync(join(REPO, "examples/document-pipeline.asl.json"), "utf8"));

async function layout(definition: object) {
  const graph = aslToGraph(definition as never);
  const elk = toElk(graph, graphEdges(graph));
  return fromElk((await new ELK().layout(elk as never)) as ElkNode);
}

describe("layout", () => {
  it("places every state, nested ones inside their Map's processor", async () => {
    const boxes = await layout(pipeline);
    expect(Object.keys(boxes)).toEqual(expect.arrayContaining(["/EachDocument", "/EachDocument#p", "/EachDocument#p/CountWords", "/Summary"]));
    const map = boxes["/EachDocument"];
    const processor = boxes["/EachDocument#p"];
    expect(processor.x + processor.width).toBeLessThanOrEqual(map.width);
    expect(boxes["/Summary"].y).toBeGreaterThan(map.y + map.height - 1);
  });

  it("puts each state below the one before it", async () => {
    const boxes = await layout({ StartAt: "A", States: { A: { Type: "Pass", Next: "B" }, B: { Type: "Pass", End: true } } });
    expect(boxes["/B"].y).toBeGreaterThan(boxes["/A"].y);
  });

  it("keeps the positions the user set", () => {
    const kept = keepPinned({ "/A": { x: 0, y: 0, width: 200, height: 52 }, "/B": { x: 0, y: 100, width: 200, height: 52 } }, { "/A": { x: 500, y: 7 }, "/Gone": { x: 1, y: 1 } });
    expect(kept["/A"]).toEqual({ x: 500, y: 7, width: 200, height: 52 });
    expect(kept["/B"].y).toBe(100);
    expect(kept["/Gone"]).toBeUndefined();
  });
});

describe("the fast layout for large machines", () => {
  it("places every state in layers from the start, nested ones inside their containers", async () => {
    const { fastLayout } = await import("../src/layout/fastLayout");
    const graph = aslToGraph(pipeline);
    const boxes = fastLayout(graph, graphEdges(graph));
    for (const id of [...Object.keys(graph.nodes), ...Object.keys(graph.containers).filter((c) => c)]) expect(boxes[id], id).toBeDefined();
    expect(boxes["/Summary"].y).toBeGreaterThan(boxes["/EachDocument"].y + boxes["/EachDocument"].height - 1);
    const map = boxes["/EachDocument"];
    const processor = boxes["/EachDocument#p"];
    expect(processor.x + processor.width).toBeLessThanOrEqual(map.width);
    expect(boxes["/EachDocument#p/Classify"].y).toBeGreaterThan(boxes["/EachDocument#p/CountWords"].y);
    expect(boxes["^end"].y).toBeGreaterThan(boxes["/Summary"].y);
  });

  it("survives a loop back to an earlier state", async () => {
    const { fastLayout } = await import("../src/layout/fastLayout");
    const graph = aslToGraph({ StartAt: "A", States: { A: { Type: "Pass", Next: "B" }, B: { Type: "Choice", Choices: [{ Variable: "$.x", IsPresent: true, Next: "A" }], Default: "C" }, C: { Type: "Succeed" } } });
    const boxes = fastLayout(graph, graphEdges(graph));
    expect(boxes["/A"].y).toBeLessThan(boxes["/B"].y);
    expect(boxes["/B"].y).toBeLessThan(boxes["/C"].y);
  });
});

describe("Parallel branches", () => {
  it("sit side by side, with ELK as with the fast layout", async () => {
    const greetings = JSON.parse(readFileSync(join(REPO, "examples/parallel-greetings.asl.json"), "utf8"));
    const { fastLayout } = await import("../src/layout/fastLayout");
    const graph = aslToGraph(greetings);
    for (const boxes of [await layout(greetings), fastLayout(graph, graphEdges(graph))]) {
      expect(boxes["/BothAtOnce#1"].x).toBeGreaterThan(boxes["/BothAtOnce#0"].x + boxes["/BothAtOnce#0"].width - 1);
      expect(boxes["/BothAtOnce#1"].y).toBe(boxes["/BothAtOnce#0"].y);
    }
  });
});
