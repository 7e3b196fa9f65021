// The designer's edit state: the definition as text and as an object, undo and redo, and the
// code view's own text (which may be invalid while the canvas keeps the last valid graph). Pure.
import { JsonSyntaxError, parseLocated } from "../asl/jsonText";
import { isObject, type JsonObject } from "../asl/types";

export interface Snapshot {
  text: string;
  definition: JsonObject;
}

export interface EditorState {
  stored: string; // the text as the server has it
  past: Snapshot[];
  present: Snapshot;
  future: Snapshot[];
  codeText: string;
  codeError: { message: string; offset: number } | null;
}

const HISTORY_LIMIT = 200;

export function openText(stored: string): EditorState {
  const parsed = parseLocated(stored).value;
  const definition = isObject(parsed) ? parsed : {};
  return { stored, past: [], present: { text: stored, definition }, future: [], codeText: stored, codeError: null };
}

function push(state: EditorState, snapshot: Snapshot): EditorState {
  return { ...state, past: [...state.past, state.present].slice(-HISTORY_LIMIT), present: snapshot, future: [], codeText: snapshot.text, codeError: null };
}

/** An edit made on the canvas or in the inspector: the text becomes the pretty-printed definition. */
export function commitDefinition(state: EditorState, definition: JsonObject): EditorState {
  return push(state, { text: JSON.stringify(definition, null, 2), definition });
}

/** Text typed in the code view or imported: kept as typed; the graph follows when it parses. */
export function typeCode(state: EditorState, text: string): EditorState {
  try {
    const parsed = parseLocated(text).value;
    if (!isObject(parsed)) return { ...state, codeText: text, codeError: { message: "The definition must be a JSON object", offset: 0 } };
    return push(state, { text, definition: parsed });
  } catch (error) {
    const offset = error instanceof JsonSyntaxError ? error.offset : 0;
    return { ...state, codeText: text, codeError: { message: (error as Error).message, offset } };
  }
}

export function undo(state: EditorState): EditorState {
  const previous = state.past.at(-1);
  if (!previous) return state;
  return { ...state, past: state.past.slice(0, -1), present: previous, future: [state.present, ...state.future], codeText: previous.text, codeError: null };
}

export function redo(state: EditorState): EditorState {
  const next = state.future[0];
  if (!next) return state;
  return { ...state, past: [...state.past, state.present], present: next, future: state.future.slice(1), codeText: next.text, codeError: null };
}

/** What a save sends as the definition: nothing when the text is the stored one, byte for byte. */
export function definitionToSave(state: EditorState): string | undefined {
  return state.present.text === state.stored ? undefined : state.present.text;
}

export function saved(state: EditorState): EditorState {
  return { ...state, stored: state.present.text };
}

export const isDirty = (state: EditorState) => state.present.text !== state.stored;
