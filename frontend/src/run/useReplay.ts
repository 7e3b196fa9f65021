// Replay of a history at a chosen time: the model as of t, moved forward event by event while
// playing and rebuilt only when t goes back.
import { useEffect, useRef, useState } from "react";
import type { Retrier } from "../live/retry";
import { RunModel } from "../live/runModel";
import type { WireEvent } from "../live/wire";

export interface Replay {
  active: boolean;
  t: number;
  playing: boolean;
  model: RunModel | null;
  version: number;
  seek: (t: number) => void;
  play: () => void;
  pause: () => void;
  exit: () => void;
}

export function useReplay(events: readonly WireEvent[], retriers: Record<string, Retrier[]> | null, first: number, last: number): Replay {
  const [t, setT] = useState<number | null>(null);
  const [playing, setPlaying] = useState(false);
  const state = useRef<{ model: RunModel; next: number; t: number } | null>(null);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    if (t === null) {
      state.current = null;
      return;
    }
    let s = state.current;
    if (!s || t < s.t) s = { model: new RunModel(retriers), next: 0, t };
    s.next = s.model.applyUntil(events, s.next, t);
    s.t = t;
    state.current = s;
    setVersion((v) => v + 1);
  }, [t, events, retriers]);

  useEffect(() => {
    if (!playing) return;
    // The whole run plays in about ten seconds, whatever its length.
    const speed = Math.max(last - first, 0.001) / 10;
    let previous = performance.now();
    let frame = requestAnimationFrame(function tick(now) {
      const dt = (now - previous) / 1000;
      previous = now;
      setT((current) => {
        const next = Math.min(last, (current ?? first) + dt * speed);
        if (next >= last) setPlaying(false);
        return next;
      });
      frame = requestAnimationFrame(tick);
    });
    return () => cancelAnimationFrame(frame);
  }, [playing, first, last]);

  return {
    active: t !== null,
    t: t ?? last,
    playing,
    model: t === null ? null : (state.current?.model ?? null),
    version,
    seek: (value) => setT(value),
    play: () => {
      setT((current) => (current === null || current >= last ? first : current));
      setPlaying(true);
    },
    pause: () => setPlaying(false),
    exit: () => {
      setPlaying(false);
      setT(null);
    },
  };
}
