// Local-test settings kept beside a definition (docs/testing.md): the fault plan and the virtual
// clock. Pure: the shapes the REST API takes, the checks made before a save, short summaries.

export type FaultType = "error" | "latency" | "timeout" | "heartbeat";
export type DistributionKind = "uniform" | "normal" | "exponential";

/** A number as typed: a number once it reads as one, else the text (which the checks refuse). */
export type Typed = number | string;

export interface Fault {
  type: FaultType;
  error?: string;
  cause?: string;
  probability?: Typed;
  seconds?: Typed;
  distribution?: { uniform: [Typed, Typed] } | { normal: [Typed, Typed] } | { exponential: Typed };
}

export interface FaultPlan {
  seed?: Typed;
  states: Record<string, Fault[]>;
}

/** `"skip"`, `{"factor": f}` (real seconds per virtual second), or null for real time. */
export type Clock = "skip" | { factor: number } | { mode: "skip" } | true | null;

export interface LocalSettings {
  faults: FaultPlan | null;
  clock: Clock;
}

/** The state types a fault plan applies to (executor/resources/intercept.py: a Task's call). */
export const FAULT_STATE_TYPES: ReadonlySet<string> = new Set(["Task"]);

export const FAULT_TYPES: { type: FaultType; label: string }[] = [
  { type: "error", label: "Error" },
  { type: "latency", label: "Latency" },
  { type: "timeout", label: "Timeout" },
  { type: "heartbeat", label: "Missed heartbeat" },
];

export const EMPTY_PLAN: FaultPlan = { seed: 0, states: {} };

/** The text of a number field read back: "" is unset, a number is a number, anything else stays text. */
export function typed(text: string): Typed | undefined {
  const t = text.trim();
  if (t === "") return undefined;
  return /^-?(\d+\.?\d*|\.\d+)(e-?\d+)?$/i.test(t) && !t.endsWith(".") ? Number(t) : text;
}

export function newFault(type: FaultType): Fault {
  if (type === "error") return { type, error: "", probability: 1 };
  if (type === "latency") return { type, seconds: 1, probability: 1 };
  return { type, probability: 1 };
}

/** A latency fault switched between a fixed time and a distribution of the given kind. */
export function withLatencyKind(fault: Fault, kind: "fixed" | DistributionKind): Fault {
  const { seconds: _s, distribution: _d, ...rest } = fault;
  if (kind === "fixed") return { ...rest, seconds: 1 };
  if (kind === "uniform") return { ...rest, distribution: { uniform: [0.5, 2] } };
  if (kind === "normal") return { ...rest, distribution: { normal: [1, 0.25] } };
  return { ...rest, distribution: { exponential: 1 } };
}

export function latencyKind(fault: Fault): "fixed" | DistributionKind {
  return fault.distribution ? (Object.keys(fault.distribution)[0] as DistributionKind) : "fixed";
}

/** The plan with `state`'s faults replaced (an empty list removes the state). */
export function withStateFaults(plan: FaultPlan, state: string, faults: Fault[]): FaultPlan {
  const states = { ...plan.states };
  if (faults.length) states[state] = faults;
  else delete states[state];
  return { ...plan, states };
}

/** The plan after a state was renamed: its faults follow it. */
export function renamedInPlan(plan: FaultPlan, from: string, to: string): FaultPlan {
  if (!(from in plan.states) || from === to) return plan;
  const states = Object.fromEntries(Object.entries(plan.states).map(([name, f]) => [name === from ? to : name, f]));
  return { ...plan, states };
}

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

function distributionProblem(fault: Fault): string | null {
  const d = fault.distribution as Record<string, unknown>;
  const [kind] = Object.keys(d);
  const args = d[kind];
  if (kind === "exponential") return isNumber(args) && args > 0 ? null : "the mean must be a number above 0";
  const [a, b] = args as Typed[];
  if (!isNumber(a) || !isNumber(b)) return kind === "uniform" ? "low and high must be numbers" : "mean and stddev must be numbers";
  if (kind === "uniform" && !(a >= 0 && a <= b)) return "low must be at least 0 and at most high";
  if (kind === "normal" && (a < 0 || b < 0)) return "mean and stddev cannot be below 0";
  return null;
}

/** What is wrong with one fault, by field (`probability`, `error`, `seconds`, `distribution`); empty when nothing. */
export function faultProblems(fault: Fault): Record<string, string> {
  const problems: Record<string, string> = {};
  const p = fault.probability;
  if (p !== undefined && !(isNumber(p) && p >= 0 && p <= 1)) problems.probability = "a number from 0 to 1";
  if (fault.type === "error" && !(typeof fault.error === "string" && fault.error.trim())) problems.error = "an error name is needed";
  if (fault.type === "latency") {
    if (fault.distribution) {
      const problem = distributionProblem(fault);
      if (problem) problems.distribution = problem;
    } else if (!(isNumber(fault.seconds) && fault.seconds >= 0)) {
      problems.seconds = "a number of seconds, 0 or more";
    }
  }
  return problems;
}

export function seedProblem(seed: Typed | undefined): string | null {
  if (seed === undefined || typeof seed === "string") return null; // any text is a seed too
  return Number.isInteger(seed) ? null : "a whole number or a text";
}

/** Every problem of the plan, as "<state> fault <n>: <field> ..." lines; empty when it can be saved. */
export function planProblems(plan: FaultPlan): string[] {
  const lines: string[] = [];
  const seed = seedProblem(plan.seed);
  if (seed) lines.push(`seed: ${seed}`);
  for (const [state, faults] of Object.entries(plan.states)) {
    faults.forEach((f, i) => {
      for (const [field, message] of Object.entries(faultProblems(f))) lines.push(`${state} fault ${i + 1}: ${field}: ${message}`);
    });
  }
  return lines;
}

/** What the REST API stores: null when no state has a fault. */
export function planToSave(plan: FaultPlan): FaultPlan | null {
  const states = Object.fromEntries(Object.entries(plan.states).filter(([, faults]) => faults.length > 0));
  if (Object.keys(states).length === 0) return null;
  return { ...(plan.seed !== undefined ? { seed: plan.seed } : {}), states };
}

/** The fault of a refusal such as "Invalid fault plan: states.Charge[1].seconds ...", when it names one. */
export function refusedFault(message: string): { state: string; index: number } | null {
  const match = /states\.(.+?)\[(\d+)\]/.exec(message);
  return match ? { state: match[1], index: Number(match[2]) } : null;
}

const percent = (p: Typed | undefined) => (p === undefined || p === 1 ? "" : ` · ${isNumber(p) ? Math.round(p * 1000) / 10 : p}%`);

/** One line for a fault: "error Boom · 50%", "latency uniform 0.5–3 s", "timeout", "missed heartbeat". */
export function faultSummary(fault: Fault): string {
  const chance = percent(fault.probability);
  if (fault.type === "error") return `error ${fault.error || "?"}${chance}`;
  if (fault.type === "timeout") return `timeout${chance}`;
  if (fault.type === "heartbeat") return `missed heartbeat${chance}`;
  if (!fault.distribution) return `latency ${fault.seconds} s${chance}`;
  const [kind, args] = Object.entries(fault.distribution)[0] as [string, Typed | Typed[]];
  return `latency ${kind} ${Array.isArray(args) ? args.join(kind === "uniform" ? "–" : " ± ") : args} s${chance}`;
}

/** Per state name, the summary a canvas badge shows: one line per fault, joined. */
export function faultBadges(plan: FaultPlan | null | undefined): Record<string, string> {
  if (!plan) return {};
  return Object.fromEntries(Object.entries(plan.states).filter(([, f]) => f.length).map(([state, faults]) => [state, faults.map(faultSummary).join("; ")]));
}

export type ClockMode = "real" | "skip" | "scaled";

/** A stored clock as the form shows it. */
export function clockMode(clock: Clock | undefined): { mode: ClockMode; factor: number } {
  if (clock === "skip" || clock === true) return { mode: "skip", factor: 0 };
  if (clock && typeof clock === "object") {
    if ("mode" in clock) return { mode: "skip", factor: 0 };
    return clock.factor === 0 ? { mode: "skip", factor: 0 } : { mode: "scaled", factor: clock.factor };
  }
  return { mode: "real", factor: 1 };
}

/** The clock the REST API takes for a form's choice; throws when a scaled clock's factor is out of range. */
export function clockValue(mode: ClockMode, factor: Typed | undefined): Clock {
  if (mode === "real") return null;
  if (mode === "skip") return "skip";
  if (!isNumber(factor) || factor <= 0 || factor > 1) throw new Error("The clock's factor is real seconds per virtual second: a number above 0, at most 1");
  return { factor };
}
