/**
 * Starting a documentation block as a program, and what a visitor does to
 * it. A block marked `<!-- run: NAME -->` is started with run-snippet.mjs
 * and then driven by the scenario NAME, which asserts on the answers.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";

/**
 * A started block: its URL, and how to stop it.
 *
 * @example
 * const app = await startSnippet(file, { cwd, nodeArgs: ["--import", "tsx"] });
 */
export interface RunningSnippet {
  url: string;
  stop(): Promise<void>;
}

const RUNNER = new URL("./run-snippet.mjs", import.meta.url).pathname;

/**
 * Start `file` with run-snippet.mjs and wait until it listens (60 s at most: booting Node and tsx on a loaded machine).
 * Its output is kept, and shown only if it never listens.
 *
 * @example
 * const app = await startSnippet("test-output/docs/README/line-40.ts", { cwd: "test-output/docs/README", nodeArgs: ["--conditions=source", "--import", "tsx"] });
 */
export async function startSnippet(file: string, options: { cwd: string; nodeArgs: string[] }): Promise<RunningSnippet> {
  const env = { ...process.env, SECRET_KEY: randomBytes(32).toString("base64url"), NODE_ENV: "development" };
  const child = spawn(process.execPath, [...options.nodeArgs, RUNNER, file], { cwd: options.cwd, env, stdio: ["ignore", "pipe", "pipe", "ipc"] });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} did not listen within 60 s:\n${output}`)), 60_000);
    child.once("message", (message: { port: number }) => {
      clearTimeout(timer);
      resolve(message.port);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited with ${code} before listening:\n${output}`));
    });
  }).catch(async (error: unknown) => {
    await stop(child);
    throw error;
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => stop(child) };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

/** A visitor: one cookie jar, redirects not followed (the test asserts on them). */
class Visitor {
  readonly #cookies = new Map<string, string>();
  constructor(readonly url: string) {}

  async request(method: string, path: string, form?: Record<string, string>): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.#cookies.size > 0) headers.cookie = [...this.#cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    if (form) headers["content-type"] = "application/x-www-form-urlencoded";
    // A browser names the page's origin on every POST; csrfProtection() lets this site's through.
    if (method !== "GET") headers.origin = new URL(this.url).origin;
    const response = await fetch(this.url + path, { method, headers, body: form ? new URLSearchParams(form).toString() : undefined, redirect: "manual" });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === "" || /;\s*max-age=0\b/i.test(line)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
    return response;
  }

  get cookieNames(): string[] {
    return [...this.#cookies.keys()];
  }
}

/**
 * What a visitor does to each runnable block, by the name its `<!-- run: -->` marker gives.
 *
 * @example
 * await SCENARIOS["visits"]!(app.url);
 */
export const SCENARIOS: Readonly<Record<string, (url: string) => Promise<void>>> = {
  /** README's Quick start: a wrong password, a login, a page that reads the session, a logout. */
  async "quick-start"(url) {
    const visitor = new Visitor(url);
    const anonymous = await visitor.request("GET", "/");
    assert.equal(anonymous.status, 200);
    assert.match(await anonymous.text(), /not logged in/);

    // Another site's form (login CSRF) is refused before the route runs, even with the right password.
    const forged = await fetch(url + "/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://attacker.example" },
      body: new URLSearchParams({ username: "ada", password: "correct horse battery staple" }).toString(),
      redirect: "manual",
    });
    assert.equal(forged.status, 403);
    assert.deepEqual(forged.headers.getSetCookie(), [], "no session for the attacker's login");

    const wrong = await visitor.request("POST", "/login", { username: "ada", password: "wrong" });
    assert.equal(wrong.status, 401);
    assert.deepEqual(visitor.cookieNames, [], "a failed login sets no session cookie");

    const login = await visitor.request("POST", "/login", { username: "ada", password: "correct horse battery staple", remember: "on" });
    assert.equal(login.status, 302);
    assert.equal(login.headers.get("location"), "/");
    const [cookie] = login.headers.getSetCookie();
    assert.match(cookie ?? "", /^session=[^;]+; Expires=[^;]+; HttpOnly; Path=\/; SameSite=Lax$/, "remember me: a permanent, HttpOnly, SameSite cookie");

    const page = await visitor.request("GET", "/");
    assert.equal(page.status, 200);
    assert.equal(await page.text(), "Logged in\nLogged in as Ada");
    assert.match(page.headers.get("vary") ?? "", /\bCookie\b/i);
    assert.equal((await (await visitor.request("GET", "/")).text()), "Logged in as Ada", "a flash is shown once");

    const logout = await visitor.request("POST", "/logout");
    assert.equal(logout.status, 302);
    assert.match(logout.headers.getSetCookie()[0] ?? "", /^session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0/);
    assert.match(await (await visitor.request("GET", "/")).text(), /not logged in/);
  },

  /** docs/adapters.md's programs, one per framework: a typed counter in the session. */
  async visits(url) {
    const visitor = new Visitor(url);
    const first = await visitor.request("GET", "/");
    assert.equal(first.status, 200);
    assert.equal(await first.text(), "visits: 1");
    assert.match(first.headers.getSetCookie()[0] ?? "", /^session=[^;]+; HttpOnly; Path=\/; SameSite=Lax$/);
    assert.match(first.headers.get("vary") ?? "", /\bCookie\b/i);
    assert.equal(await (await visitor.request("GET", "/")).text(), "visits: 2");
    assert.equal(await (await visitor.request("GET", "/")).text(), "visits: 3");
  },

  /** docs/session-features.md's schema: what the schema accepts is stored; a refused set() is a 400 that changes nothing. */
  async "schema-cart"(url) {
    const visitor = new Visitor(url);
    assert.equal(await (await visitor.request("GET", "/add?item=tea")).text(), "cart: tea");
    assert.equal(await (await visitor.request("GET", "/add?item=jam")).text(), "cart: tea, jam");
    const empty = await visitor.request("GET", "/add?item=");
    assert.equal(empty.status, 400);
    assert.equal(await empty.text(), "Not added (cart.2)");
    assert.deepEqual(empty.headers.getSetCookie(), [], "nothing changed, nothing written");
    assert.equal(await (await visitor.request("GET", "/add?item=bread")).text(), "cart: tea, jam, bread");
    const full = await visitor.request("GET", "/add?item=milk");
    assert.equal(full.status, 400);
    assert.equal(await full.text(), "Not added (cart)");
  },
};
