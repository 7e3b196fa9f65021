// Canvas and palette gestures turned into definition edits.
import type { Connection, Edge as FlowEdge } from "@xyflow/react";
import { useCallback, useRef } from "react";
import { START_SUFFIX } from "../asl/edges";
import { addBranch, addState, connect, deleteState, disconnect, pasteState, renameState, replaceState, setStartAt, uniqueName, type Port } from "../asl/ops";
import { splitNodeId, stateAt } from "../asl/paths";
import type { PaletteItem } from "../asl/templates";
import { nodeId, type JsonObject } from "../asl/types";
import type { DropTarget } from "../canvas/Canvas";
import type { Designer } from "./useDesigner";

const PORTS: Record<string, Port> = { next: "next", default: "default", choice: "choice:new", catch: "catch:new" };

/** The state and port a handle stands for: a nested state's handles are "<state id>|<port>" on its group. */
function endpoint(node: string, handle: string | null | undefined): { id: string; port: string } {
  const cut = handle ? handle.lastIndexOf("|") : -1;
  return cut < 0 ? { id: node, port: handle ?? "next" } : { id: handle!.slice(0, cut), port: handle!.slice(cut + 1) };
}

export function useEditActions(d: Designer, items: PaletteItem[]) {
  const clipboard = useRef<{ name: string; state: JsonObject } | null>(null);
  const { apply, selected } = d;

  const addItem = useCallback((item: PaletteItem, target?: DropTarget) => {
    const definition = d.editor?.present.definition;
    if (!definition) return;
    const container = target?.container ?? (selected ? splitNodeId(selected).container : "");
    const afterId = target ? target.afterId : (selected ?? undefined);
    const name = uniqueName(definition, container, item.name);
    // Dropped on empty canvas: the state stays where it was dropped (its centre under the pointer).
    if (target && !target.afterId && container === "") d.pin(nodeId(container, name), target.position.x - 100, target.position.y - 26);
    apply((def) => addState(def, container, name, item.state, afterId));
  }, [apply, selected, d]);

  const onDropItem = useCallback((key: string, target: DropTarget) => {
    const item = items.find((i) => i.key === key);
    if (item) addItem(item, target);
  }, [items, addItem]);

  const onConnect = useCallback((c: Connection) => {
    const source = endpoint(c.source, c.sourceHandle);
    const target = endpoint(c.target, c.targetHandle);
    if (source.id.endsWith(START_SUFFIX)) {
      const container = source.id.slice(0, -START_SUFFIX.length);
      apply((def) => setStartAt(def, container, splitNodeId(target.id).name));
      return;
    }
    apply((def) => connect(def, source.id, PORTS[source.port] ?? "next", target.id));
  }, [apply]);

  const onDeleteNodes = useCallback((ids: string[]) => {
    const states = ids.filter((id) => !id.includes("^") && !/#\w+$/.test(id));
    if (states.length) apply((def) => states.reduce((acc, id) => (stateAt(acc, id) ? deleteState(acc, id) : acc), def));
    d.setSelected(null);
  }, [apply, d]);

  const onDeleteEdges = useCallback((edges: FlowEdge[]) => {
    const removable = edges.filter((e) => e.data?.kind && e.data.kind !== "start");
    // Highest index first, so removing one Choice rule does not shift the next one.
    removable.sort((a, b) => Number(b.data!.index) - Number(a.data!.index));
    if (removable.length) apply((def) => removable.reduce((acc, e) => disconnect(acc, String(e.data!.source), String(e.data!.kind), Number(e.data!.index)), def));
  }, [apply]);

  const copy = useCallback(() => {
    const def = d.editor?.present.definition;
    const state = def && selected ? stateAt(def, selected) : null;
    if (state && selected) clipboard.current = { name: splitNodeId(selected).name, state: structuredClone(state) };
  }, [d.editor, selected]);

  const paste = useCallback(() => {
    const c = clipboard.current;
    if (!c) return;
    const container = selected ? splitNodeId(selected).container : "";
    apply((def) => pasteState(def, container, c.name, c.state, selected ?? undefined));
  }, [apply, selected]);

  return {
    addItem, onDropItem, onConnect, onDeleteNodes, onDeleteEdges, copy, paste,
    replace: (id: string, state: JsonObject) => apply((def) => replaceState(def, id, state)),
    /** Rename a state; true when it was renamed. */
    rename: (id: string, name: string): boolean => {
      if (!name || name === splitNodeId(id).name) return false;
      const definition = d.editor?.present.definition;
      if (!definition || uniqueName(definition, splitNodeId(id).container, name) !== name) {
        d.setStatus(`Not renamed: a state named "${name}" exists there`);
        return false;
      }
      const renamed = nodeId(splitNodeId(id).container, name);
      apply((def) => renameState(def, id, name));
      d.renamePins(id, renamed);
      d.setSelected(renamed);
      return true;
    },
    addBranch: (id: string) => apply((def) => addBranch(def, id)),
  };
}
