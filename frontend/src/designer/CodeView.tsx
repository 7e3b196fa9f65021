// The ASL JSON in CodeMirror: typing updates the graph when the text parses; the server's
// problems and a syntax error are marked where they are.
import { json } from "@codemirror/lang-json";
import { Annotation } from "@codemirror/state";
import { lintGutter, setDiagnostics, type Diagnostic } from "@codemirror/lint";
import { EditorView, basicSetup } from "codemirror";
import { useEffect, useRef } from "react";
import { parseLocated, spanOf } from "../asl/jsonText";
import { pointerOf } from "../asl/paths";
import type { Problem } from "../api/client";

const external = Annotation.define<boolean>();

interface Props {
  text: string;
  problems: Problem[];
  syntaxError: { message: string; offset: number } | null;
  selected: string | null;
  onChange: (text: string) => void;
}

function diagnostics(text: string, problems: Problem[], syntaxError: Props["syntaxError"]): Diagnostic[] {
  if (syntaxError) {
    const from = Math.min(syntaxError.offset, text.length);
    return [{ from, to: Math.min(from + 1, text.length), severity: "error", message: syntaxError.message }];
  }
  let spans: Map<string, [number, number]>;
  try {
    spans = parseLocated(text).spans;
  } catch {
    return [];
  }
  return problems.map((p) => {
    const [from, to] = spanOf(spans, p.path) ?? [0, 1];
    return { from, to, severity: p.severity === "WARNING" ? "warning" : "error", message: `${p.message} (${p.path})` };
  });
}

export default function CodeView({ text, problems, syntaxError, selected, onChange }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;

  useEffect(() => {
    const editor = new EditorView({
      doc: text,
      parent: host.current!,
      extensions: [
        basicSetup,
        json(),
        EditorView.lineWrapping,
        lintGutter(),
        EditorView.contentAttributes.of({ "aria-label": "Definition (ASL JSON)" }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged && !u.transactions.some((t) => t.annotation(external))) onChangeRef.current(u.state.doc.toString());
        }),
      ],
    });
    view.current = editor;
    return () => editor.destroy();
  }, []);

  useEffect(() => {
    const editor = view.current;
    if (!editor || editor.state.doc.toString() === text) return;
    editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: text }, annotations: external.of(true) });
  }, [text]);

  useEffect(() => {
    const editor = view.current;
    if (editor) editor.dispatch(setDiagnostics(editor.state, diagnostics(text, problems, syntaxError)));
  }, [text, problems, syntaxError]);

  useEffect(() => {
    const editor = view.current;
    if (!editor || !selected || editor.hasFocus) return;
    try {
      // The whole state selected, so its JSON stands out beside the canvas.
      const span = parseLocated(editor.state.doc.toString()).spans.get(pointerOf(selected));
      if (span) editor.dispatch({ selection: { anchor: span[0], head: span[1] }, effects: EditorView.scrollIntoView(span[0], { y: "start" }) });
    } catch {
      /* invalid text: nothing to point at */
    }
  }, [selected]);

  return <div className="code-view" ref={host} />;
}
