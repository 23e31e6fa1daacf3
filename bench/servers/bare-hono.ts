/** Hono on @hono/node-server with no session: the ceiling of the Hono rows. */
import { Hono } from "hono";
import { serve } from "@hono/node-server";
import type { Server } from "node:http";
import { PORT, USER, announce, nextCounter, onShutdown } from "./shared.js";

const app = new Hono();
app.get("/login", (c) => c.text("ok"));
app.get("/read", (c) => c.text(USER));
app.get("/write", (c) => c.text(String(nextCounter())));
const server = serve({ fetch: app.fetch, port: PORT, hostname: "127.0.0.1" }, () => announce(server as Server));
onShutdown();
