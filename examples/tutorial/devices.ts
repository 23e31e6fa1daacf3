/**
 * "Your devices": the profile's list of the user's sessions, each with the
 * browser, system and network its login came from, and a "Log out this
 * device" button per row. Server-side sessions only, with
 * `createSessions({ devices: true })` (server.ts turns it on for the
 * tutorial's stores that index users).
 */
import type express from "express";
import type { Request, Response } from "express";
import type { Session, SessionManager, UserSession } from "sessionkit";
import { html, type SafeHtml } from "./html.js";
import { csrfField } from "./views.js";

/** What the device routes borrow from routes.ts. */
export interface DeviceRouteContext<Data extends Record<string, unknown>> {
  sessions: SessionManager<Data>;
  sessionOf(req: Request): Session<Data>;
  currentUser(session: Session<Data>): string | undefined;
  page(req: Request, res: Response, title: string, body: SafeHtml, status?: number): void;
  pleaseLogIn(req: Request, res: Response): void;
}

/**
 * Mount `GET /profile/devices` and `POST /profile/devices/logout` (behind the router's csrfProtection).
 *
 * @example
 * mountDevices(router, { sessions, sessionOf, currentUser, page, pleaseLogIn });
 */
export function mountDevices<Data extends Record<string, unknown>>(router: express.Router, ctx: DeviceRouteContext<Data>): void {
  router.get("/profile/devices", async (req, res) => {
    const session = ctx.sessionOf(req);
    const user = ctx.currentUser(session);
    if (user === undefined) return ctx.pleaseLogIn(req, res);
    const devices = await ctx.sessions.listForUser(user, { current: session });
    devices.sort((a, b) => Number(b.current) - Number(a.current) || b.lastSeenMs - a.lastSeenMs);
    ctx.page(req, res, "Your devices", devicesBody(devices, session.csrfToken()));
  });

  router.post("/profile/devices/logout", async (req, res) => {
    const session = ctx.sessionOf(req);
    const user = ctx.currentUser(session);
    if (user === undefined) return ctx.pleaseLogIn(req, res);
    const body = req.body as Record<string, unknown> | undefined;
    // userId: a form field naming another user's session ends nothing.
    const ended = await ctx.sessions.destroy(String(body?.idHash ?? ""), { userId: user });
    session.flash(ended ? "That device is logged out." : "That session had already ended.");
    res.redirect(303, "/profile/devices");
  });
}

/**
 * The devices page: one row per session, the current one marked and without a button (use Log out).
 *
 * @example
 * devicesBody(await sessions.listForUser(user, { current: session }), session.csrfToken());
 */
export function devicesBody(devices: readonly UserSession[], csrfToken: string): SafeHtml {
  const rows = devices.map(
    (d) => html`<tr class="device${d.current ? " current" : ""}">
  <td class="what">${d.device ? `${d.device.browser} on ${d.device.os}` : "unknown device"}${d.current && html` <strong>(this device)</strong>`}</td>
  <td class="network">${d.device?.network ?? "—"}</td>
  <td>${when(d.createdAtMs)}</td>
  <td>${when(d.lastSeenMs)}</td>
  <td>${d.current ? "" : html`<form method="post" action="/profile/devices/logout" class="inline">${csrfField(csrfToken)}<input type="hidden" name="idHash" value="${d.idHash}"><button type="submit" class="secondary">Log out this device</button></form>`}</td>
</tr>`,
  );
  return html`<table class="devices">
<thead><tr><th>Device</th><th>Network</th><th>Logged in</th><th>Last seen</th><th></th></tr></thead>
<tbody>${rows}</tbody>
</table>
<p class="hint">Recorded at each login because this app turned on <code>devices</code>: the browser and system family (no versions) and the network (the first three parts of an IPv4 address, 48 bits of IPv6), never the full address.</p>
<p><a href="/profile">Back to the profile</a></p>`;
}

function when(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").slice(0, 16) + " UTC";
}
