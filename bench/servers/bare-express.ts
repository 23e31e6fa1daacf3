/** Express with no session: the ceiling of the Express rows. */
import express from "express";
import { PORT, USER, announce, nextCounter, onShutdown } from "./shared.js";

const app = express();
app.disable("x-powered-by");
app.get("/login", (_req, res) => void res.type("text").send("ok"));
app.get("/read", (_req, res) => void res.type("text").send(USER));
app.get("/write", (_req, res) => void res.type("text").send(String(nextCounter())));
const server = app.listen(PORT, "127.0.0.1", () => announce(server));
onShutdown();
