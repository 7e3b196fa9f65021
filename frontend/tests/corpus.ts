// The definitions the round-trip tests run on: examples/ and, when present, ../shared/conformance.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

export const REPO = resolve(__dirname, "../..");
export const CONFORMANCE = resolve(REPO, "../shared/conformance/cases");

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? walk(path) : path.endsWith(".json") ? [path] : [];
  });
}

export function exampleDefinitions(): [string, string][] {
  const dir = join(REPO, "examples");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".asl.json"))
    .map((f) => [f, readFileSync(join(dir, f), "utf8")]);
}

/** [case file, definition object] for every conformance case; empty when ../shared is absent. */
export function conformanceDefinitions(): [string, unknown][] {
  if (!existsSync(CONFORMANCE)) return [];
  return walk(CONFORMANCE).flatMap((path): [string, unknown][] => {
    const data = JSON.parse(readFileSync(path, "utf8"));
    const definition = typeof data.definition === "string" ? tryParse(data.definition) : data.definition;
    return definition === undefined ? [] : [[path.slice(CONFORMANCE.length + 1), definition]];
  });
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
