// The timeline (Gantt) on a <canvas>: a row per state entry and per Map iteration, a bar per
// state, iteration and attempt; only the rows in view are drawn, so 10,000 iterations scroll
// as fast as ten. Zoom with the buttons; filter to failures; compress idle gaps (live/idleGaps)
// into fixed-width breaks. Drawing and clicks map time and x through the same scale.
import { useEffect, useMemo, useRef, useState } from "react";
import type { RunModel } from "../live/runModel";
import { formatDuration } from "../live/nodeInfo";
import { GAP_PX, gapAt, gapLabel, gapScale, gapThreshold, idleGaps, idleTime, timeToX, workIntervals, xToTime, type Gap } from "../live/idleGaps";
import { barCount, entryAt, rowBars, rowLabel, tickLabel, visibleRows } from "../live/timeline";

const ROW = 18;
const AXIS = 18; // the time axis along the top
const LABEL = 170;
const HEIGHT = 360;
const COLOURS: Record<string, string> = {
  RUNNING: "#3b82f6", SUCCEEDED: "#22c55e", FAILED: "#ef4444", CAUGHT: "#f59e0b", RETRYING: "#a855f7", ABORTED: "#9ca3af",
};

/** Seconds between ticks: a 1-2-5 step about 100 pixels apart. */
function tickStep(pxPerSecond: number): number {
  const raw = 100 / pxPerSecond;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
}

/** A zig-zag down x from y0 to y1: a gap's edge, cutting the bars that cross it. */
function zigzag(g: CanvasRenderingContext2D, x: number, y0: number, y1: number): void {
  g.beginPath();
  g.moveTo(x, y0);
  for (let y = y0, side = 1; y < y1; y += 4, side = -side) g.lineTo(x + side * 2, Math.min(y + 4, y1));
  g.stroke();
}

const HINT = `Draw each stretch longer than max(1 s, 5% of the run) in which no work runs as a ${GAP_PX} px break. `
  + "Work: Task attempts (a Task's retry back-off and a callback's wait for its token are idle) "
  + "and states other than Wait, Map and Parallel (whose iterations and branches count instead).";

interface Props {
  model: RunModel;
  version: number;
  now: number;
  onSelect?: (name: string, seq: number) => void; // a click on a row: its state entry
}

export default function Timeline({ model, version, now, onSelect }: Props) {
  const [zoom, setZoom] = useState(1);
  const [failuresOnly, setFailuresOnly] = useState(false);
  const [compress, setCompress] = useState(false);
  const [scroll, setScroll] = useState({ left: 0, top: 0 });
  const [width, setWidth] = useState(900);
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const rows = useMemo(() => visibleRows(model, failuresOnly), [model, failuresOnly, version]);
  const first = model.firstTime ?? 0;
  const last = Math.max(model.lastTime ?? 0, now);
  // The idle stretches: a sort of the whole run's work, once per model version, not per frame;
  // the gaps among them (fewer than 20) follow `now`.
  const idle = useMemo(() => (compress ? idleTime(workIntervals(model), first) : null), [model, version, compress, first]);
  const gaps = useMemo<Gap[]>(() => (idle ? idleGaps(idle, first, last) : []), [idle, first, last]);
  const scale = useMemo(() => gapScale(first, last, gaps, width - LABEL - 20, zoom), [first, last, gaps, width, zoom]);
  const bars = useMemo(() => barCount(rows), [rows, version]);

  useEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setWidth(el.clientWidth));
    observer.observe(el);
    // Ctrl + wheel zooms, as on a map; a listener of our own, since React's wheel listener is
    // passive and could not keep the browser from zooming the page.
    const onWheel = (e: WheelEvent) => {
      if (!e.ctrlKey) return;
      e.preventDefault();
      setZoom((z) => Math.max(1, e.deltaY < 0 ? z * 1.25 : z / 1.25));
    };
    el.addEventListener("wheel", onWheel, { passive: false });
    return () => {
      observer.disconnect();
      el.removeEventListener("wheel", onWheel);
    };
  }, []);

  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = width * dpr;
    c.height = HEIGHT * dpr;
    const g = c.getContext("2d");
    if (!g) return;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, width, HEIGHT);
    const from = Math.floor(scroll.top / ROW);
    const to = from + Math.ceil((HEIGHT - AXIS) / ROW) + 1;
    const x = (t: number) => LABEL + timeToX(scale, t) - scroll.left;
    const breaks = scale.gaps.map((gap, i) => ({ gap, x0: LABEL + scale.xs[i] - scroll.left })).filter((b) => b.x0 + scale.gapPx > LABEL && b.x0 < width);
    const clipToPlot = () => {
      g.save();
      g.beginPath();
      g.rect(LABEL, 0, width - LABEL, HEIGHT);
      g.clip();
    };
    g.font = "11px system-ui, sans-serif";
    clipToPlot();
    g.fillStyle = "#f1f5f9";
    for (const b of breaks) g.fillRect(b.x0, 0, scale.gapPx, HEIGHT);
    g.restore();
    for (const bar of rowBars(rows, from, to, now)) {
      const y = AXIS + bar.row * ROW - scroll.top;
      const x0 = Math.max(LABEL, x(bar.start));
      const x1 = Math.max(x0 + 1, x(bar.end));
      if (x1 < LABEL || x0 > width) continue;
      g.fillStyle = COLOURS[bar.status] ?? "#64748b";
      if (bar.kind === "iteration") {
        g.globalAlpha = 0.25;
        g.fillRect(x0, y + 2, x1 - x0, ROW - 4);
      } else if (bar.kind === "state") {
        g.globalAlpha = 0.85;
        g.fillRect(x0, y + 4, x1 - x0, ROW - 8);
      } else {
        g.globalAlpha = 1;
        g.fillRect(x0, y + ROW - 5, Math.max(2, x1 - x0 - 1), 3);
      }
    }
    g.globalAlpha = 1;
    g.fillStyle = "#fff";
    g.fillRect(0, 0, LABEL, HEIGHT);
    g.fillRect(0, 0, width, AXIS);
    g.fillStyle = "#1f2937";
    for (let row = from; row < Math.min(to, rows.length); row++) {
      const y = AXIS + row * ROW - scroll.top + 13;
      if (y > AXIS) g.fillText(rowLabel(rows[row]).slice(0, 26), 4, y);
    }
    // The breaks, over the bars that cross them: the band through the axis, a zig-zag down each
    // edge, and the real duration written down the band.
    clipToPlot();
    g.strokeStyle = "#94a3b8";
    g.lineWidth = 1;
    for (const { gap, x0 } of breaks) {
      g.fillStyle = "#f1f5f9";
      g.fillRect(x0, 0, scale.gapPx, AXIS);
      zigzag(g, x0 + 2.5, 0, HEIGHT);
      zigzag(g, x0 + scale.gapPx - 2.5, 0, HEIGHT);
      // Written over the bars with a white halo, so the bars crossing the break still show.
      const text = gapLabel(gap);
      g.save();
      g.translate(x0 + scale.gapPx / 2, AXIS + 4);
      g.rotate(Math.PI / 2);
      g.textBaseline = "middle";
      g.lineJoin = "round";
      g.lineWidth = 3;
      g.strokeStyle = "#fff";
      g.strokeText(text, 0, 0);
      g.fillStyle = "#334155";
      g.fillText(text, 0, 0);
      g.restore();
    }
    g.restore();
    // The time axis: real times since the first event, a tick every `step` within each stretch
    // between breaks and one where each break ends; a label that would run into a break or the
    // label before it is left out.
    const step = tickStep(scale.pxPerSecond);
    const tFrom = xToTime(scale, scroll.left);
    const tTo = xToTime(scale, scroll.left + width - LABEL);
    let taken = -Infinity; // where the last label drawn ends
    g.fillStyle = "#64748b";
    g.strokeStyle = "#e2e8f0";
    const tick = (t: number) => {
      const px = x(t);
      const text = `+${tickLabel(t - first, step)}`;
      const right = px + 2 + g.measureText(text).width;
      if (px < LABEL || px > width || px < taken + 6) return;
      if (breaks.some((b) => right > b.x0 && px < b.x0 + scale.gapPx)) return;
      taken = right;
      g.fillText(text, px + 2, 12);
      g.beginPath();
      g.moveTo(px + 0.5, 0);
      g.lineTo(px + 0.5, AXIS);
      g.stroke();
    };
    for (let k = 0; k <= scale.gaps.length; k++) {
      const segStart = k === 0 ? -Infinity : scale.gaps[k - 1].end;
      const segEnd = k < scale.gaps.length ? scale.gaps[k].start : Infinity;
      if (segEnd < tFrom || segStart > tTo) continue;
      if (k > 0) tick(segStart);
      const until = Math.min(segEnd, tTo);
      for (let n = Math.ceil((Math.max(segStart, tFrom) - first) / step), drawn = 0; first + n * step <= until && drawn < 1000; n++, drawn++) tick(first + n * step);
    }
  }, [rows, version, now, scroll, width, first, scale]);

  const contentWidth = LABEL + timeToX(scale, last) + 20;
  const contentHeight = AXIS + rows.length * ROW;
  const gapsSaid = gaps.length ? `, ${gaps.length} idle ${gaps.length === 1 ? "gap" : "gaps"} compressed` : "";
  return (
    <section aria-label="Timeline" className="timeline">
      <div className="row filters">
        <button aria-label="Zoom the timeline in" onClick={() => setZoom((z) => z * 2)}>+</button>
        <button aria-label="Zoom the timeline out" onClick={() => setZoom((z) => Math.max(1, z / 2))}>−</button>
        <button onClick={() => setZoom(1)}>Fit</button>
        <label><input type="checkbox" checked={failuresOnly} onChange={(e) => setFailuresOnly(e.target.checked)} /> Failures only</label>
        <label title={HINT}><input type="checkbox" checked={compress} onChange={(e) => setCompress(e.target.checked)} /> Compress idle gaps</label>
        <span className="muted">
          {rows.length} rows · {bars} bars · zoom ×{zoom.toFixed(zoom % 1 ? 2 : 0)} (Ctrl + wheel)
          {compress && <> · <span title={HINT}>{gaps.length} idle {gaps.length === 1 ? "gap" : "gaps"} over {formatDuration(gapThreshold(first, last))}</span></>}
          {" "}· click a row for its state
        </span>
      </div>
      <div ref={wrap} className="timeline-scroll" style={{ height: HEIGHT, overflow: "auto", position: "relative" }}
        onScroll={(e) => setScroll({ left: e.currentTarget.scrollLeft, top: e.currentTarget.scrollTop })}>
        <div style={{ width: contentWidth, height: contentHeight, position: "relative" }}>
          <canvas ref={canvas}
            onClick={(e) => {
              const { offsetX, offsetY } = e.nativeEvent;
              if (offsetY < AXIS) return;
              const row = rows[Math.floor((offsetY - AXIS + scroll.top) / ROW)];
              if (!row) return;
              // On the bars, the entry under the pointer, through the scale the bars were drawn with.
              const entry = offsetX < LABEL ? (row.entry ?? row.iteration?.entries.at(-1)) : entryAt(row, xToTime(scale, offsetX - LABEL + scroll.left));
              if (entry && onSelect) onSelect(entry.name, entry.seq);
            }}
            onMouseMove={(e) => {
              // A break's tooltip: its real span.
              const { offsetX } = e.nativeEvent;
              const i = offsetX < LABEL ? -1 : gapAt(scale, offsetX - LABEL + scroll.left);
              const title = i < 0 ? "" : `${gapLabel(gaps[i])}: nothing ran from +${formatDuration(gaps[i].start - first)} to +${formatDuration(gaps[i].end - first)}`;
              if (e.currentTarget.title !== title) e.currentTarget.title = title;
            }}
            role="img" aria-label={`Timeline: ${rows.length} rows, ${bars} bars${gapsSaid}`} data-rows={rows.length} data-bars={bars} data-gaps={gaps.length}
            style={{ position: "sticky", top: 0, left: 0, width, height: HEIGHT, display: "block" }} />
        </div>
      </div>
    </section>
  );
}
