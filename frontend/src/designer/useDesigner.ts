// The designer's state and actions for one state machine; components call these and render.
import { useCallback, useEffect, useMemo, useState } from "react";
import { graphEdges } from "../asl/edges";
import { aslToGraph } from "../asl/graph";
import { nodeOfPointer } from "../asl/paths";
import type { JsonObject } from "../asl/types";
import { ApiError, getStateMachine, updateStateMachine, validateDefinition, type Problem, type StateMachineDetail } from "../api/client";
import { keepPinned } from "../layout/elkGraph";
import { useLayout } from "../layout/useLayout";
import * as ed from "./editor";
import { configDirty, configSaveProblems, draftOf, refusedConfigField, saveBody, type ConfigDraft, type ConfigField } from "./machineConfig";

type Pinned = Record<string, { x: number; y: number }>;

export function useDesigner(name: string) {
  const [machine, setMachine] = useState<StateMachineDetail | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [editor, setEditor] = useState<ed.EditorState | null>(null);
  const [pinned, setPinned] = useState<Pinned>({});
  const [layoutDirty, setLayoutDirty] = useState(false);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [status, setStatus] = useState<string>("");
  // The Config tab's role and tags as edited (saved with the definition), and the field a refused save named.
  const [config, setConfig] = useState<ConfigDraft | null>(null);
  const [configRefused, setConfigRefused] = useState<{ field: ConfigField; message: string } | null>(null);

  useEffect(() => {
    let live = true;
    getStateMachine(name)
      .then((m) => {
        if (!live) return;
        performance.mark("switchyard:machine-fetched");
        setMachine(m);
        setEditor(ed.openText(m.definition));
        setPinned(m.layout?.positions ?? {});
        setConfig(draftOf(m));
      })
      .catch((e: Error) => live && setLoadError(e.message));
    return () => {
      live = false;
    };
  }, [name]);

  const definition = editor?.present.definition;
  const graph = useMemo(() => (definition ? aslToGraph(definition) : null), [definition]);
  const edges = useMemo(() => (graph ? graphEdges(graph) : []), [graph]);

  const [preferElk, setPreferElk] = useState(false);
  const layout = useLayout(graph, edges, preferElk);
  const boxes = useMemo(() => keepPinned(layout.boxes, pinned), [layout.boxes, pinned]);

  // The server's validator, a moment after each change of the text.
  const text = editor?.codeText;
  useEffect(() => {
    if (text === undefined) return;
    const timer = setTimeout(() => {
      validateDefinition(text)
        .then((found) => setProblems((old) => (JSON.stringify(old) === JSON.stringify(found) ? old : found)))
        .catch(() => undefined);
    }, 250);
    return () => clearTimeout(timer);
  }, [text]);

  const problemsByNode = useMemo(() => {
    const byNode: Record<string, string[]> = {};
    const ids = graph ? Object.keys(graph.nodes) : [];
    for (const p of problems) {
      const id = nodeOfPointer(p.path, ids);
      if (id) (byNode[id] ??= []).push(p.message);
    }
    return byNode;
  }, [problems, graph]);

  const apply = useCallback((edit: (d: JsonObject) => JsonObject) => {
    setEditor((current) => {
      if (!current) return current;
      try {
        return ed.commitDefinition(current, edit(current.present.definition));
      } catch (e) {
        setStatus((e as Error).message);
        return current;
      }
    });
  }, []);

  const save = useCallback(async () => {
    if (!editor || !machine || !config) return false;
    // A role or tags AWS would refuse stop the save here, as the server would.
    const refused = configSaveProblems(config, machine);
    if (refused.length) {
      setStatus(`Not saved: ${refused.join("; ")}`);
      return false;
    }
    const definitionText = ed.definitionToSave(editor);
    try {
      const body = saveBody(definitionText, { positions: pinned }, config, machine);
      const updated = await updateStateMachine(name, body);
      setMachine(updated);
      setEditor((current) => (current ? ed.saved(current) : current));
      setLayoutDirty(false);
      setConfigRefused(null);
      const configSent = "role_arn" in body || "tags" in body;
      setStatus(definitionText !== undefined ? "Saved" : configSent ? "Saved (configuration and layout; definition unchanged)" : "Saved (layout only; definition unchanged)");
      return true;
    } catch (e) {
      setStatus(`Not saved: ${(e as Error).message}`);
      const field = e instanceof ApiError ? refusedConfigField(e.body) : null;
      if (field) setConfigRefused({ field, message: (e as ApiError).detail });
      return false;
    }
  }, [editor, machine, config, name, pinned]);

  /** An edit in the Config tab: the role ARN or the tags (all rows). */
  const editConfig = useCallback((change: Partial<ConfigDraft>) => {
    setConfig((current) => (current ? { ...current, ...change } : current));
    setConfigRefused((r) => (r && ((r.field === "role_arn" && "roleArn" in change) || (r.field === "tags" && "tags" in change)) ? null : r));
  }, []);

  const pin = useCallback((id: string, x: number, y: number) => {
    setPinned((p) => ({ ...p, [id]: { x: Math.round(x), y: Math.round(y) } }));
    setLayoutDirty(true);
  }, []);
  /** A renamed state keeps the positions set for it and for what is inside it. */
  const renamePins = useCallback((from: string, to: string) => {
    setPinned((p) => {
      const moved = (id: string) => (id === from || id.startsWith(`${from}/`) || id.startsWith(`${from}#`) ? to + id.slice(from.length) : id);
      return Object.fromEntries(Object.entries(p).map(([id, xy]) => [moved(id), xy]));
    });
  }, []);
  const autoLayout = useCallback(() => {
    setPreferElk(true);
    setPinned({});
    setLayoutDirty(true);
  }, []);

  return {
    machine, loadError, editor, setEditor, graph, edges, boxes, problems, problemsByNode, selected, setSelected,
    status, setStatus, apply, save, pin, renamePins, autoLayout, layoutMs: layout.ms, layoutError: layout.error, layoutEngine: layout.engine,
    config, editConfig, configRefused,
    dirty: (editor ? ed.isDirty(editor) : false) || layoutDirty || (config && machine ? configDirty(config, machine) : false),
    undo: () => setEditor((c) => (c ? ed.undo(c) : c)),
    redo: () => setEditor((c) => (c ? ed.redo(c) : c)),
    typeCode: (value: string) => setEditor((c) => (c ? ed.typeCode(c, value) : c)),
  };
}

export type Designer = ReturnType<typeof useDesigner>;
