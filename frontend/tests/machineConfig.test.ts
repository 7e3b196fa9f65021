import { describe, expect, it } from "vitest";
import {
  configDirty, configSaveProblems, configToSave, draftOf, hasTagProblems, refusedConfigField, roleArnProblem, sameTags, saveBody, tagProblems,
  type ConfigDraft, type StoredConfig, type TagRow,
} from "../src/designer/machineConfig";

const ROLE = "arn:aws:iam::123456789012:role/StepFunctionsRole";
const stored: StoredConfig = { role_arn: ROLE, tags: { team: "payments", env: "dev" } };
const rows = (...pairs: [string, string][]): TagRow[] => pairs.map(([key, value]) => ({ key, value }));

describe("the role ARN", () => {
  it("takes an IAM role's ARN in any partition", () => {
    expect(roleArnProblem(ROLE)).toBeNull();
    expect(roleArnProblem("arn:aws-us-gov:iam::123456789012:role/path/to/Role")).toBeNull();
    expect(roleArnProblem("arn:aws-cn:iam::123456789012:role/r")).toBeNull();
  });

  it("refuses anything else, saying what it expects", () => {
    expect(roleArnProblem("")).toBe("A role ARN is required");
    for (const bad of ["arn:aws:iam::12345678901:role/r", "arn:aws:iam::123456789012:user/r", "arn:aws:iam::123456789012:role/", "arn:AWS:iam::123456789012:role/r", "role/r"]) {
      expect(roleArnProblem(bad)).toMatch(/^Not an IAM role ARN/);
    }
  });
});

describe("the tags", () => {
  it("takes AWS's characters: letters and digits of any script, spaces and _ . : / = + - @", () => {
    expect(tagProblems(rows(["Cost Centre", "4711"], ["app:name/=+-@_.", ""], ["Équipe", "日本語 ٣"]))).toEqual({ list: null, rows: {} });
  });

  it("marks each row's key and value problems by row", () => {
    const found = tagProblems(rows(["", "x"], ["ok", "a*b"], ["a#", "v"], ["k".repeat(129), "v".repeat(257)], ["aws:owner", "me"], ["AWS:x", ""]));
    expect(found.list).toBeNull();
    expect(found.rows).toEqual({
      0: { key: "A key is required" },
      1: { value: "Only letters, digits, spaces and _ . : / = + - @" },
      2: { key: "Only letters, digits, spaces and _ . : / = + - @" },
      3: { key: "At most 128 characters (129)", value: "At most 256 characters (257)" },
      4: { key: "Keys starting with aws: are reserved by AWS" },
      5: { key: "Keys starting with aws: are reserved by AWS" },
    });
  });

  it("counts characters as AWS does (code points, not UTF-16 units) and refuses a tab", () => {
    expect(tagProblems(rows(["𠀀".repeat(128), "𠀀".repeat(256)])).rows).toEqual({});
    expect(tagProblems(rows(["𠀀".repeat(129), ""])).rows[0]).toEqual({ key: "At most 128 characters (129)" });
    expect(tagProblems(rows(["k", "\t"])).rows[0]).toEqual({ value: "Only letters, digits, spaces and _ . : / = + - @" });
  });

  it("marks a repeated key on every row after the first", () => {
    expect(tagProblems(rows(["a", "1"], ["b", "2"], ["a", "3"], ["a", "4"])).rows).toEqual({
      2: { key: "The same key as tag 1" },
      3: { key: "The same key as tag 1" },
    });
  });

  it("allows 50 tags, not 51", () => {
    const fifty = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: "" }));
    expect(hasTagProblems(tagProblems(fifty))).toBe(false);
    const found = tagProblems([...fifty, { key: "k50", value: "" }]);
    expect(found.list).toBe("At most 50 tags (51)");
    expect(hasTagProblems(found)).toBe(true);
  });

  it("compares with the stored tags in any order", () => {
    expect(sameTags(rows(["env", "dev"], ["team", "payments"]), stored.tags)).toBe(true);
    expect(sameTags(rows(["env", "dev"]), stored.tags)).toBe(false);
    expect(sameTags(rows(["env", "dev"], ["team", "ops"]), stored.tags)).toBe(false);
    expect(sameTags(rows(["env", "dev"], ["env", "dev"]), { env: "dev", x: "" })).toBe(false);
    expect(sameTags([], {})).toBe(true);
  });
});

describe("saving the configuration", () => {
  const draft = (change: Partial<ConfigDraft> = {}): ConfigDraft => ({ ...draftOf(stored), ...change });

  it("opens as stored and is not dirty", () => {
    expect(draftOf(stored)).toEqual({ roleArn: ROLE, tags: rows(["team", "payments"], ["env", "dev"]) });
    expect(configDirty(draft(), stored)).toBe(false);
    expect(configToSave(draft(), stored)).toEqual({});
  });

  it("sends only what changed, the tags whole (they replace the stored ones)", () => {
    const role = "arn:aws:iam::210987654321:role/Other";
    expect(configToSave(draft({ roleArn: role }), stored)).toEqual({ role_arn: role });
    expect(configToSave(draft({ tags: rows(["team", "payments"]) }), stored)).toEqual({ tags: { team: "payments" } });
    expect(configToSave(draft({ tags: [] }), stored)).toEqual({ tags: {} });
    expect(configDirty(draft({ tags: rows(["env", "dev"], ["team", "payments"]) }), stored)).toBe(false);
  });

  it("builds the PATCH body: the definition only when its text changed", () => {
    const layout = { positions: { A: { x: 1, y: 2 } } };
    expect(saveBody(undefined, layout, draft(), stored)).toEqual({ layout });
    expect(saveBody(undefined, layout, draft({ tags: [] }), stored)).toEqual({ layout, tags: {} });
    expect(saveBody("{}", layout, draft({ roleArn: "arn:aws:iam::123456789012:role/X" }), stored))
      .toEqual({ definition: "{}", layout, role_arn: "arn:aws:iam::123456789012:role/X" });
  });

  it("is stopped by problems of the fields it would send, only", () => {
    expect(configSaveProblems(draft({ roleArn: "nope", tags: rows(["aws:x", "1"], ["ok", "a*"]) }), stored)).toEqual([
      "Role ARN: Not an IAM role ARN: arn:aws:iam::<12-digit account>:role/<name>",
      "Tag key 1: Keys starting with aws: are reserved by AWS",
      "Tag value 2: Only letters, digits, spaces and _ . : / = + - @",
    ]);
    // What the server already holds is not sent, so it does not stop a save.
    const legacy: StoredConfig = { role_arn: "legacy", tags: { "aws:old": "x" } };
    expect(configSaveProblems(draftOf(legacy), legacy)).toEqual([]);
  });

  it("tells which field a refused save names", () => {
    expect(refusedConfigField({ code: "InvalidArn", message: "Invalid Arn: 'Invalid ARN prefix: x'" })).toBe("role_arn");
    expect(refusedConfigField({ code: "TooManyTags", message: "Too many tags" })).toBe("tags");
    expect(refusedConfigField({ code: "ValidationException", message: "1 validation error detected: Value at 'tags.2.member.key' failed" })).toBe("tags");
    expect(refusedConfigField({ tags: ["Not a valid string."] })).toBe("tags");
    expect(refusedConfigField({ role_arn: ["This field may not be blank."] })).toBe("role_arn");
    expect(refusedConfigField({ code: "InvalidDefinition", message: "Invalid State Machine Definition" })).toBeNull();
    expect(refusedConfigField(undefined)).toBeNull();
  });
});
