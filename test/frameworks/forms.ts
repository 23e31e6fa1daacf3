/**
 * Submitting a server-rendered form as a browser without JavaScript does:
 * every hidden input of the page's form (Next.js puts its Server Action's id
 * there, React Router and SvelteKit nothing), the visible fields, posted to
 * the form's action with this site's Origin.
 */
import type { Reply, Visitor } from "../tutorial/client.js";

const ENTITIES: Record<string, string> = { "&quot;": '"', "&amp;": "&", "&lt;": "<", "&gt;": ">", "&#x27;": "'", "&#39;": "'" };

function unescapeHtml(text: string): string {
  return text.replace(/&(?:quot|amp|lt|gt|#x27|#39);/g, (entity) => ENTITIES[entity]!);
}

/** The hidden inputs of the `index`-th form of a page, in order. */
export function hiddenFields(html: string, index = 0): [string, string][] {
  const forms = [...html.matchAll(/<form\b[^>]*>([\s\S]*?)<\/form>/g)];
  const form = forms[index];
  if (!form) throw new Error(`the page has ${forms.length} form(s), not a form #${index}`);
  const fields: [string, string][] = [];
  for (const input of form[1]!.matchAll(/<input\b[^>]*>/g)) {
    const tag = input[0];
    if (!/\btype="hidden"/.test(tag)) continue;
    const name = /\bname="([^"]*)"/.exec(tag)?.[1];
    if (name === undefined) continue;
    fields.push([unescapeHtml(name), unescapeHtml(/\bvalue="([^"]*)"/.exec(tag)?.[1] ?? "")]);
  }
  return fields;
}

/**
 * GET `page`, then post its `index`-th form (multipart, as Next.js's forms
 * are, or urlencoded) to `action` with `fields` added.
 *
 * @example
 * await submitForm(visitor, "/login", { username: "ada", password: "pw" });
 */
export async function submitForm(
  visitor: Visitor,
  page: string,
  fields: Record<string, string>,
  options: { action?: string; index?: number; origin?: string | null; multipart?: boolean } = {},
): Promise<Reply> {
  const shown = await visitor.get(page);
  if (shown.status !== 200) throw new Error(`GET ${page} answered ${shown.status}`);
  const all = [...hiddenFields(shown.body, options.index), ...Object.entries(fields)];
  const origin = options.origin === undefined ? new URL(visitor.baseUrl).origin : options.origin;
  const headers: Record<string, string> = origin === null ? {} : { origin };
  let body: FormData | string;
  if (options.multipart ?? true) {
    body = new FormData();
    for (const [name, value] of all) body.append(name, value);
  } else {
    body = new URLSearchParams(all).toString();
    headers["content-type"] = "application/x-www-form-urlencoded";
  }
  return visitor.send(options.action ?? page, { method: "POST", body, headers });
}
