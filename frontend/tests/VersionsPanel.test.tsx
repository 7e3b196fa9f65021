// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import VersionsPanel from "../src/designer/VersionsPanel";

// The versions contract: GET/POST /api/state-machines/<name>/versions/, GET .../versions/<n>/.
function server(versions: { version: number; definition: string; description: string }[] | null) {
  return vi.fn(async (url: string, init?: RequestInit) => {
    const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
    if (versions === null) return json({ detail: "Not found." }, 404);
    const one = /versions\/(\d+)\/$/.exec(url);
    if (one) return json({ ...versions.find((v) => v.version === Number(one[1])), arn: `arn:...:${one[1]}`, created: "2026-12-02T00:00:00Z" });
    if (init?.method === "POST") {
      const v = { version: versions.length + 1, definition: "{}", description: JSON.parse(String(init.body)).description };
      versions.push(v);
      return json(v, 201);
    }
    return json(versions.map(({ version, description }) => ({ version, description })));
  });
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("the versions panel", () => {
  it("diffs a published version against the current definition", async () => {
    vi.stubGlobal("fetch", server([{ version: 1, definition: '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}', description: "first" }]));
    render(<VersionsPanel machine="m" current='{"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": 2, "End": true}}}' onClose={() => undefined} />);
    await screen.findByText("Version 1");
    fireEvent.change(screen.getByLabelText("Compare from"), { target: { value: "1" } });
    const diff = await screen.findByLabelText("Differences");
    await waitFor(() => expect(diff.querySelector(".diff-added")?.textContent).toMatch(/^\+ +"Result": 2,$/));
  });

  it("publishes a version with its description", async () => {
    const fetch = server([]);
    vi.stubGlobal("fetch", fetch);
    render(<VersionsPanel machine="m" current="{}" onClose={() => undefined} />);
    await screen.findByText("No version published yet.");
    fireEvent.change(screen.getByLabelText("Version description"), { target: { value: "release" } });
    fireEvent.click(screen.getByText("Publish version"));
    await screen.findByText("Version 1");
    expect(fetch).toHaveBeenCalledWith("/api/state-machines/m/versions/", expect.objectContaining({ method: "POST", body: '{"description":"release"}' }));
  });

  it("says so when the server has no versions endpoint", async () => {
    vi.stubGlobal("fetch", server(null));
    render(<VersionsPanel machine="m" current="{}" onClose={() => undefined} />);
    await screen.findByText(/no versions endpoint/);
  });
});
