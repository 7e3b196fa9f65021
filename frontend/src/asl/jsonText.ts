// JSON text with positions: where each JSON pointer's value sits, and where a syntax error is.
// JSON.parse gives neither in a portable way. Pure.
import type { Json } from "./types";

export class JsonSyntaxError extends Error {
  // `reason`: the message without its location.
  constructor(message: string, readonly offset: number, readonly reason: string = message) {
    super(message);
  }
}

export interface Located {
  value: Json;
  spans: Map<string, [number, number]>; // JSON pointer -> [from, to) of its value (a key's span for "<pointer>#key")
}

const escapePointer = (s: string) => s.replace(/~/g, "~0").replace(/\//g, "~1");

/** Parse `text`; return the value and the span of every value by JSON pointer. Raises JsonSyntaxError. */
export function parseLocated(text: string): Located {
  const spans = new Map<string, [number, number]>();
  let pos = 0;
  const fail = (message: string): never => {
    const line = text.slice(0, pos).split("\n").length;
    throw new JsonSyntaxError(`${message} at line ${line}`, pos, message);
  };
  const ws = () => {
    while (pos < text.length && " \t\n\r".includes(text[pos])) pos++;
  };
  const str = (): string => {
    const start = pos;
    pos++;
    while (pos < text.length && text[pos] !== '"') pos += text[pos] === "\\" ? 2 : 1;
    if (pos >= text.length) fail("Unterminated string");
    pos++;
    try {
      return JSON.parse(text.slice(start, pos)) as string;
    } catch {
      pos = start;
      return fail("Bad string");
    }
  };
  const value = (pointer: string): Json => {
    ws();
    const start = pos;
    const result = parseValue(pointer);
    spans.set(pointer, [start, pos]);
    return result;
  };
  const parseValue = (pointer: string): Json => {
    const c = text[pos];
    if (c === "{") {
      pos++;
      const obj: Record<string, Json> = {};
      ws();
      if (text[pos] === "}") return pos++, obj;
      for (;;) {
        ws();
        if (text[pos] !== '"') fail("Expected a property name in double quotes");
        const keyStart = pos;
        const key = str();
        spans.set(`${pointer}/${escapePointer(key)}#key`, [keyStart, pos]);
        ws();
        if (text[pos] !== ":") fail("Expected ':' after a property name");
        pos++;
        obj[key] = value(`${pointer}/${escapePointer(key)}`);
        ws();
        if (text[pos] === ",") pos++;
        else if (text[pos] === "}") return pos++, obj;
        else fail("Expected ',' or '}' after a property value");
      }
    }
    if (c === "[") {
      pos++;
      const arr: Json[] = [];
      ws();
      if (text[pos] === "]") return pos++, arr;
      for (;;) {
        arr.push(value(`${pointer}/${arr.length}`));
        ws();
        if (text[pos] === ",") pos++;
        else if (text[pos] === "]") return pos++, arr;
        else fail("Expected ',' or ']' after an array element");
      }
    }
    if (c === '"') return str();
    const m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(pos, pos + 400));
    if (!m) return fail(pos >= text.length ? "Unexpected end of JSON" : `Unexpected character '${c}'`);
    pos += m[0].length;
    return JSON.parse(m[0]) as Json;
  };
  const result = value("");
  ws();
  if (pos < text.length) fail("Unexpected text after the JSON value");
  return { value: result, spans };
}

/** The span to mark for a problem at `pointer`: its value, else the nearest enclosing one. */
export function spanOf(spans: Map<string, [number, number]>, pointer: string): [number, number] | null {
  let p = pointer === "/" ? "" : pointer;
  for (;;) {
    const key = spans.get(`${p}#key`);
    if (key) return key;
    const span = spans.get(p);
    if (span) return p === "" ? [span[0], Math.min(span[1], span[0] + 1)] : span;
    if (p === "") return null;
    p = p.slice(0, p.lastIndexOf("/"));
  }
}
