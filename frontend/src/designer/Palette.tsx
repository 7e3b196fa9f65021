// The states browser: Actions, Flow, Patterns, with a search box. Drag an item onto the canvas,
// or press Enter on it to add it after the selected state.
import { useEffect, useMemo, useState } from "react";
import { FLOW, PATTERNS, actionItems, searchItems, type PaletteItem } from "../asl/templates";
import { getResources, type Resources } from "../api/client";
import { PALETTE_MIME } from "../canvas/Canvas";

const TABS = ["Flow", "Actions", "Patterns"] as const;

/** The palette's items and the local resources behind them (handlers; models and bound endpoint names). */
export function usePaletteItems(): { items: PaletteItem[]; lambdas: string[]; endpoints: string[] } {
  const [resources, setResources] = useState<Resources>({ lambdas: [], models: [], endpoints: {} });
  useEffect(() => {
    getResources().then(setResources).catch(() => undefined);
  }, []);
  return useMemo(() => {
    const bound = Object.keys(resources.endpoints).filter((e) => e !== "error");
    return {
      items: [...FLOW, ...actionItems(resources.lambdas, resources.models), ...PATTERNS],
      lambdas: resources.lambdas,
      endpoints: [...new Set([...bound, ...resources.models])],
    };
  }, [resources]);
}

export default function Palette({ items, onAdd }: { items: PaletteItem[]; onAdd: (item: PaletteItem) => void }) {
  const [tab, setTab] = useState<(typeof TABS)[number]>("Flow");
  const [query, setQuery] = useState("");
  const shown = query ? searchItems(items, query) : items.filter((i) => i.tab === tab);
  return (
    <aside className="palette" aria-label="States browser">
      <input type="search" placeholder="Search states" aria-label="Search states" value={query} onChange={(e) => setQuery(e.target.value)} />
      <div role="tablist" className="tabs">
        {TABS.map((t) => (
          <button key={t} role="tab" aria-selected={tab === t && !query} onClick={() => { setTab(t); setQuery(""); }}>
            {t}
          </button>
        ))}
      </div>
      <ul className="palette-items">
        {shown.map((item) => (
          <li key={item.key}>
            <button
              className={`palette-item type-${item.state.Type}`}
              draggable
              data-palette={item.key}
              aria-label={`Add ${item.label}`}
              title={`${item.hint}. Drag onto the canvas, or press Enter to add after the selected state.`}
              onDragStart={(e) => {
                e.dataTransfer.setData(PALETTE_MIME, item.key);
                e.dataTransfer.effectAllowed = "move";
              }}
              onClick={() => onAdd(item)}
            >
              <span className="palette-label">{item.label}</span>
              <span className="palette-hint">{item.hint}</span>
            </button>
          </li>
        ))}
        {shown.length === 0 && <li className="muted">Nothing matches.</li>}
      </ul>
    </aside>
  );
}
