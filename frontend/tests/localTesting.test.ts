import { describe, expect, it } from "vitest";
import { buildFlow, stateAttributes } from "../src/canvas/flowModel";
import { aslToGraph } from "../src/asl/graph";
import { graphEdges } from "../src/asl/edges";
import {
  clockMode, clockValue, faultBadges, faultProblems, faultSummary, newFault, planProblems, planToSave, refusedFault, renamedInPlan,
  typed, withLatencyKind, withStateFaults, type FaultPlan,
} from "../src/designer/localTesting";
import { isInjectedFault } from "../src/live/wire";

describe("a fault plan edited in the designer", () => {
  it("reads typed numbers as numbers and keeps half-typed ones as text", () => {
    expect(typed("0.5")).toBe(0.5);
    expect(typed(" 2 ")).toBe(2);
    expect(typed(".25")).toBe(0.25);
    expect(typed("")).toBeUndefined();
    expect(typed("0.")).toBe("0.");
    expect(typed("lots")).toBe("lots");
  });

  it("adds, replaces and removes a state's faults, dropping a state left without any", () => {
    let plan: FaultPlan = { seed: 7, states: {} };
    plan = withStateFaults(plan, "Charge", [{ type: "error", error: "Boom.Injected", probability: 1 }]);
    plan = withStateFaults(plan, "Ship", [newFault("timeout")]);
    expect(Object.keys(plan.states)).toEqual(["Charge", "Ship"]);
    plan = withStateFaults(plan, "Ship", []);
    expect(plan).toEqual({ seed: 7, states: { Charge: [{ type: "error", error: "Boom.Injected", probability: 1 }] } });
  });

  it("saves null when no state has a fault, and the seed with the states otherwise", () => {
    expect(planToSave({ seed: 3, states: {} })).toBeNull();
    expect(planToSave({ seed: 3, states: { A: [] } })).toBeNull();
    expect(planToSave({ seed: "demo", states: { A: [newFault("heartbeat")], B: [] } })).toEqual({ seed: "demo", states: { A: [{ type: "heartbeat", probability: 1 }] } });
  });

  it("moves a renamed state's faults to its new name, keeping the order of states", () => {
    const plan: FaultPlan = { states: { A: [newFault("timeout")], B: [newFault("heartbeat")] } };
    expect(Object.keys(renamedInPlan(plan, "A", "Charge").states)).toEqual(["Charge", "B"]);
    expect(renamedInPlan(plan, "Nope", "X")).toBe(plan);
  });

  it("switches a latency between a fixed time and each distribution", () => {
    const fixed = newFault("latency");
    expect(withLatencyKind(fixed, "uniform")).toEqual({ type: "latency", probability: 1, distribution: { uniform: [0.5, 2] } });
    expect(withLatencyKind(withLatencyKind(fixed, "exponential"), "fixed")).toEqual({ type: "latency", probability: 1, seconds: 1 });
  });
});

describe("the checks made before a fault plan is saved", () => {
  it("needs an error name, a probability from 0 to 1 and non-negative seconds", () => {
    expect(faultProblems({ type: "error", error: " ", probability: 1.5 })).toEqual({ error: "an error name is needed", probability: "a number from 0 to 1" });
    expect(faultProblems({ type: "latency", seconds: -1 })).toEqual({ seconds: "a number of seconds, 0 or more" });
    expect(faultProblems({ type: "latency", seconds: "soon" })).toEqual({ seconds: "a number of seconds, 0 or more" });
    expect(faultProblems({ type: "timeout", probability: "0." })).toEqual({ probability: "a number from 0 to 1" });
    expect(faultProblems({ type: "heartbeat" })).toEqual({});
    expect(faultProblems({ type: "error", error: "Boom", probability: 0 })).toEqual({});
  });

  it("checks each distribution's arguments as the server does", () => {
    expect(faultProblems({ type: "latency", distribution: { uniform: [3, 1] } }).distribution).toMatch(/low must be/);
    expect(faultProblems({ type: "latency", distribution: { uniform: [0, "x"] } }).distribution).toMatch(/must be numbers/);
    expect(faultProblems({ type: "latency", distribution: { normal: [1, -1] } }).distribution).toMatch(/below 0/);
    expect(faultProblems({ type: "latency", distribution: { exponential: 0 } }).distribution).toMatch(/above 0/);
    expect(faultProblems({ type: "latency", distribution: { normal: [2, 0.5] } })).toEqual({});
  });

  it("lists every problem of the plan with its state and fault number", () => {
    const plan: FaultPlan = { seed: 1.5, states: { Charge: [newFault("timeout"), { type: "error", error: "" }] } };
    expect(planProblems(plan)).toEqual(["seed: a whole number or a text", "Charge fault 2: error: an error name is needed"]);
    expect(planProblems({ seed: "any text", states: { A: [newFault("heartbeat")] } })).toEqual([]);
  });

  it("finds the fault a server refusal names", () => {
    expect(refusedFault("Invalid fault plan: states.Charge[1].distribution.uniform is [low, high]")).toEqual({ state: "Charge", index: 1 });
    expect(refusedFault("seed must be an integer or a string")).toBeNull();
  });
});

describe("what the designer shows of a fault plan", () => {
  it("summarises each fault in a line", () => {
    expect(faultSummary({ type: "error", error: "Boom.Injected", probability: 1 })).toBe("error Boom.Injected");
    expect(faultSummary({ type: "error", error: "Busy", probability: 0.25 })).toBe("error Busy · 25%");
    expect(faultSummary({ type: "latency", seconds: 2 })).toBe("latency 2 s");
    expect(faultSummary({ type: "latency", distribution: { uniform: [0.5, 3] }, probability: 0.2 })).toBe("latency uniform 0.5–3 s · 20%");
    expect(faultSummary({ type: "latency", distribution: { normal: [2, 0.5] } })).toBe("latency normal 2 ± 0.5 s");
    expect(faultSummary({ type: "heartbeat", probability: 0.05 })).toBe("missed heartbeat · 5%");
  });

  it("puts a badge on the node of each rigged state, nested ones included, and nowhere else", () => {
    const definition = { StartAt: "Charge", States: {
      Charge: { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", Next: "Each" },
      Each: { Type: "Map", ItemProcessor: { StartAt: "Work", States: { Work: { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", End: true } } }, End: true },
    } };
    const graph = aslToGraph(definition);
    const badges = faultBadges({ seed: 1, states: { Charge: [newFault("timeout"), { type: "error", error: "E", probability: 0.5 }], Work: [newFault("heartbeat")] } });
    const { nodes } = buildFlow({ graph, edges: graphEdges(graph), boxes: {}, problems: {}, faults: badges });
    const charge = nodes.find((n) => n.id === "/Charge")!.data as { faults?: string; containers: { states: { name: string; faults?: string }[] }[] };
    expect(charge.faults).toBe("timeout; error E · 50%");
    const each = nodes.find((n) => n.id === "/Each")!.data as typeof charge;
    expect(each.faults).toBeUndefined();
    expect(each.containers[0].states[0].faults).toBe("missed heartbeat");
    expect(stateAttributes(charge as never)["data-faults"]).toBe("timeout; error E · 50%");
  });
});

describe("the virtual clock in the run dialog", () => {
  it("reads every form the server stores", () => {
    expect(clockMode(null)).toEqual({ mode: "real", factor: 1 });
    expect(clockMode("skip").mode).toBe("skip");
    expect(clockMode({ mode: "skip" }).mode).toBe("skip");
    expect(clockMode({ factor: 0 }).mode).toBe("skip");
    expect(clockMode({ factor: 0.01 })).toEqual({ mode: "scaled", factor: 0.01 });
  });

  it("gives the server's forms back, and refuses a factor out of range", () => {
    expect(clockValue("real", undefined)).toBeNull();
    expect(clockValue("skip", undefined)).toBe("skip");
    expect(clockValue("scaled", 0.001)).toEqual({ factor: 0.001 });
    expect(() => clockValue("scaled", 2)).toThrow(/at most 1/);
    expect(() => clockValue("scaled", "fast")).toThrow(/a number above 0/);
  });
});

describe("a failure on the run page", () => {
  it("is an injected fault when its cause says so", () => {
    expect(isInjectedFault("Injected fault: card network down")).toBe(true);
    expect(isInjectedFault("Injected fault: the task timed out (TimeoutSeconds 5)")).toBe(true);
    expect(isInjectedFault("card network down")).toBe(false);
    expect(isInjectedFault(undefined)).toBe(false);
  });
});
