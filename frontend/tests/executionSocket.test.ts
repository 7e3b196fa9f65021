// @vitest-environment jsdom
// The execution socket: the URL it opens, and a reconnect that resumes after the last event held.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { LiveMessage } from "../src/live/wire";
import { ExecutionSocket, executionSocketUrl } from "../src/socket/executionSocket";

class FakeSocket {
  static opened: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((frame: { data: string }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.opened.push(this);
  }
  send(message: LiveMessage) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  drop(code = 1006) {
    this.onclose?.({ code, reason: "" });
  }
  close() {
    this.drop(1000);
  }
}

const event = (id: number) => ({ id, previousEventId: id - 1, timestamp: id, type: "PassStateEntered" });
const ARN = "arn:aws:states:us-east-1:123456789012:execution:m:run-1";

describe("the execution socket", () => {
  beforeEach(() => {
    FakeSocket.opened = [];
    vi.stubGlobal("WebSocket", FakeSocket);
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it("names the execution percent-encoded and passes a token only when there is one", () => {
    expect(executionSocketUrl(ARN, 0, null)).toBe(`ws://${window.location.host}/ws/executions/${encodeURIComponent(ARN)}?after=0`);
    expect(executionSocketUrl(ARN, 7, "secret")).toMatch(/\?after=7&token=secret$/);
  });

  it("reconnects after a drop asking for the events after the last one received", () => {
    const received: LiveMessage[] = [];
    const socket = new ExecutionSocket(ARN, { onMessage: (m) => received.push(m) }, null);
    socket.open();
    FakeSocket.opened[0].send({ type: "events", events: [event(1), event(2), event(3)] });
    FakeSocket.opened[0].send({ type: "event", event: event(4) });
    FakeSocket.opened[0].drop();
    vi.advanceTimersByTime(1000);
    expect(FakeSocket.opened).toHaveLength(2);
    expect(FakeSocket.opened[1].url).toMatch(/\?after=4$/);
    expect(received).toHaveLength(2);
    socket.close();
  });

  it("does not reconnect once the execution has ended, nor after the server refused it", () => {
    const socket = new ExecutionSocket(ARN, { onMessage: () => undefined }, null);
    socket.open();
    FakeSocket.opened[0].send({ type: "status", executionArn: ARN, status: "SUCCEEDED" });
    FakeSocket.opened[0].drop();
    const unknown = new ExecutionSocket(ARN, { onMessage: () => undefined }, null);
    unknown.open();
    FakeSocket.opened[1].drop(4404);
    vi.advanceTimersByTime(20000);
    expect(FakeSocket.opened).toHaveLength(2);
  });
});
