// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import ConfigPanel from "../src/designer/ConfigPanel";
import Toolbar from "../src/designer/Toolbar";
import { useDesigner } from "../src/designer/useDesigner";
import DesignerPage from "../src/pages/DesignerPage";

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
const ROLE = "arn:aws:iam::123456789012:role/StepFunctionsRole";
// Formatted as no editor would write it: a save must leave it byte for byte.
const DEFINITION = '{"StartAt":"A",   "States": {"A": {"Type": "Pass", "End": true}}}';

// The state machine contract: GET/PATCH /api/state-machines/<name>/; a PATCH takes any of definition,
// role_arn, layout and tags (which replace them all); a refused value answers 400 {"code", "message"}.
function server(refusal: Record<string, unknown> | null = null) {
  const machine = {
    name: "m", arn: "arn:aws:states:us-east-1:123456789012:stateMachine:m", type: "EXPRESS", definition: DEFINITION, role_arn: ROLE,
    layout: {}, tags: { team: "payments", env: "dev" } as Record<string, string>, created: "2026-12-01T00:00:00Z", updated: "2026-12-01T00:00:00Z",
  };
  return vi.fn(async (url: string, init?: RequestInit) => {
    if (url === "/api/validate/") return json({ problems: [] });
    if (url.endsWith("/local-settings/")) return json({ faults: null, clock: null });
    if (url === "/api/designer/resources/") return json({ lambdas: [], models: [], endpoints: {} });
    if (init?.method === "PATCH") {
      if (refusal) return json(refusal, 400);
      Object.assign(machine, JSON.parse(String(init.body)));
    }
    return json(machine);
  });
}

function Harness() {
  const d = useDesigner("m");
  if (!d.machine || !d.config) return <p>Loading</p>;
  const none = () => undefined;
  return (
    <>
      <Toolbar name="m" dirty={d.dirty} canUndo={false} canRedo={false}
        on={{ undo: none, redo: none, fit: none, layout: none, save: () => void d.save(), dialog: none, exportJson: none, exportSvg: none, exportPng: none }} />
      <ConfigPanel machine={d.machine} config={d.config} refused={d.configRefused} onChange={d.editConfig} />
      <output aria-label="Status">{d.status}</output>
    </>
  );
}

async function opened(fetch = server()) {
  vi.stubGlobal("fetch", fetch);
  render(<Harness />);
  await screen.findByLabelText("State machine configuration");
  return fetch;
}

const patches = (fetch: ReturnType<typeof server>) =>
  fetch.mock.calls.filter(([, init]) => init?.method === "PATCH").map(([url, init]) => ({ url, body: JSON.parse(String(init!.body)) }));
const value = (label: string) => (screen.getByLabelText(label) as HTMLInputElement).value;
const status = () => screen.getByLabelText("Status").textContent;

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("the Config tab", () => {
  it("shows the name, ARN and type read-only, and the role and tags as stored", async () => {
    await opened();
    expect(value("State machine name")).toBe("m");
    expect((screen.getByLabelText("State machine ARN") as HTMLInputElement).readOnly).toBe(true);
    expect(value("State machine ARN")).toBe("arn:aws:states:us-east-1:123456789012:stateMachine:m");
    expect(value("State machine type")).toBe("EXPRESS");
    expect(screen.getByText("Set when the state machine is created; AWS cannot change it either.")).toBeTruthy();
    expect(value("Role ARN")).toBe(ROLE);
    expect([value("Tag key 1"), value("Tag value 1"), value("Tag key 2"), value("Tag value 2")]).toEqual(["team", "payments", "env", "dev"]);
    expect(screen.getByText(/Logging and X-Ray tracing/)).toBeTruthy();
    expect(screen.getByText("Saved")).toBeTruthy();
  });

  it("refuses an invalid role ARN beside the field and at Save, without asking the server", async () => {
    const fetch = await opened();
    fireEvent.change(screen.getByLabelText("Role ARN"), { target: { value: "arn:aws:iam::123:role/r" } });
    expect(screen.getByText("Unsaved changes")).toBeTruthy();
    expect(screen.getByLabelText("Role ARN").getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByText(/^Not an IAM role ARN/)).toBeTruthy();
    fireEvent.click(screen.getByText("Save"));
    await waitFor(() => expect(status()).toMatch(/^Not saved: Role ARN: Not an IAM role ARN/));
    expect(patches(fetch)).toEqual([]);
  });

  it("saves a changed role with the layout only, leaving the definition as stored", async () => {
    const fetch = await opened();
    fireEvent.change(screen.getByLabelText("Role ARN"), { target: { value: "arn:aws:iam::210987654321:role/Other" } });
    fireEvent.click(screen.getByText("Save"));
    await waitFor(() => expect(status()).toBe("Saved (configuration and layout; definition unchanged)"));
    expect(patches(fetch)).toEqual([{ url: "/api/state-machines/m/", body: { layout: { positions: {} }, role_arn: "arn:aws:iam::210987654321:role/Other" } }]);
    expect(screen.getByText("Saved")).toBeTruthy();
  });

  it("adds, edits and removes tags, marks each row's problem, and saves them all at once", async () => {
    const fetch = await opened();
    fireEvent.click(screen.getByText("Add tag"));
    expect(document.activeElement).toBe(screen.getByLabelText("Tag key 3"));
    const row3 = screen.getByRole("group", { name: "Tag 3" });
    expect(within(row3).getByText("Key: A key is required")).toBeTruthy();
    fireEvent.change(screen.getByLabelText("Tag key 3"), { target: { value: "aws:owner" } });
    expect(within(row3).getByText("Key: Keys starting with aws: are reserved by AWS")).toBeTruthy();
    fireEvent.change(screen.getByLabelText("Tag key 3"), { target: { value: "team" } });
    expect(within(row3).getByText("Key: The same key as tag 1")).toBeTruthy();
    fireEvent.change(screen.getByLabelText("Tag value 3"), { target: { value: "a*b" } });
    expect(within(row3).getByText("Value: Only letters, digits, spaces and _ . : / = + - @")).toBeTruthy();
    fireEvent.click(screen.getByText("Save"));
    await waitFor(() => expect(status()).toBe("Not saved: Tag key 3: The same key as tag 1; Tag value 3: Only letters, digits, spaces and _ . : / = + - @"));
    expect(patches(fetch)).toEqual([]);

    fireEvent.change(screen.getByLabelText("Tag key 3"), { target: { value: "cost centre" } });
    fireEvent.change(screen.getByLabelText("Tag value 3"), { target: { value: "4711" } });
    fireEvent.click(screen.getByLabelText("Remove tag 1"));
    expect([value("Tag key 1"), value("Tag key 2")]).toEqual(["env", "cost centre"]);
    expect(screen.queryByLabelText("Tag key 3")).toBeNull();
    fireEvent.click(screen.getByText("Save"));
    await waitFor(() => expect(screen.getByText("Saved")).toBeTruthy());
    expect(patches(fetch).map((p) => p.body)).toEqual([{ layout: { positions: {} }, tags: { env: "dev", "cost centre": "4711" } }]);
  });

  it("removing every tag saves none", async () => {
    const fetch = await opened();
    fireEvent.click(screen.getByLabelText("Remove tag 2"));
    fireEvent.click(screen.getByLabelText("Remove tag 1"));
    fireEvent.click(screen.getByText("Save"));
    await waitFor(() => expect(screen.getByText("Saved")).toBeTruthy());
    expect(patches(fetch).map((p) => p.body)).toEqual([{ layout: { positions: {} }, tags: {} }]);
  });

  it("shows the server's refusal beside the tags and in the status, and stays unsaved", async () => {
    await opened(server({ code: "TooManyTags", message: "Too many tags: 'arn:…:m' would have 51 tags; the limit is 50" }));
    fireEvent.change(screen.getByLabelText("Tag value 2"), { target: { value: "prod" } });
    fireEvent.click(screen.getByText("Save"));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toBe("Not saved: Too many tags: 'arn:…:m' would have 51 tags; the limit is 50");
    expect(screen.getByRole("region", { name: "Tags" }).contains(alert)).toBe(true);
    expect(status()).toBe("Not saved: PATCH /api/state-machines/m/: TooManyTags Too many tags: 'arn:…:m' would have 51 tags; the limit is 50");
    expect(screen.getByText("Unsaved changes")).toBeTruthy();
    fireEvent.change(screen.getByLabelText("Tag value 2"), { target: { value: "test" } });
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("does not allow a 51st tag", async () => {
    await opened();
    for (let i = 0; i < 48; i++) fireEvent.click(screen.getByText("Add tag"));
    expect(screen.getByLabelText("Tag key 50")).toBeTruthy();
    expect((screen.getByText("Add tag") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText("50 of 50")).toBeTruthy();
  });
});

describe("the designer page", () => {
  it("has a Config tab beside Form and Definition, whose edits Save sends with the layout", async () => {
    vi.stubGlobal("ResizeObserver", class { observe() {} unobserve() {} disconnect() {} });
    const fetch = server();
    vi.stubGlobal("fetch", fetch);
    render(<DesignerPage name="m" />);
    const tab = await screen.findByRole("tab", { name: "Config" });
    const inspector = screen.getByRole("complementary", { name: "Inspector" });
    expect(within(inspector).getAllByRole("tab").map((t) => t.textContent)).toEqual(["Form", "Definition", "Config"]);
    expect(screen.queryByRole("region", { name: "State machine configuration" })).toBeNull(); // hidden until chosen
    fireEvent.click(tab);
    expect(tab.getAttribute("aria-selected")).toBe("true");
    expect(screen.getByRole("region", { name: "State machine configuration" })).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Add tag" }));
    fireEvent.change(screen.getByLabelText("Tag key 3"), { target: { value: "owner" } });
    fireEvent.change(screen.getByLabelText("Tag value 3"), { target: { value: "me@example.com" } });
    expect(screen.getByText("Unsaved changes")).toBeTruthy();
    expect((screen.getByRole("button", { name: "Undo" }) as HTMLButtonElement).disabled).toBe(true); // config edits are not in the history
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.getByText("Saved")).toBeTruthy());
    expect(patches(fetch).map((p) => p.body)).toEqual([{ layout: { positions: {} }, tags: { team: "payments", env: "dev", owner: "me@example.com" } }]);
  });
});
