/**
 * The tutorial's pages: plain HTML with one small stylesheet and no client
 * framework, so "view source" shows everything there is. Every value from
 * the visitor goes through the escaping `html` tag, and every form that
 * changes something posts its CSRF token in the `csrf_token` field.
 */
import { html, type SafeHtml } from "./html.js";
import type { Inspection } from "./inspect.js";

/**
 * What every page shows around its content.
 *
 * @example
 * const ctx: PageContext = { user: "alice", flashes: [["message", "Logged in"]], storage: "cookie (signed)" };
 */
export interface PageContext {
  /** The logged-in user, if any. */
  user: string | undefined;
  /** Flashed messages taken out of the session for this page: `[category, message]`. */
  flashes: [string, string][];
  /** Where sessions live, for the footer: `cookie (flask)`, `sqlite (./sessionkit-tutorial.db)`. */
  storage: string;
  /** A CSRF token for the navigation's log out button (given when a user is logged in). */
  csrfToken?: string | undefined;
}

/**
 * The hidden field carrying a CSRF token; every form that changes state has one.
 *
 * @example
 * html`<form method="post" action="/set">${csrfField(token)}<button>Set</button></form>`;
 */
export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="csrf_token" value="${token}">`;
}

/**
 * The log out button: a POST form, never a link (a link on another site could log the visitor out).
 *
 * @example
 * logoutButton(session.csrfToken(), "secondary");
 */
export function logoutButton(token: string, style: "link" | "secondary" = "secondary"): SafeHtml {
  return html`<form method="post" action="/logout" class="inline">${csrfField(token)}<button type="submit" class="${style}">Log out</button></form>`;
}

/**
 * Wrap page content in the common layout: navigation, flashes, footer.
 *
 * @example
 * res.send(layout("Home", html`<p>Hi</p>`, ctx).value);
 */
export function layout(title: string, body: SafeHtml, ctx: PageContext): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · sessionkit tutorial</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<header>
  <a class="brand" href="/">sessionkit tutorial</a>
  <nav>
    <a href="/">Home</a> <a href="/profile">Profile</a> <a href="/inspect">Inspect</a>
    <a href="/set">Set</a> <a href="/get">Get</a> <a href="/del">Del</a> <a href="/clear">Clear</a>
    ${ctx.user !== undefined && ctx.csrfToken !== undefined ? logoutButton(ctx.csrfToken, "link") : html`<a href="/login">Log in</a>`}
  </nav>
</header>
<main>
${ctx.flashes.map(([category, message]) => html`<p class="flash flash-${category.replace(/[^a-z]/gi, "")}" role="status">${message}</p>`)}
<h1>${title}</h1>
${body}
</main>
<footer>Sessions: ${ctx.storage}. Read the code in <code>examples/tutorial/</code>.</footer>
</body>
</html>
`;
}

/**
 * The home page: who is logged in; with a login, `csrfToken` is for its log out button.
 *
 * @example
 * indexBody("alice", session.csrfToken()); // "Logged in as alice" and a log out button
 */
export function indexBody(user: string | undefined, csrfToken?: string): SafeHtml {
  if (user !== undefined && csrfToken !== undefined) {
    return html`<p class="status">Logged in as <strong>${user}</strong></p>
<div class="actions"><a class="button" href="/profile">Your profile</a> ${logoutButton(csrfToken)}</div>`;
  }
  return html`<p class="status">You are not logged in</p>
<p><a class="button" href="/login">Log in</a></p>
<p class="hint">This app keeps your login in a session, the way Flask's tutorial does.
Open <a href="/inspect">Inspect</a> to see what the cookie holds.</p>`;
}

/**
 * The login form; `problem` is shown above it (a 400 page reuses it).
 *
 * @example
 * loginBody({ csrfToken: session.csrfToken(), username: "alice", problem: "Enter a password." });
 */
export function loginBody(options: { csrfToken: string; username?: string; problem?: string }): SafeHtml {
  return html`${options.problem !== undefined && html`<p class="problem" role="alert">${options.problem}</p>`}
<form method="post" action="/login">
  ${csrfField(options.csrfToken)}
  <label>Username or email <input name="username" autocomplete="username" required maxlength="100" value="${options.username ?? ""}"></label>
  <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
  <label class="check"><input name="remember" type="checkbox" value="1"> Remember me (a permanent session: the cookie outlives the browser)</label>
  <button type="submit">Log in</button>
</form>
<p class="hint">This is a demo: any non-empty password is accepted. A real app checks a password hash here.</p>`;
}

/**
 * The profile of a logged-in user, with the log out buttons.
 *
 * @example
 * profileBody({ user: "alice", permanent: true, serverSide: true, csrfToken: session.csrfToken() });
 */
export function profileBody(options: { user: string; permanent: boolean; serverSide: boolean; sessionCount?: number | undefined; csrfToken: string; devices?: boolean }): SafeHtml {
  return html`<dl>
  <dt>Username</dt><dd class="username">${options.user}</dd>
  <dt>Session</dt><dd>${options.permanent ? "permanent: the cookie survives closing the browser" : "ends when the browser closes"}</dd>
  ${options.sessionCount !== undefined && html`<dt>Your sessions</dt><dd>${options.sessionCount} active</dd>`}
  ${options.devices === true && html`<dt>Devices</dt><dd><a href="/profile/devices">Your devices</a>: where you are logged in</dd>`}
</dl>
<div class="actions">${logoutButton(options.csrfToken)}</div>
${options.serverSide &&
  html`<form method="post" action="/logout-everywhere">${csrfField(options.csrfToken)}<button type="submit" class="danger">Log out everywhere</button></form>
<p class="hint">Server-side sessions can be revoked: this ends every session of this user, on every device.</p>`}`;
}

/**
 * `GET /logout`: a button, because a GET must not log anyone out.
 *
 * @example
 * logoutBody({ csrfToken: session.csrfToken() });
 */
export function logoutBody(options: { csrfToken: string }): SafeHtml {
  return html`<p>Log out of this session?</p>${logoutButton(options.csrfToken, "secondary")}
<p class="hint">Logging out is a form (a POST with a CSRF token), never a link: a link on another site could otherwise log you out.</p>`;
}

/**
 * The page after a logout; `ended` counts the other sessions "log out everywhere" ended.
 *
 * @example
 * loggedOutBody(2); // "Logged out everywhere (2 other sessions ended)"
 */
export function loggedOutBody(ended?: number): SafeHtml {
  const message = ended === undefined ? "Logged out" : `Logged out everywhere (${ended} other session${ended === 1 ? "" : "s"} ended)`;
  return html`<p class="status" role="status">${message}</p>
<p class="hint">The session was destroyed: its record (or cookie) is gone, and a copy of the old cookie opens an empty session.</p>
<p><a class="button" href="/login">Log in again</a></p>`;
}

/** The demo routes' pages: what each button does. */
export const DEMO = {
  set: { title: "Set", does: "stores user = Tom and pwd = password", button: "Set" },
  del: { title: "Del", does: "removes user (pwd stays)", button: "Delete user" },
  clear: { title: "Clear", does: "removes everything, so the cookie is deleted", button: "Clear the session" },
} as const;

/**
 * `GET /set`, `/del`, `/clear`: what the action does, and the button that does it (a POST).
 *
 * @example
 * demoFormBody("set", { csrfToken: session.csrfToken() });
 */
export function demoFormBody(action: keyof typeof DEMO, options: { csrfToken: string }): SafeHtml {
  return html`<p>Flask's session demo: this ${DEMO[action].does}.</p>
<form method="post" action="/${action}">${csrfField(options.csrfToken)}<button type="submit">${DEMO[action].button}</button></form>
<p class="hint">Flask's demo does this on a GET; here the GET only shows this button, because a GET must change nothing.</p>`;
}

/**
 * The 401 page of `/profile` without a login.
 *
 * @example
 * res.status(401).send(layout("Please log in", pleaseLogInBody(), ctx).value);
 */
export function pleaseLogInBody(): SafeHtml {
  return html`<p class="problem">Please log in first to see your profile.</p><p><a class="button" href="/login">Log in</a></p>`;
}

/**
 * A short page saying what a route did to the session.
 *
 * @example
 * noticeBody("Stored user = Tom and pwd = password.");
 */
export function noticeBody(message: string): SafeHtml {
  return html`<p class="status">${message}</p><p><a href="/get">See what is stored</a> · <a href="/inspect">Inspect the cookie</a></p>`;
}

/**
 * `/get`: the values `/set` stores.
 *
 * @example
 * getBody({ user: "Tom", pwd: "password" });
 */
export function getBody(values: { user: unknown; pwd: unknown }): SafeHtml {
  const show = (v: unknown): SafeHtml => (v === undefined ? html`<em>not set</em>` : html`<code>${JSON.stringify(v)}</code>`);
  return html`<dl><dt>user</dt><dd class="value-user">${show(values.user)}</dd><dt>pwd</dt><dd class="value-pwd">${show(values.pwd)}</dd></dl>
<p class="hint">Storing a password in a session is what Flask's tutorial does to show the API; never do it in a real app.</p>`;
}

/** JSON for display: Python-only values (bigint) as strings. */
function pretty(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}

function acceptedText(i: Inspection): string {
  if (i.mode === "server") return i.accepted ? "yes: the store holds a live session under this id" : "no: unknown or expired id, so the session started empty";
  return i.accepted ? "yes: signature and age are valid" : "no: forged, tampered with or expired, so the session started empty";
}

const when = (date: Date | undefined, otherwise: string): string => (date === undefined ? otherwise : date.toISOString());

/** How the cookie's value is shown: never whole, never in a form a script could send back as the cookie. */
function valueShown(i: Inspection): SafeHtml {
  if (!i.accepted) return html`<span class="refused">refused; its ${i.valueBytes} bytes are not shown</span>`;
  if (i.idHashPrefix !== undefined) {
    return html`<code class="cookie-value">${i.cookieName}=(a random id, hidden)</code> <span class="hint">its SHA-256 starts <code class="id-hash">${i.idHashPrefix}</code>, as in the logs</span>`;
  }
  if (i.parts === undefined) return html`<code class="cookie-value">${i.cookieName}=(encrypted, ${i.valueBytes} bytes, hidden)</code>`;
  // The payload is decoded below (CSRF secret masked); its base64 would carry the secret, so only its start is shown.
  const { payload, timestamp, signatureChars } = i.parts;
  return html`<code class="cookie-value">${i.cookieName}=<span class="part-payload">${payload.slice(0, 12)}…(payload, ${payload.length} characters)</span>.<span class="part-timestamp">${timestamp}</span>.<span class="part-signature">(signature, ${signatureChars} characters, hidden)</span></code>`;
}

/**
 * `/inspect`: the cookie taken apart, with nothing a script could send back as the cookie.
 *
 * @example
 * inspectBody(inspectSession({ ... }));
 */
export function inspectBody(i: Inspection): SafeHtml {
  if (!i.present) {
    return html`<p class="status">No <code>${i.cookieName}</code> cookie yet: the session is empty, so nothing was sent.
Try <a href="/set">/set</a> or <a href="/login">log in</a>, then come back.</p>`;
  }
  const explain =
    i.mode === "server"
      ? html`The cookie holds only a random session id; the data lives on the server.`
      : i.format === "encrypted"
        ? html`The cookie is encrypted: the visitor cannot read it. Below is what the server decrypted.`
        : html`The cookie is <strong>signed, not encrypted</strong>: anyone holding it can read the payload, but nobody can change it without the secret.`;
  return html`<p>${explain}</p>
<dl class="inspect">
  <dt>Cookie</dt><dd>${valueShown(i)} <span class="hint">(${i.valueBytes} bytes)</span></dd>
  <dt>Accepted</dt><dd class="accepted">${acceptedText(i)}</dd>
  ${i.payload !== undefined && html`<dt>Decoded payload${i.compressed ? " (was zlib-compressed)" : ""}</dt><dd><pre class="payload">${pretty(i.payload)}</pre></dd>`}
  ${i.accepted && html`<dt>Signed at</dt><dd class="signed-at">${when(i.signedAt, i.mode === "server" ? "not applicable: the id is random, not signed" : "hidden inside the encrypted value")}</dd>`}
  ${i.accepted && html`<dt>Browser keeps it until</dt><dd class="expires">${when(i.expiresAt, "the browser closes (not a permanent session)")}</dd>`}
  ${i.refusedAfter !== undefined && html`<dt>Server refuses it after</dt><dd class="refused-after">${i.refusedAfter.toISOString()}</dd>`}
  <dt>Session data</dt><dd><pre class="data">${pretty(i.data)}</pre></dd>
</dl>
<p class="hint">The signature (or the id) is never printed: the cookie is HttpOnly so that scripts cannot read it, and a page that printed it would hand it to any script that can read the page.</p>`;
}

/**
 * A plain error page body: no stack trace, only what the visitor can do.
 *
 * @example
 * errorBody("The username is empty.", "/login");
 */
export function errorBody(message: string, back = "/"): SafeHtml {
  return html`<p class="problem" role="alert">${message}</p><p><a href="${back}">Go back</a></p>`;
}
