// "Run again from a state": where the re-run starts, the input it offers, the JSON check of the edit.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { RunModel } from "../src/live/runModel";
import type { WireEvent } from "../src/live/wire";
import { assignsVariables, checkInput, checkVariables, editableJson, offeredInput, rerunTarget } from "../src/run/rerun";

// Prep (Pass), then Map "Each" over [{id: 1}, {id: 2}] whose Task "Work" runs inside the iterations.
const HISTORY: WireEvent[] = JSON.parse(readFileSync(new URL("./fixtures/map-retry-history.json", import.meta.url), "utf8"));
const DEFINITION = {
  StartAt: "Prep",
  States: {
    Prep: { Type: "Pass", Next: "Each" },
    Each: { Type: "Map", End: true, ItemProcessor: { StartAt: "Work", States: { Work: { Type: "Task", Resource: "arn:x", End: true } } } },
    Fan: { Type: "Parallel", End: true, Branches: [{ StartAt: "Left", States: { Left: { Type: "Pass", End: true } } },
      { StartAt: "Deep", States: { Deep: { Type: "Map", End: true, Iterator: { StartAt: "Deepest", States: { Deepest: { Type: "Pass", End: true } } } } } }] },
  },
};

describe("a re-run starts at a top-level state", () => {
  it("starts at the state itself when it is at the top level", () => {
    expect(rerunTarget(DEFINITION, "Prep")).toEqual({ state: "Prep", inside: null });
    expect(rerunTarget(DEFINITION, "Each")).toEqual({ state: "Each", inside: null });
  });

  it("starts at the Map or Parallel that holds a nested state, however deep", () => {
    expect(rerunTarget(DEFINITION, "Work")).toEqual({ state: "Each", inside: "Work" });
    expect(rerunTarget(DEFINITION, "Left")).toEqual({ state: "Fan", inside: "Left" });
    expect(rerunTarget(DEFINITION, "Deepest")).toEqual({ state: "Fan", inside: "Deepest" });
  });

  it("offers nothing for a name the definition does not have", () => {
    expect(rerunTarget(DEFINITION, "Nowhere")).toBeNull();
    expect(rerunTarget([], "Prep")).toBeNull();
  });
});

describe("the input offered is what the state received", () => {
  const model = new RunModel();
  model.apply(HISTORY);

  it("is the top-level state's input from the run, indented", () => {
    expect(offeredInput(model, "Each")).toBe(JSON.stringify({ items: [{ id: 1 }, { id: 2 }] }, null, 2));
  });

  it("keeps every value as recorded: indented only when parsing and writing again changes nothing", () => {
    expect(editableJson('{"a":[1,"x"]}')).toBe('{\n  "a": [\n    1,\n    "x"\n  ]\n}');
    expect(editableJson('{"id":9007199254740993}')).toBe('{"id":9007199254740993}');
    expect(editableJson('{"ratio":1.0}')).toBe('{"ratio":1.0}');
  });

  it("never comes from an entry inside an iteration, and is {} for a state that did not run", () => {
    expect(offeredInput(model, "Work")).toBe("{}");
    expect(offeredInput(model, "Oops")).toBe("{}");
  });
});

describe("the edited input is checked as JSON", () => {
  it("accepts JSON and gives its value", () => {
    expect(checkInput('{"a": [1, 2]}')).toEqual({ ok: true, value: { a: [1, 2] } });
    expect(checkInput("3")).toEqual({ ok: true, value: 3 });
  });

  it("says on which line and column the JSON goes wrong", () => {
    const check = checkInput('{\n  "a": 1,\n  "b": }');
    expect(check).toMatchObject({ ok: false, line: 3, column: 8 });
    expect(!check.ok && check.message).toBe("Line 3, column 8: Unexpected character '}'");
  });

  it("points past the end of text that stops short, and at the start of empty text", () => {
    expect(checkInput('{"a": 1')).toMatchObject({ ok: false, line: 1, column: 8 });
    expect(checkInput("")).toMatchObject({ ok: false, line: 1, column: 1 });
  });
});

describe("variables are offered where the definition assigns them", () => {
  it("finds an Assign at the top level or inside a Map or Parallel", () => {
    expect(assignsVariables(DEFINITION)).toBe(false);
    expect(assignsVariables({ StartAt: "A", States: { A: { Type: "Pass", Assign: { x: 1 }, End: true } } })).toBe(true);
    const nested = structuredClone(DEFINITION) as typeof DEFINITION & { States: { Fan: { Branches: { States: Record<string, object> }[] } } };
    nested.States.Fan.Branches[0].States.Left = { Type: "Pass", Assign: { seen: true }, End: true };
    expect(assignsVariables(nested)).toBe(true);
  });

  it("takes a JSON object only, and says where JSON goes wrong", () => {
    expect(checkVariables('{"batch": "b9"}')).toEqual({ ok: true, value: { batch: "b9" } });
    expect(checkVariables("[1]")).toMatchObject({ ok: false, message: "The variables must be a JSON object of names and values" });
    expect(checkVariables('{"batch": }')).toMatchObject({ ok: false, line: 1, column: 11 });
  });
});
