// The Table view: one row per state entry (status, iteration, attempts, start, duration),
// sortable by any column; virtualized.
import { useMemo, useState } from "react";
import { formatDuration } from "../live/nodeInfo";
import type { Entry, RunModel } from "../live/runModel";
import VirtualRows from "./VirtualRows";

type Key = "seq" | "name" | "status" | "attempts" | "start" | "duration";
const COLUMNS: [Key, string][] = [["seq", "#"], ["name", "State"], ["status", "Status"], ["attempts", "Attempts"], ["start", "Start"], ["duration", "Duration"]];

function value(e: Entry, key: Key, now: number): number | string {
  switch (key) {
    case "name": return e.name;
    case "status": return e.status;
    case "attempts": return e.attempts.length;
    case "start": return e.start;
    case "duration": return (e.end ?? now) - e.start;
    default: return e.seq;
  }
}

export default function EntriesTable({ model, version, now, onSelect }: { model: RunModel; version: number; now: number; onSelect: (name: string, seq: number) => void }) {
  const [sort, setSort] = useState<{ key: Key; desc: boolean }>({ key: "seq", desc: false });
  const [status, setStatus] = useState("");
  const [text, setText] = useState("");
  const rows = useMemo(() => {
    const needle = text.toLowerCase();
    const list = status || needle ? model.entries.filter((e) => (!status || e.status === status) && (!needle || e.name.toLowerCase().includes(needle))) : [...model.entries];
    if (sort.key !== "seq" || sort.desc) {
      list.sort((a, b) => {
        const x = value(a, sort.key, now), y = value(b, sort.key, now);
        const order = x < y ? -1 : x > y ? 1 : a.seq - b.seq;
        return sort.desc ? -order : order;
      });
    }
    return list;
    // `version`: the model grew in place.
  }, [model, sort, status, text, version, sort.key === "duration" ? now : 0]);
  const start = model.execution.start ?? model.firstTime ?? 0;
  return (
    <section aria-label="State table">
      <div className="row filters">
        <input aria-label="Filter states by name" placeholder="State name" value={text} onChange={(e) => setText(e.target.value)} />
        <select aria-label="Entry status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">Every status</option>
          {["RUNNING", "RETRYING", "SUCCEEDED", "FAILED", "CAUGHT", "ABORTED"].map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
        <span className="muted">{rows.length} of {model.entries.length} entries</span>
      </div>
      <VirtualRows
        label="State entries"
        count={rows.length}
        rowHeight={28}
        height={420}
        header={
          <div role="row" className="vrow entries-row head">
            {COLUMNS.map(([key, title]) => (
              <span key={key} role="columnheader" aria-sort={sort.key === key ? (sort.desc ? "descending" : "ascending") : "none"}>
                <button className="link" onClick={() => setSort({ key, desc: sort.key === key ? !sort.desc : false })}>{title}{sort.key === key ? (sort.desc ? " ▾" : " ▴") : ""}</button>
              </span>
            ))}
          </div>
        }
        renderRow={(i, style) => {
          const e = rows[i];
          const where = e.scope.iteration ? ` (${e.scope.iteration.map.name} #${e.scope.iteration.index})` : "";
          return (
            <div key={e.seq} role="row" className={`vrow entries-row status-row-${e.status.toLowerCase()}`} style={style} data-entry-status={e.status} onClick={() => onSelect(e.name, e.seq)}>
              <span role="cell">{e.seq + 1}</span>
              <span role="cell">{e.name}{where}</span>
              <span role="cell"><span className={`badge status-${e.status.toLowerCase()}`}>{e.status}</span></span>
              <span role="cell">{e.attempts.length || ""}</span>
              <span role="cell">+{formatDuration(Math.max(0, e.start - start))}</span>
              <span role="cell">{formatDuration((e.end ?? now) - e.start)}{e.end === null ? " …" : ""}</span>
            </div>
          );
        }}
      />
    </section>
  );
}
