// Reading a definition pasted or uploaded as JSON or YAML (as the AWS console exports either).
import { isObject, type JsonObject } from "./types";

export interface Imported {
  text: string; // what becomes the definition text: JSON as given, or YAML turned into JSON
  definition: JsonObject;
}

export async function importDefinition(source: string): Promise<Imported> {
  const trimmed = source.trim();
  if (trimmed.startsWith("{")) {
    const definition = JSON.parse(trimmed);
    if (!isObject(definition)) throw new Error("The JSON is not an object");
    return { text: source, definition };
  }
  const { parse } = await import("yaml");
  const definition = parse(source);
  if (!isObject(definition) || !("States" in definition)) {
    throw new Error("Neither JSON nor YAML of a state machine (no States field)");
  }
  return { text: JSON.stringify(definition, null, 2), definition: definition as JsonObject };
}
