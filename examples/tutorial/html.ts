/**
 * A tiny HTML template tag that escapes every interpolated value, so a
 * username like `<script>` is shown, never run. Only values wrapped in
 * {@link SafeHtml} (built by this same tag) go in unescaped.
 */

/**
 * HTML that is already escaped.
 *
 * @example
 * res.send(html`<p>${name}</p>`.value);
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/**
 * Escape text for an HTML element or a quoted attribute.
 *
 * @example
 * escapeHtml('<b title="x">'); // "&lt;b title=&quot;x&quot;&gt;"
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join("");
  if (value === undefined || value === null || value === false) return "";
  return escapeHtml(String(value));
}

/**
 * Build HTML: interpolated values are escaped, arrays are joined, and
 * `undefined`/`null`/`false` render as nothing (handy for `cond && html\`…\``).
 *
 * @example
 * html`<p>Hello, ${name}</p>`; // SafeHtml with name escaped
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new SafeHtml(out);
}
