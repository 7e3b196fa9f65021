// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RunDialog } from "../src/designer/Dialogs";
import FaultsEditor from "../src/designer/FaultsEditor";
import { useLocalSettings } from "../src/designer/useLocalSettings";

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

// The local-settings contract: GET/PUT /api/state-machines/<name>/local-settings/ {"faults", "clock"};
// a refused plan answers 400 {"code": "ValidationException", "message": ...}.
function server(refusal: string | null = null) {
  const stored = { faults: null as unknown, clock: null as unknown };
  return vi.fn(async (url: string, init?: RequestInit) => {
    if (url.endsWith("/test-cases/")) return json({ configured: true, test_cases: ["HappyPath", "Declined"] });
    if (init?.method === "PUT") {
      if (refusal) return json({ code: "ValidationException", message: refusal }, 400);
      Object.assign(stored, JSON.parse(String(init.body)));
    }
    return json(stored);
  });
}

function Harness({ state }: { state: string }) {
  const testing = useLocalSettings("m");
  return <form><FaultsEditor state={state} testing={testing} /><output aria-label="Badges">{JSON.stringify(testing.badges)}</output></form>;
}

/** The section of state Charge against `fetch`, once the saved settings are read. */
async function opened(fetch = server()) {
  vi.stubGlobal("fetch", fetch);
  render(<Harness state="Charge" />);
  await screen.findByText("Faults saved");
  return fetch;
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("the Faults section of a Task state", () => {
  it("saves a fault to the local settings, and the saved plan gives the state its badge", async () => {
    const fetch = await opened();
    fireEvent.click(screen.getByText("Add error"));
    fireEvent.change(screen.getByLabelText("Fault 1 error"), { target: { value: "Boom.Injected" } });
    fireEvent.change(screen.getByLabelText("Fault 1 cause"), { target: { value: "rigged" } });
    fireEvent.change(screen.getByLabelText("Fault seed"), { target: { value: "42" } });
    expect(screen.getByText("Faults not saved yet")).toBeTruthy();
    fireEvent.click(screen.getByText("Save faults"));
    await screen.findByText("Faults saved");
    const put = fetch.mock.calls.find(([, init]) => init?.method === "PUT")!;
    expect(put[0]).toBe("/api/state-machines/m/local-settings/");
    expect(JSON.parse(String(put[1]!.body))).toEqual({
      faults: { seed: 42, states: { Charge: [{ type: "error", error: "Boom.Injected", cause: "rigged", probability: 1 }] } }, clock: null });
    expect(JSON.parse(screen.getByLabelText("Badges").textContent!)).toEqual({ Charge: "error Boom.Injected" });
  });

  it("edits a latency as a distribution and removes a fault", async () => {
    await opened();
    fireEvent.click(screen.getByText("Add timeout"));
    fireEvent.click(screen.getByText("Add latency"));
    fireEvent.change(screen.getByLabelText("Fault 2 latency"), { target: { value: "uniform" } });
    fireEvent.change(screen.getByLabelText("Fault 2 high"), { target: { value: "0.1" } });
    expect(screen.getByText("low must be at least 0 and at most high")).toBeTruthy();
    fireEvent.change(screen.getByLabelText("Fault 2 high"), { target: { value: "5" } });
    fireEvent.click(screen.getByLabelText("Remove Fault 1"));
    fireEvent.click(screen.getByText("Save faults"));
    await screen.findByText("Faults saved");
    expect(JSON.parse(screen.getByLabelText("Badges").textContent!)).toEqual({ Charge: "latency uniform 0.5–5 s" });
  });

  it("refuses to save what it can check itself, without asking the server", async () => {
    const fetch = await opened();
    fireEvent.click(screen.getByText("Add missed heartbeat"));
    fireEvent.change(screen.getByLabelText("Fault 1 probability"), { target: { value: "1.5" } });
    expect(screen.getByText("a number from 0 to 1")).toBeTruthy();
    fireEvent.click(screen.getByText("Save faults"));
    expect((await screen.findByRole("alert")).textContent).toBe("Not saved: Charge fault 1: probability: a number from 0 to 1");
    expect(fetch.mock.calls.some(([, init]) => init?.method === "PUT")).toBe(false);
  });

  it("shows the server's ValidationException beside the faults and marks the fault it names", async () => {
    await opened(server("Invalid fault plan: states.Charge[0]: a fault is an object whose type is one of error, latency, timeout, heartbeat"));
    fireEvent.click(screen.getByText("Add timeout"));
    fireEvent.click(screen.getByText("Save faults"));
    const alert = await screen.findByRole("alert", { name: "Faults not saved" });
    expect(alert.textContent).toBe("Not saved: Invalid fault plan: states.Charge[0]: a fault is an object whose type is one of error, latency, timeout, heartbeat");
    expect(screen.getByText("Fault 1: Timeout").closest("fieldset")!.className).toContain("refused");
    expect(screen.getByText("Faults not saved yet")).toBeTruthy();
  });
});

describe("the start-execution dialog", () => {
  it("offers the mock test cases and starts with the one chosen and the clock", async () => {
    vi.stubGlobal("fetch", server());
    const onStart = vi.fn(async () => undefined);
    render(<RunDialog machine="m" clock={null} onStart={onStart} onClose={() => undefined} />);
    await screen.findByRole("option", { name: "Declined" });
    fireEvent.change(screen.getByLabelText("Mock test case"), { target: { value: "Declined" } });
    fireEvent.change(screen.getByLabelText("Virtual clock"), { target: { value: "scaled" } });
    fireEvent.change(screen.getByLabelText("Clock factor"), { target: { value: "3" } });
    fireEvent.click(screen.getByText("Start execution"));
    expect((await screen.findByRole("alert")).textContent).toMatch(/at most 1/);
    fireEvent.change(screen.getByLabelText("Virtual clock"), { target: { value: "skip" } });
    fireEvent.click(screen.getByText("Start execution"));
    await waitFor(() => expect(onStart).toHaveBeenCalledWith("{}", { testCase: "Declined", clock: "skip" }));
  });

  it("starts from the saved clock and says when there is no mock configuration", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => json({ configured: false, test_cases: [] })));
    const onStart = vi.fn(async () => undefined);
    render(<RunDialog machine="m" clock={{ factor: 0.01 }} onStart={onStart} onClose={() => undefined} />);
    await screen.findByText(/No mock configuration/);
    expect((screen.getByLabelText("Clock factor") as HTMLInputElement).value).toBe("0.01");
    fireEvent.click(screen.getByText("Start execution"));
    await waitFor(() => expect(onStart).toHaveBeenCalledWith("{}", { testCase: undefined, clock: { factor: 0.01 } }));
  });
});
