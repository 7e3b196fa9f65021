// The execution websocket (docs/live.md): the history from the last event id held, then live.
// Reconnects after a drop with ?after=<last id received>, so no event is lost or repeated.
// No React: the caller decides when to render what arrives.
import type { LiveMessage } from "../live/wire";

export interface SocketCallbacks {
  onMessage: (message: LiveMessage) => void;
  onState?: (state: "connecting" | "open" | "closed" | "error", detail?: string) => void;
}

/** The page's API token, when its address carries one (?token=...); loopback pages need none. */
export function pageToken(): string | null {
  return new URLSearchParams(window.location.search).get("token");
}

export function executionSocketUrl(arn: string, after: number, token: string | null): string {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  const query = new URLSearchParams({ after: String(after) });
  if (token) query.set("token", token);
  return `${scheme}//${window.location.host}/ws/executions/${encodeURIComponent(arn)}?${query}`;
}

export class ExecutionSocket {
  private socket: WebSocket | null = null;
  private lastId = 0;
  private retryMs = 500;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private finished = false; // a terminal status came: nothing more will

  constructor(private readonly arn: string, private readonly callbacks: SocketCallbacks, private readonly token = pageToken()) {}

  open(): void {
    this.callbacks.onState?.("connecting");
    const socket = new WebSocket(executionSocketUrl(this.arn, this.lastId, this.token));
    this.socket = socket;
    socket.onopen = () => {
      this.retryMs = 500;
      this.callbacks.onState?.("open");
    };
    socket.onmessage = (frame) => {
      let message: LiveMessage;
      try {
        message = JSON.parse(String(frame.data)) as LiveMessage;
      } catch {
        return;
      }
      if (message.type === "event") this.lastId = Math.max(this.lastId, message.event.id);
      else if (message.type === "events" && message.events.length) this.lastId = Math.max(this.lastId, message.events[message.events.length - 1].id);
      else if (message.type === "status" && message.status !== "RUNNING" && message.status !== "PENDING_REDRIVE") this.finished = true;
      else if (message.type === "error") this.finished = true; // the server closes after it; retrying would get it again
      this.callbacks.onMessage(message);
    };
    socket.onclose = (event) => {
      this.socket = null;
      if (this.closed) return;
      if (this.finished || event.code === 4404 || event.code === 4400 || event.code === 4403) {
        this.callbacks.onState?.("closed", event.reason || undefined);
        return;
      }
      this.callbacks.onState?.("error", `connection lost (code ${event.code}); reconnecting`);
      this.timer = setTimeout(() => this.open(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 8000);
    };
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.close();
  }
}
