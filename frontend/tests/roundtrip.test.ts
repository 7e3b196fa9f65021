import { describe, expect, it } from "vitest";
import { aslToGraph, graphToAsl } from "../src/asl/graph";
import { isObject } from "../src/asl/types";
import { CONFORMANCE, conformanceDefinitions, exampleDefinitions } from "./corpus";

const roundTrip = (definition: unknown) => {
  if (!isObject(definition)) return definition; // not a machine at all: nothing to draw
  return graphToAsl(aslToGraph(structuredClone(definition)));
};

describe("graph to ASL of ASL to graph keeps every definition, key order included", () => {
  it.each(exampleDefinitions())("example %s", (_file, text) => {
    const definition = JSON.parse(text);
    expect(JSON.stringify(roundTrip(definition))).toBe(JSON.stringify(definition));
  });

  const cases = conformanceDefinitions();
  it.skipIf(cases.length > 0)(`conformance cases: skipped, ${CONFORMANCE} is absent`, () => {});
  it.each(cases)("conformance case %s", (_file, definition) => {
    expect(JSON.stringify(roundTrip(definition))).toBe(JSON.stringify(definition));
  });
});
