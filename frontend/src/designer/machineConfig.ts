// The state machine's configuration in the designer's Config tab: its role and tags as edited,
// AWS's limits on them checked here, and what a save sends of them. Pure.

export interface TagRow {
  key: string;
  value: string;
}

/** The role and tags being edited; tags as rows, so that a half-typed or repeated key can be shown. */
export interface ConfigDraft {
  roleArn: string;
  tags: TagRow[];
}

/** What the server holds (GET /api/state-machines/<name>/). */
export interface StoredConfig {
  role_arn: string;
  tags: Record<string, string>;
}

export const MAX_TAGS = 50;
export const MAX_TAG_KEY = 128;
export const MAX_TAG_VALUE = 256;

export const ROLE_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;
// AWS's pattern for tag keys and values: Unicode letters, separators (spaces) and numbers, and _ . : / = + - @
const TAG_TEXT_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const RESERVED_PREFIX = /^aws:/i;

/** Characters as AWS (and the server) count them: code points, not UTF-16 units. */
const length = (text: string) => [...text].length;

export function draftOf(stored: StoredConfig): ConfigDraft {
  return { roleArn: stored.role_arn ?? "", tags: Object.entries(stored.tags ?? {}).map(([key, value]) => ({ key, value: String(value) })) };
}

/** Why the role ARN would be refused, or null. */
export function roleArnProblem(roleArn: string): string | null {
  if (roleArn === "") return "A role ARN is required";
  if (!ROLE_ARN_PATTERN.test(roleArn)) return "Not an IAM role ARN: arn:aws:iam::<12-digit account>:role/<name>";
  return null;
}

export interface TagProblems {
  /** The tags as a whole (too many). */
  list: string | null;
  /** By row index: the key's and the value's problem, for rows that have one. */
  rows: Record<number, { key?: string; value?: string }>;
}

function keyProblem(key: string): string | undefined {
  if (key === "") return "A key is required";
  if (length(key) > MAX_TAG_KEY) return `At most ${MAX_TAG_KEY} characters (${length(key)})`;
  if (!TAG_TEXT_PATTERN.test(key)) return "Only letters, digits, spaces and _ . : / = + - @";
  if (RESERVED_PREFIX.test(key)) return "Keys starting with aws: are reserved by AWS";
  return undefined;
}

function valueProblem(value: string): string | undefined {
  if (length(value) > MAX_TAG_VALUE) return `At most ${MAX_TAG_VALUE} characters (${length(value)})`;
  if (!TAG_TEXT_PATTERN.test(value)) return "Only letters, digits, spaces and _ . : / = + - @";
  return undefined;
}

/** AWS's limits on a resource's tags, row by row; a repeated key is marked on every row after the first. */
export function tagProblems(rows: TagRow[]): TagProblems {
  const result: TagProblems = { list: rows.length > MAX_TAGS ? `At most ${MAX_TAGS} tags (${rows.length})` : null, rows: {} };
  const firstRow = new Map<string, number>();
  rows.forEach((row, i) => {
    let key = keyProblem(row.key);
    const value = valueProblem(row.value);
    const first = firstRow.get(row.key);
    if (!key && first !== undefined) key = `The same key as tag ${first + 1}`;
    if (first === undefined) firstRow.set(row.key, i);
    if (key || value) result.rows[i] = { ...(key ? { key } : {}), ...(value ? { value } : {}) };
  });
  return result;
}

export function hasTagProblems(problems: TagProblems): boolean {
  return problems.list !== null || Object.keys(problems.rows).length > 0;
}

/** The rows as the object the server takes (meaningful only when the rows have no problem). */
export function tagsObject(rows: TagRow[]): Record<string, string> {
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

/** Whether the rows hold exactly the stored tags, in any order. */
export function sameTags(rows: TagRow[], stored: Record<string, string>): boolean {
  const keys = Object.keys(stored);
  if (rows.length !== keys.length) return false;
  const seen = new Set<string>();
  for (const { key, value } of rows) {
    if (seen.has(key) || !Object.hasOwn(stored, key) || stored[key] !== value) return false;
    seen.add(key);
  }
  return true;
}

export function roleChanged(draft: ConfigDraft, stored: StoredConfig): boolean {
  return draft.roleArn !== (stored.role_arn ?? "");
}

export function tagsChanged(draft: ConfigDraft, stored: StoredConfig): boolean {
  return !sameTags(draft.tags, stored.tags ?? {});
}

export const configDirty = (draft: ConfigDraft, stored: StoredConfig) => roleChanged(draft, stored) || tagsChanged(draft, stored);

/** The problems that stop a save, one line each: only of what the save would send (an untouched field
 * is not sent, so what the server already holds never blocks a save). */
export function configSaveProblems(draft: ConfigDraft, stored: StoredConfig): string[] {
  const found: string[] = [];
  if (roleChanged(draft, stored)) {
    const role = roleArnProblem(draft.roleArn);
    if (role) found.push(`Role ARN: ${role}`);
  }
  if (tagsChanged(draft, stored)) {
    const problems = tagProblems(draft.tags);
    if (problems.list) found.push(`Tags: ${problems.list}`);
    for (const [i, p] of Object.entries(problems.rows)) {
      if (p.key) found.push(`Tag key ${Number(i) + 1}: ${p.key}`);
      if (p.value) found.push(`Tag value ${Number(i) + 1}: ${p.value}`);
    }
  }
  return found;
}

/** What a save sends of the configuration: only the fields changed (tags replace them all). */
export function configToSave(draft: ConfigDraft, stored: StoredConfig): { role_arn?: string; tags?: Record<string, string> } {
  return {
    ...(roleChanged(draft, stored) ? { role_arn: draft.roleArn } : {}),
    ...(tagsChanged(draft, stored) ? { tags: tagsObject(draft.tags) } : {}),
  };
}

/** The PATCH body of a save: the definition only when its text changed (so an unedited definition
 * stays byte for byte as stored), the layout, and the configuration changed. */
export function saveBody(
  definition: string | undefined,
  layout: { positions: Record<string, { x: number; y: number }> },
  draft: ConfigDraft,
  stored: StoredConfig,
): { definition?: string; role_arn?: string; layout: typeof layout; tags?: Record<string, string> } {
  return { ...(definition !== undefined ? { definition } : {}), layout, ...configToSave(draft, stored) };
}

export type ConfigField = "role_arn" | "tags";

/** Which configuration field a refused save's error names (the server's 400 body), or null when
 * it names none (the definition's, say). */
export function refusedConfigField(body: unknown): ConfigField | null {
  if (!body || typeof body !== "object") return null;
  const data = body as Record<string, unknown>;
  if ("tags" in data && !("code" in data)) return "tags";
  if ("role_arn" in data && !("code" in data)) return "role_arn";
  if (data.code === "TooManyTags") return "tags";
  if (data.code === "InvalidArn") return "role_arn";
  if (data.code === "ValidationException" && typeof data.message === "string") {
    if (/'tags[.'[]/.test(data.message)) return "tags";
    if (/'role_?arn'/i.test(data.message)) return "role_arn";
  }
  return null;
}
