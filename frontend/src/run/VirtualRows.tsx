// A scrolling list that renders only the rows in view (plus a margin), for histories and tables
// of 100,000 rows. Rows have one height; one row at a time may be opened taller.
import { useState, type ReactNode } from "react";

interface Props {
  count: number;
  rowHeight: number;
  height: number;
  openIndex?: number | null;
  openHeight?: number; // the extra height of the open row
  label: string;
  header: ReactNode;
  renderRow: (index: number, style: React.CSSProperties) => ReactNode;
}

const MARGIN = 8;

export default function VirtualRows({ count, rowHeight, height, openIndex = null, openHeight = 0, label, header, renderRow }: Props) {
  const [top, setTop] = useState(0);
  const extra = openIndex !== null && openIndex < count ? openHeight : 0;
  const offset = (i: number) => i * rowHeight + (openIndex !== null && i > openIndex ? extra : 0);
  let first = Math.floor(top / rowHeight);
  if (openIndex !== null && first > openIndex) first = Math.max(openIndex, Math.floor((top - extra) / rowHeight));
  const from = Math.max(0, first - MARGIN);
  const to = Math.min(count, first + Math.ceil(height / rowHeight) + MARGIN);
  const rows: ReactNode[] = [];
  for (let i = from; i < to; i++) {
    rows.push(renderRow(i, { position: "absolute", top: offset(i), left: 0, right: 0, height: rowHeight + (i === openIndex ? extra : 0) }));
  }
  return (
    <div role="table" aria-label={label} aria-rowcount={count} className="vtable">
      <div role="rowgroup" className="vtable-head">{header}</div>
      <div className="vtable-body" style={{ height, overflow: "auto", position: "relative" }} onScroll={(e) => setTop(e.currentTarget.scrollTop)}>
        <div role="rowgroup" style={{ height: count * rowHeight + extra, position: "relative" }}>{rows}</div>
      </div>
    </div>
  );
}
