// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { MetricsMessage } from "../src/live/wire";
import BatchingKnobs from "../src/run/BatchingKnobs";

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
const DEFAULTS = { max_batch_size: 64, max_wait_ms: 5, latency_target_ms: null };

// The batching contract: GET/PUT/DELETE /api/inference/models/<model>/batching/; a refused PUT answers DRF's 400.
function server(refusal: Record<string, unknown> | null = null) {
  let batching: Record<string, unknown> = {};
  return vi.fn(async (_url: string, init?: RequestInit) => {
    if (init?.method === "PUT") {
      if (refusal) return json(refusal, 400);
      batching = { ...batching, ...JSON.parse(String(init.body)) };
      return json({ model: "sentiment", batching, defaults: DEFAULTS, applied: "the inference workers" });
    }
    if (init?.method === "DELETE") {
      batching = {};
      return json({ model: "sentiment", batching, defaults: DEFAULTS, applied: "this process" });
    }
    return json({ model: "sentiment", batching, defaults: DEFAULTS });
  });
}

const metrics = (config: Record<string, unknown>): MetricsMessage => ({
  type: "metrics", time: 1, queues: { inference: 3 },
  models: { sentiment: { queue_depth: 3, batch_size_mean: 10.5, fill_ratio: 0.25, queue_wait_ms: { p50: 1.5, p99: 9 }, items_per_s: 210, config } },
});
const CONFIG = { max_batch_size: 42, max_wait_ms: 5, latency_target_ms: null, adaptive: false, adaptive_max_batch_size: 256 };

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("the batching knobs of a model", () => {
  it("shows the knobs and live figures of the latest metrics, and the form pre-filled from them", async () => {
    vi.stubGlobal("fetch", server());
    render(<BatchingKnobs model="sentiment" metrics={metrics(CONFIG)} />);
    const section = screen.getByRole("region", { name: "Batching of sentiment" });
    expect(section.getAttribute("data-model")).toBe("sentiment");
    expect(within(screen.getByLabelText("Current knobs")).getByText("42")).toBeTruthy();
    const figures = screen.getByLabelText("Live figures");
    expect(figures.querySelector('[data-figure="fill_ratio"] dd')?.textContent).toBe("25%");
    expect(figures.querySelector('[data-figure="queue_wait_ms"] dd')?.textContent).toBe("1.5 ms / 9 ms");
    expect((screen.getByLabelText("Max batch size") as HTMLInputElement).value).toBe("42");
    expect((screen.getByLabelText("Adaptive latency target (ms)") as HTMLInputElement).value).toBe("");
    await screen.findByText(/default 64/);
  });

  it("says so when no batches ran yet, and pre-fills from the server's knobs", async () => {
    vi.stubGlobal("fetch", server());
    render(<BatchingKnobs model="sentiment" metrics={null} />);
    expect(screen.getByText(/no batches yet/)).toBeTruthy();
    await waitFor(() => expect((screen.getByLabelText("Max batch size") as HTMLInputElement).value).toBe("64"));
  });

  it("checks the form: a message beside the field, Apply disabled", async () => {
    vi.stubGlobal("fetch", server());
    render(<BatchingKnobs model="sentiment" metrics={metrics(CONFIG)} />);
    fireEvent.change(screen.getByLabelText("Max batch size"), { target: { value: "5000" } });
    expect(screen.getByText("Must be from 1 to 4096.")).toBeTruthy();
    expect((screen.getByRole("button", { name: "Apply" }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByLabelText("Max batch size"), { target: { value: "16" } });
    expect((screen.getByRole("button", { name: "Apply" }) as HTMLButtonElement).disabled).toBe(false);
  });

  it("applies the form with a PUT and confirms where it took effect", async () => {
    const fetch = server();
    vi.stubGlobal("fetch", fetch);
    render(<BatchingKnobs model="sentiment" metrics={metrics(CONFIG)} />);
    fireEvent.change(screen.getByLabelText("Max wait (ms)"), { target: { value: "20" } });
    fireEvent.change(screen.getByLabelText("Adaptive latency target (ms)"), { target: { value: "50" } });
    fireEvent.click(screen.getByRole("button", { name: "Apply" }));
    await screen.findByText("Applied to the inference workers; figures update within a second.");
    expect(fetch).toHaveBeenCalledWith("/api/inference/models/sentiment/batching/", expect.objectContaining({
      method: "PUT", body: JSON.stringify({ max_batch_size: 42, max_wait_ms: 20, latency_target_ms: 50 }),
    }));
    fireEvent.click(screen.getByRole("button", { name: "Reset to defaults" }));
    await screen.findByText("Defaults restored in this process; figures update within a second.");
    expect(fetch).toHaveBeenCalledWith("/api/inference/models/sentiment/batching/", expect.objectContaining({ method: "DELETE" }));
    expect((screen.getByLabelText("Max wait (ms)") as HTMLInputElement).value).toBe("5");
  });

  it("shows a refused PUT's messages beside their fields", async () => {
    vi.stubGlobal("fetch", server({ max_wait_ms: ["Ensure this value is less than or equal to 10000."], detail: "Not applied." }));
    render(<BatchingKnobs model="sentiment" metrics={metrics(CONFIG)} />);
    fireEvent.click(screen.getByRole("button", { name: "Apply" }));
    await screen.findByText("Ensure this value is less than or equal to 10000.");
    expect(screen.getByLabelText("Batching not applied").textContent).toBe("Not applied.");
    expect(screen.getByLabelText("Max wait (ms)").getAttribute("aria-invalid")).toBe("true");
  });
});
