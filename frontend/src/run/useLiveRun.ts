// One execution, live: the websocket's events folded into a RunModel, its status and metrics.
// Messages are gathered as they come and applied once per animation frame, so a burst of
// thousands of events costs one React render, never one per event.
import { useEffect, useRef, useState } from "react";
import type { Retrier } from "../live/retry";
import { RunModel } from "../live/runModel";
import type { MetricsMessage, StatusMessage, WireEvent } from "../live/wire";
import { ExecutionSocket } from "../socket/executionSocket";

export interface LiveRun {
  model: RunModel;
  version: number; // changes once per frame in which something arrived
  status: StatusMessage | null;
  metrics: MetricsMessage | null;
  connection: string;
  error: string | null;
}

export function useLiveRun(arn: string, retriers: Record<string, Retrier[]> | null, enabled: boolean): LiveRun {
  const [version, setVersion] = useState(0);
  const [connection, setConnection] = useState("connecting");
  const [error, setError] = useState<string | null>(null);
  const model = useRef<RunModel>(new RunModel(retriers));
  const status = useRef<StatusMessage | null>(null);
  const metrics = useRef<MetricsMessage | null>(null);

  useEffect(() => {
    if (!enabled) return;
    model.current = new RunModel(retriers);
    let pending: WireEvent[] = [];
    let frame = 0;
    const flush = () => {
      frame = 0;
      if (pending.length) {
        model.current.apply(pending);
        pending = [];
      }
      setVersion((v) => v + 1);
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(flush);
    };
    const socket = new ExecutionSocket(arn, {
      onMessage: (message) => {
        if (message.type === "event") pending.push(message.event);
        else if (message.type === "events") for (const e of message.events) pending.push(e);
        else if (message.type === "status") status.current = message;
        else if (message.type === "metrics") metrics.current = message;
        else if (message.type === "error") setError(message.message);
        else return;
        schedule();
      },
      onState: (state, detail) => {
        setConnection(state);
        if (state === "error" && detail) setError(detail);
        if (state === "open") setError(null);
      },
    });
    socket.open();
    return () => {
      socket.close();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [arn, retriers, enabled]);

  return { model: model.current, version, status: status.current, metrics: metrics.current, connection, error };
}
