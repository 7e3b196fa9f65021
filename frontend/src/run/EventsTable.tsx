// The event history as the AWS console lists it: ID, type, step, resource, started after, date
// and time, each row opening to its details; filtered by text, type and failures; virtualized.
import { useMemo, useRef, useState } from "react";
import { eventTypes, filterEvents, isNoFilter, NO_FILTER, type EventFilter } from "../live/eventFilter";
import type { RunModel } from "../live/runModel";
import { eventDetails, isFailureType, type WireEvent } from "../live/wire";
import InjectedTag from "./InjectedTag";
import VirtualRows from "./VirtualRows";

const ROW = 28;
const OPEN = 220;

function stepOf(model: RunModel, event: WireEvent): string {
  const details = eventDetails(event);
  if (typeof details.name === "string") return details.name;
  return model.entryOf(event.id)?.name ?? "";
}

function resourceOf(event: WireEvent): string {
  const details = eventDetails(event);
  return typeof details.resource === "string" ? details.resource : "";
}

/** The matching indices, extended with only the new events while the filter stays the same. */
function useFiltered(events: readonly WireEvent[], filter: EventFilter, version: number): number[] | null {
  const cache = useRef<{ filter: EventFilter; upto: number; indices: number[]; events: readonly WireEvent[] } | null>(null);
  return useMemo(() => {
    if (isNoFilter(filter)) return null;
    let c = cache.current;
    if (!c || c.filter !== filter || c.events !== events || c.upto > events.length) c = { filter, upto: 0, indices: [], events };
    filterEvents(events, filter, c.upto, c.indices);
    c.upto = events.length;
    cache.current = c;
    return [...c.indices];
    // `version` says the events array grew in place.
  }, [events, filter, version]);
}

export default function EventsTable({ model, version }: { model: RunModel; version: number }) {
  const [filter, setFilter] = useState<EventFilter>(NO_FILTER);
  const [open, setOpen] = useState<number | null>(null);
  const events = model.events;
  const filtered = useFiltered(events, filter, version);
  const count = filtered ? filtered.length : events.length;
  const types = useMemo(() => eventTypes(events), [events, Math.floor(version / 30)]);
  const start = model.execution.start ?? model.firstTime ?? 0;
  const openIndex = open === null ? null : filtered ? filtered.indexOf(open) : open;
  return (
    <section aria-label="Events" className="events-view">
      <div className="row filters">
        <input aria-label="Search events" placeholder="Search events" value={filter.text} onChange={(e) => setFilter({ ...filter, text: e.target.value })} />
        <select aria-label="Event type" value={filter.type} onChange={(e) => setFilter({ ...filter, type: e.target.value })}>
          <option value="">All types</option>
          {types.map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
        <label><input type="checkbox" checked={filter.failuresOnly} onChange={(e) => setFilter({ ...filter, failuresOnly: e.target.checked })} /> Failures only</label>
        <span className="muted" aria-live="polite">{count} of {events.length} events</span>
      </div>
      <VirtualRows
        label="Event history"
        count={count}
        rowHeight={ROW}
        height={420}
        openIndex={openIndex !== null && openIndex >= 0 ? openIndex : null}
        openHeight={OPEN}
        header={<div role="row" className="vrow events-row head"><span role="columnheader">ID</span><span role="columnheader">Type</span><span role="columnheader">Step</span><span role="columnheader">Resource</span><span role="columnheader">Started after</span><span role="columnheader">Date and time</span></div>}
        renderRow={(i, style) => {
          const index = filtered ? filtered[i] : i;
          const e = events[index];
          const isOpen = open === index;
          return (
            <div key={e.id} role="row" data-event-id={e.id} className={`vrow events-row${isFailureType(e.type) ? " row-failed" : ""}`} style={style}>
              <span role="cell"><button className="link" aria-expanded={isOpen} aria-label={`Details of event ${e.id}`} onClick={() => setOpen(isOpen ? null : index)}>{isOpen ? "▾" : "▸"} {e.id}</button></span>
              <span role="cell">{e.type}</span>
              <span role="cell">{stepOf(model, e)}<InjectedTag cause={eventDetails(e).cause} /></span>
              <span role="cell" className="ellipsis" title={resourceOf(e)}>{resourceOf(e)}</span>
              <span role="cell">{Math.round((e.timestamp - start) * 1000)} ms</span>
              <span role="cell">{new Date(e.timestamp * 1000).toLocaleString()}</span>
              {isOpen && <pre className="event-details" aria-label={`Event ${e.id} details`}>{JSON.stringify(e, null, 2)}</pre>}
            </div>
          );
        }}
      />
    </section>
  );
}
