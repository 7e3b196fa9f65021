// Which fields the inspector offers for a state, by type and query language. Pure data.
import type { JsonObject } from "./types";

export type FieldKind = "text" | "number" | "json" | "next" | "boolean" | "retry" | "catch";

export interface Field {
  key: string;
  kind: FieldKind;
  hint?: string;
}

const common = (jsonata: boolean): Field[] =>
  jsonata
    ? [{ key: "Arguments", kind: "json", hint: "JSONata: the input of the work, e.g. {\"id\": \"{% $states.input.id %}\"}" }, { key: "Output", kind: "json", hint: "JSONata: the state's output" }, { key: "Assign", kind: "json", hint: "Variables to set" }]
    : [{ key: "InputPath", kind: "text", hint: "JSONPath, e.g. $.order" }, { key: "Parameters", kind: "json" }, { key: "ResultSelector", kind: "json" }, { key: "ResultPath", kind: "text", hint: "Where the result goes, e.g. $.result" }, { key: "OutputPath", kind: "text" }, { key: "Assign", kind: "json" }];

const flow: Field[] = [{ key: "Next", kind: "next" }, { key: "End", kind: "boolean" }];
const errors: Field[] = [{ key: "Retry", kind: "retry" }, { key: "Catch", kind: "catch" }];

const byType: Record<string, (jsonata: boolean) => Field[]> = {
  Pass: (j) => [...(j ? [] : [{ key: "Result", kind: "json" as const }]), ...common(j).filter((f) => f.key !== "ResultSelector" && f.key !== "Arguments"), ...flow],
  Task: (j) => [{ key: "Resource", kind: "text" }, ...common(j), { key: "TimeoutSeconds", kind: "number" }, { key: "HeartbeatSeconds", kind: "number" }, ...errors, ...flow],
  Choice: (j) => [{ key: "Choices", kind: "json", hint: j ? "[{\"Condition\": \"{% $states.input.x > 1 %}\", \"Next\": \"...\"}]" : "[{\"Variable\": \"$.x\", \"NumericGreaterThan\": 1, \"Next\": \"...\"}]" }, { key: "Default", kind: "next" }, ...(j ? [{ key: "Output", kind: "json" as const }] : [{ key: "InputPath", kind: "text" as const }, { key: "OutputPath", kind: "text" as const }]), { key: "Assign", kind: "json" }],
  Wait: (j) => [{ key: "Seconds", kind: j ? "text" : "number" }, { key: "Timestamp", kind: "text" }, ...(j ? [] : [{ key: "SecondsPath", kind: "text" as const }, { key: "TimestampPath", kind: "text" as const }]), ...common(j).filter((f) => ["InputPath", "OutputPath", "Output", "Assign"].includes(f.key)), ...flow],
  Succeed: (j) => common(j).filter((f) => ["InputPath", "OutputPath", "Output"].includes(f.key)),
  Fail: (j) => [{ key: "Error", kind: "text" }, { key: "Cause", kind: "text" }, ...(j ? [] : [{ key: "ErrorPath", kind: "text" as const }, { key: "CausePath", kind: "text" as const }])],
  Parallel: (j) => [...common(j), ...errors, ...flow],
  Map: (j) => [j ? { key: "Items", kind: "json" } : { key: "ItemsPath", kind: "text", hint: "JSONPath of the array, e.g. $.items" }, { key: j ? "ItemSelector" : "ItemSelector", kind: "json" }, { key: "MaxConcurrency", kind: "number" }, { key: "ToleratedFailurePercentage", kind: "number" }, ...common(j).filter((f) => f.key !== "Parameters"), ...errors, ...flow],
};

const NESTED = new Set(["Type", "Branches", "ItemProcessor", "Iterator", "QueryLanguage", "Comment"]);

/** The fields to show for `state`: its type's fields, then any other field it has. */
export function fieldsFor(state: JsonObject, jsonata: boolean): Field[] {
  const known = (byType[String(state.Type)] ?? (() => []))(jsonata);
  const keys = new Set(known.map((f) => f.key));
  const others = Object.keys(state).filter((k) => !keys.has(k) && !NESTED.has(k)).map((key): Field => ({ key, kind: "json" }));
  return [{ key: "Comment", kind: "text" }, ...known, ...others];
}

/** The state's query language: its own, else the machine's, else JSONPath. */
export function queryLanguage(state: JsonObject, machineLanguage: unknown): "JSONata" | "JSONPath" {
  const lang = state.QueryLanguage ?? machineLanguage;
  return lang === "JSONata" ? "JSONata" : "JSONPath";
}

/** The state with `key` set to `value`, or removed when value is undefined; key order kept. */
export function withField(state: JsonObject, key: string, value: JsonObject[string] | undefined): JsonObject {
  const copy: JsonObject = { ...state };
  if (value === undefined) delete copy[key];
  else copy[key] = value;
  if (key === "Next" && value !== undefined) delete copy.End;
  if (key === "End" && value === true) delete copy.Next;
  return copy;
}
