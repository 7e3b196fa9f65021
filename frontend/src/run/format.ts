// Text shown on the run page. Pure.

/** JSON text indented, or the text as it is when it is not JSON. */
export function prettyJson(text: string | null | undefined): string {
  if (!text) return "";
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
