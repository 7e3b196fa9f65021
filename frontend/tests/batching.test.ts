// The batcher knobs' form: the text checked and read back into the PUT body, a 400's messages by field,
// and the knobs and live figures of a metrics message as text.
import { describe, expect, it } from "vitest";
import { ApiError } from "../src/api/client";
import type { ModelMetrics } from "../src/live/wire";
import {
  checkBatchingForm, confirmation, effectiveKnobs, errorMessages, formFromKnobs, knobFigures, liveFigures, parseNumber, serverMessages,
} from "../src/run/batching";

const form = (max_batch_size: string, max_wait_ms: string, latency_target_ms = "") => ({ max_batch_size, max_wait_ms, latency_target_ms });

describe("the batching form is checked before a PUT", () => {
  it("reads valid knobs into the body, an empty latency target as null (adaptive off)", () => {
    expect(checkBatchingForm(form("32", "5"))).toEqual({ errors: {}, body: { max_batch_size: 32, max_wait_ms: 5, latency_target_ms: null } });
    expect(checkBatchingForm(form(" 4096 ", "0", "  "))).toEqual({ errors: {}, body: { max_batch_size: 4096, max_wait_ms: 0, latency_target_ms: null } });
    expect(checkBatchingForm(form("1", "10000", "12.5")).body).toEqual({ max_batch_size: 1, max_wait_ms: 10000, latency_target_ms: 12.5 });
    expect(checkBatchingForm(form("64", "0.25", "1e2")).body).toEqual({ max_batch_size: 64, max_wait_ms: 0.25, latency_target_ms: 100 });
  });

  it("refuses a max batch size that is not a whole number from 1 to 4096", () => {
    for (const text of ["", "0", "4097", "-3", "2.5", "abc", "3x"]) {
      const check = checkBatchingForm(form(text, "5"));
      expect(check.body, text).toBeNull();
      expect(Object.keys(check.errors), text).toEqual(["max_batch_size"]);
    }
    expect(checkBatchingForm(form("", "5")).errors.max_batch_size).toMatch(/^Required/);
    expect(checkBatchingForm(form("2.5", "5")).errors.max_batch_size).toMatch(/whole number/);
    expect(checkBatchingForm(form("5000", "5")).errors.max_batch_size).toBe("Must be from 1 to 4096.");
  });

  it("refuses a max wait outside 0..10000 ms and a latency target not above 0", () => {
    expect(checkBatchingForm(form("8", "10001")).errors).toEqual({ max_wait_ms: "Must be from 0 to 10000 ms." });
    expect(checkBatchingForm(form("8", "-1")).errors.max_wait_ms).toBeDefined();
    expect(checkBatchingForm(form("8", "")).errors.max_wait_ms).toMatch(/^Required/);
    expect(checkBatchingForm(form("8", "5", "0")).errors).toEqual({ latency_target_ms: "Must be from 0.1 to 60000 ms (leave empty for off)." });
    expect(checkBatchingForm(form("8", "5", "60001")).errors.latency_target_ms).toBeDefined();
    expect(checkBatchingForm(form("8", "5", "0.1")).body?.latency_target_ms).toBe(0.1);
    expect(checkBatchingForm(form("8", "5", "fast")).errors.latency_target_ms).toMatch(/^Not a number/);
    const all = checkBatchingForm(form("0", "x", "-5"));
    expect(all.body).toBeNull();
    expect(Object.keys(all.errors).sort()).toEqual(["latency_target_ms", "max_batch_size", "max_wait_ms"]);
  });

  it("reads numbers strictly", () => {
    expect(parseNumber("")).toBeUndefined();
    expect(parseNumber("12")).toBe(12);
    expect(parseNumber(".5")).toBe(0.5);
    expect(parseNumber("0x10")).toBeNaN();
    expect(parseNumber("1,5")).toBeNaN();
  });
});

describe("the form is pre-filled from the knobs in effect", () => {
  it("takes a metrics message's config, the latency target only in adaptive mode", () => {
    expect(formFromKnobs({ max_batch_size: 64, max_wait_ms: 7.000000000000001, latency_target_ms: null, adaptive: false })).toEqual(form("64", "7", ""));
    expect(formFromKnobs({ max_batch_size: 16, max_wait_ms: 2, latency_target_ms: 50, adaptive: true })).toEqual(form("16", "2", "50"));
    expect(formFromKnobs(null)).toEqual(form("", "", ""));
  });

  it("takes a batching response's overrides over its defaults", () => {
    const response = { model: "m", batching: { max_wait_ms: 20 }, defaults: { max_batch_size: 64, max_wait_ms: 5, latency_target_ms: null } };
    expect(effectiveKnobs(response)).toEqual({ max_batch_size: 64, max_wait_ms: 20, latency_target_ms: null });
    expect(formFromKnobs(effectiveKnobs(response))).toEqual(form("64", "20", ""));
  });
});

describe("a refused request's messages", () => {
  it("maps a DRF 400 body to its fields, the rest to general messages", () => {
    expect(serverMessages({ max_wait_ms: ["Ensure this value is less than or equal to 10000."], max_batch_size: ["A valid integer is required.", "Too big."] })).toEqual({
      fields: { max_wait_ms: "Ensure this value is less than or equal to 10000.", max_batch_size: "A valid integer is required. Too big." },
      general: [],
    });
    expect(serverMessages({ detail: "Adaptive mode is not available for this model." })).toEqual({ fields: {}, general: ["Adaptive mode is not available for this model."] });
    expect(serverMessages({ non_field_errors: ["Nothing to set."], queue_capacity: ["Unknown knob."] })).toEqual({
      fields: {}, general: ["Nothing to set.", "queue_capacity: Unknown knob."],
    });
    expect(serverMessages("Bad request")).toEqual({ fields: {}, general: ["Bad request"] });
  });

  it("reads an ApiError: a 400's body by field, else its status and detail", () => {
    const refused = new ApiError("PUT /x: ...", 400, "Ensure ...", { latency_target_ms: ["Ensure this value is greater than 0."] });
    expect(errorMessages(refused)).toEqual({ fields: { latency_target_ms: "Ensure this value is greater than 0." }, general: [] });
    expect(errorMessages(new ApiError("GET /x: Unknown model", 404, "Unknown model 'nope'.", { detail: "Unknown model 'nope'." }))).toEqual({
      fields: {}, general: ["Not found: Unknown model 'nope'."],
    });
    expect(errorMessages(new ApiError("PUT /x: HTTP 500", 500, "HTTP 500")).general).toEqual(["HTTP 500: HTTP 500"]);
    expect(errorMessages(new TypeError("Failed to fetch"))).toEqual({ fields: {}, general: ["Failed to fetch"] });
  });
});

describe("what the panel says", () => {
  it("confirms where the knobs took effect", () => {
    expect(confirmation("apply", "the inference workers")).toBe("Applied to the inference workers; figures update within a second.");
    expect(confirmation("reset", "this process")).toBe("Defaults restored in this process; figures update within a second.");
  });

  it("shows the knobs in effect, adaptive mode with its latency target", () => {
    expect(knobFigures({ max_batch_size: 64, max_wait_ms: 5, adaptive: false, latency_target_ms: null }).map((f) => f.text)).toEqual(["64", "5 ms", "fixed"]);
    expect(knobFigures({ max_batch_size: 24, max_wait_ms: 1.5, adaptive: true, latency_target_ms: 50, adaptive_max_batch_size: 256 }).at(-1)?.text)
      .toBe("adaptive, latency target 50 ms (batches up to 256)");
  });

  it("shows the live figures, a dash for one not measured yet", () => {
    const figures = liveFigures({ batch_size_mean: 12.345, fill_ratio: 0.386, queue_wait_ms: { p50: 1.234, p99: 48.76 }, items_per_s: 1234.5, queue_depth: 7 });
    expect(Object.fromEntries(figures.map((f) => [f.key, f.text]))).toEqual({
      batch_size_mean: "12.3", fill_ratio: "39%", queue_wait_ms: "1.23 ms / 48.8 ms", items_per_s: "1235", queue_depth: "7",
    });
    const idle = liveFigures({ batch_size_mean: null, fill_ratio: null, queue_wait_ms: { p50: null, p99: null }, items_per_s: 0, queue_depth: 0 } as unknown as ModelMetrics); // the server sends null for a figure not measured yet
    expect(idle.map((f) => f.text)).toEqual(["—", "—", "— / —", "0", "0"]);
  });
});
