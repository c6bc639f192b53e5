// The two ways a user-provided string (class name, dataset name, path, note) reaches the report:
// as text in markup, or as data read by the chart script. Every other path is a bug.

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe in element content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return String(text).replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]);
}

/**
 * JSON that can sit inside a <script> element: `<`, `>` and `&` become \u escapes so no
 * `</script>` or `<!--` can end or confuse the element, and U+2028/U+2029 are escaped because
 * older JavaScript parsers treat them as line breaks. JSON.parse gives back the same value.
 */
export function jsonForScript(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) return 'null';
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
