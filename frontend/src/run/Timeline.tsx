// The timeline (Gantt) on a <canvas>: a row per state entry and per Map iteration, a bar per
// state, iteration and attempt; only the rows in view are drawn, so 10,000 iterations scroll
// as fast as ten. Zoom with the buttons; filter to failures.
import { useEffect, useMemo, useRef, useState } from "react";
import type { RunModel } from "../live/runModel";
import { formatDuration } from "../live/nodeInfo";
import { barCount, fitScale, rowBars, rowLabel, visibleRows } from "../live/timeline";

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

interface Props {
  model: RunModel;
  version: number;
  now: number;
  onSelect?: (name: string, seq: number) => void; // a click on a row: its state entry
}

export default function Timeline({ model, version, now, onSelect }: Props) {
  const [zoom, setZoom] = useState(1);
  const [failuresOnly, setFailuresOnly] = useState(false);
  const [scroll, setScroll] = useState({ left: 0, top: 0 });
  const [width, setWidth] = useState(900);
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const rows = useMemo(() => visibleRows(model, failuresOnly), [model, failuresOnly, version]);
  const first = model.firstTime ?? 0;
  const last = Math.max(model.lastTime ?? 0, now);
  const scale = fitScale(first, last, width - LABEL - 20, zoom);
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
    const x = (t: number) => LABEL + (t - first) * scale.pxPerSecond - scroll.left;
    g.font = "11px system-ui, sans-serif";
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
    const step = tickStep(scale.pxPerSecond);
    g.fillStyle = "#64748b";
    g.strokeStyle = "#e2e8f0";
    for (let t = Math.ceil(((scroll.left) / scale.pxPerSecond) / step) * step; LABEL + t * scale.pxPerSecond - scroll.left < width; t += step) {
      const px = LABEL + t * scale.pxPerSecond - scroll.left;
      g.fillText(`+${formatDuration(t)}`, px + 2, 12);
      g.beginPath();
      g.moveTo(px + 0.5, 0);
      g.lineTo(px + 0.5, AXIS);
      g.stroke();
    }
  }, [rows, version, now, scroll, width, zoom, first, scale.pxPerSecond]);

  const contentWidth = LABEL + (last - first) * scale.pxPerSecond + 20;
  const contentHeight = AXIS + rows.length * ROW;
  return (
    <section aria-label="Timeline" className="timeline">
      <div className="row filters">
        <button aria-label="Zoom the timeline in" onClick={() => setZoom((z) => z * 2)}>+</button>
        <button aria-label="Zoom the timeline out" onClick={() => setZoom((z) => Math.max(1, z / 2))}>−</button>
        <button onClick={() => setZoom(1)}>Fit</button>
        <label><input type="checkbox" checked={failuresOnly} onChange={(e) => setFailuresOnly(e.target.checked)} /> Failures only</label>
        <span className="muted">{rows.length} rows · {bars} bars · zoom ×{zoom.toFixed(zoom % 1 ? 2 : 0)} (Ctrl + wheel) · click a row for its state</span>
      </div>
      <div ref={wrap} className="timeline-scroll" style={{ height: HEIGHT, overflow: "auto", position: "relative" }}
        onScroll={(e) => setScroll({ left: e.currentTarget.scrollLeft, top: e.currentTarget.scrollTop })}>
        <div style={{ width: contentWidth, height: contentHeight, position: "relative" }}>
          <canvas ref={canvas}
            onClick={(e) => {
              if (e.nativeEvent.offsetY < AXIS) return;
              const row = rows[Math.floor((e.nativeEvent.offsetY - AXIS + scroll.top) / ROW)];
              const entry = row?.entry ?? row?.iteration?.entries.at(-1);
              if (entry && onSelect) onSelect(entry.name, entry.seq);
            }} role="img" aria-label={`Timeline: ${rows.length} rows, ${bars} bars`} data-rows={rows.length} data-bars={bars}
            style={{ position: "sticky", top: 0, left: 0, width, height: HEIGHT, display: "block" }} />
        </div>
      </div>
    </section>
  );
}
