// The designer's keyboard shortcuts; typing in a field or the code view is left alone.
import { useEffect, useRef } from "react";

interface Shortcuts {
  undo: () => void;
  redo: () => void;
  copy: () => void;
  paste: () => void;
  save: () => void;
  fit: () => void;
  layout: () => void;
}

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));
}

export function useShortcuts(shortcuts: Shortcuts): void {
  const ref = useRef(shortcuts);
  ref.current = shortcuts;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const s = ref.current;
      const mod = e.ctrlKey || e.metaKey;
      if (mod && e.key.toLowerCase() === "s") {
        e.preventDefault();
        s.save();
        return;
      }
      if (typing(e.target)) return;
      const key = e.key.toLowerCase();
      const action =
        mod && key === "z" ? (e.shiftKey ? s.redo : s.undo)
        : mod && key === "y" ? s.redo
        : mod && key === "c" ? s.copy
        : mod && key === "v" ? s.paste
        : !mod && key === "f" ? s.fit
        : !mod && key === "l" ? s.layout
        : null;
      if (action) {
        e.preventDefault();
        action();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}
